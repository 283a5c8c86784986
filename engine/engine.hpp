#pragma once
// engine: runs GGUF language models on the CPU. This is the module's one public header; other modules
// include only it.
//
//   auto model = Model::load(resolve_model("smollm2", default_model_dirs(cfg.engine.model_dirs)));
//   Session session(model, {.context = 4096});
//   std::span<const float> logits = session.prefill(prompt_ids);   // logits of the last prompt token
//   logits = session.decode_step(next_token);                      // one token at a time
//
// Model is immutable after load (weights stay in the mmap) and may be shared by Sessions on any threads. A
// Session owns a KV cache (engine/kv/) and scratch, all allocated when it is made (nothing per token), and
// shares the process's worker pool: drive its sessions from one thread at a time (else Error{kInternal}).
// Goals: correctness against llama.cpp, then speed. Next: MoE (FfnKind::kMoe), KV save/load. Non-goal: GPU.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/chat.hpp"
#include "engine/sampler.hpp"
#include "engine/tokenizer.hpp"

namespace hayloft::engine {

class GgufFile;

// Element type of the KV cache. A quantized type can be added here; Session sizes rows through
// kv_type_bytes so nothing else assumes 2 or 4 bytes.
enum class KvType { kF16, kF32 };
KvType parse_kv_type(const std::string& name);  // "f16" | "f32"; throws Error{kInvalidArgument}
const char* kv_type_name(KvType type);
double kv_type_bytes(KvType type);  // bytes per element

// One weight type's share of the model, for the quantization summary.
struct QuantShare {
  std::string type;  // ggml type name, e.g. "q4_1"
  int64_t tensors = 0;
  int64_t elements = 0;
  int64_t bytes = 0;
};

// What a model is and what it costs, read from GGUF metadata and tensor infos (nothing computed by
// running it). Used by `hayloft model list` and by the pipeline's memory planner.
struct ModelInfo {
  std::string path;
  std::string name;          // general.name, else the file stem
  std::string architecture;  // general.architecture: llama, qwen2, qwen3, gemma3
  int64_t file_bytes = 0;
  int64_t parameters = 0;    // sum of tensor elements
  std::string quantization;  // general.file_type label ("Q4_K_M"), else the type holding most bytes
  std::vector<QuantShare> quant_types;  // by bytes, largest first
  int64_t context_length = 0;  // trained window
  int64_t n_layer = 0;
  int64_t n_embd = 0;
  int64_t n_head = 0;
  int64_t n_head_kv = 0;
  int64_t head_dim = 0;
  int64_t n_ff = 0;
  int64_t vocab = 0;
  int64_t sliding_window = 0;     // 0: none
  int64_t n_sliding_layers = 0;   // layers that attend only to the last sliding_window positions
  int64_t n_expert = 0;           // mixture of experts: experts per MoE layer (0: dense model)
  int64_t n_expert_used = 0;      // experts the router picks per token
  int64_t n_moe_layers = 0;       // layers whose FFN is routed (llama4 interleaves dense ones)

  // KV-cache bytes per token, averaged over a context of `context` tokens (0: the trained window):
  // every layer stores n_head_kv * head_dim * 2 (K and V) elements per token, but a sliding-window
  // layer keeps at most sliding_window positions, so it costs less per token once context exceeds it.
  double kv_bytes_per_token(KvType type, int64_t context = 0) const;
  // Total KV bytes for `context` tokens (what a Session of that context allocates, give or take the
  // prefill batch kept by sliding layers).
  int64_t kv_bytes(KvType type, int64_t context) const;
};

class Model {
 public:
  // Maps the file and checks every tensor's name, type and shape against the architecture. Throws
  // Error{kNotFound/kIo} for the file, {kCorrupt} for bad bytes or shapes (expected vs actual),
  // {kUnsupported} for an unknown architecture or tensor type (naming it).
  static std::shared_ptr<const Model> load(const std::string& path);
  ~Model();
  Model(const Model&) = delete;
  Model& operator=(const Model&) = delete;

