// The file types `edgeseek quantize` writes, named and numbered as llama.cpp names them
// (llama-quantize's TYPE argument, general.file_type = LLAMA_FTYPE_*), so files and commands
// carry over between the two tools.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "quant/types.h"

namespace edgeseek {

enum class FileType {
    F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K,
    Q3_K_S, Q3_K_M, Q3_K_L, Q4_K_S, Q4_K_M, Q5_K_S, Q5_K_M, Q6_K, IQ4_NL, IQ4_XS,
};

struct FileTypeInfo {
    FileType id;
    const char* name;       // "q4_k_m": the TYPE argument (matched case-insensitively)
    uint32_t llama_ftype;   // written as general.file_type
    GgmlType base;          // the type most 2-D weights get; the mixtures raise some tensors
};

// Known names, plus llama-quantize's aliases q3_k / q4_k / q5_k for the _m mixtures.
std::optional<FileTypeInfo> file_type_from_name(const std::string& name);
const FileTypeInfo& file_type_info(FileType id);
const std::vector<FileTypeInfo>& all_file_types();
std::string file_type_names();  // "f32, f16, ..., iq4_xs" for help and errors

}  // namespace edgeseek
