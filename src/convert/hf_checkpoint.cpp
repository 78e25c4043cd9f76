#include "convert/hf_checkpoint.h"

#include <sys/stat.h>

#include <fstream>
#include <set>

#include "core/error.h"

namespace edgeseek {
namespace {

const char* const kCheckpointHint =
    "a Hugging Face checkpoint folder holds config.json, tokenizer.json, tokenizer_config.json and "
    "model.safetensors (or model-0000N-of-0000M.safetensors shards with model.safetensors.index.json)";

bool is_directory(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

}  // namespace

bool file_exists(const std::string& path) {
    struct stat st{};
    return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

nlohmann::json read_json_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error("cannot open the file", path, "check that it exists and is readable");
    try {
        return nlohmann::json::parse(in);
    } catch (const nlohmann::json::exception& e) {
        throw Error(std::string("not valid JSON: ") + e.what(), path, "the file is corrupt; download it again");
    }
}

std::unique_ptr<HfCheckpoint> HfCheckpoint::open(const std::string& dir) {
    if (!is_directory(dir)) throw Error("not a directory", dir, kCheckpointHint);
    std::unique_ptr<HfCheckpoint> c(new HfCheckpoint());
    c->dir_ = dir;
    while (c->dir_.size() > 1 && c->dir_.back() == '/') c->dir_.pop_back();
    const std::string config = c->path("config.json");
    if (!file_exists(config)) throw Error("config.json is missing", dir, kCheckpointHint);
    c->config_ = read_json_file(config);
    return c;
}

const HfCheckpoint::Entry* HfCheckpoint::find(const std::string& name) const {
    const auto it = tensors_.find(name);
    return it == tensors_.end() ? nullptr : &it->second;
}

void HfCheckpoint::add_shard(const std::string& file) {
    shards_.push_back(SafetensorsFile::open(path(file)));
    const SafetensorsFile* shard = shards_.back().get();
    for (const auto& t : shard->tensors()) {
        const auto [it, inserted] = tensors_.emplace(t.name, Entry{shard, &t});
        if (!inserted) {
            throw Error("tensor '" + t.name + "' is stored twice (also in " + it->second.file->path() + ")", shard->path(),
                        "the checkpoint is inconsistent; download it again");
        }
    }
}

void HfCheckpoint::map_weights() {
    const std::string index = path("model.safetensors.index.json");
    if (!file_exists(index)) {
        if (!file_exists(path("model.safetensors"))) {
            const bool torch = file_exists(path("pytorch_model.bin")) || file_exists(path("pytorch_model.bin.index.json"));
            throw Error(torch ? "the weights are in PyTorch pickle format (pytorch_model.bin)" : "model.safetensors is missing",
                        dir_, torch ? "edgeseek reads safetensors only; download the model's .safetensors files" : kCheckpointHint);
        }
        add_shard("model.safetensors");
        return;
    }
    const nlohmann::json j = read_json_file(index);
    const auto map = j.find("weight_map");
    if (!j.is_object() || map == j.end() || !map->is_object()) {
        throw Error("'weight_map' is missing", index, "the index must map every tensor name to its shard file");
    }
    std::set<std::string> files;
    for (const auto& [name, file] : map->items()) {
        if (!file.is_string() || file.get<std::string>().find('/') != std::string::npos) {
            throw Error("tensor '" + name + "' maps to " + file.dump() + ", not a file name in this folder", index,
                        "the index is corrupt; download it again");
        }
        files.insert(file.get<std::string>());
    }
    for (const auto& f : files) {
        if (!file_exists(path(f))) {
            throw Error("shard " + f + " named in model.safetensors.index.json is missing", dir_,
                        "download every model-*-of-*.safetensors file of the checkpoint");
        }
    }
    for (const auto& f : files) add_shard(f);
    for (const auto& [name, file] : map->items()) {
        const Entry* e = find(name);
        if (!e || e->file->path() != path(file.get<std::string>())) {
            throw Error("tensor '" + name + "' is not in " + file.get<std::string>() + " although the index says so", index,
                        "the shard is incomplete or from another version; download it again");
        }
    }
}

}  // namespace edgeseek
