// Matrix-product scheduling for the forward pass: which worker multiplies which weight rows. Two paths: the
// quantized dot kernels (decode, and prefill when prefill_gemm is off) and dequantized tiles through
// ops::gemm_avx512 or OpenBLAS sgemm (prefill). Also the batched GLU, the other element-wise step prefill
// splits across the workers.
#include <cblas.h>

#include <algorithm>
#include <atomic>

#include "engine/ops/activation.hpp"
#include "engine/ops/attention.hpp"  // f16 rounding helpers
#include "engine/ops/gemm.hpp"
#include "engine/ops/glu.hpp"
#include "engine/ops/quant.hpp"
#include "engine/session_state.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

ActBuffer& Session::State::act_buffer(ops::TensorType act_type) {
  for (auto& a : acts) {
    if (a.type == act_type) return a;
  }
  HL_DASSERT(false);  // the constructor made one buffer per format the weights use
  return acts.front();
}

void Session::State::matmul(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  if (n_tokens > 1 && opt.prefill_gemm) {
    matmul_gemm(jobs, n_jobs, xin, n_tokens);
  } else {
    matmul_quant(jobs, n_jobs, xin, n_tokens);
  }
}

// The activations x [n_tokens, w.cols] in the format w's kernel multiplies with, converted once per forward
// step and format (jobs of one dispatch share their input).
const ActBuffer& Session::State::quantized_act(const Weight& w, const float* xin, int64_t n_tokens) {
  ActBuffer& a = act_buffer(w.kern->act_type);
  if (a.used) return a;
  const int64_t cols = w.cols;
  for (int64_t t = 0; t < n_tokens; ++t) {
    w.kern->quantize_act(xin + t * cols, a.bytes.data() + static_cast<size_t>(t) * a.stride, cols);
    if (w.type == ops::TensorType::kF16) {
      // ggml multiplies f16 weights with activations rounded to f16 (its vec_dot_type); do the same so
      // logits track llama.cpp (measured: 0.30 -> 0.013 max logit difference on tiny-qwen2).
      float* f = reinterpret_cast<float*>(a.bytes.data() + static_cast<size_t>(t) * a.stride);
      for (int64_t i = 0; i < cols; ++i) f[i] = ops::f16_to_f32(ops::f32_to_f16(f[i]));
    }
  }
  a.used = true;
  return a;
}

// Quantized path: convert each token's activations once per activation format, then split all rows of
// all jobs evenly across the workers; each row is dotted with every token while it is in cache.
void Session::State::matmul_quant(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  const int64_t cols = jobs[0].w->cols;
  constexpr int kMaxJobs = 4;
  HL_DASSERT(n_jobs <= kMaxJobs);
  const ActBuffer* act[kMaxJobs];
  int64_t total_rows = 0;
  for (int j = 0; j < n_jobs; ++j) {
    const Weight& w = *jobs[j].w;
    HL_DASSERT(w.cols == cols);
    act[j] = &quantized_act(w, xin, n_tokens);
    total_rows += w.rows;
  }
  if (n_tokens == 1) {
    // Decode: chunks of rows (about kDecodeChunkBytes of weights, a multiple of 4 rows) go to whichever
    // worker claims them; the kernel keeps several rows in flight.
    constexpr int64_t kDecodeChunkBytes = 32 << 10;
    const int64_t chunk = std::max<int64_t>(4, kDecodeChunkBytes / static_cast<int64_t>(jobs[0].w->row_bytes) / 4 * 4);
    auto rows = [&](int64_t begin, int64_t end) {
      int64_t base = 0;
      for (int j = 0; j < n_jobs; ++j) {
        const Weight& w = *jobs[j].w;
        const int64_t r0 = std::max(begin - base, int64_t{0});
        const int64_t r1 = std::min(end - base, w.rows);
        if (r1 > r0) w.kern->matvec(w.row(r0), w.row_bytes, act[j]->bytes.data(), jobs[j].y + r0, cols, r1 - r0);
        base += w.rows;
      }
    };
    workers->parallel_for(total_rows, chunk, rows);
    for (auto& a : acts) a.used = false;
    return;
  }
  auto work = [&](int i, int n) {
    int64_t begin, end;
    split_range(total_rows, i, n, begin, end);
    int64_t base = 0;
    for (int j = 0; j < n_jobs; ++j) {
      const Weight& w = *jobs[j].w;
      const int64_t r0 = std::max(begin - base, int64_t{0});
      const int64_t r1 = std::min(end - base, w.rows);
      const uint8_t* a = act[j]->bytes.data();
      const size_t stride = act[j]->stride;
      for (int64_t r = r0; r < r1; ++r) {
        const uint8_t* row = w.row(r);
        for (int64_t t = 0; t < n_tokens; ++t) {
          jobs[j].y[t * w.rows + r] = w.kern->dot(row, a + static_cast<size_t>(t) * stride, cols);
        }
      }
      base += w.rows;
    }
  };
  workers->parallel(work);
  for (auto& a : acts) a.used = false;
}

