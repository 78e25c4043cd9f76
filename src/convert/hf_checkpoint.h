// The files of a Hugging Face checkpoint folder: config.json, the tokenizer files, and the
// weights as one model.safetensors or shards listed by model.safetensors.index.json. Every shard
// is mapped and validated when the checkpoint is opened, before anything is written.
#pragma once
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "convert/safetensors.h"

namespace edgeseek {

// Parses a JSON file. Throws Error naming the file when it cannot be read or parsed.
nlohmann::json read_json_file(const std::string& path);
bool file_exists(const std::string& path);

class HfCheckpoint {
public:
    // Reads config.json; throws Error when the folder or config.json is missing or unreadable.
    static std::unique_ptr<HfCheckpoint> open(const std::string& dir);
    // Maps and validates the weights. Throws Error naming the missing file (model.safetensors, a
    // shard named by the index) or the shard whose header does not hold up.
    void map_weights();

    const std::string& dir() const { return dir_; }
    std::string path(const std::string& file) const { return dir_ + "/" + file; }
    const nlohmann::json& config() const { return config_; }

    struct Entry {
        const SafetensorsFile* file = nullptr;
        const SafetensorsTensor* tensor = nullptr;
    };
    const Entry* find(const std::string& name) const;
    const std::map<std::string, Entry>& tensors() const { return tensors_; }
    const std::vector<std::unique_ptr<SafetensorsFile>>& shards() const { return shards_; }

private:
    void add_shard(const std::string& file);
    std::string dir_;
    nlohmann::json config_;
    std::vector<std::unique_ptr<SafetensorsFile>> shards_;
    std::map<std::string, Entry> tensors_;
};

}  // namespace edgeseek
