// The cached machine peaks (bench --machine): a cache written by an older measuring loop must
// not be trusted, since an older loop may have measured something else (the eight-chain
// multiply loop measured latency, 2/3 of the int8 peak).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bench/machine_peaks.h"
#include "kernels/cpu_features.h"
#include "kernels/packed.h"
#include "test_support.h"

namespace edgeseek {
namespace {

class ScopedCacheHome {
public:
    explicit ScopedCacheHome(const std::string& dir) {
        if (const char* old = std::getenv("XDG_CACHE_HOME")) old_ = old, had_ = true;
        ::setenv("XDG_CACHE_HOME", dir.c_str(), 1);
    }
    ~ScopedCacheHome() {
        if (had_) ::setenv("XDG_CACHE_HOME", old_.c_str(), 1);
        else ::unsetenv("XDG_CACHE_HOME");
    }

private:
    std::string old_;
    bool had_ = false;
};

TEST(MachinePeaks, CacheFromAnOlderLoopIsMeasuredAgainAndOneFromThisLoopIsKeptPerPath) {
    const test::TempDir dir;
    const ScopedCacheHome home(dir.path());
    const std::filesystem::path file =
        std::filesystem::path(dir.path()) / "edgeseek" / (std::string("machine-") + isa_name(active_isa()) + "-t1.json");
    std::filesystem::create_directories(file.parent_path());
    {
        std::ofstream out(file);
        out << nlohmann::json{{"isa", isa_name(active_isa())}, {"threads", 1}, {"read_gbps", 0.5},
                              {"int8_gops", 0.5}, {"fp32_gflops", 0.5}}.dump();
    }
    const MachinePeaks measured = MachinePeaks::cached(1);
    EXPECT_GT(measured.int8_gops, 0.5);  // any real CPU does more than 0.5 G int8 ops/s
    EXPECT_GT(measured.read_gbps, 0.5);
    std::ifstream in(file);
    const auto j = nlohmann::json::parse(in);
    EXPECT_EQ(j.at("int8_gops").get<double>(), measured.int8_gops);
    ASSERT_TRUE(j.contains("method"));
    // Rewritten with this loop's method, the cache is now used as it stands.
    {
        auto k = j;
        k["int8_gops"] = 12345.0;
        std::ofstream out(file);
        out << k.dump();
    }
    EXPECT_EQ(MachinePeaks::cached(1).int8_gops, 12345.0);
    // Another path (EDGESEEK_ISA) measures and keeps its own figures without touching these.
    const Isa start = active_isa();
    if (start == Isa::Scalar) return;
    struct Restore {
        Isa isa;
        ~Restore() { set_active_isa(isa); }
    } restore{start};
    set_active_isa(Isa::Scalar);
    EXPECT_NE(MachinePeaks::cached(1).int8_gops, 12345.0);
    EXPECT_TRUE(std::filesystem::exists(file.parent_path() / "machine-scalar-t1.json"));
    set_active_isa(start);
    EXPECT_EQ(MachinePeaks::cached(1).int8_gops, 12345.0);
    // The AVX2 path with and without AVX-VNNI (EDGESEEK_ISA=avx2-novnni) multiplies with other
    // instructions: each keeps its own figures.
    if (!cpu_features().avxvnni) return;
    struct RestoreVnni {
        bool on;
        ~RestoreVnni() { set_packed_avx_vnni_enabled(on); }
    } restore_vnni{packed_avx_vnni_enabled()};
    set_active_isa(Isa::Avx2);
    set_packed_avx_vnni_enabled(true);
    const MachinePeaks with = MachinePeaks::cached(1);
    EXPECT_EQ(with.isa, "avx2-vnni");
    EXPECT_TRUE(std::filesystem::exists(file.parent_path() / "machine-avx2-vnni-t1.json"));
    set_packed_avx_vnni_enabled(false);
    const MachinePeaks without = MachinePeaks::cached(1);
    EXPECT_EQ(without.isa, "avx2");
    EXPECT_TRUE(std::filesystem::exists(file.parent_path() / "machine-avx2-t1.json"));
    EXPECT_TRUE(std::isfinite(with.int8_gops) && with.int8_gops > 0);
    EXPECT_TRUE(std::isfinite(without.int8_gops) && without.int8_gops > 0);
}

// The probe bench runs before each decode repetition reads real memory: a positive, finite
// rate each time, from a buffer it keeps (a second call does not allocate again).
TEST(ReadProbe, MeasuresAPositiveRateEachCall) {
    ReadProbe probe(1);
    for (int i = 0; i < 2; ++i) {
        const double g = probe.measure();
        EXPECT_TRUE(std::isfinite(g));
        EXPECT_GT(g, 0.5);  // any real machine reads more than 0.5 GB/s
    }
}

}  // namespace
}  // namespace edgeseek
