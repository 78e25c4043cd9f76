#include "convert/hf_vocab.h"

#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "convert/hf_checkpoint.h"
#include "core/error.h"
#include "gguf/gguf_writer.h"
#include "tokenizer/vocab.h"

namespace edgeseek {
namespace {

using nlohmann::json;

// The pre-tokenizer regexes as tokenizer.json spells them (after JSON unescaping).
const char* const kQwen2Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kLlama3Regex =
    R"((?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)";
const char* const kR1Bos = "<｜begin▁of▁sentence｜>";

// llama.cpp's order of special token kinds, with the GGUF key each one is written under.
const std::pair<const char*, const char*> kSpecialKinds[] = {
    {"bos", "tokenizer.ggml.bos_token_id"},    {"eos", "tokenizer.ggml.eos_token_id"},
    {"unk", "tokenizer.ggml.unknown_token_id"}, {"sep", "tokenizer.ggml.seperator_token_id"},
    {"pad", "tokenizer.ggml.padding_token_id"}, {"cls", "tokenizer.ggml.cls_token_id"},
    {"mask", "tokenizer.ggml.mask_token_id"},
};

bool starts_ends(const std::string& s, const std::string& a, const std::string& b) {
    return s.size() >= a.size() + b.size() && s.compare(0, a.size(), a) == 0 && s.compare(s.size() - b.size(), b.size(), b) == 0;
}

// Added tokens some models forget to mark special although they are control tokens.
bool looks_special(const std::string& t) {
    return t == "<pad>" || t == "<mask>" || t == "<2mass>" || t == "[@BOS@]" || starts_ends(t, "<|", "|>") ||
           starts_ends(t, "<｜", "｜>") || starts_ends(t, "<unused", ">");
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) s.replace(at, from.size(), to);
    return s;
}

// The content of a tokenizer_config.json entry: "text" or {"content": "text", ...}.
std::string token_content(const json& cfg, const std::string& key) {
    const auto it = cfg.find(key);
    if (it == cfg.end()) return {};
    if (it->is_string()) return it->get<std::string>();
    if (it->is_object() && it->contains("content") && (*it)["content"].is_string()) return (*it)["content"].get<std::string>();
    return {};
}

void read_model_vocab(const json& model, int64_t n_vocab, const std::string& where, HfVocabulary& v) {
    const auto vocab = model.find("vocab");
    if (vocab == model.end() || !vocab->is_object()) throw Error("model.vocab is missing", where, "tokenizer.json is corrupt");
    v.tokens.assign(static_cast<size_t>(n_vocab), std::string());
    v.types.assign(static_cast<size_t>(n_vocab), gguf_value(TokenType::Unused));
    for (const auto& [text, id] : vocab->items()) {
        if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() >= n_vocab) {
            throw Error("token '" + text + "' has id " + id.dump() + ", outside the model's vocabulary of " +
                            std::to_string(n_vocab), where, "config.json vocab_size must cover every token");
        }
        v.tokens[static_cast<size_t>(id.get<int64_t>())] = text;
        v.types[static_cast<size_t>(id.get<int64_t>())] = gguf_value(TokenType::Normal);
    }
}

