#pragma once
// Session internals (engine-internal): the KV cache, the scratch buffers every forward step reuses and the
// worker threads. Everything is sized in the constructor (session.cpp); forward.cpp only reads and writes.
#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "engine/engine.hpp"
#include "engine/model_impl.hpp"
#include "engine/workers.hpp"

namespace hayloft::engine {

// 64-byte aligned float/byte storage that never reallocates after construction.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) : n_(n), p_(static_cast<T*>(::operator new[](n * sizeof(T) + 64, std::align_val_t{64}))) {}
  ~Buffer() { if (p_) ::operator delete[](p_, std::align_val_t{64}); }
  Buffer(Buffer&& o) noexcept : n_(o.n_), p_(o.p_) { o.n_ = 0; o.p_ = nullptr; }
  Buffer& operator=(Buffer&& o) noexcept { std::swap(n_, o.n_); std::swap(p_, o.p_); return *this; }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }

 private:
  size_t n_ = 0;
  T* p_ = nullptr;
};

// One layer's cache: a ring of `cap` slots, position p in slot p % cap (see ops/attention.hpp).
struct LayerKv {
  Buffer<uint8_t> k, v;  // [cap, kv_dim] of the session's KV type
  int64_t cap = 0;
};

// A matrix product to run: y[t, w->rows] = x[t, w->cols] . w^T.
struct MatJob {
  const Weight* w;
  float* y;
};

// Activation buffers for one activation format (e.g. Q8_0): [batch, max bytes per row].
struct ActBuffer {
  ops::TensorType type = ops::TensorType::kF32;
  bool used = false;
  Buffer<uint8_t> bytes;
  size_t stride = 0;  // bytes per token
};

struct Session::State {
  std::shared_ptr<const Model> model;
  const Model::Impl* m = nullptr;
  SessionOptions opt;
  int64_t n_ctx = 0;
  int64_t batch = 0;      // max tokens per forward step
  int64_t pos = 0;        // tokens in the cache
  bool kv_f16 = true;
  std::unique_ptr<Workers> workers;

  std::vector<LayerKv> kv;
  // Activations, [batch, dim] row-major.
  Buffer<float> x;      // residual stream [batch, n_embd]
  Buffer<float> xn;     // normed input / sub-layer output [batch, max(n_embd, q_dim)]
  Buffer<float> q;      // [batch, q_dim]
  Buffer<float> k, v;   // [batch, kv_dim]
  Buffer<float> att;    // attention output [batch, q_dim]
  Buffer<float> gate, up;  // [batch, n_ff]
  Buffer<float> logits;    // [vocab]
  Buffer<float> scores;    // [max(threads, n_head), n_ctx]: per worker (prefill) or per query head (decode)
  // Decode attention per (KV head, slice of kDecodeSlice positions): m, c [group] and o [group, head_dim]
  // in partials, l [group] in partial_sums (group = query heads per KV head).
  static constexpr int64_t kDecodeSlice = 256;
  Buffer<float> partials;
  Buffer<double> partial_sums;
  // Per worker: dequantized weight rows for the prefill GEMM [tile_rows, max cols], then (AVX-512) the same
  // rows packed for ops::gemm_avx512 [tile_rows, max cols].
  Buffer<float> tile;
  int64_t tile_rows = 0;
  size_t tile_stride = 0;  // floats between two workers' tiles
  bool own_gemm = false;   // ops::gemm_avx512 instead of OpenBLAS sgemm
  Buffer<float> attn_scratch;  // per worker: batched-attention tiles (ops::attend_batch_scratch_floats)
  size_t attn_scratch_stride = 0;
  std::vector<ActBuffer> acts;  // one per activation format the model's weights use

  State(std::shared_ptr<const Model> model, const SessionOptions& options);

  // forward.cpp
  void forward(const int32_t* tokens, int64_t n, bool want_logits);
  // schedule_matmul.cpp (and glu_batch); attention*: schedule_attention.cpp
  void matmul(const MatJob* jobs, int n_jobs, const float* x, int64_t n_tokens);

 private:
  void matmul_quant(const MatJob* jobs, int n_jobs, const float* x, int64_t n_tokens);
  void matmul_gemm(const MatJob* jobs, int n_jobs, const float* x, int64_t n_tokens);
  void attention(const LayerWeights& L, int64_t layer, int64_t n_tokens);
  void attention_decode(const LayerWeights& L, int64_t layer);
  void attention_batch(const LayerWeights& L, int64_t layer, int64_t n_tokens);
  void glu_batch(GluKind kind, int64_t count);
  void ffn_dense(const LayerWeights& L, int64_t n_tokens);
  const ActBuffer& quantized_act(const Weight& w, const float* x, int64_t n_tokens);
  ActBuffer& act_buffer(ops::TensorType act_type);
};

}  // namespace hayloft::engine
