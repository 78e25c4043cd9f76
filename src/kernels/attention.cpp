#include "kernels/attention.h"

#include <vector>

#include "kernels/ops.h"
#include "quant/f16.h"

namespace edgeseek {

namespace {
// f16 -> f32 by table: the scalar path's cache reads.
const float* f16_table() {
    static const std::vector<float> table = [] {
        std::vector<float> t(65536);
        for (uint32_t i = 0; i < 65536; ++i) t[i] = fp16_to_fp32(static_cast<uint16_t>(i));
        return t;
    }();
    return table.data();
}
}  // namespace

void attend_head_scalar(const float* q, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t n_pos,
                        int64_t head_dim, float scale, float* scores, float* out) {
    const float* h = f16_table();
    float qr[512];
    for (int64_t d = 0; d < head_dim; ++d) qr[d] = h[fp32_to_fp16(q[d])];
    for (int64_t p = 0; p < n_pos; ++p) {
        const uint16_t* k = k0 + p * kv_stride;
        float s = 0.0f;
        for (int64_t d = 0; d < head_dim; ++d) s += qr[d] * h[k[d]];
        scores[p] = s * scale;
    }
    softmax(scores, n_pos);
    for (int64_t d = 0; d < head_dim; ++d) out[d] = 0.0f;
    for (int64_t p = 0; p < n_pos; ++p) {
        const float w = h[fp32_to_fp16(scores[p])];
        const uint16_t* v = v0 + p * kv_stride;
        for (int64_t d = 0; d < head_dim; ++d) out[d] += w * h[v[d]];
    }
}

void attend_heads_scalar(const float* q, int64_t n_heads, const uint16_t* k0, const uint16_t* v0, int64_t kv_stride,
                         int64_t n_pos, int64_t head_dim, float scale, float* scores, float* out) {
    for (int64_t h = 0; h < n_heads; ++h) {
        attend_head_scalar(q + h * head_dim, k0, v0, kv_stride, n_pos, head_dim, scale, scores + h * n_pos, out + h * head_dim);
    }
}

void attend_tokens_scalar_order(AttendGroupFn heads, const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads,
                                const uint16_t* k0, const uint16_t* v0, int64_t kv_stride, int64_t pos0, int64_t head_dim,
                                float scale, float* scores, float* out, int64_t out_stride) {
    for (int64_t i = 0; i < n_tok; ++i) {
        heads(q + i * q_stride, n_heads, k0, v0, kv_stride, pos0 + i + 1, head_dim, scale, scores, out + i * out_stride);
    }
}

void attend_tokens_scalar(const float* q, int64_t q_stride, int64_t n_tok, int64_t n_heads, const uint16_t* k0,
                          const uint16_t* v0, int64_t kv_stride, int64_t pos0, int64_t head_dim, float scale, float* scores,
                          float* out, int64_t out_stride, const float*, const float*) {
    attend_tokens_scalar_order(attend_heads_scalar, q, q_stride, n_tok, n_heads, k0, v0, kv_stride, pos0, head_dim, scale,
                               scores, out, out_stride);
}

AttendTokensFn attend_tokens_kernel(Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return attend_tokens_avx512();
    if (isa == Isa::Avx2) return attend_tokens_avx2();
#else
    (void)isa;
#endif
    return attend_tokens_scalar;
}

ConvertKeysFn convert_keys_kernel(Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return convert_keys_avx512();
    if (isa == Isa::Avx2) return convert_keys_avx2();
#else
    (void)isa;
#endif
    return nullptr;
}

ConvertValuesFn convert_values_kernel(Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return convert_values_avx512();
    if (isa == Isa::Avx2) return convert_values_avx2();
#else
    (void)isa;
#endif
    return nullptr;
}

int64_t converted_values_floats(int64_t n_pos, int64_t head_dim) { return n_pos * ((head_dim + 15) / 16 * 16); }

int64_t converted_keys_floats(int64_t n_pos, int64_t head_dim) { return (n_pos + 15) / 16 * 16 * ((head_dim + 15) / 16 * 16); }

AttendGroupFn attend_heads_kernel(Isa isa) {
#if defined(__x86_64__)
    if (isa == Isa::Avx512) return attend_heads_avx512();
    if (isa == Isa::Avx2) return attend_heads_avx2();
#else
    (void)isa;
#endif
    return attend_heads_scalar;
}

}  // namespace edgeseek
