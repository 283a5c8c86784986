#pragma once
// f32 matrix product for batched prefill (engine-internal op): y[t, r] = sum_k x[t, k] * w[r, k] for a
// batch of tokens x [m, k] and a chunk of dequantized weight rows w [n, k].
//
// The activations are transposed once per product into xt: blocks of 32 tokens, each [k, 32] (tokens
// contiguous, the last block zero-padded), so the kernel streams one block linearly; then every chunk of weight rows is multiplied against it: the kernel keeps 12 weight rows
// x 32 tokens of sums in registers, broadcasting one weight and loading 32 tokens per step of k. Weights
// therefore need no repacking after dequantization, and the batch's activations are shared read-only by all
// threads.
#include <cstdint>

namespace hayloft::engine::ops {

// Tokens rounded up to the kernel's block (32); xt holds gemm_pad_tokens(m) * k floats.
int64_t gemm_pad_tokens(int64_t m);

// Columns [k_begin, k_end) of every block of xt from x [m, k] (row stride k): token t, column c lands at
// xt[(t / 32) * k * 32 + c * 32 + t % 32]; tokens m..m_pad-1 are zero.
void gemm_transpose_x(const float* x, int64_t m, int64_t k, int64_t k_begin, int64_t k_end, float* xt);

// y[t * ldy + r] = sum_kk x[t, kk] * w[r * k + kk] for t < m, r < n, x given as xt (above).
// xt must be 64-byte aligned. The AVX-512 version needs a CPU with AVX-512F (detect_isa() == kAvx512).
void gemm_xt_avx512(const float* xt, int64_t m, int64_t k, const float* w, int64_t n, float* y, int64_t ldy);
void gemm_xt_ref(const float* xt, int64_t m, int64_t k, const float* w, int64_t n, float* y, int64_t ldy);

}  // namespace hayloft::engine::ops
