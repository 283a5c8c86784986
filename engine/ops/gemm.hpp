#pragma once
// f32 matrix product for batched prefill (engine-internal op): y[t, r] = sum_k x[t, k] * w[r, k] for a
// batch of tokens x [m, k] and a chunk of dequantized weight rows w [n, k].
//
// The weight rows are first packed into panels of 32 rows, each [k, 32] (the 32 rows' values for one
// column contiguous, rows past n zero). The kernel then keeps 12 tokens x 32 rows of sums in registers:
// per column it loads the panel's 32 weights (two vectors) and broadcasts each token's activation, and it
// writes every token's 32 results as one contiguous run of y. The activations are read in place.
#include <cstddef>
#include <cstdint>

namespace hayloft::engine::ops {

// Floats gemm_pack_w writes for n rows of k columns (n rounded up to 32).
size_t gemm_packed_floats(int64_t n, int64_t k);
// w [n, k] row-major -> panels: row r, column c at packed[(r / 32) * k * 32 + c * 32 + r % 32].
void gemm_pack_w(const float* w, int64_t n, int64_t k, float* packed);

// y[t * ldy + r] (+)= sum_kk x[t * ldx + kk] * w[r, kk] for t < m, r < n, w given packed; accumulate adds
// to y instead of overwriting it. packed must be 64-byte aligned. The AVX-512 version needs a CPU with
// AVX-512F (detect_isa() == kAvx512).
void gemm_avx512(const float* x, int64_t ldx, int64_t m, int64_t k, const float* packed, int64_t n, float* y,
                 int64_t ldy, bool accumulate);
void gemm_ref(const float* x, int64_t ldx, int64_t m, int64_t k, const float* packed, int64_t n, float* y,
              int64_t ldy, bool accumulate);

}  // namespace hayloft::engine::ops
