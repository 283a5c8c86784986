// generate: a model on a raw prompt (or one chat turn), straight on the engine, no collection.
#include "app/app.hpp"

namespace hayloft::app {

namespace {

// Prompts at least this long report prefill progress.
constexpr int64_t kProgressMinTokens = 256;

}  // namespace

GenerateOutcome generate(const Home& home, const GenerateRequest& request,
                         const std::function<void(std::string_view piece)>& on_piece,
                         const std::function<void(int64_t done, int64_t total)>& on_prefill) {
  const config::Config config = with_engine_choice(home.config, request.engine);
  std::shared_ptr<const engine::Model> model = engine::Model::load(model_path(config, request.engine.model));
  const engine::Tokenizer tokenizer = engine::Tokenizer::from_gguf(model->gguf());

  std::vector<int32_t> ids;
  engine::GenerateOptions gen;
  gen.max_tokens = request.max_tokens;
  if (request.chat) {
    std::optional<engine::ChatTemplate> chat;
    try {
      chat = engine::ChatTemplate::from_gguf(model->gguf());
    } catch (const Error& e) {
      throw Error(e.kind(), "model '" + model->info().name + "' has no chat template (a base model?): " +
                                "run it without --chat to continue raw text", e.message());
    }
    // An explicit system message replaces the one a template injects by default: SmolLM2's ("You are a
    // helpful AI assistant named SmolLM, trained by Hugging Face") makes it answer "What is the capital
    // of France?" with "L'Étoile, la Cité, ..." under greedy decoding, in llama.cpp as in ours, while
    // "You are a helpful assistant." gives "The capital of France is Paris." in both.
    std::vector<engine::ChatMessage> messages;
    if (!request.system.empty()) messages.push_back({"system", request.system});
    messages.push_back({"user", request.prompt});
    ids = tokenizer.encode(chat->apply(messages, true), true, true);
    gen.stop_strings.emplace_back(chat->end_of_turn());
  } else {
    ids = tokenizer.encode(request.prompt, true, false);
  }
  if (ids.empty()) throw Error(ErrorKind::kInvalidArgument, "the prompt has no tokens");

  engine::SessionOptions so;
  so.context = config.engine.context;
  so.threads = config.engine.threads;
  so.kv_type = engine::parse_kv_type(config.engine.kv_type);
  so.prefill_batch = config.engine.prefill_batch;
  engine::Session session(model, so);
  engine::Sampler sampler(static_cast<int>(model->info().vocab), request.sampling);

  if (on_prefill && static_cast<int64_t>(ids.size()) >= kProgressMinTokens) gen.progress = on_prefill;
  GenerateOutcome o;
  o.metrics = engine::generate(session, tokenizer, sampler, ids, gen, [&](int32_t, std::string_view piece) {
    o.text += piece;
    if (on_piece) on_piece(piece);
    return true;
  });
  o.kv_bytes = session.kv_bytes();
  o.context = session.context();
  o.kv_bytes_per_token = model->info().kv_bytes_per_token(so.kv_type, session.context());
  o.threads = so.threads;
  o.kv_type = so.kv_type;
  o.model = model->info();
  return o;
}

}  // namespace hayloft::app