void read_added_tokens(const json& tok, int64_t n_vocab, const std::string& where, HfVocabulary& v) {
    const auto added = tok.find("added_tokens");
    if (added == tok.end() || !added->is_array()) return;
    for (const auto& a : *added) {
        if (!a.is_object() || !a.contains("id") || !a["id"].is_number_integer() || !a.contains("content") ||
            !a["content"].is_string()) {
            throw Error("an added token lacks an integer id or a content string", where, "tokenizer.json is corrupt");
        }
        const int64_t id = a["id"].get<int64_t>();
        const std::string text = a["content"].get<std::string>();
        if (id < 0 || id >= n_vocab) {
            throw Error("added token '" + text + "' has id " + std::to_string(id) + ", outside the model's vocabulary of " +
                            std::to_string(n_vocab), where, "config.json vocab_size must cover every token");
        }
        const bool special = a.contains("special") && a["special"].is_boolean() && a["special"].get<bool>();
        const auto k = static_cast<size_t>(id);
        if (special || looks_special(text)) {
            v.tokens[k] = text;
            v.types[k] = gguf_value(TokenType::Control);
        } else {
            v.tokens[k] = replace_all(text, "\xe2\x96\x81", " ");  // SentencePiece's ▁ written as the space it stands for
            v.types[k] = gguf_value(TokenType::UserDefined);
        }
    }
    for (size_t k = 0; k < v.tokens.size(); ++k) {
        if (v.types[k] == gguf_value(TokenType::Unused)) v.tokens[k] = "[PAD" + std::to_string(k) + "]";
    }
}

void read_merges(const json& model, const std::string& where, HfVocabulary& v) {
    const auto merges = model.find("merges");
    if (merges == model.end() || !merges->is_array() || merges->empty()) {
        throw Error("model.merges is missing or empty", where, "a byte-level BPE tokenizer.json lists its merges");
    }
    v.merges.reserve(merges->size());
    for (const auto& m : *merges) {
        if (m.is_string()) {
            v.merges.push_back(m.get<std::string>());
        } else if (m.is_array() && m.size() == 2 && m[0].is_string() && m[1].is_string()) {
            // The newer pair form may hold spaces; GGUF's "a b" form separates on the space.
            v.merges.push_back(replace_all(m[0].get<std::string>(), " ", "\xc4\xa0") + " " +
                               replace_all(m[1].get<std::string>(), " ", "\xc4\xa0"));
        } else {
            throw Error("a merge is neither \"a b\" nor [\"a\", \"b\"]: " + m.dump(), where, "tokenizer.json is corrupt");
        }
    }
}

int64_t added_token_id(const json& tok, const std::string& content) {
    const auto added = tok.find("added_tokens");
    if (content.empty() || added == tok.end() || !added->is_array()) return -1;
    for (const auto& a : *added) {
        if (a.value("content", std::string()) == content && a.contains("id")) return a["id"].get<int64_t>();
    }
    return -1;
}

int64_t config_token_id(const json& j, const std::string& kind) {
    const auto it = j.find(kind + "_token_id");
    if (it == j.end()) return -1;
    if (it->is_number_integer()) return it->get<int64_t>();
    return -1;
}

// What the post-processor adds: a leading special token is BOS, a trailing one EOS.
void read_post_processor(const json& tok, const std::string& bos, const std::string& eos, HfVocabulary& v) {
    const auto pp = tok.find("post_processor");
    if (pp == tok.end() || !pp->is_object()) return;
    const json procs = pp->contains("processors") ? (*pp)["processors"] : json::array({*pp});
    for (const auto& p : procs) {
        if (!p.is_object() || p.value("type", "") != "TemplateProcessing" || !p.contains("single")) continue;
        const json& single = p["single"];
        if (!single.is_array() || single.size() < 2) continue;
        auto special_id = [](const json& item) {
            return item.is_object() && item.contains("SpecialToken") ? item["SpecialToken"].value("id", std::string()) : std::string();
        };
        if (const std::string first = special_id(single.front()); !first.empty()) v.add_special.emplace_back("bos", first == bos);
        if (const std::string last = special_id(single.back()); !last.empty()) v.add_special.emplace_back("eos", last == eos);
    }
}

void set_add_special(HfVocabulary& v, const std::string& kind, bool value) {
    for (auto& [k, b] : v.add_special) {
        if (k == kind) { b = value; return; }
    }
    v.add_special.emplace_back(kind, value);
}

