#include "pipeline/completion_generator.hpp"

#include <filesystem>

#include "engine/engine.hpp"
#include "util/util.hpp"

namespace hayloft::pipeline {

struct CompletionGenerator::State {
  std::shared_ptr<const engine::Model> model;
  engine::Tokenizer tokenizer;
  engine::KvType kv_type;
  engine::Session session;
};

CompletionGenerator::CompletionGenerator(std::shared_ptr<const engine::Model> model,
                                         const config::EngineConfig& engine) {
  if (!model) throw Error(ErrorKind::kInvalidArgument, "CompletionGenerator needs a model");
  if (engine.threads < 1 || engine.threads > 256 || engine.context < 0) {
    throw Error(ErrorKind::kInvalidArgument, "engine.threads must be in 1..256 and engine.context >= 0");
  }
  engine::Tokenizer tokenizer = engine::Tokenizer::from_gguf(model->gguf());
  engine::SessionOptions so;
  so.context = engine.context;
  so.kv_type = engine::parse_kv_type(engine.kv_type);
  so.threads = engine.threads;
  so.prefill_batch = engine.prefill_batch;
  engine::Session session(model, so);
  state_ = std::make_unique<State>(State{model, std::move(tokenizer), so.kv_type, std::move(session)});
}

CompletionGenerator::~CompletionGenerator() = default;

std::string CompletionGenerator::model_name() const { return state_->model->info().name; }

int CompletionGenerator::context_window() const { return static_cast<int>(state_->session.context()); }

int CompletionGenerator::count_tokens(std::string_view text) const {
  return static_cast<int>(state_->tokenizer.encode(text, false, false).size());
}

Prompt CompletionGenerator::render(const std::vector<ChatMessage>& messages) const {
  Prompt p;
  p.messages = messages;
  for (const auto& m : messages) {
    if (m.role == "system") continue;  // a base model has no place for one; it would read as document text
    p.text += (p.text.empty() ? "" : "\n\n") + m.content;
  }
  p.rendered = true;
  // BOS added, no special tokens parsed: document text stays text.
  p.tokens = static_cast<int>(state_->tokenizer.encode(p.text, true, false).size());
  return p;
}

GenerateResult CompletionGenerator::generate(const Prompt& prompt, const GenerateOptions& options,
                                             const TokenCallback& on_token) {
  const Prompt rendered = prompt.rendered ? prompt : render(prompt.messages);
  std::vector<int32_t> ids = state_->tokenizer.encode(rendered.text, true, false);
  if (ids.empty()) throw Error(ErrorKind::kInvalidArgument, "the prompt has no tokens");
  if (static_cast<int64_t>(ids.size()) + 1 > state_->session.context()) {
    throw Error(ErrorKind::kResourceExhausted,
                "the prompt has " + std::to_string(ids.size()) + " tokens but the context holds " +
                    std::to_string(state_->session.context()),
                model_name());
  }
  state_->session.reset();
  const config::SamplingConfig& c = options.sampling;
  engine::SamplerParams sp;
  sp.temperature = static_cast<float>(c.temperature);
  sp.top_k = c.top_k;
  sp.top_p = static_cast<float>(c.top_p);
  sp.min_p = static_cast<float>(c.min_p);
  sp.repeat_penalty = static_cast<float>(c.repeat_penalty);
  sp.repeat_last_n = c.repeat_last_n;
  sp.seed = c.seed;
  engine::Sampler sampler(static_cast<int>(state_->model->info().vocab), sp);
  engine::GenerateOptions go;
  go.max_tokens = options.max_tokens;
  go.stop_strings = options.stop;
  go.stop_strings.emplace_back("\n");

  GenerateResult out;
  Timer timer;
  engine::GenerateMetrics m = engine::generate(state_->session, state_->tokenizer, sampler, ids, go,
                                               [&](int32_t id, std::string_view text) {
                                                 out.text += text;
                                                 return on_token ? on_token(id, text) : true;
                                               });
  GenerateMetrics& r = out.metrics;
  r.total_s = timer.seconds();
  r.prompt_tokens = static_cast<int>(m.prompt_tokens);
  r.generated_tokens = static_cast<int>(m.generated_tokens);
  r.time_to_first_token_s = m.ttft_seconds;
  r.prefill_s = m.prefill_seconds;
  r.decode_s = m.decode_seconds;
  r.peak_rss_bytes = peak_rss_bytes();
  r.kv_bytes = state_->session.kv_bytes();
  r.stop = m.stop_reason == "eos"           ? StopReason::kEos
           : m.stop_reason == "stop_string" ? StopReason::kStopString
           : m.stop_reason == "cancelled"   ? StopReason::kCallback
           : m.stop_reason == "context"     ? StopReason::kContextFull
                                            : StopReason::kMaxTokens;
  return out;
}

std::string CompletionGenerator::model_key() const {
  const engine::ModelInfo& i = state_->model->info();
  return std::filesystem::path(i.path).filename().string() + ":" + std::to_string(i.file_bytes);
}

ModelInfo CompletionGenerator::planner_info() const {
  const engine::ModelInfo& i = state_->model->info();
  ModelInfo m;
  m.name = i.name;
  m.context_window = context_window();
  m.kv_bytes_per_token =
      static_cast<int64_t>(i.kv_bytes_per_token(state_->kv_type, state_->session.context()) + 0.5);
  int64_t weights = 0;
  for (const auto& q : i.quant_types) weights += q.bytes;
  m.weights_bytes = weights > 0 ? weights : i.file_bytes;
  return m;
}

}  // namespace hayloft::pipeline
