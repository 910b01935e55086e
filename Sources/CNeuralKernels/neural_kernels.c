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

// target_clones picks the AVX2 or the default body at load time through an ifunc resolver. Under
// ThreadSanitizer the resolver is instrumented and runs before the sanitizer's runtime is set up (it
// crashed every TSan build at start-up, found by tools/reliability/tsan.sh), so such builds take the
// default body only.
#if defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define QK_NO_CLONES 1
#endif
#endif
#if defined(QK_NO_CLONES) || defined(__SANITIZE_THREAD__)
#define DISPATCHED
#else
#define DISPATCHED __attribute__((target_clones("avx2", "default")))
#endif

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

// The softmax on explicit 8-float vectors (clang's vector extension; two SSE registers in the baseline
// version): the loop vectoriser does not vectorise its max and sum reductions without -ffast-math.
// Lanes are combined in a fixed order, so both versions give the same result.
typedef float v8f __attribute__((vector_size(32)));
typedef int32_t v8i __attribute__((vector_size(32)));

// Macros, not functions: an 8-float vector may not cross a call in the baseline (non-AVX) version.
#define SPLAT(x) ((v8f){(x), (x), (x), (x), (x), (x), (x), (x)})
#define LOAD8(dst, p) memcpy(&(dst), (p), sizeof(v8f))
#define STORE8(p, v) do { v8f stored_ = (v); memcpy((p), &stored_, sizeof(v8f)); } while (0)

// out = exp_poly on 8 lanes: the same operations in the same order, so the same bits as the scalar form.
// No +infinity case: softmax inputs are ≤ 0 once the row's maximum is subtracted.
#define EXP8(out, x) do {                                                                              \
    v8f xc_ = __builtin_elementwise_min(__builtin_elementwise_max((x), SPLAT(LOWEST_EXP)), SPLAT(HIGHEST_EXP)); \
    const v8f magic_ = SPLAT(12582912.0f);                                                             \
    v8f shifted_ = xc_ * 1.44269504f + magic_;                                                         \
    v8f n_ = shifted_ - magic_;                                                                        \
    v8f r_ = xc_ - n_ * 0.693359375f;                                                                  \
    r_ = r_ - n_ * -2.12194440e-4f;                                                                    \
    v8f p_ = SPLAT(1.9875691500e-4f);                                                                  \
    p_ = p_ * r_ + 1.3981999507e-3f;                                                                   \
    p_ = p_ * r_ + 8.3334519073e-3f;                                                                   \
    p_ = p_ * r_ + 4.1665795894e-2f;                                                                   \
    p_ = p_ * r_ + 1.6666665459e-1f;                                                                   \
    p_ = p_ * r_ + 5.0000001201e-1f;                                                                   \
    p_ = p_ * (r_ * r_) + r_ + 1.0f;                                                                   \
    v8i scaleBits_ = (((v8i)shifted_ - (v8i)magic_) + 127) << 23;                                      \
    v8f result_ = p_ * (v8f)scaleBits_;                                                                \
    v8i underflow_ = (x) < SPLAT(LOWEST_EXP);                                                          \
    (out) = (v8f)((v8i)result_ & ~underflow_);                                                         \
} while (0)

DISPATCHED void qk_softmax(float *row, size_t n) {
    size_t body = n / 8 * 8;
    v8f m8 = SPLAT(-INFINITY), v;
    for (size_t i = 0; i < body; i += 8) {
        LOAD8(v, row + i);
        m8 = __builtin_elementwise_max(m8, v);
    }
    float m = -INFINITY;
    for (int l = 0; l < 8; l++) m = m8[l] > m ? m8[l] : m;
    for (size_t i = body; i < n; i++) m = row[i] > m ? row[i] : m;
    if (m == -INFINITY) {
        memset(row, 0, n * sizeof(float));
        return;
    }
    v8f s8 = SPLAT(0.0f), mv = SPLAT(m), e;
    for (size_t i = 0; i < body; i += 8) {
        LOAD8(v, row + i);
        v = v - mv;
        EXP8(e, v);
        STORE8(row + i, e);
        s8 += e;
    }
    float s = 0;
    for (int l = 0; l < 8; l++) s += s8[l];
    for (size_t i = body; i < n; i++) {
        float x = exp_poly(row[i] - m);
        row[i] = x;
        s += x;
    }
    float inv = 1.0f / s;
    v8f inv8 = SPLAT(inv);
    for (size_t i = 0; i < body; i += 8) {
        LOAD8(v, row + i);
        STORE8(row + i, v * inv8);
    }
    for (size_t i = body; i < n; i++) row[i] *= inv;
}
