// Helpers the tokenizer tests share: loading fixture vocabularies and reading llama.cpp's
// tokenizer test vectors.
#pragma once
#include <fstream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"

namespace edgeseek::test {

struct VocabVector {
    std::string text;
    std::vector<TokenId> ids;
};

inline std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
}

// Splits the .inp file as llama.cpp's tests/test-tokenizer-0.cpp does: inputs are separated
// by "\n__ggml_vocab_test__\n" (so the newline before a separator is not part of the input,
// and a file ending in a separator has no empty last input); line n of .out holds the ids
// of input n, separated by spaces.
inline std::vector<VocabVector> read_vocab_vectors(const std::string& inp_path, const std::string& out_path) {
    const std::string raw = read_file(inp_path);
    const std::string sep = "\n__ggml_vocab_test__\n";
    std::vector<std::string> inputs;
    for (size_t pos = 0; pos < raw.size();) {
        const size_t next = raw.find(sep, pos);
        if (next == std::string::npos) {
            inputs.push_back(raw.substr(pos));
            break;
        }
        inputs.push_back(raw.substr(pos, next - pos));
        pos = next + sep.size();
    }
    std::vector<VocabVector> cases;
    std::istringstream out(read_file(out_path));
    std::string line;
    for (size_t i = 0; std::getline(out, line); ++i) {
        VocabVector v;
        v.text = i < inputs.size() ? inputs[i] : std::string();
        std::istringstream ids(line);
        for (TokenId id; ids >> id;) v.ids.push_back(id);
        cases.push_back(std::move(v));
    }
    if (cases.size() != inputs.size()) cases.clear();  // malformed pair: the test reports 0 cases
    return cases;
}

inline std::unique_ptr<Tokenizer> load_tokenizer(const std::string& path) {
    auto file = GgufFile::open(path);
    return Tokenizer::from_gguf(*file);
}

// Printable form of text: control characters and non-ASCII bytes escaped.
inline std::string escaped(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else if (c == '\r') out += "\\r";
        else if (c < 0x20 || c == 0x7F) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02X", c);
            out += buf;
        } else {
            out += static_cast<char>(c);
        }
    }
    return out;
}

// "id 'piece' id 'piece' ..." for failure messages.
inline std::string describe(const Tokenizer& tok, const std::vector<TokenId>& ids) {
    std::string out;
    for (TokenId id : ids) out += std::to_string(id) + " '" + escaped(tok.token_to_piece(id)) + "' ";
    return out;
}

}  // namespace edgeseek::test
