// Shared by the quality tests: the text they score, running the real binary, reading numbers
// from its output, and a model whose logits are all zero.
#pragma once
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "gguf/gguf_writer.h"
#include "test_support.h"

namespace edgeseek::test {

// The Creative Commons CC0 1.0 legal code, which Debian's base-files package ships on every
// Debian system (Creative Commons dedicates the text of its legal code to the public domain).
// English prose of ~7 KB: about 2000 tokens for the 512-token SentencePiece vocabulary.
inline std::string quality_text() { return "/usr/share/common-licenses/CC0-1.0"; }

inline std::string read_all(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

inline std::string sq(const std::string& s) {
    std::string q = "'";
    for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return q + "'";
}

// Runs `edgeseek ARGS` (2 threads); returns the exit status, stdout+stderr in *out.
inline int edgeseek(const std::string& args, std::string* out) {
    return run_command(sq(edgeseek_binary()) + " " + args, out);
}

// The first number after `label` in `text` (NaN when absent).
inline double number_after(const std::string& text, const std::string& label) {
    const size_t p = text.find(label);
    if (p == std::string::npos) return std::nan("");
    const char* s = text.c_str() + p + label.size();
    while (*s == ' ' || *s == ':') ++s;
    char* end = nullptr;
    const double v = std::strtod(s, &end);
    return end == s ? std::nan("") : v;
}

inline double final_ppl(const std::string& out) { return number_after(out, "Final estimate: PPL ="); }
inline double mean_kld(const std::string& out) { return number_after(out, "Mean    KLD:"); }
inline double same_top_percent(const std::string& out) { return number_after(out, "Same top p:"); }

// The running values "[1]x,[2]y,..." in order.
inline std::vector<double> running_values(const std::string& out) {
    std::vector<double> v;
    const std::regex re(R"(\[(\d+)\](\d+\.\d+),)");
    for (auto it = std::sregex_iterator(out.begin(), out.end(), re); it != std::sregex_iterator(); ++it) {
        v.push_back(std::stod((*it)[2].str()));
    }
    return v;
}

// A copy of `src` whose output projection is all zeros, so every logit is 0 and every token
// has probability 1/n_vocab (when the embedding doubles as the output, it is zeroed instead:
// the hidden state is then 0 and so are the logits).
inline void write_uniform_model(const std::string& src, const std::string& dst) {
    auto in = GgufFile::open(src);
    const std::string zeroed = in->find_tensor("output.weight") ? "output.weight" : "token_embd.weight";
    GgufWriter w;
    w.copy_metadata_from(*in);
    std::vector<uint8_t> zeros;
    for (const auto& t : in->tensors()) {
        if (t.name == zeroed) {
            zeros.assign(t.nbytes, 0);
            w.add_tensor(t.name, t.shape, t.type, zeros.data());
        } else {
            w.add_tensor(t.name, t.shape, t.type, t.data);
        }
    }
    w.write(dst);
}

}  // namespace edgeseek::test
