// See include/neural_kernels.h. The exp is Cephes' single-precision polynomial (within 2 ulp); erf is
// Abramowitz & Stegun 7.1.26 (the formula PyTorch's vectorised CPU erf uses). Loops are written
// branch-free (selects, not ifs) so clang vectorises them.
#include "neural_kernels.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LOWEST_EXP (-87.33654f)
#define HIGHEST_EXP 88.72283f

static inline float exp_poly(float x) {
    float xc = x < LOWEST_EXP ? LOWEST_EXP : (x > HIGHEST_EXP ? HIGHEST_EXP : x);
    // x = n·ln2 + r, |r| ≤ ln2/2; adding 1.5·2^23 rounds x·log2(e) to an integer held in the low mantissa bits.
    const float magic = 12582912.0f;
    float shifted = xc * 1.44269504f + magic;
    float n = shifted - magic;
    float r = xc - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    p = p * (r * r) + r + 1.0f;
    int32_t shiftedBits, magicBits;
    memcpy(&shiftedBits, &shifted, 4);
    memcpy(&magicBits, &magic, 4);
    int32_t scaleBits = (shiftedBits - magicBits + 127) << 23;
    float scale;
    memcpy(&scale, &scaleBits, 4);
    float result = p * scale;
    result = x < LOWEST_EXP ? 0.0f : result;
    return x > HIGHEST_EXP ? INFINITY : result;
}

static inline float erf_poly(float x) {
    float a = fabsf(x);
    float t = 1.0f / (1.0f + 0.3275911f * a);
    float p = 1.061405429f;
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    return copysignf(1.0f - p * t * exp_poly(-(a * a)), x);
}

static inline float tanh_poly(float x) {
    float y = 1.0f - 2.0f / (exp_poly(2.0f * fabsf(x)) + 1.0f);
    return copysignf(y, x);
}

#define DISPATCHED __attribute__((target_clones("avx2", "default")))

DISPATCHED void qk_gelu_erf(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = p[i];
        p[i] = 0.5f * x * (1.0f + erf_poly(x * 0.70710678118654752f));
    }
}

DISPATCHED void qk_gelu_tanh(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = p[i];
        p[i] = 0.5f * x * (1.0f + tanh_poly(0.79788456080286536f * (x + 0.044715f * x * x * x)));
    }
}

DISPATCHED void qk_silu(float *p, size_t n) {
    for (size_t i = 0; i < n; i++) {
        float x = p[i];
        p[i] = x / (1.0f + exp_poly(-x));
    }
}

// Sums and maxima in 16 fixed lanes, combined in a fixed order: vectorisable without -ffast-math, and
// the same result whichever version runs.
#define LANES 16

DISPATCHED void qk_softmax(float *row, size_t n) {
    float lanes[LANES];
    for (int l = 0; l < LANES; l++) lanes[l] = -INFINITY;
    size_t body = n / LANES * LANES;
    for (size_t i = 0; i < body; i += LANES)
        for (int l = 0; l < LANES; l++) lanes[l] = row[i + l] > lanes[l] ? row[i + l] : lanes[l];
    float m = -INFINITY;
    for (int l = 0; l < LANES; l++) m = lanes[l] > m ? lanes[l] : m;
    for (size_t i = body; i < n; i++) m = row[i] > m ? row[i] : m;
    if (m == -INFINITY) {
        memset(row, 0, n * sizeof(float));
        return;
    }
    for (int l = 0; l < LANES; l++) lanes[l] = 0;
    for (size_t i = 0; i < body; i += LANES)
        for (int l = 0; l < LANES; l++) {
            float e = exp_poly(row[i + l] - m);
            row[i + l] = e;
            lanes[l] += e;
        }
    float s = 0;
    for (int l = 0; l < LANES; l++) s += lanes[l];
    for (size_t i = body; i < n; i++) {
        float e = exp_poly(row[i] - m);
        row[i] = e;
        s += e;
    }
    float inv = 1.0f / s;
    for (size_t i = 0; i < n; i++) row[i] *= inv;
}