// Batched path: the rows of all jobs are cut into chunks of tile_rows; workers take chunks in turn (a shared
// counter, so a worker slowed by a busy core takes fewer), dequantize the chunk's rows into their own f32
// tile and multiply: y[:, r0:r0+nr] = x[T, cols] . tile[nr, cols]^T, by ops::gemm_avx512 on the packed tile
// or else by a single-threaded sgemm. Every weight row is dequantized once per forward step.
void Session::State::matmul_gemm(const MatJob* jobs, int n_jobs, const float* xin, int64_t n_tokens) {
  constexpr int kMaxJobs = 4;
  HL_DASSERT(n_jobs <= kMaxJobs);
  const int64_t cols = jobs[0].w->cols;
  int64_t first_chunk[kMaxJobs + 1] = {0};  // chunk index where job j starts
  for (int j = 0; j < n_jobs; ++j) {
    first_chunk[j + 1] = first_chunk[j] + (jobs[j].w->rows + tile_rows - 1) / tile_rows;
  }
  std::atomic<int64_t> next{0};
  auto work = [&](int i, int) {
    float* t = tile.data() + static_cast<size_t>(i) * tile_stride;
    float* packed = t + tile_rows * cols;  // 64-byte aligned: tile_rows * 4 bytes is a multiple of 64
    for (int64_t c = next.fetch_add(1, std::memory_order_relaxed); c < first_chunk[n_jobs];
         c = next.fetch_add(1, std::memory_order_relaxed)) {
      int j = 0;
      while (c >= first_chunk[j + 1]) ++j;
      const Weight& w = *jobs[j].w;
      HL_DASSERT(w.cols == cols);
      const int64_t r0 = (c - first_chunk[j]) * tile_rows, nr = std::min(tile_rows, w.rows - r0);
      for (int64_t r = 0; r < nr; ++r) w.kern->dequantize(w.row(r0 + r), t + r * cols, cols);
      if (own_gemm) {
        ops::gemm_pack_w(t, nr, cols, packed);
        ops::gemm_avx512(xin, cols, n_tokens, cols, packed, nr, jobs[j].y + r0, w.rows, false);
      } else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n_tokens), static_cast<int>(nr),
                    static_cast<int>(cols), 1.0f, xin, static_cast<int>(cols), t, static_cast<int>(cols), 0.0f,
                    jobs[j].y + r0, static_cast<int>(w.rows));
      }
    }
  };
  workers->parallel(work);
}

// Prefill GLU over gate/up [n, n_ff]: vectorized, split across the workers in 64-byte aligned ranges.
void Session::State::glu_batch(GluKind kind, int64_t count) {
  auto work = [&](int i, int n) {
    int64_t b, e;
    split_range(count / 16, i, n, b, e);
    b *= 16;
    e = i + 1 == n ? count : e * 16;
    if (kind == GluKind::kGeGlu) {
      ops::geglu_avx2(gate.data() + b, up.data() + b, gate.data() + b, e - b);
    } else {
      ops::swiglu_avx2(gate.data() + b, up.data() + b, gate.data() + b, e - b);
    }
  };
  workers->parallel(work);
}
}  // namespace hayloft::engine
