// Session: sizes and owns the KV cache and scratch, takes the shared worker pool; feeds tokens to the forward pass in batches.
#include <cblas.h>

#include <algorithm>
#include <mutex>

#include "engine/session_state.hpp"
#include "engine/ops/attention_batch.hpp"
#include "engine/ops/gemm.hpp"
#include "engine/ops/quant.hpp"
#include "util/error.hpp"
#include "util/log.hpp"

namespace hayloft::engine {

namespace {
// Weight rows per prefill GEMM chunk (each worker dequantizes a chunk into its own tile and multiplies it
// with the whole batch): 96 rows (3 panels of the AVX-512 kernel) of <= 2048 columns is 768 KiB of f32,
// which stays in L2 beside the activations.
constexpr int64_t kTileRows = 96;

template <class T>
Buffer<T> zeros(int64_t n) {
  Buffer<T> b(static_cast<size_t>(std::max<int64_t>(n, 1)));
  std::fill_n(b.data(), b.size(), T{});
  return b;
}

// Scratch that is always written before it is read is not cleared.
template <class T>
Buffer<T> uninitialized(int64_t n) {
  return Buffer<T>(static_cast<size_t>(std::max<int64_t>(n, 1)));
}
// OpenBLAS picks its kernels from CPUID when the library loads; on CPUs it does not know (seen here: a
// virtualised "Intel Xeon Processor" with AVX-512) it falls back to SSE3 "Prescott" kernels, and prefill
// sgemm runs 1.75x slower (measured 12.7 vs 7.2 CPU ms/token, smollm2). It cannot be changed after load,
// so say once how to fix it.
void warn_slow_openblas_once() {
  static std::once_flag once;
  std::call_once(once, [] {
  const char* core = openblas_get_corename();
  // With AVX-512 prefill runs on ops::gemm_avx512 and never calls OpenBLAS; only AVX2 CPUs need it fast.
  if (core && std::string(core) == "Prescott" && ops::detect_isa() == ops::Isa::kAvx2) {
    spdlog::warn("OpenBLAS did not recognise this CPU and uses its slow SSE3 kernels; set "
                 "OPENBLAS_CORETYPE=Haswell for faster prefill");
  }
  });
}

// Holds the session's worker pool for one prefill/decode call; see workers.hpp on why a second thread is
// refused rather than waited for.
class PoolClaim {
 public:
  explicit PoolClaim(Workers& w) : w_(w) {
    if (!w_.try_claim()) {
      throw Error(ErrorKind::kInternal,
                  "two threads drove sessions sharing one worker pool at once; drive them from one thread "
                  "at a time");
    }
  }
  ~PoolClaim() { w_.release(); }
  PoolClaim(const PoolClaim&) = delete;
  PoolClaim& operator=(const PoolClaim&) = delete;

