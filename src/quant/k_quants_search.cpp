// The scale searches of the k-quant reference quantizers. They follow ggml's make_qx_quants,
// make_q3_quants and make_qkx2_quants (ggml-quants.c) in the variants llama.cpp uses when no
// importance matrix is given, accumulating in float in the same order, so our files land where
// llama.cpp's do.
#include <algorithm>
#include <cmath>

#include "quant/k_quants.h"

namespace edgeseek::kquant {
namespace {

constexpr float kGroupMaxEps = 1e-15f;  // a group below this magnitude is stored as zeros

// The value of largest magnitude, with its sign; 0 when all are zero.
float signed_absmax(int n, const float* x) {
    float amax = 0.0f, max = 0.0f;
    for (int i = 0; i < n; ++i) {
        const float ax = std::fabs(x[i]);
        if (ax > amax) {
            amax = ax;
            max = x[i];
        }
    }
    return max;
}

inline int clamp_level(int l, int nmax) { return std::max(-nmax, std::min(nmax - 1, l)); }

// Weighted least-squares fit of x by scale * level for the levels given by iscale.
struct Fit {
    float sumlx = 0.0f;  // sum w * x * l
    float suml2 = 0.0f;  // sum w * l * l
};

Fit fit_symmetric(int n, int nmax, const float* x, float iscale) {
    Fit f;
    for (int i = 0; i < n; ++i) {
        const float l = static_cast<float>(clamp_level(nearest_int(iscale * x[i]), nmax));
        const float w = x[i] * x[i];
        f.sumlx += w * x[i] * l;
        f.suml2 += w * l * l;
    }
    return f;
}

void store_levels(int n, int nmax, const float* x, float iscale, int8_t* L) {
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<int8_t>(nmax + clamp_level(nearest_int(iscale * x[i]), nmax));
    }
}

}  // namespace

float search_scale_symmetric(int n, int nmax, const float* x, int8_t* L) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {
        std::fill(L, L + n, int8_t{0});
        return 0.0f;
    }
    float iscale = -static_cast<float>(nmax) / max;
    store_levels(n, nmax, x, iscale, L);
    Fit f = fit_symmetric(n, nmax, x, iscale);
    float scale = f.suml2 != 0.0f ? f.sumlx / f.suml2 : 0.0f;
    float best = scale * f.sumlx;  // = sumlx^2 / suml2, what a better fit increases
    for (int is = -9; is <= 9; ++is) {
        if (is == 0) continue;
        iscale = -(static_cast<float>(nmax) + 0.1f * static_cast<float>(is)) / max;
        f = fit_symmetric(n, nmax, x, iscale);
        if (f.suml2 > 0.0f && f.sumlx * f.sumlx > best * f.suml2) {
            store_levels(n, nmax, x, iscale, L);
            scale = f.sumlx / f.suml2;
            best = scale * f.sumlx;
        }
    }
    return scale;
}

float search_scale_q3(int n, int nmax, const float* x, int8_t* L) {
    const float max = signed_absmax(n, x);
    if (std::fabs(max) < kGroupMaxEps) {
        std::fill(L, L + n, int8_t{0});
        return 0.0f;
    }
    const float iscale = -static_cast<float>(nmax) / max;
    float sumlx = 0.0f, suml2 = 0.0f;
    for (int i = 0; i < n; ++i) {
        const int l = clamp_level(nearest_int(iscale * x[i]), nmax);
        L[i] = static_cast<int8_t>(l);
        const float w = x[i] * x[i], lf = static_cast<float>(l);
        sumlx += w * x[i] * lf;
        suml2 += w * lf * lf;
    }
    // Coordinate descent: re-round one value at a time against the scale the others imply.
    for (int iter = 0; iter < 5; ++iter) {
        int changed = 0;
        for (int i = 0; i < n; ++i) {
            const float w = x[i] * x[i], old = static_cast<float>(L[i]);
            float slx = sumlx - w * x[i] * old;
            if (!(slx > 0.0f)) continue;
            float sl2 = suml2 - w * old * old;
            const int new_l = clamp_level(nearest_int(x[i] * sl2 / slx), nmax);
            if (new_l == L[i]) continue;
            const float nl = static_cast<float>(new_l);
            slx += w * x[i] * nl;
            sl2 += w * nl * nl;
            if (sl2 > 0.0f && slx * slx * suml2 > sumlx * sumlx * sl2) {
                L[i] = static_cast<int8_t>(new_l);
                sumlx = slx;
                suml2 = sl2;
                ++changed;
            }
        }
        if (changed == 0) break;
    }
    for (int i = 0; i < n; ++i) L[i] = static_cast<int8_t>(L[i] + nmax);
    return suml2 > 0.0f ? sumlx / suml2 : 0.0f;
}

float search_scale_min(int n, int nmax, const float* x, const float* weights, uint8_t* L,
                       float* min_out, float rmin, float rdelta, int nstep, bool use_mad) {
    float min = x[0], max = x[0];
    float sum_w = weights[0];
    float sum_x = sum_w * x[0];
    for (int i = 1; i < n; ++i) {
        min = std::min(min, x[i]);
        max = std::max(max, x[i]);
        sum_w += weights[i];
        sum_x += weights[i] * x[i];
    }
    if (min > 0.0f) min = 0.0f;  // the offset only ever lowers values
    if (max == min) {
        std::fill(L, L + n, uint8_t{0});
        *min_out = -min;
        return 0.0f;
    }
    auto error_of = [&](float scale, float offset, const uint8_t* levels) {
        float err = 0.0f;
        for (int i = 0; i < n; ++i) {
            float diff = scale * static_cast<float>(levels[i]) + offset - x[i];
            diff = use_mad ? std::fabs(diff) : diff * diff;
            err += weights[i] * diff;
        }
        return err;
    };
    float iscale = static_cast<float>(nmax) / (max - min);
    float scale = 1.0f / iscale;
    for (int i = 0; i < n; ++i) {
        L[i] = static_cast<uint8_t>(std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
    }
    float best_error = error_of(scale, min, L);
    if (nstep < 1) {
        *min_out = -min;
        return scale;
    }
    uint8_t Laux[256];  // n <= 256 for every caller
    for (int is = 0; is <= nstep; ++is) {
        iscale = (rmin + rdelta * static_cast<float>(is) + static_cast<float>(nmax)) / (max - min);
        float sum_l = 0.0f, sum_l2 = 0.0f, sum_xl = 0.0f;
        for (int i = 0; i < n; ++i) {
            const int l = std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
            Laux[i] = static_cast<uint8_t>(l);
            const float w = weights[i], lf = static_cast<float>(l);
            sum_l += w * lf;
            sum_l2 += w * lf * lf;
            sum_xl += w * lf * x[i];
        }
        // Weighted least squares for (scale, offset) given these levels.
        const float D = sum_w * sum_l2 - sum_l * sum_l;
        if (!(D > 0.0f)) continue;
        float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
        float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
        if (this_min > 0.0f) {
            this_min = 0.0f;
            this_scale = sum_xl / sum_l2;
        }
        const float cur_error = error_of(this_scale, this_min, Laux);
        if (cur_error < best_error) {
            std::copy(Laux, Laux + n, L);
            best_error = cur_error;
            scale = this_scale;
            min = this_min;
        }
    }
    *min_out = -min;
    return scale;
}

}  // namespace edgeseek::kquant
