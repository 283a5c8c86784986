#include "pipeline/local_generator.hpp"

#include <filesystem>
#include <optional>

#include "engine/engine.hpp"
#include "util/util.hpp"

namespace hayloft::pipeline {

struct LocalGenerator::State {
  std::shared_ptr<const engine::Model> model;
  engine::Tokenizer tokenizer;
  std::optional<engine::ChatTemplate> chat;  // none for PromptStyle::kCompletion
  engine::SessionOptions session_options;
  engine::PromptCache cache;  // engine.prompt_cache_slots sessions, picked by shared prompt prefix
};

namespace {

engine::ChatTemplate chat_template_of(const engine::Model& model) {
  try {
    return engine::ChatTemplate::from_gguf(model.gguf());
  } catch (const Error& e) {
    throw Error(e.kind(),
                "model '" + model.info().name + "' has no chat template we can render (a base model?): "
                "it cannot answer questions",
                e.message());
  }
}

engine::SamplerParams sampler_params(const config::SamplingConfig& c) {
  engine::SamplerParams p;
  p.temperature = static_cast<float>(c.temperature);
  p.top_k = c.top_k;
  p.top_p = static_cast<float>(c.top_p);
  p.min_p = static_cast<float>(c.min_p);
  p.repeat_penalty = static_cast<float>(c.repeat_penalty);
  p.repeat_last_n = c.repeat_last_n;
  p.seed = c.seed;
  return p;
}

}  // namespace

LocalGenerator::LocalGenerator(std::shared_ptr<const engine::Model> model, const config::EngineConfig& engine,
                               PromptStyle style) {
  if (!model) throw Error(ErrorKind::kInvalidArgument, "LocalGenerator needs a model");
  if (engine.threads < 1 || engine.threads > 256) {
    throw Error(ErrorKind::kInvalidArgument, "engine.threads must be in 1..256", std::to_string(engine.threads));
  }
  if (engine.context < 0) {
    throw Error(ErrorKind::kInvalidArgument, "engine.context must be >= 0", std::to_string(engine.context));
  }
  engine::Tokenizer tokenizer = engine::Tokenizer::from_gguf(model->gguf());
  std::optional<engine::ChatTemplate> chat;
  if (style == PromptStyle::kChat) chat = chat_template_of(*model);
  engine::SessionOptions so;
  so.context = engine.context;  // the Session caps it by the trained window
  so.kv_type = engine::parse_kv_type(engine.kv_type);
  so.threads = engine.threads;
  so.prefill_batch = engine.prefill_batch;
  if (engine.prompt_cache_slots < 1 || engine.prompt_cache_slots > 16) {
    throw Error(ErrorKind::kInvalidArgument, "engine.prompt_cache_slots must be in 1..16",
                std::to_string(engine.prompt_cache_slots));
  }
  // The cache makes its first session now: allocation errors surface here.
  state_ = std::make_unique<State>(State{model, std::move(tokenizer), std::move(chat), so,
                                         engine::PromptCache(model, so, engine.prompt_cache_slots)});
}

LocalGenerator::~LocalGenerator() = default;

std::string LocalGenerator::model_name() const { return state_->model->info().name; }

int LocalGenerator::context_window() const { return static_cast<int>(state_->cache.context()); }

int LocalGenerator::count_tokens(std::string_view text) const {
  // Plain text (chunks, questions): no BOS, special-looking text spelled out as the model would see it.
  return static_cast<int>(state_->tokenizer.encode(text, false, false).size());
}

namespace {

std::string plain_text(const std::vector<ChatMessage>& messages) {
  std::string text;
  for (const auto& m : messages) {
    if (m.role == "system") continue;  // a base model has no place for one; it would read as document text
    text += (text.empty() ? "" : "\n\n") + m.content;
  }
  return text;
}

}  // namespace

// Chat prompts parse the template's special tokens; plain-text ones keep document text as text.
std::vector<int32_t> LocalGenerator::encode_prompt(const std::string& text) const {
  return state_->tokenizer.encode(text, true, state_->chat.has_value());
}

Prompt LocalGenerator::render(const std::vector<ChatMessage>& messages) const {
  Prompt p;
  p.messages = messages;
  if (state_->chat) {
    std::vector<engine::ChatMessage> chat;
    chat.reserve(messages.size());
    for (const auto& m : messages) chat.push_back({m.role, m.content});
    p.text = state_->chat->apply(chat, true);
  } else {
    p.text = plain_text(messages);
  }
  p.rendered = true;
  p.tokens = static_cast<int>(encode_prompt(p.text).size());
  return p;
}

GenerateResult LocalGenerator::generate(const Prompt& prompt, const GenerateOptions& options,
                                        const TokenCallback& on_token) {
  const Prompt rendered = prompt.rendered ? prompt : render(prompt.messages);
  std::vector<int32_t> ids = encode_prompt(rendered.text);
  if (ids.empty()) throw Error(ErrorKind::kInvalidArgument, "the prompt has no tokens");
  const int64_t window = context_window();
  // One position must stay free for the first generated token.
  if (static_cast<int64_t>(ids.size()) + 1 > window) {
    throw Error(ErrorKind::kResourceExhausted,
                "the prompt has " + std::to_string(ids.size()) + " tokens but the context holds " +
                    std::to_string(window),
                model_name());
  }
  if (options.max_tokens < 0) throw Error(ErrorKind::kInvalidArgument, "max_tokens must be >= 0");

  const engine::PromptCache::Pick pick = state_->cache.acquire(ids);
  engine::Session& session = state_->cache.session(pick.slot);
  engine::Sampler sampler(static_cast<int>(state_->model->info().vocab), sampler_params(options.sampling));
  engine::GenerateOptions go;
  go.max_tokens = options.max_tokens;
  go.stop_strings = options.stop;
  go.stop_strings.emplace_back(state_->chat ? state_->chat->end_of_turn() : std::string("\n"));
  go.cached_prefix = pick.reused;

  GenerateResult out;
  Timer timer;
  engine::GenerateMetrics m = engine::generate(
      session, state_->tokenizer, sampler, ids, go, [&](int32_t id, std::string_view text) {
        out.text += text;
        return on_token ? on_token(id, text) : true;
      });
  state_->cache.commit(pick.slot, std::move(ids));  // the whole prompt is in the cache now
  GenerateMetrics& r = out.metrics;
  r.total_s = timer.seconds();
  r.prompt_tokens = static_cast<int>(m.prompt_tokens);
  r.reused_prefix_tokens = static_cast<int>(m.reused_prompt_tokens);
  r.generated_tokens = static_cast<int>(m.generated_tokens);
  r.time_to_first_token_s = m.ttft_seconds;
  r.prefill_s = m.prefill_seconds;
  r.decode_s = m.decode_seconds;
  r.peak_rss_bytes = peak_rss_bytes();
  r.kv_bytes = state_->model->info().kv_bytes(state_->session_options.kv_type, session.position());
  r.kv_allocated_bytes = state_->cache.kv_bytes();
  r.stop = m.stop;
  return out;
}

std::optional<PrefixHandle> LocalGenerator::prepare_prefix(const Prompt& prefix) {
  (void)prefix;  // the engine cannot save a KV state yet
  return std::nullopt;
}

std::string LocalGenerator::model_key() const {
  const engine::ModelInfo& i = state_->model->info();
  return std::filesystem::path(i.path).filename().string() + ":" + std::to_string(i.file_bytes);
}

ModelInfo LocalGenerator::planner_info() const {
  const engine::ModelInfo& i = state_->model->info();
  ModelInfo m;
  m.name = i.name;
  m.context_window = context_window();
  m.kv_bytes_per_token =
      static_cast<int64_t>(i.kv_bytes_per_token(state_->session_options.kv_type, context_window()) + 0.5);
  // Tensor data as mapped: the file minus its (small) metadata header.
  int64_t weights = 0;
  for (const auto& q : i.quant_types) weights += q.bytes;
  m.weights_bytes = weights > 0 ? weights : i.file_bytes;
  return m;
}

}  // namespace hayloft::pipeline