 private:
  Workers& w_;
};

}  // namespace

Session::State::State(std::shared_ptr<const Model> model_in, const SessionOptions& options)
    : model(std::move(model_in)), m(&model->impl()), opt(options) {
  const Hparams& hp = m->hp;
  n_ctx = opt.context > 0 ? std::min(opt.context, hp.n_ctx_train) : hp.n_ctx_train;
  batch = std::clamp<int64_t>(opt.prefill_batch, 1, n_ctx);
  opt.threads = std::max(opt.threads, 1);
  kv_f16 = opt.kv_type == KvType::kF16;
  workers = shared_workers(opt.threads);
  // Prefill splits its sgemms between the workers, each call single-threaded: OpenBLAS threads of its
  // own would compete with the workers for the same cores.
  openblas_set_num_threads(1);
  warn_slow_openblas_once();

  kv = KvCache(*m, n_ctx, batch, opt.kv_type);

  x = zeros<float>(batch * hp.n_embd);
  xn = zeros<float>(batch * std::max(hp.n_embd, hp.q_dim()));
  q = zeros<float>(batch * hp.q_dim());
  k = zeros<float>(batch * hp.kv_dim());
  v = zeros<float>(batch * hp.kv_dim());
  att = zeros<float>(batch * hp.q_dim());
  gate = zeros<float>(batch * hp.max_ff());
  up = zeros<float>(batch * hp.max_ff());
  if (hp.n_expert > 0) {
    const int64_t X = hp.n_expert, K = hp.n_expert_used;
    moe.logits = zeros<float>(batch * X);
    moe.probs = zeros<float>(batch * X);
    moe.order = zeros<int32_t>(batch * K);
    moe.begin.assign(static_cast<size_t>(X) + 1, 0);
    moe.next.assign(static_cast<size_t>(X), 0);
    moe.xe = zeros<float>(batch * hp.n_embd);
    moe.slots = zeros<float>(batch * K * hp.n_embd);
    moe.out = zeros<float>(batch * hp.n_embd);
    moe.shexp_gate = zeros<float>(batch);
    moe.routes = zeros<int32_t>(hp.n_layer * batch * K);
    moe.route_weights = zeros<float>(hp.n_layer * batch * K);
    moe.load.assign(static_cast<size_t>(hp.n_layer * X), 0);
  }
  logits = zeros<float>(hp.vocab);
  // Prefill attention uses one [n_ctx] row per worker, decode attention one per query head.
  scores = uninitialized<float>(n_ctx * std::max<int64_t>(opt.threads, hp.n_head));
  const int64_t slices = (n_ctx + kDecodeSlice - 1) / kDecodeSlice;
  partials = uninitialized<float>(hp.n_head * (hp.head_dim + 2) * slices);
  partial_sums = uninitialized<double>(hp.n_head * slices);
  const int64_t max_cols = std::max({hp.n_embd, hp.q_dim(), hp.max_ff()});
  tile_rows = kTileRows;
  own_gemm = ops::detect_isa() == ops::Isa::kAvx512;
  tile_stride = static_cast<size_t>(tile_rows * max_cols) +
                (own_gemm ? ops::gemm_packed_floats(tile_rows, max_cols) : 0);
  if (opt.prefill_gemm && batch > 1) tile = zeros<float>(static_cast<int64_t>(tile_stride) * opt.threads);
  if (batch > 1) {
    ops::BatchAttnArgs shape;
    shape.n_head = static_cast<int>(hp.n_head);
    shape.n_head_kv = static_cast<int>(hp.n_head_kv);
    shape.head_dim = static_cast<int>(hp.head_dim);
    attn_scratch_stride = (ops::attend_batch_scratch_floats(shape) + 15) / 16 * 16;  // 64-byte aligned
    attn_scratch = uninitialized<float>(static_cast<int64_t>(attn_scratch_stride) * opt.threads);
  }

  // One activation buffer per format the weights ask for, wide enough for the widest input.
  auto add_act = [&](const Weight& w) {
    const ops::TensorType t = w.kern->act_type;
    const size_t stride = ops::act_bytes(w.type, w.cols);
    for (auto& a : acts) {
      if (a.type == t) {
        a.stride = std::max(a.stride, stride);
        return;
      }
    }
    ActBuffer a;
    a.type = t;
    a.stride = stride;
    acts.push_back(std::move(a));
  };
  add_act(m->output);
  for (const auto& L : m->layers) {
    for (const Weight* w : {&L.wq, &L.wk, &L.wv, &L.wo, &L.gate, &L.up, &L.down, &L.gate_inp, &L.gate_exps,
                            &L.up_exps, &L.down_exps, &L.gate_shexp, &L.up_shexp, &L.down_shexp,
                            &L.gate_inp_shexp}) {
      if (w->kern) add_act(*w);  // unbound weights (the other FFN kind's) have no kernels
    }
  }
  for (auto& a : acts) {
    a.stride = (a.stride + 63) / 64 * 64;
    a.bytes = zeros<uint8_t>(static_cast<int64_t>(a.stride) * batch);
  }
}

Session::Session(std::shared_ptr<const Model> model, const SessionOptions& options) {
  if (!model) throw Error(ErrorKind::kInvalidArgument, "Session needs a loaded model");
  s_ = std::make_unique<State>(std::move(model), options);
}

Session::~Session() = default;
Session::Session(Session&&) noexcept = default;
Session& Session::operator=(Session&&) noexcept = default;

std::span<const float> Session::prefill(std::span<const int32_t> tokens, const ProgressFn& progress) {
  State& s = *s_;
  const int64_t n = static_cast<int64_t>(tokens.size());
  if (n == 0) throw Error(ErrorKind::kInvalidArgument, "prefill of an empty token list");
  if (s.pos + n > s.n_ctx) {
    throw Error(ErrorKind::kResourceExhausted,
                std::to_string(s.pos) + " cached + " + std::to_string(n) + " new tokens exceed the context of " +
                    std::to_string(s.n_ctx) + " tokens");
  }
  for (int32_t t : tokens) {
    if (t < 0 || t >= s.m->hp.vocab) {
      throw Error(ErrorKind::kInvalidArgument,
                  "token id " + std::to_string(t) + " outside the vocabulary of " + std::to_string(s.m->hp.vocab));
    }
  }
  PoolClaim claim(*s.workers);
  for (int64_t done = 0; done < n;) {
    const int64_t step = std::min(s.batch, n - done);
    s.forward(tokens.data() + done, step, done + step == n);
    done += step;
    if (progress) progress(done, n);
  }
  return {s.logits.data(), static_cast<size_t>(s.m->hp.vocab)};
}

std::span<const float> Session::decode_step(int32_t token) {
  State& s = *s_;
  if (s.pos + 1 > s.n_ctx || token < 0 || token >= s.m->hp.vocab) {
    return prefill(std::span<const int32_t>(&token, 1));  // throws the precise error
  }
  PoolClaim claim(*s.workers);
  s.forward(&token, 1, true);
  return {s.logits.data(), static_cast<size_t>(s.m->hp.vocab)};
}

int64_t Session::position() const { return s_->pos; }
int64_t Session::context() const { return s_->n_ctx; }
void Session::reset() {
  s_->pos = 0;
  std::fill(s_->moe.load.begin(), s_->moe.load.end(), 0);
}

std::span<const int64_t> Session::expert_load() const { return s_->moe.load; }

ExpertChoice Session::routed(int64_t layer, int64_t token) const {
  const State& s = *s_;
  const Hparams& hp = s.m->hp;
  if (hp.n_expert == 0 || layer < 0 || layer >= hp.n_layer || token < 0 || token >= s.moe.last_n ||
      s.m->layers[static_cast<size_t>(layer)].ffn != FfnKind::kMoe) {
    return {};
  }
  const int64_t K = hp.n_expert_used, off = (layer * s.batch + token) * K;
  return {{s.moe.routes.data() + off, static_cast<size_t>(K)}, {s.moe.route_weights.data() + off, static_cast<size_t>(K)}};
}

bool Session::truncate(int64_t n) {
  State& s = *s_;
  if (!s.kv.can_truncate(s.pos, n)) return false;
  s.pos = n;
  return true;
}

Session Session::clone() const {
  Session out(s_->model, s_->opt);
  out.s_->kv.copy_from(s_->kv, s_->pos);
  out.s_->pos = s_->pos;
  return out;
}

const Model& Session::model() const { return *s_->model; }
const SessionOptions& Session::options() const { return s_->opt; }

int64_t Session::kv_bytes() const { return s_->kv.bytes(); }

}  // namespace hayloft::engine
