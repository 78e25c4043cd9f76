#include "quantize/quantize_report.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace edgeseek {
namespace {

template <typename... Args>
std::string printf_string(const char* fmt, Args... args) {
    const int n = std::snprintf(nullptr, 0, fmt, args...);
    if (n <= 0) return {};
    std::string s(static_cast<size_t>(n) + 1, '\0');
    std::snprintf(s.data(), s.size(), fmt, args...);
    s.resize(static_cast<size_t>(n));
    return s;
}

std::string format_count(int64_t n) {
    if (n >= 1000000000) return printf_string("%.2f G", static_cast<double>(n) / 1e9);
    if (n >= 1000000) return printf_string("%.2f M", static_cast<double>(n) / 1e6);
    if (n >= 1000) return printf_string("%.1f K", static_cast<double>(n) / 1e3);
    return std::to_string(n);
}

std::string format_duration(double s) {
    if (!(s >= 0.0) || s > 359999.0) return "--:--";
    const auto t = static_cast<long>(s + 0.5);
    if (t >= 3600) return printf_string("%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    return printf_string("%ld:%02ld", t / 60, t % 60);
}

uint64_t out_bytes(const TensorPlan& p) {
    return row_size(p.type, p.in->shape[0]) * static_cast<uint64_t>(p.in->n_rows());
}

}  // namespace

std::string format_bytes(uint64_t bytes) {
    const auto b = static_cast<double>(bytes);
    if (bytes >= (uint64_t{1} << 30)) return printf_string("%.2f GiB", b / (1u << 30));
    if (bytes >= (uint64_t{1} << 20)) return printf_string("%.2f MiB", b / (1u << 20));
    if (bytes >= (uint64_t{1} << 10)) return printf_string("%.2f KiB", b / (1u << 10));
    return std::to_string(bytes) + " B";
}

std::string format_tensor_line(const TensorPlan& p, size_t index, size_t n_tensors) {
    const int width = static_cast<int>(std::to_string(n_tensors).size());
    std::string s = printf_string("[%*zu/%zu] %-32s %-14s %6s -> %-6s %11s -> %s", width, index + 1, n_tensors,
                                  p.in->name.c_str(), p.in->shape_string().c_str(), type_name(p.in->type).c_str(),
                                  type_name(p.type).c_str(), format_bytes(p.in->nbytes).c_str(),
                                  format_bytes(out_bytes(p)).c_str());
    if (!p.convert) s += "  (copied)";
    if (!p.fallback.empty()) s += "  (fallback from " + type_name(p.wanted) + ": " + p.fallback + ")";
    return s;
}

std::string format_progress(const QuantizeProgress& p, int bar_width) {
    const double frac = p.bytes_total ? static_cast<double>(p.bytes_done) / static_cast<double>(p.bytes_total) : 1.0;
    const double rate = p.seconds > 0.0 ? static_cast<double>(p.bytes_done) / p.seconds : 0.0;
    const double eta = rate > 0.0 ? static_cast<double>(p.bytes_total - p.bytes_done) / rate : -1.0;
    std::string s;
    if (bar_width > 0) {
        const int filled = static_cast<int>(frac * bar_width + 0.5);
        // Built by appending: gcc 12 reports a false -Wrestrict on "[" + std::string(...).
        s.push_back('[');
        s.append(static_cast<size_t>(filled), '#');
        s.append(static_cast<size_t>(bar_width - filled), '.');
        s.append("] ");
    }
    s += printf_string("%3d%%  tensor %zu/%zu  %s/%s  %.1f MB/s  ETA %s", static_cast<int>(frac * 100.0),
                       std::min(p.tensor + 1, p.n_tensors), p.n_tensors, format_bytes(p.bytes_done).c_str(),
                       format_bytes(p.bytes_total).c_str(), rate / 1e6, format_duration(eta).c_str());
    return s;
}

std::string format_summary(const std::vector<TensorPlan>& plan, const QuantizeStats& stats) {
    struct Row {
        int tensors = 0;
        int64_t values = 0;
        uint64_t bytes = 0;
    };
    std::map<std::string, Row> by_type;
    std::vector<const TensorPlan*> fallbacks;
    for (const auto& p : plan) {
        Row& r = by_type[type_name(p.type)];
        ++r.tensors;
        r.values += p.in->n_elements();
        r.bytes += out_bytes(p);
        if (!p.fallback.empty()) fallbacks.push_back(&p);
    }
    std::string s = printf_string("  %-8s %8s %10s %12s\n", "type", "tensors", "values", "size");
    for (const auto& [name, r] : by_type) {
        s += printf_string("  %-8s %8d %10s %12s\n", name.c_str(), r.tensors, format_count(r.values).c_str(),
                           format_bytes(r.bytes).c_str());
    }
    s += printf_string("  %-8s %8zu %10s %12s\n", "total", plan.size(), format_count(stats.n_elements).c_str(),
                       format_bytes(stats.out_bytes).c_str());
    const double bpw = stats.n_elements ? 8.0 * static_cast<double>(stats.out_bytes) / static_cast<double>(stats.n_elements) : 0.0;
    const double pct = stats.in_bytes ? 100.0 * static_cast<double>(stats.out_bytes) / static_cast<double>(stats.in_bytes) : 0.0;
    s += printf_string("  size %s -> %s (%.1f%%), %.2f bits per weight\n", format_bytes(stats.in_bytes).c_str(),
                       format_bytes(stats.out_bytes).c_str(), pct, bpw);
    if (fallbacks.empty()) {
        s += "  fallbacks: none\n";
    } else {
        s += printf_string("  fallbacks: %zu tensor(s) whose rows do not split into the chosen type's blocks\n",
                           fallbacks.size());
        for (const TensorPlan* p : fallbacks) {
            s += "    " + p->in->name + " " + p->in->shape_string() + ": " + type_name(p->wanted) + " -> " +
                 type_name(p->type) + " (" + p->fallback + ")\n";
        }
    }
    return s;
}

}  // namespace edgeseek