void read_special_tokens(const HfCheckpoint& ckpt, const json& tok, const json& tcfg, int64_t n_vocab, HfVocabulary& v) {
    json gen = json::object();
    if (file_exists(ckpt.path("generation_config.json"))) gen = read_json_file(ckpt.path("generation_config.json"));
    for (const auto& [kind, key] : kSpecialKinds) {
        (void)key;
        int64_t id = added_token_id(tok, token_content(tcfg, std::string(kind) + "_token"));
        if (id < 0) id = config_token_id(ckpt.config(), kind);
        if (id < 0 && (std::string(kind) == "bos" || std::string(kind) == "eos") && gen.is_object()) {
            id = config_token_id(gen, kind);
            const auto list = gen.find(std::string(kind) + "_token_id");  // several EOS ids: the first
            if (id < 0 && list != gen.end() && list->is_array() && !list->empty() && (*list)[0].is_number_integer()) {
                id = (*list)[0].get<int64_t>();
            }
        }
        if (id >= 0 && id < n_vocab) v.special_ids.emplace_back(kind, id);
    }
    read_post_processor(tok, token_content(tcfg, "bos_token"), token_content(tcfg, "eos_token"), v);
    for (const auto& [kind, key] : kSpecialKinds) {
        (void)key;
        const auto it = tcfg.find(std::string("add_") + kind + "_token");
        if (it != tcfg.end() && it->is_boolean()) set_add_special(v, kind, it->get<bool>());
    }
}

void read_chat_templates(const HfCheckpoint& ckpt, const json& tcfg, HfVocabulary& v) {
    json t = tcfg.contains("chat_template") ? tcfg["chat_template"] : json();
    if (t.is_null() && file_exists(ckpt.path("chat_template.jinja"))) {
        std::string text;
        {
            std::ifstream in(ckpt.path("chat_template.jinja"), std::ios::binary);
            text.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
        }
        t = text;
    } else if (t.is_null() && file_exists(ckpt.path("chat_template.json"))) {
        const json j = read_json_file(ckpt.path("chat_template.json"));
        if (j.is_object() && j.contains("chat_template")) t = j["chat_template"];
    }
    if (t.is_string()) {
        v.chat_templates.emplace_back("", t.get<std::string>());
    } else if (t.is_array()) {  // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
        for (const auto& e : t) {
            if (!e.is_object() || !e.contains("name") || !e.contains("template") || !e["template"].is_string()) continue;
            const std::string name = e["name"].is_string() ? e["name"].get<std::string>() : std::string();
            v.chat_templates.emplace_back(name == "default" ? std::string() : name, e["template"].get<std::string>());
        }
    }
}

bool has_r1_markers(const json& tok, const json& tcfg, const HfVocabulary& v) {
    if (added_token_id(tok, kR1Bos) >= 0 || token_content(tcfg, "bos_token") == kR1Bos) return true;
    for (const auto& [name, text] : v.chat_templates) {
        if (text.find(kR1Bos) != std::string::npos || text.find("<｜Assistant｜>") != std::string::npos) return true;
    }
    return false;
}

}  // namespace

std::string detect_pre_tokenizer(const json& tok, bool r1_markers, const std::string& where) {
    const auto pre = tok.find("pre_tokenizer");
    if (pre == tok.end() || !pre->is_object()) throw Error("pre_tokenizer is missing", where, "tokenizer.json is corrupt");
    const json steps = pre->contains("pretokenizers") ? (*pre)["pretokenizers"] : json::array({*pre});
    std::string regex;
    bool byte_level_regex = false;
    for (const auto& s : steps) {
        if (!s.is_object()) continue;
        const std::string type = s.value("type", "");
        if (type == "Split" && s.contains("pattern") && s["pattern"].is_object() && s["pattern"].contains("Regex") &&
            s["pattern"]["Regex"].is_string() && regex.empty()) {
            regex = s["pattern"]["Regex"].get<std::string>();
        }
        if (type == "ByteLevel" && s.value("use_regex", true)) byte_level_regex = true;
    }
    if (regex == kQwen2Regex) return r1_markers ? "deepseek-r1-qwen" : "qwen2";
    if (regex == kLlama3Regex) return "llama-bpe";
    if (regex.empty() && byte_level_regex) return "gpt-2";
    throw Error("unrecognised pre-tokenizer" + (regex.empty() ? std::string() : " regex " + regex), where,
                "edgeseek recognises the Qwen2, DeepSeek-R1-Qwen, Llama 3 and GPT-2 pre-tokenizers; pass "
                "--vocab FILE.gguf to take the tokenizer from a GGUF made by llama.cpp");
}

