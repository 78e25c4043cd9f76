// The SIMD k-quant / IQ4 / 32-value-block dot kernels (vec_dot_kquants_*.cpp) against the scalar
// references of the type table, on every SIMD path this CPU runs.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "kernels/packed.h"
#include "kernels/vec_dot.h"
#include "quant/blocks.h"
#include "quant/f16.h"

namespace edgeseek {
namespace {

constexpr GgmlType kTypes[] = {GgmlType::Q4_K, GgmlType::Q6_K, GgmlType::Q5_K, GgmlType::Q3_K, GgmlType::Q2_K,
                               GgmlType::Q4_1, GgmlType::Q5_0, GgmlType::Q5_1, GgmlType::IQ4_NL, GgmlType::IQ4_XS};

using Bytes = std::vector<uint8_t>;

std::vector<Isa> simd_paths() {
    std::vector<Isa> v;
    for (Isa isa : {Isa::Avx2, Isa::Avx512}) {
        if (static_cast<int>(isa) <= static_cast<int>(cpu_features().best())) v.push_back(isa);
    }
    return v;
}

#define EDGESEEK_REQUIRE_SIMD()                                                           \
    do {                                                                                  \
        if (simd_paths().empty()) GTEST_SKIP() << "this CPU has no AVX2: scalar only";   \
    } while (0)

// Row lengths: 1, 2, 3 and 7 super-blocks; odd counts of 32-value blocks for the small types.
std::vector<int64_t> lengths(GgmlType t) {
    if (type_traits(t)->block_size == kQK_K) return {256, 512, 768, 1792};
    return {32, 64, 96, 160, 224, 288, 768, 1792};
}

// The f16 scale fields of a block: d, and dmin (k-quants with mins) or m (Q4_1/Q5_1).
enum class Field { D, Second };

template <typename Block>
void set_field_of(Bytes& row, Field f, uint16_t v) {
    Block* b = reinterpret_cast<Block*>(row.data());
    for (size_t i = 0; i < row.size() / sizeof(Block); ++i) {
        if (f == Field::D) b[i].d = v;
        if constexpr (requires { b[i].dmin; }) {
            if (f == Field::Second) b[i].dmin = v;
        }
        if constexpr (requires { b[i].m; }) {
            if (f == Field::Second) b[i].m = v;
        }
    }
}

// Sets field f of every block of a row of type t to the f16 value v (a no-op for a second field
// the type does not have).
void set_field(GgmlType t, Bytes& row, Field f, uint16_t v) {
    switch (t) {
        case GgmlType::Q2_K: return set_field_of<BlockQ2_K>(row, f, v);
        case GgmlType::Q3_K: return set_field_of<BlockQ3_K>(row, f, v);
        case GgmlType::Q4_K: return set_field_of<BlockQ4_K>(row, f, v);
        case GgmlType::Q5_K: return set_field_of<BlockQ5_K>(row, f, v);
        case GgmlType::Q6_K: return set_field_of<BlockQ6_K>(row, f, v);
        case GgmlType::IQ4_XS: return set_field_of<BlockIQ4_XS>(row, f, v);
        case GgmlType::Q4_1: return set_field_of<BlockQ4_1>(row, f, v);
        case GgmlType::Q5_0: return set_field_of<BlockQ5_0>(row, f, v);
        case GgmlType::Q5_1: return set_field_of<BlockQ5_1>(row, f, v);
        case GgmlType::IQ4_NL: return set_field_of<BlockIQ4_NL>(row, f, v);
        default: FAIL() << "no scale fields known for " << type_name(t);
    }
}

std::vector<float> dequantize(GgmlType t, const Bytes& row, int64_t n) {
    std::vector<float> v(static_cast<size_t>(n));
    type_traits(t)->to_float(row.data(), v.data(), n);
    return v;
}

// Sum of |products| of the format's two terms (the scale part and the min part, each
// dequantized with the other zeroed): what float summation order is relative to.
double product_mass(GgmlType t, const Bytes& w, const Bytes& a, int64_t n) {
    const std::vector<float> af = dequantize(type_traits(t)->vec_dot_type, a, n);
    double mass = 0.0;
    for (Field zeroed : {Field::Second, Field::D}) {
        Bytes part = w;
        set_field(t, part, zeroed, 0);
        const std::vector<float> wf = dequantize(t, part, n);
        for (int64_t i = 0; i < n; ++i) mass += std::fabs(static_cast<double>(wf[i]) * af[i]);
    }
    return mass;
}

// Activation blocks built directly: quants from `q`, unit scale, consistent sums.
Bytes make_activation(GgmlType at, const std::vector<int8_t>& q) {
    const int64_t n = static_cast<int64_t>(q.size());
    Bytes out(row_size(at, n));
    if (at == GgmlType::Q8_K) {
        BlockQ8_K* b = reinterpret_cast<BlockQ8_K*>(out.data());
        for (int64_t i = 0; i < n / kQK_K; ++i) {
            b[i].d = 1.0f;
            std::memcpy(b[i].qs, &q[i * kQK_K], kQK_K);
            for (int j = 0; j < kQK_K / 16; ++j) {
                int s = 0;
                for (int l = 0; l < 16; ++l) s += b[i].qs[16 * j + l];
                b[i].bsums[j] = static_cast<int16_t>(s);
            }
        }
    } else if (at == GgmlType::Q8_0) {
        BlockQ8_0* b = reinterpret_cast<BlockQ8_0*>(out.data());
        for (int64_t i = 0; i < n / kQK8_0; ++i) {
            b[i].d = fp32_to_fp16(1.0f);
            std::memcpy(b[i].qs, &q[i * kQK8_0], kQK8_0);
        }
    } else {
        BlockQ8_1* b = reinterpret_cast<BlockQ8_1*>(out.data());
        for (int64_t i = 0; i < n / kQK8_1; ++i) {
            b[i].d = fp32_to_fp16(1.0f);
            std::memcpy(b[i].qs, &q[i * kQK8_1], kQK8_1);
            int s = 0;
            for (int j = 0; j < kQK8_1; ++j) s += b[i].qs[j];
            b[i].s = fp32_to_fp16(static_cast<float>(s));
        }
    }
    return out;
}

// Weights quantized by the reference from_float: normal values with a per-32 spread from 1e-3
// to 1e2 and an occasional outlier, so that sub-block scales and mins vary.
Bytes quantized_weights(GgmlType t, int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::uniform_real_distribution<float> exponent(-3.0f, 2.0f);
    std::uniform_int_distribution<int> pick(0, 99);
    std::vector<float> w(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; i += 32) {
        const float spread = std::pow(10.0f, exponent(rng));
        const float shift = pick(rng) < 30 ? spread * nd(rng) : 0.0f;
        for (int64_t j = i; j < i + 32; ++j) w[j] = shift + spread * (pick(rng) == 0 ? 20.0f : 1.0f) * nd(rng);
    }
    Bytes out(row_size(t, n));
    type_traits(t)->from_float(w.data(), out.data(), n);
    return out;
}

// Every byte random (every bit pattern of quants and sub-block scales), then the f16 fields set.
Bytes random_block_bytes(GgmlType t, int64_t n, std::mt19937& rng, uint16_t d, uint16_t second) {
    std::uniform_int_distribution<int> byte(0, 255);
    Bytes out(row_size(t, n));
    for (auto& b : out) b = static_cast<uint8_t>(byte(rng));
    set_field(t, out, Field::D, d);
    set_field(t, out, Field::Second, second);
    return out;
}

std::vector<int8_t> random_quants(int64_t n, int lo, int hi, std::mt19937& rng) {
    std::uniform_int_distribution<int> q(lo, hi);
    std::vector<int8_t> v(static_cast<size_t>(n));
    for (auto& x : v) x = static_cast<int8_t>(q(rng));
    return v;
}

struct Case {
    GgmlType type;
    Isa isa;
    int64_t n;
    const char* what;
};
std::string describe(const Case& c) {
    return type_name(c.type) + " on " + isa_name(c.isa) + ", n=" + std::to_string(c.n) + ", " + c.what;
}

// Both kernels on the same blocks: the integer parts are exact, so the difference is a few float
// roundings per block relative to the product mass (observed: below 2e-7).
void expect_close(const Case& c, const Bytes& w, const Bytes& a, double rel_tol = 4e-6) {
    const TypeTraits* tr = type_traits(c.type);
    const float ref = tr->vec_dot(c.n, w.data(), a.data());
    const float got = vec_dot_kernel(c.type, c.isa)(c.n, w.data(), a.data());
    const double mass = product_mass(c.type, w, a, c.n);
    ASSERT_TRUE(std::isfinite(ref)) << describe(c);
    EXPECT_LE(std::fabs(static_cast<double>(got) - ref), rel_tol * mass + 1e-30)
        << describe(c) << ": expected " << ref << ", got " << got << ", sum of |products| " << mass;
}

TEST(KquantSimd, EveryTypeHasAKernelOnEverySimdPath) {
    EDGESEEK_REQUIRE_SIMD();
    for (Isa isa : simd_paths()) {
        for (GgmlType t : kTypes) {
            EXPECT_NE(vec_dot_kernel(t, isa), type_traits(t)->vec_dot) << type_name(t) << " on " << isa_name(isa);
        }
    }
}

TEST(KquantSimd, MatchesReferenceOnQuantizedRandomRows) {
    EDGESEEK_REQUIRE_SIMD();
    std::mt19937 rng(2024);
    std::normal_distribution<float> nd(0.0f, 1.0f);
    for (GgmlType t : kTypes) {
        const TypeTraits* tr = type_traits(t);
        const TypeTraits* at = type_traits(tr->vec_dot_type);
        for (int64_t n : lengths(t)) {
            for (int rep = 0; rep < 4; ++rep) {
                const Bytes w = quantized_weights(t, n, rng);
                std::vector<float> af(static_cast<size_t>(n));
                for (auto& v : af) v = nd(rng) * (rep == 3 ? 1e-3f : 1.0f);
                Bytes a(row_size(tr->vec_dot_type, n));
                at->from_float(af.data(), a.data(), n);
                for (Isa isa : simd_paths()) expect_close({t, isa, n, "quantized random rows"}, w, a);
            }
        }
    }
}

// With unit scales every product is an integer and, while the total stays below 2^24, every
// partial sum is exact in float: SIMD, reference and an exact sum must agree to the bit.
TEST(KquantSimd, IntegerPartsAreExact) {
    EDGESEEK_REQUIRE_SIMD();
    std::mt19937 rng(7);
    const uint16_t one = fp32_to_fp16(1.0f), minus_one = fp32_to_fp16(-1.0f);
    for (GgmlType t : kTypes) {
        const GgmlType at = type_traits(t)->vec_dot_type;
        for (int64_t n : lengths(t)) {
            for (int pattern = 0; pattern < 3; ++pattern) {
                // 0: quantizer output; 1, 2: random bytes (every quant and scale pattern).
                Bytes w = pattern == 0 ? quantized_weights(t, n, rng) : random_block_bytes(t, n, rng, one, one);
                set_field(t, w, Field::D, pattern == 2 ? minus_one : one);
                set_field(t, w, Field::Second, one);
                // Small enough that the sums stay below 2^24 (and Q8_1's f16 sums stay exact).
                const int range = type_traits(t)->block_size == kQK_K ? 2 : 63;
                const Bytes a = make_activation(at, random_quants(n, -range, range, rng));
                ASSERT_LT(product_mass(t, w, a, n), 16777216.0) << "test premise: integer sums exact in float";
                const std::vector<float> wf = dequantize(t, w, n), af = dequantize(at, a, n);
                double exact = 0.0;
                for (int64_t i = 0; i < n; ++i) exact += static_cast<double>(wf[i]) * af[i];
                const float ref = type_traits(t)->vec_dot(n, w.data(), a.data());
                EXPECT_EQ(static_cast<double>(ref), exact) << type_name(t) << " reference, n=" << n;
                for (Isa isa : simd_paths()) {
                    const float got = vec_dot_kernel(t, isa)(n, w.data(), a.data());
                    EXPECT_EQ(static_cast<double>(got), exact)
                        << describe({t, isa, n, pattern == 0 ? "quantized, unit scales" : "random bytes, unit scales"});
                }
            }
        }
    }
}

// Full-range activations of one sign (the int16 pair sums at their largest), the largest f16
// scales, every quant at its extreme, and all-zero blocks on either side.
TEST(KquantSimd, ExtremeBlocks) {
    EDGESEEK_REQUIRE_SIMD();
    std::mt19937 rng(99);
    const uint16_t f16_max = 0x7bff, one = fp32_to_fp16(1.0f);
    for (GgmlType t : kTypes) {
        const GgmlType at = type_traits(t)->vec_dot_type;
        for (int64_t n : lengths(t)) {
            for (int sign : {127, -127}) {
                const Bytes a = make_activation(at, std::vector<int8_t>(static_cast<size_t>(n), static_cast<int8_t>(sign)));
                Bytes ones(row_size(t, n), 0xff), zeros(row_size(t, n), 0x00);
                for (Bytes* w : {&ones, &zeros}) {
                    set_field(t, *w, Field::D, one);
                    set_field(t, *w, Field::Second, one);
                }
                const Bytes big = random_block_bytes(t, n, rng, f16_max, f16_max);
                for (Isa isa : simd_paths()) {
                    expect_close({t, isa, n, "all bits set"}, ones, a);
                    expect_close({t, isa, n, "all bits clear"}, zeros, a);
                    expect_close({t, isa, n, "largest f16 scales"}, big, a);
                }
            }
            // Zero weights (quantized zeros) and zero activations give exactly zero.
            const std::vector<float> zf(static_cast<size_t>(n), 0.0f);
            Bytes wz(row_size(t, n)), az(row_size(at, n));
            type_traits(t)->from_float(zf.data(), wz.data(), n);
            type_traits(at)->from_float(zf.data(), az.data(), n);
            const Bytes w = quantized_weights(t, n, rng);
            const Bytes a = make_activation(at, random_quants(n, -127, 127, rng));
            for (Isa isa : simd_paths()) {
                const VecDotFn dot = vec_dot_kernel(t, isa);
                EXPECT_EQ(dot(n, wz.data(), a.data()), 0.0f) << describe({t, isa, n, "zero weights"});
                EXPECT_EQ(dot(n, w.data(), az.data()), 0.0f) << describe({t, isa, n, "zero activations"});
            }
        }
    }
}

// ---- activation quantizers ---------------------------------------------------------------

// Rows that probe every branch of the references: ordinary values at several magnitudes, exact
// .5 rounding ties, the largest magnitude present with both signs (the first one sets Q8_K's
// sign), zero blocks, subnormals, huge values, infinities and NaN.
std::vector<std::vector<float>> quantizer_rows(int64_t n, std::mt19937& rng) {
    std::normal_distribution<float> nd(0.0f, 1.0f);
    std::uniform_int_distribution<int> level(-127, 126);
    std::uniform_int_distribution<int64_t> at(0, n - 1);
    const float inf = std::numeric_limits<float>::infinity(), nan = std::numeric_limits<float>::quiet_NaN();
    std::vector<std::vector<float>> rows;
    for (float scale : {1.0f, 1e-3f, 1e3f, 1e-40f, 1e30f}) {
        std::vector<float> r(static_cast<size_t>(n));
        for (auto& v : r) v = scale * nd(rng);
        rows.push_back(r);
    }
    // Halves: with 127 present every block's scale is 1 (Q8_K: -1), so k + 0.5 is an exact tie.
    std::vector<float> ties(static_cast<size_t>(n));
    for (auto& v : ties) v = static_cast<float>(level(rng)) + 0.5f;
    for (int64_t i = 0; i < n; i += 32) ties[static_cast<size_t>(i + 7)] = (i / 32) % 2 ? -127.0f : 127.0f;
    rows.push_back(ties);
    // Largest magnitude twice with opposite signs, in both orders.
    for (float first : {-5.0f, 5.0f}) {
        std::vector<float> r(static_cast<size_t>(n));
        for (auto& v : r) v = nd(rng);
        for (int64_t i = 0; i < n; i += 32) {
            r[static_cast<size_t>(i + 3)] = first;
            r[static_cast<size_t>(i + 29)] = -first;
        }
        rows.push_back(r);
    }
    std::vector<float> zeros(static_cast<size_t>(n), 0.0f);
    zeros[static_cast<size_t>(n - 1)] = -0.0f;
    rows.push_back(zeros);
    for (float special : {nan, inf, -inf}) {
        std::vector<float> r(static_cast<size_t>(n));
        for (auto& v : r) v = nd(rng);
        r[static_cast<size_t>(at(rng))] = special;
        r[static_cast<size_t>(at(rng))] = special;
        rows.push_back(r);
    }
    std::vector<float> all_nan(static_cast<size_t>(n), nan);
    rows.push_back(all_nan);
    return rows;
}

TEST(KquantSimd, ActivationQuantizersAreByteIdentical) {
    EDGESEEK_REQUIRE_SIMD();
    std::mt19937 rng(31);
    for (GgmlType t : {GgmlType::Q8_0, GgmlType::Q8_1, GgmlType::Q8_K}) {
        const TypeTraits* tr = type_traits(t);
        // Block counts odd and even, below and past a SIMD pass's 8 or 16 blocks (Q8_0/Q8_1: 1, 3,
        // 9, 17, 35 blocks beside 8, 16, 56; Q8_K: 1, 2, 7 super-blocks and 35 = 8960 values).
        for (int64_t n : {32, 96, 256, 288, 512, 544, 1120, 1792, 8960}) {
            if (n % tr->block_size != 0) continue;
            for (const std::vector<float>& x : quantizer_rows(n, rng)) {
                Bytes ref(row_size(t, n));
                tr->from_float(x.data(), ref.data(), n);
                for (Isa isa : simd_paths()) {
                    const FromFloatFn q = quantize_act_kernel(t, isa);
                    ASSERT_NE(q, tr->from_float) << type_name(t) << " on " << isa_name(isa) << ": no SIMD quantizer";
                    Bytes got(ref.size(), 0xa5);
                    q(x.data(), got.data(), n);
                    size_t diff = 0;
                    while (diff < ref.size() && ref[diff] == got[diff]) ++diff;
                    EXPECT_EQ(diff, ref.size()) << type_name(t) << " on " << isa_name(isa) << ", n=" << n << ": first different byte "
                                                << diff << " (block " << diff / tr->type_size << ", byte "
                                                << diff % tr->type_size << "), expected " << int(ref[diff % ref.size()]) << ", got "
                                                << int(got[diff % ref.size()]);
                }
            }
        }
    }
}

// The packed kernels' activations written in one pass per 16 blocks (AVX-512) against the row
// quantizer's blocks moved into place: the same quant bytes in the panel slot and the same table
// entries, bit for bit, on the quantizer test rows and on block counts that leave a partial 16.
TEST(KquantSimd, PackedActivationPanelsMatchTheRowQuantizer) {
#if !defined(__x86_64__)
    GTEST_SKIP() << "the panel writer is x86-64 only";
#else
    if (cpu_features().best() == Isa::Scalar) GTEST_SKIP() << "no AVX2 on this CPU";
    std::mt19937 rng(37);
    // The AVX-512 writers (every type but Q4_1/Q5_1), and the AVX2 ones (the quantized types
    // but those two).
    for (const Isa isa : {Isa::Avx512, Isa::Avx2}) {
        if (static_cast<int>(isa) > static_cast<int>(cpu_features().best())) continue;
        SCOPED_TRACE(isa_name(isa));
        for (GgmlType w : {GgmlType::Q4_0, GgmlType::Q8_0, GgmlType::IQ4_NL, GgmlType::Q5_0, GgmlType::Q2_K, GgmlType::Q3_K, GgmlType::Q4_K,
                           GgmlType::Q5_K, GgmlType::Q6_K, GgmlType::IQ4_XS, GgmlType::F16, GgmlType::BF16}) {
            if (isa == Isa::Avx2 && packed_float(w)) continue;
            const int64_t kblock = packed_act_block(w).bytes, per_block = packed_act_block(w).values;
            const PackActsFn fast = isa == Isa::Avx2 ? pack_acts_avx2(w) : packed_float(w) ? pack_float_acts_avx512(w) : pack_acts_avx512(w);
            const PackActsFn ref = pack_acts_reference(w);
            ASSERT_NE(fast, nullptr) << type_name(w);
            ASSERT_NE(ref, nullptr) << type_name(w);
            // Block counts that leave every partial pass of the writers (8 blocks a pass on AVX2, 16
            // on AVX-512): for the 32-value types 1, 3, 9, 17, 35 and 129 blocks beside 8, 24, 40,
            // 56, 88 and 280; for the k-quants 1, 3, 5, 7, 11 and 35 super-blocks; F16/BF16 (16-value
            // blocks) 2 to 560 of theirs (the test rows come in whole 32-value blocks).
            for (int64_t n : {32, 96, 256, 288, 544, 768, 1120, 1280, 1792, 2816, 4128, 8960}) {
                if (n % per_block != 0) continue;
                const int64_t blocks = n / per_block, stride = 3;  // this token in column 1 of 3
                for (const std::vector<float>& x : quantizer_rows(n, rng)) {
                    struct Out {
                        std::vector<int8_t> q;
                        std::vector<float> d, sums;
                        std::vector<int32_t> init;
                        ActsSlot slot;
                    };
                    Out o[2];
                    for (Out& a : o) {
                        a.q.assign(static_cast<size_t>(blocks * kActPanel * kblock), 0x5a);
                        a.d.assign(static_cast<size_t>(n / 32 * stride), -1.0f);
                        a.sums.assign(static_cast<size_t>(n / 32 * stride), -1.0f);
                        a.init.assign(static_cast<size_t>(2 * n / 32 * stride), 0x5a5a5a5a);
                        a.slot.q = a.q.data() + 5 * kblock;  // slot 5 of the panel
                        a.slot.d = a.d.data() + 1;
                        a.slot.sums = a.sums.data() + 1;
                        a.slot.init = a.init.data() + 1;
                        a.slot.stride = stride;
                    }
                    ref(x.data(), n, o[0].slot);
                    fast(x.data(), n, o[1].slot);
                    EXPECT_EQ(o[1].q, o[0].q) << type_name(w) << " n=" << n;
                    EXPECT_EQ(std::memcmp(o[1].d.data(), o[0].d.data(), o[0].d.size() * sizeof(float)), 0) << type_name(w) << " n=" << n;
                    EXPECT_EQ(std::memcmp(o[1].sums.data(), o[0].sums.data(), o[0].sums.size() * sizeof(float)), 0)
                        << type_name(w) << " n=" << n;
                    EXPECT_EQ(o[1].init, o[0].init) << type_name(w) << " n=" << n;
                }
            }
        }
    }
#endif
}

}  // namespace
}  // namespace edgeseek
