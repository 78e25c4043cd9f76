#include "kernels/cpu_features.h"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
#endif

namespace edgeseek {

namespace {

CpuFeatures detect() {
    CpuFeatures f;
#if defined(__x86_64__) || defined(__i386__)
    unsigned a, b, c, d;
    if (__get_cpuid(0, &a, &b, &c, &d)) {
        char vendor[13] = {};
        std::memcpy(vendor, &b, 4);
        std::memcpy(vendor + 4, &d, 4);
        std::memcpy(vendor + 8, &c, 4);
        f.amd = std::strcmp(vendor, "AuthenticAMD") == 0 || std::strcmp(vendor, "HygonGenuine") == 0;
    }
    if (!__get_cpuid(1, &a, &b, &c, &d)) return f;
    const bool osxsave = (c >> 27) & 1;
    f.fma = (c >> 12) & 1;
    f.f16c = (c >> 29) & 1;
    unsigned long long xcr0 = 0;
    if (osxsave) {
        unsigned lo, hi;
        __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
        xcr0 = (static_cast<unsigned long long>(hi) << 32) | lo;
    }
    const bool ymm_os = (xcr0 & 0x6) == 0x6;
    const bool zmm_os = (xcr0 & 0xe6) == 0xe6;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d)) {
        f.avx2 = ymm_os && ((b >> 5) & 1);
        f.avx512f = zmm_os && ((b >> 16) & 1);
        f.avx512dq = f.avx512f && ((b >> 17) & 1);
        f.avx512bw = f.avx512f && ((b >> 30) & 1);
        f.avx512vl = f.avx512f && ((b >> 31) & 1);
        f.avx512vnni = f.avx512f && ((c >> 11) & 1);
        f.gfni = (c >> 8) & 1;
    }
    if (__get_cpuid_count(7, 1, &a, &b, &c, &d)) {
        f.avxvnni = f.avx2 && ((a >> 4) & 1);
        if (f.avx512f) f.avx512bf16 = (a >> 5) & 1;
    }
#endif
    return f;
}

Isa isa_from_env(Isa best) {
    const char* e = std::getenv("EDGESEEK_ISA");
    if (!e || !*e) return best;
    Isa want = best;
    if (std::strcmp(e, "scalar") == 0) want = Isa::Scalar;
    else if (std::strcmp(e, "avx2") == 0 || std::strcmp(e, "avx2-novnni") == 0) want = Isa::Avx2;
    else if (std::strcmp(e, "avx512") == 0) want = Isa::Avx512;
    else std::fprintf(stderr, "edgeseek: warning: EDGESEEK_ISA=%s is not one of scalar, avx2, avx2-novnni, avx512; using %s\n", e, isa_name(best));
    if (static_cast<int>(want) > static_cast<int>(best)) {
        std::fprintf(stderr, "edgeseek: warning: EDGESEEK_ISA=%s is not supported by this CPU; using %s\n", e, isa_name(best));
        want = best;
    }
    return want;
}

}  // namespace

bool isa_env_disables_vnni() {
    const char* e = std::getenv("EDGESEEK_ISA");
    return e && std::strcmp(e, "avx2-novnni") == 0;
}

namespace {

StreamPrefetch choose_prefetch() {
    StreamPrefetch p;
    if (!cpu_features().amd) {  // cpu_features.h says why
        p.l2 = 16384;
        p.l2_alone = 8192;
    }
    if (const char* e = std::getenv("EDGESEEK_PREFETCH"); e && *e) {
        if (const auto set = parse_stream_prefetch(e)) {
            p = *set;
        } else {
            std::fprintf(stderr,
                         "edgeseek: warning: EDGESEEK_PREFETCH=%s is not L1[,L2[,L1_ALONE[,L2_ALONE]]] in bytes "
                         "(L1 and L1_ALONE 64..1048576, L2 and L2_ALONE 0..4194304); using %zu,%zu,%zu,%zu\n",
                         e, p.l1, p.l2, p.l1_alone, p.l2_alone);
        }
    }
    return p;
}

std::atomic<int>& active() {
    static std::atomic<int> a{static_cast<int>(isa_from_env(cpu_features().best()))};
    return a;
}

}  // namespace

Isa CpuFeatures::best() const {
    if (avx512f && avx512bw && avx512vl && avx512dq && avx512vnni && avx512bf16 && fma && f16c) return Isa::Avx512;
    if (avx2 && fma && f16c) return Isa::Avx2;
    return Isa::Scalar;
}

const CpuFeatures& cpu_features() {
    static const CpuFeatures f = detect();
    return f;
}

std::optional<StreamPrefetch> parse_stream_prefetch(const char* text) {
    // Digits only (strtoull alone would take signs, spaces and hexadecimal).
    auto number = [](const char*& at, unsigned long long max) -> std::optional<size_t> {
        if (*at < '0' || *at > '9') return std::nullopt;
        unsigned long long v = 0;
        for (; *at >= '0' && *at <= '9'; ++at) {
            v = v * 10 + static_cast<unsigned>(*at - '0');
            if (v > max) return std::nullopt;
        }
        return static_cast<size_t>(v);
    };
    const char* at = text;
    const auto l1 = number(at, 1u << 20);
    if (!l1 || *l1 < 64) return std::nullopt;
    StreamPrefetch p{*l1, 0, *l1};
    if (*at == ',') {
        ++at;
        const auto l2 = number(at, 1u << 22);
        if (!l2) return std::nullopt;
        p.l2 = *l2;
        if (*at == ',') {
            ++at;
            const auto alone = number(at, 1u << 20);
            if (!alone || *alone < 64) return std::nullopt;
            p.l1_alone = *alone;
            if (*at == ',') {
                ++at;
                const auto alone_l2 = number(at, 1u << 22);
                if (!alone_l2) return std::nullopt;
                p.l2_alone = *alone_l2;
            }
        }
    }
    if (*at != '\0') return std::nullopt;
    return p;
}

const StreamPrefetch g_stream_prefetch = choose_prefetch();
std::atomic<bool> g_stream_l2_step{true};

Isa active_isa() { return static_cast<Isa>(active().load(std::memory_order_relaxed)); }

void set_active_isa(Isa isa) {
    const Isa best = cpu_features().best();
    if (static_cast<int>(isa) > static_cast<int>(best)) isa = best;
    active().store(static_cast<int>(isa));
}

const char* isa_name(Isa isa) {
    switch (isa) {
        case Isa::Scalar: return "scalar";
        case Isa::Avx2: return "avx2";
        case Isa::Avx512: return "avx512";
    }
    return "?";
}

}  // namespace edgeseek
