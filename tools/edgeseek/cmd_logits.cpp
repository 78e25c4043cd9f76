// `edgeseek logits`: the debug view external checks compare with llama.cpp. Prints one JSON
// object shaped like an entry of fixtures/golden-llamacpp.json.
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <numeric>

#include "cli_common.h"
#include "core/error.h"
#include "commands.h"
#include "engine/session.h"
#include "sampling/sampler.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::cli {

namespace {
struct LogitsOpts {
    std::string model, prompt, file;
    bool no_bos = false;
    ModelLoadFlags load;
    int top = 8, greedy = 32, threads = 0;
    int64_t ctx = 0;
};

nlohmann::json top_entries(const float* logits, int64_t n_vocab, int k) {
    std::vector<int32_t> idx(static_cast<size_t>(n_vocab));
    std::iota(idx.begin(), idx.end(), 0);
    const size_t kk = std::min<size_t>(static_cast<size_t>(k), idx.size());
    std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(kk), idx.end(), [&](int32_t a, int32_t b) {
        return logits[a] != logits[b] ? logits[a] > logits[b] : a < b;
    });
    nlohmann::json ids = nlohmann::json::array(), vals = nlohmann::json::array();
    for (size_t i = 0; i < kk; ++i) {
        ids.push_back(idx[i]);
        vals.push_back(logits[idx[i]]);
    }
    return {{"top_ids", ids}, {"top_logits", vals}};
}
}  // namespace

CommandRun add_logits_command(CLI::App& app) {
    auto o = std::make_shared<LogitsOpts>();
    CLI::App* sub = app.add_subcommand("logits", "Print top logits at every prompt position and greedy ids as JSON");
    sub->add_option("-m,--model", o->model, "GGUF model file")->required();
    auto* p = sub->add_option("-p,--prompt", o->prompt, "prompt text (special tokens are parsed)");
    sub->add_option("-f,--file", o->file, "read the prompt from this file")->excludes(p);
    sub->add_flag("--no-bos", o->no_bos, "do not add BOS");
    sub->add_option("--top", o->top, "logits per position")->default_val(8)->check(CLI::Range(1, 1000));
    sub->add_option("--greedy", o->greedy, "greedy continuation tokens")->default_val(32)->check(CLI::Range(0, 100000));
    sub->add_option("-t,--threads", o->threads, "threads (default: physical cores)");
    sub->add_option("-c,--ctx-size,--ctx_size", o->ctx, "context size (default: prompt + greedy)");
    add_model_load_flags(sub, &o->load);
    return [o]() -> int {
        const std::string text = prompt_text(o->prompt, o->file);
        const LoadOptions lo = o->load.options();
        auto model = Model::load(o->model, lo);
        auto tok = Tokenizer::from_gguf(model->file());
        const std::vector<int32_t> ids = tok->encode(text, !o->no_bos, true);
        if (ids.empty()) throw Error("the prompt produced no tokens", "logits", "pass a non-empty prompt");
        const bool bos_added = !ids.empty() && ids[0] == tok->bos() && !o->no_bos && tok->add_bos_default();
        const int64_t need = static_cast<int64_t>(ids.size()) + o->greedy;
        const int64_t ctx = o->ctx > 0 ? o->ctx : need;
        Session session(*model, ctx, o->threads > 0 ? o->threads : default_threads());
        const int64_t V = model->config().n_vocab;
        const std::vector<float>& all = session.eval(ids, true);
        nlohmann::json positions = nlohmann::json::array();
        for (size_t i = 0; i < ids.size(); ++i) positions.push_back(top_entries(&all[i * static_cast<size_t>(V)], V, o->top));
        std::vector<float> last(all.end() - V, all.end());
        nlohmann::json greedy = nlohmann::json::array();
        for (int g = 0; g < o->greedy && session.n_past() < session.n_ctx(); ++g) {
            const int32_t next = Sampler::argmax(last.data(), V);
            greedy.push_back(next);
            if (g + 1 == o->greedy || session.n_past() + 1 >= session.n_ctx()) break;
            last = session.eval({next});
        }
        nlohmann::json out = {{"prompt", text},      {"add_bos", bos_added}, {"prompt_ids", ids},
                              {"positions", positions}, {"greedy_ids", greedy}};
        const std::string s = out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
        std::fwrite(s.data(), 1, s.size(), stdout);
        return 0;
    };
}

}  // namespace edgeseek::cli
