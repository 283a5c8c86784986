#pragma once
// Session internals (engine-internal): the KV cache, the scratch buffers every forward step reuses and a
// handle on the process's worker pool. Everything is sized in the constructor (session.cpp); forward.cpp only reads and writes.
#include <cstdint>
#include <memory>
#include <vector>

#include "engine/buffer.hpp"
#include "engine/engine.hpp"
#include "engine/kv/kv_cache.hpp"
#include "engine/model_impl.hpp"
#include "engine/workers.hpp"

namespace hayloft::engine {

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
  std::shared_ptr<Workers> workers;  // the process's pool for opt.threads (shared_workers)

  KvCache kv;  // engine/kv/kv_cache.hpp
  // Activations, [batch, dim] row-major.
  Buffer<float> x;      // residual stream [batch, n_embd]
  Buffer<float> xn;     // normed input / sub-layer output [batch, max(n_embd, q_dim)]
  Buffer<float> q;      // [batch, q_dim]
  Buffer<float> k, v;   // [batch, kv_dim]
  Buffer<float> att;    // attention output [batch, q_dim]
  Buffer<float> gate, up;  // [batch, max(n_ff, n_ff_exp, n_ff_shexp)]
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

  // Mixture of experts (engine/moe.cpp), sized only for MoE models. K = n_expert_used.
  struct Moe {
    Buffer<float> logits;         // router [batch, n_expert]
    Buffer<float> probs;          // [batch, n_expert]
    Buffer<int32_t> order;        // tokens grouped by expert: (token * K + slot) indices [batch * K]
    std::vector<int64_t> begin;   // [n_expert + 1]: expert e's group is order[begin[e], begin[e + 1])
    std::vector<int64_t> next;    // [n_expert] fill cursors of the counting sort
    Buffer<float> xe;             // one expert's gathered inputs, then its outputs [batch, n_embd]
    Buffer<float> slots;          // each (token, slot)'s expert output [batch * K, n_embd]
    Buffer<float> out;            // routed sum [batch, n_embd]
    Buffer<float> shexp_gate;     // qwen2moe's shared-expert gate per token [batch]
    // The router's choice for every (layer, token) of the last forward step: experts by descending
    // selection score and their weights [n_layer, batch, K]; and tokens per expert since reset().
    Buffer<int32_t> routes;
    Buffer<float> route_weights;
    std::vector<int64_t> load;    // [n_layer * n_expert]
    int64_t last_n = 0;           // tokens of the last forward step
    const int32_t* cur_routes = nullptr;  // this layer's [n, K] in routes / route_weights
    const float* cur_weights = nullptr;
  } moe;

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
  void ffn_glu(const Weight& gate_w, const Weight& up_w, const Weight& down_w, int64_t n_tokens);
  void glu(int64_t n_tokens, int64_t width);
  void residual_add(const std::vector<float>& post_norm, int64_t n_tokens);
  // moe.cpp
  void ffn_moe(const LayerWeights& L, int64_t layer, int64_t n_tokens);
  void route(const LayerWeights& L, int64_t layer, int64_t n_tokens);
  void run_experts(const LayerWeights& L, int64_t n_tokens);
  void shared_expert(const LayerWeights& L, int64_t n_tokens);
  const ActBuffer& quantized_act(const Weight& w, const float* x, int64_t n_tokens);
  ActBuffer& act_buffer(ops::TensorType act_type);
};

}  // namespace hayloft::engine
