#include "cli_common.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "core/error.h"

namespace edgeseek::cli {

std::string read_file(const std::string& path, const char* what) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(std::string("cannot read the ") + what, path, "check the path");
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string prompt_text(const std::string& prompt, const std::string& file) {
    if (!file.empty()) return read_file(file, "prompt file");
    if (prompt.empty()) throw Error("no prompt given", "command line", "pass -p TEXT or -f FILE");
    return prompt;
}

std::string json_quote(const std::string& s) {
    return nlohmann::json(s).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int default_threads() {
    // Physical cores: count distinct (package, core) pairs from sysfs; fall back to the
    // logical count when sysfs is unavailable.
    std::set<std::string> cores;
    for (unsigned cpu = 0; cpu < 4096; ++cpu) {
        const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
        std::ifstream core(base + "core_id"), pkg(base + "physical_package_id");
        if (!core) break;
        std::string c, p;
        core >> c;
        pkg >> p;
        cores.insert(p + ":" + c);
    }
    if (!cores.empty()) return static_cast<int>(cores.size());
    const unsigned n = std::thread::hardware_concurrency();
    return n ? static_cast<int>(n) : 1;
}

LoadOptions ModelLoadFlags::options() const {
    LoadOptions lo;
    lo.use_mmap = !no_mmap;
    lo.repack = !no_repack;
    lo.repack_cache = !no_repack_cache;
    return lo;
}

void add_model_load_flags(CLI::App* sub, ModelLoadFlags* f) {
    sub->add_flag("--no-mmap", f->no_mmap, "read the model into memory instead of mapping it");
    sub->add_flag("--no-repack", f->no_repack,
                  "keep weights in the file's layout (no interleaved copy at load: faster first load, less memory, "
                  "slower prompts and decode)");
    sub->add_flag("--no-repack-cache", f->no_repack_cache,
                  "repack into memory at every load instead of keeping the interleaved copy in a cache file "
                  "($EDGESEEK_REPACK_CACHE_DIR, else ~/.cache/edgeseek/packed) mapped by later loads");
}

void add_sampling_flags(CLI::App* sub, SamplingParams* sp) {
    sub->add_option("--temp,--temperature", sp->temperature, "temperature (0: greedy)")->default_val(0.6f);
    sub->add_option("--top-k,--top_k", sp->top_k, "top-k (0: off)")->default_val(40);
    sub->add_option("--top-p,--top_p", sp->top_p, "top-p (1: off)")->default_val(0.95f);
    sub->add_option("--min-p,--min_p", sp->min_p, "min-p (0: off)")->default_val(0.05f);
    sub->add_option("--repeat-penalty,--repeat_penalty", sp->repeat_penalty, "repetition penalty (1: off)")->default_val(1.0f);
    sub->add_option("--repeat-last-n,--repeat_last_n", sp->penalty_last_n, "tokens the penalties look back")->default_val(64);
    sub->add_option("--presence-penalty,--presence_penalty", sp->presence_penalty, "presence penalty")->default_val(0.0f);
    sub->add_option("--frequency-penalty,--frequency_penalty", sp->frequency_penalty, "frequency penalty")->default_val(0.0f);
    sub->add_option("-s,--seed", sp->seed, "random seed (default: random)");
}

}  // namespace edgeseek::cli
