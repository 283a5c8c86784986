// hayloft generate: run a model on a prompt and stream the continuation (or print one JSON document with
// the text and the measured costs: tokens, tok/s, time to first token, peak RSS, KV bytes).
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>

#include "cli/commands.hpp"
#include "engine/engine.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

namespace {

// Prompts at least this long get a prefill progress bar (on a terminal).
constexpr int64_t kProgressMinTokens = 256;

engine::SamplerParams sampler_params(const Context& ctx) {
  const config::SamplingConfig& c = ctx.config.sampling;
  engine::SamplerParams p;
  p.temperature = static_cast<float>(ctx.args.get_double("temperature", c.temperature));
  p.top_k = static_cast<int>(ctx.args.get_int("top-k", c.top_k));
  p.top_p = static_cast<float>(ctx.args.get_double("top-p", c.top_p));
  p.min_p = static_cast<float>(ctx.args.get_double("min-p", c.min_p));
  p.repeat_penalty = static_cast<float>(ctx.args.get_double("repeat-penalty", c.repeat_penalty));
  p.repeat_last_n = c.repeat_last_n;
  p.seed = static_cast<uint64_t>(ctx.args.get_int("seed", static_cast<int64_t>(c.seed)));
  return p;
}

// `generate --json` has always said "context" and "cancelled" where run records say "context_full" and
// "callback"; kept so that its output does not change.
const char* generate_stop_name(engine::StopReason reason) {
  if (reason == engine::StopReason::kContextFull) return "context";
  if (reason == engine::StopReason::kCallback) return "cancelled";
  return engine::stop_reason_name(reason);
}

nlohmann::json info_json(const engine::ModelInfo& i, engine::KvType kv, int64_t context) {
  return {{"name", i.name},
          {"path", i.path},
          {"architecture", i.architecture},
          {"parameters", i.parameters},
          {"quantization", i.quantization},
          {"context_length", i.context_length},
          {"file_bytes", i.file_bytes},
          {"n_layer", i.n_layer},
          {"n_head", i.n_head},
          {"n_head_kv", i.n_head_kv},
          {"head_dim", i.head_dim},
          {"vocab", i.vocab},
          {"sliding_window", i.sliding_window},
          {"kv_type", engine::kv_type_name(kv)},
          {"kv_bytes_per_token", i.kv_bytes_per_token(kv, context)}};
}

}  // namespace

CommandSpec generate_spec() {
  return {"generate",
          "run a model on a prompt and stream the continuation",
          "--model NAME|PATH -p PROMPT [-n N] [--chat] [sampling options] [--json]",
          "Streams generated text to stdout. With --json prints one document: text, token counts, prefill and\n"
          "decode tok/s, time to first token, peak RSS, KV bytes per token and the model's description.\n"
          "--chat wraps the prompt in the model's chat template (base models without one are refused).",
          {
              {"model", 'm', "NAME|PATH", "model name (see `hayloft model list`) or .gguf path", "engine.default_model"},
              {"prompt", 'p', "TEXT", "the prompt"},
              {"tokens", 'n', "N", "tokens to generate at most", "sampling.max_tokens"},
              {"chat", 0, "", "apply the model's chat template (a system and a user message)"},
              {"system", 0, "TEXT", "system message for --chat; \"\" = the template's own default",
               "engine.chat_system_prompt"},
              {"temperature", 0, "T", "0 = greedy", "sampling.temperature"},
              {"top-k", 0, "K", "keep the K most likely tokens (0 = off)", "sampling.top_k"},
              {"top-p", 0, "P", "nucleus sampling (1 = off)", "sampling.top_p"},
              {"min-p", 0, "P", "drop tokens below P x the best probability (0 = off)", "sampling.min_p"},
              {"repeat-penalty", 0, "R", "penalise recent tokens (1 = off)", "sampling.repeat_penalty"},
              {"seed", 0, "S", "random seed", "sampling.seed"},
              {"threads", 't', "N", "worker threads", "engine.threads"},
              {"ctx", 'c', "N", "KV-cache positions (0 = the model's window)", "engine.context"},
          },
          0,
          0};
}