namespace {

HfVocabulary read_vocabulary_files(const HfCheckpoint& ckpt, int64_t n_vocab, const std::string& where) {
    const json tok = read_json_file(where);
    const json tcfg = file_exists(ckpt.path("tokenizer_config.json")) ? read_json_file(ckpt.path("tokenizer_config.json"))
                                                                       : json::object();
    if (!tok.is_object() || !tok.contains("model") || !tok["model"].is_object()) {
        throw Error("'model' is missing", where, "tokenizer.json is corrupt");
    }
    const json& model = tok["model"];
    const json decoder = tok.contains("decoder") && tok["decoder"].is_object() ? tok["decoder"] : json::object();
    if (model.value("type", "") != "BPE" || model.value("byte_fallback", false) || decoder.value("type", "") != "ByteLevel") {
        throw Error("not a byte-level BPE tokenizer (model type '" + model.value("type", std::string("?")) + "')", where,
                    "edgeseek converts GPT-2 style byte-level BPE vocabularies (Qwen, Llama 3, DeepSeek-R1)");
    }
    HfVocabulary v;
    read_model_vocab(model, n_vocab, where, v);
    read_added_tokens(tok, n_vocab, where, v);
    read_merges(model, where, v);
    read_special_tokens(ckpt, tok, tcfg.is_object() ? tcfg : json::object(), n_vocab, v);
    read_chat_templates(ckpt, tcfg.is_object() ? tcfg : json::object(), v);
    v.pre = detect_pre_tokenizer(tok, has_r1_markers(tok, tcfg.is_object() ? tcfg : json::object(), v), where);
    return v;
}

}  // namespace

HfVocabulary read_hf_vocabulary(const HfCheckpoint& ckpt, int64_t n_vocab) {
    const std::string where = ckpt.path("tokenizer.json");
    if (!file_exists(where)) {
        throw Error("tokenizer.json is missing", ckpt.dir(),
                    "download the checkpoint's tokenizer.json, or pass --vocab FILE.gguf to take the tokenizer from a GGUF");
    }
    try {
        return read_vocabulary_files(ckpt, n_vocab, where);
    } catch (const json::exception& e) {
        throw Error(std::string("unexpected structure: ") + e.what(), where + " / tokenizer_config.json",
                    "the tokenizer files are corrupt or of a kind edgeseek does not know");
    }
}

void HfVocabulary::write(GgufWriter& w) const {
    w.set_string("tokenizer.ggml.model", "gpt2");
    w.set_string("tokenizer.ggml.pre", pre);
    w.set_string_array("tokenizer.ggml.tokens", tokens);
    w.set_i32_array("tokenizer.ggml.token_type", types);
    w.set_string_array("tokenizer.ggml.merges", merges);
    for (const auto& [kind, id] : special_ids) {
        for (const auto& [k, key] : kSpecialKinds) {
            if (kind == k) w.set_u32(key, static_cast<uint32_t>(id));
        }
    }
    for (const auto& [kind, add] : add_special) w.set_bool("tokenizer.ggml.add_" + kind + "_token", add);
    for (const auto& [name, text] : chat_templates) {
        w.set_string(name.empty() ? "tokenizer.chat_template" : "tokenizer.chat_template." + name, text);
    }
}

}  // namespace edgeseek
