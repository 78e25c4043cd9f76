#include "quantize/file_types.h"

#include <cctype>

namespace edgeseek {

// general.file_type numbers: enum llama_ftype in llama.cpp's include/llama.h.
const std::vector<FileTypeInfo>& all_file_types() {
    static const std::vector<FileTypeInfo> kTypes = {
        {FileType::F32, "f32", 0, GgmlType::F32},
        {FileType::F16, "f16", 1, GgmlType::F16},
        {FileType::BF16, "bf16", 32, GgmlType::BF16},
        {FileType::Q8_0, "q8_0", 7, GgmlType::Q8_0},
        {FileType::Q4_0, "q4_0", 2, GgmlType::Q4_0},
        {FileType::Q4_1, "q4_1", 3, GgmlType::Q4_1},
        {FileType::Q5_0, "q5_0", 8, GgmlType::Q5_0},
        {FileType::Q5_1, "q5_1", 9, GgmlType::Q5_1},
        {FileType::Q2_K, "q2_k", 10, GgmlType::Q2_K},
        {FileType::Q3_K_S, "q3_k_s", 11, GgmlType::Q3_K},
        {FileType::Q3_K_M, "q3_k_m", 12, GgmlType::Q3_K},
        {FileType::Q3_K_L, "q3_k_l", 13, GgmlType::Q3_K},
        {FileType::Q4_K_S, "q4_k_s", 14, GgmlType::Q4_K},
        {FileType::Q4_K_M, "q4_k_m", 15, GgmlType::Q4_K},
        {FileType::Q5_K_S, "q5_k_s", 16, GgmlType::Q5_K},
        {FileType::Q5_K_M, "q5_k_m", 17, GgmlType::Q5_K},
        {FileType::Q6_K, "q6_k", 18, GgmlType::Q6_K},
        {FileType::IQ4_NL, "iq4_nl", 25, GgmlType::IQ4_NL},
        {FileType::IQ4_XS, "iq4_xs", 30, GgmlType::IQ4_XS},
    };
    return kTypes;
}

const FileTypeInfo& file_type_info(FileType id) {
    for (const auto& t : all_file_types()) {
        if (t.id == id) return t;
    }
    return all_file_types().front();  // unreachable: every enumerator is in the table
}

std::optional<FileTypeInfo> file_type_from_name(const std::string& name) {
    std::string n = name;
    for (auto& c : n) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (n == "q3_k") n = "q3_k_m";
    if (n == "q4_k") n = "q4_k_m";
    if (n == "q5_k") n = "q5_k_m";
    for (const auto& t : all_file_types()) {
        if (n == t.name) return t;
    }
    return std::nullopt;
}

std::string file_type_names() {
    std::string s;
    for (const auto& t : all_file_types()) s += (s.empty() ? "" : ", ") + std::string(t.name);
    return s;
}

}  // namespace edgeseek