int generate_run(Context& ctx) {
  const auto prompt = ctx.args.find("prompt");
  if (!prompt) throw UsageError{"--prompt/-p is required"};
  const config::EngineConfig& ec = ctx.config.engine;
  const int64_t max_tokens = ctx.args.get_int("tokens", ctx.config.sampling.max_tokens);
  if (max_tokens < 0) throw UsageError{"-n must be >= 0"};

  const std::string path =
      engine::resolve_model(ctx.args.get("model", ec.default_model), engine::default_model_dirs(ec.model_dirs));
  std::shared_ptr<const engine::Model> model = engine::Model::load(path);
  const engine::Tokenizer tokenizer = engine::Tokenizer::from_gguf(model->gguf());

  std::vector<int32_t> ids;
  engine::GenerateOptions gen;
  gen.max_tokens = static_cast<int>(max_tokens);
  if (ctx.args.has("chat")) {
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
    std::string system = ctx.args.get("system", ctx.config.engine.chat_system_prompt);
    if (!system.empty()) messages.push_back({"system", system});
    messages.push_back({"user", *prompt});
    ids = tokenizer.encode(chat->apply(messages, true), true, true);
    gen.stop_strings.emplace_back(chat->end_of_turn());
  } else {
    ids = tokenizer.encode(*prompt, true, false);
  }
  if (ids.empty()) throw UsageError{"the prompt has no tokens"};

  engine::SessionOptions so;
  so.context = ctx.args.get_int("ctx", ec.context);
  so.threads = static_cast<int>(ctx.args.get_int("threads", ec.threads));
  so.kv_type = engine::parse_kv_type(ec.kv_type);
  so.prefill_batch = ec.prefill_batch;
  if (so.threads < 1 || so.threads > 256) throw UsageError{"--threads must be in 1..256"};
  engine::Session session(model, so);
  engine::Sampler sampler(static_cast<int>(model->info().vocab), sampler_params(ctx));

  std::unique_ptr<Progress> bar;
  if (static_cast<int64_t>(ids.size()) >= kProgressMinTokens) {
    bar = std::make_unique<Progress>("prefill", static_cast<int64_t>(ids.size()));
    gen.progress = [&bar](int64_t done, int64_t) { bar->update(done); };
  }
  std::string text;
  const bool stream = !ctx.json;
  engine::GenerateMetrics m =
      engine::generate(session, tokenizer, sampler, ids, gen, [&](int32_t, std::string_view piece) {
        if (bar) bar.reset();  // first token: the prefill is over
        text += piece;
        if (stream && !piece.empty()) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
        }
        return true;
      });
  if (stream) {
    std::fputc('\n', stdout);
    spdlog::info("{} prompt tokens, {} generated; prefill {:.1f} tok/s, decode {:.1f} tok/s, ttft {:.3f} s, "
                 "peak RSS {:.0f} MiB",
                 m.prompt_tokens, m.generated_tokens, m.prefill_tok_s, m.decode_tok_s, m.ttft_seconds,
                 static_cast<double>(peak_rss_bytes()) / (1 << 20));
    return 0;
  }
  nlohmann::json out = {{"ok", true},
              {"text", text},
              {"prompt_tokens", m.prompt_tokens},
              {"generated_tokens", m.generated_tokens},
              {"prefill_tok_s", m.prefill_tok_s},
              {"decode_tok_s", m.decode_tok_s},
              {"time_to_first_token_s", m.ttft_seconds},
              {"prefill_s", m.prefill_seconds},
              {"decode_s", m.decode_seconds},
              {"stop_reason", generate_stop_name(m.stop)},
              {"peak_rss_bytes", peak_rss_bytes()},
              {"kv_bytes", session.kv_bytes()},
              {"kv_bytes_per_token", model->info().kv_bytes_per_token(so.kv_type, session.context())},
              {"context", session.context()},
              {"threads", so.threads},
              {"model", info_json(model->info(), so.kv_type, session.context())}};
  if (const int64_t X = model->info().n_expert; X > 0) {
    // Per-expert load of the prompt: how many prefilled tokens each MoE layer sent to each expert.
    nlohmann::json layers = nlohmann::json::array(), total(static_cast<size_t>(X), 0);
    for (int64_t il = 0; il < model->info().n_layer; ++il) {
      const auto first = m.prompt_expert_load.begin() + il * X;
      if (std::all_of(first, first + X, [](int64_t v) { return v == 0; })) continue;  // dense layer
      layers.push_back({{"layer", il}, {"tokens", std::vector<int64_t>(first, first + X)}});
      for (int64_t e = 0; e < X; ++e) total[static_cast<size_t>(e)] = total[static_cast<size_t>(e)].get<int64_t>() + first[e];
    }
    out["expert_load"] = {{"n_expert", X}, {"n_expert_used", model->info().n_expert_used}, {"total", total},
                          {"layers", layers}};
  }
  print_json(out);
  return 0;
}

}  // namespace hayloft::cli
