// Elementwise kernels of the neural runtime, in C so that clang vectorises them (Swift's generic SIMD
// types did not: a SIMD16 erf was slower than scalar erff). Each has an AVX2 and a baseline (SSE2)
// version picked at load time; neither uses FMA, so both give the same bits.
#ifndef QUARRY_NEURAL_KERNELS_H
#define QUARRY_NEURAL_KERNELS_H

#include <stddef.h>

/// x·Φ(x) = 0.5·x·(1 + erf(x/√2)) in place (BERT's "gelu"); erf within 2e-7 absolute.
void qk_gelu_erf(float *p, size_t n);
/// 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) in place (T5 v1.1's "gelu_new").
void qk_gelu_tanh(float *p, size_t n);
/// x / (1 + e^{-x}) in place.
void qk_silu(float *p, size_t n);
/// Softmax of one row in place, the row's maximum subtracted first; a row of -infinity becomes zeros.
void qk_softmax(float *row, size_t n);

#endif