  const ModelInfo& info() const;
  // The parsed file, for the tokenizer and chat template (which read their own metadata).
  const GgufFile& gguf() const;

  struct Impl;  // engine-internal (engine/model_impl.hpp)
  const Impl& impl() const { return *impl_; }

 private:
  explicit Model(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

struct SessionOptions {
  int64_t context = 0;        // KV-cache positions; 0 or more than trained: the model's trained window
  KvType kv_type = KvType::kF16;
  int threads = 2;            // worker threads for decode and prefill (each OpenBLAS call single-threaded)
  int prefill_batch = 512;    // tokens per prefill step
  // Prefill matrix products: true dequantizes weight tiles to f32 and multiplies them with the f32 batch
  // (AVX-512 kernel, else cblas_sgemm), with tiled batched attention; false runs the quantized dot kernels
  // row by row for the whole batch and per-query attention (decode's numerics). Kept switchable for
  // measurement.
  bool prefill_gemm = true;
};

// The experts a mixture-of-experts router chose for one token at one layer, best first, and their weights.
struct ExpertChoice {
  std::span<const int32_t> experts;
  std::span<const float> weights;
};

// Called during prefill after each batch: (tokens done, tokens total).
using ProgressFn = std::function<void(int64_t done, int64_t total)>;

class Session {
 public:
  Session(std::shared_ptr<const Model> model, const SessionOptions& options = {});
  ~Session();
  Session(Session&&) noexcept;
  Session& operator=(Session&&) noexcept;
  Session(const Session&) = delete;
  Session& operator=(const Session&) = delete;

  // Appends tokens at position() and returns the logits [vocab] of the last one (valid until the next
  // call). Throws Error{kResourceExhausted} when they do not fit the context and Error{kInvalidArgument}
  // for an empty list or a token id outside the vocabulary; both are checked before anything runs.
  std::span<const float> prefill(std::span<const int32_t> tokens, const ProgressFn& progress = {});
  // One token: prefill of a single id, on the decode path (quantized mat-vec on the workers).
  std::span<const float> decode_step(int32_t token);

  int64_t position() const;  // tokens in the cache
  int64_t context() const;   // capacity
  void reset();              // forget the cache (keeps the allocation)
  // Keeps the first n cached positions and forgets the rest, so that the next prefill continues a shared
  // prompt prefix instead of recomputing it. Returns false, changing nothing, when n > position() or when
  // a sliding-window layer's ring has already overwritten positions the tokens after n would attend to.
  bool truncate(int64_t n);
  int64_t kv_bytes() const;  // bytes allocated for K and V
  // Mixture-of-experts models (empty for dense ones): tokens routed to each expert since the last reset(),
  // [n_layer * n_expert] layer-major (dense layers stay 0); and the router's choice for token `token` of
  // the last forward step (a decode step, or the last prefill batch) at `layer` (empty for a dense layer
  // or out of range).
  std::span<const int64_t> expert_load() const;
  ExpertChoice routed(int64_t layer, int64_t token) const;
  // A second session with the same model and options and a copy of this one's cached positions (a new
  // KV allocation and a copy of the rows in use: the cost is why it is not a copy constructor).
  Session clone() const;
  const Model& model() const;
  const SessionOptions& options() const;

  struct State;

 private:
  std::unique_ptr<State> s_;
};

// ---- prompt cache ----------------------------------------------------------------------------------

// Sessions kept with the prompt whose KV each holds, so that a prompt sharing a long token prefix with an
// earlier one prefills only its tail (as llama-server picks a slot by prompt similarity). acquire() picks
// the slot whose cached prompt shares the longest token prefix with the new one; with no useful match
// (under 64 tokens: a shared chat-template opening is not worth evicting for), a new slot while fewer than
// max_slots exist, else the slot holding the shortest prompt (the least recently used among equals): a
// stream of short prompts then keeps cycling through one slot while a long one stays cached. All slots
// share the process's worker pool (see Session), so use a PromptCache from one thread at a time.
class PromptCache {
 public:
  // Makes the first slot now, so allocation errors surface here. Error{kInvalidArgument} for max_slots < 1.
  PromptCache(std::shared_ptr<const Model> model, const SessionOptions& options, int max_slots);

  struct Pick {
    size_t slot = 0;
    int64_t reused = 0;  // prompt tokens already in session(slot) (its position()); at most size - 1
  };
  // The slot for a prompt, cut back to the longest prefix it can reuse (the last prompt token is always
  // left to prefill, for its logits; 0 reused means the session was reset). The slot's prompt is forgotten
  // until commit(), so a failed or cancelled prefill is never reused.
  Pick acquire(std::span<const int32_t> ids);
  // After the whole prompt `ids` has been prefilled into session(slot).
  void commit(size_t slot, std::vector<int32_t> ids);
  Session& session(size_t slot) { return slots_[slot].session; }

  int64_t context() const;   // of every slot
  int64_t kv_bytes() const;  // allocated by all slots
  size_t size() const { return slots_.size(); }

 private:
  struct Slot {
    Session session;
    std::vector<int32_t> cached_ids;  // the prompt whose KV is at [0, size); empty when unknown
    uint64_t last_used = 0;
  };
  std::shared_ptr<const Model> model_;
  SessionOptions options_;
  size_t max_slots_ = 1;
  std::vector<Slot> slots_;  // created on demand, up to max_slots_
  uint64_t clock_ = 0;
};

// ---- generation loop ----------------------------------------------------------------------------------

struct GenerateOptions {
  int max_tokens = 128;                   // generated tokens at most (the EOS/stop token counts)
  std::vector<std::string> stop_strings;  // e.g. the chat format's end of turn
  ProgressFn progress;                    // prefill progress
  // prompt_ids[0, cached_prefix) are already in the session's cache (session.position() must equal it,
  // see Session::truncate); only the rest is prefilled. The sampler still sees the whole prompt.
  int64_t cached_prefix = 0;
};

struct GenerateMetrics {
  int64_t prompt_tokens = 0;
  int64_t reused_prompt_tokens = 0;  // of prompt_tokens, already in the cache (not prefilled)
  int64_t generated_tokens = 0;
  double prefill_seconds = 0;
  double decode_seconds = 0;  // from the first sampled token to the end
  double prefill_tok_s = 0;   // prefilled (not reused) prompt tokens / prefill seconds
  double decode_tok_s = 0;    // decode steps / decode seconds
  double ttft_seconds = 0;    // start to first sampled token
  StopReason stop = StopReason::kMaxTokens;  // kEos, kStopString, kMaxTokens, kContextFull, kCallback
  // Mixture of experts: prefilled prompt tokens routed to each expert, [n_layer * n_expert] layer-major
  // (Session::expert_load over the prefill); empty for a dense model.
  std::vector<int64_t> prompt_expert_load;
};

// Called with each generated token and the text it made visible (may be empty: held-back UTF-8 or a
// possible stop string). Return false to stop (StopReason::kCallback).
using TokenCallback = std::function<bool(int32_t token, std::string_view text)>;

// Prefills prompt_ids at the session's position, then samples and decodes until EOS/EOT, a stop string,
// max_tokens or a full context. The sampler sees the prompt in its penalty window.
GenerateMetrics generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                         std::span<const int32_t> prompt_ids, const GenerateOptions& options,
                         const TokenCallback& on_token);

// ---- model files ------------------------------------------------------------------------------------

// Directories searched for models, in order: $HAYLOFT_MODELS_DIR, <exe dir>/../models, ./models, then
// the configured ones (engine.model_dirs). Missing directories are skipped.
std::vector<std::string> default_model_dirs(const std::vector<std::string>& config_dirs);
// Every *.gguf in those directories (sorted, no duplicates).
std::vector<std::string> list_model_files(const std::vector<std::string>& dirs);
// A path that exists is returned as is; a short name ("smollm2", "gemma3-270m") or a file name/stem is
// looked up in dirs. Throws Error{kNotFound} listing the models that were found.
std::string resolve_model(const std::string& name_or_path, const std::vector<std::string>& dirs);

}  // namespace hayloft::engine
