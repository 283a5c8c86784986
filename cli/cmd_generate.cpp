// hayloft generate: run a model on a prompt and stream the continuation (or print one JSON document with
// the text and the measured costs: tokens, tok/s, time to first token, peak RSS, KV bytes).
#include <algorithm>
#include <cstdio>
#include <memory>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {

namespace {

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
  app::GenerateRequest request;
  request.prompt = *prompt;
  const int64_t max_tokens = ctx.args.get_int("tokens", ctx.config.sampling.max_tokens);
  if (max_tokens < 0 || max_tokens > 1000000) throw UsageError{"-n must be >= 0"};
  request.max_tokens = static_cast<int>(max_tokens);
  request.chat = ctx.args.has("chat");
  request.system = ctx.args.get("system", ctx.config.engine.chat_system_prompt);
  request.sampling = sampler_params(ctx);
  request.engine = engine_choice(ctx);

  std::unique_ptr<Progress> bar;
  const bool stream = !ctx.json;
  app::GenerateOutcome o = app::generate(
      home_of(ctx), request,
      [&](std::string_view piece) {
        if (bar) bar.reset();  // first token: the prefill is over
        if (stream && !piece.empty()) {
          std::fwrite(piece.data(), 1, piece.size(), stdout);
          std::fflush(stdout);
        }
      },
      [&bar](int64_t done, int64_t total) {
        if (!bar) bar = std::make_unique<Progress>("prefill", total);
        bar->update(done);
      });
  const engine::GenerateMetrics& m = o.metrics;
  if (stream) {
    std::fputc('\n', stdout);
    spdlog::info("{} prompt tokens, {} generated; prefill {:.1f} tok/s, decode {:.1f} tok/s, ttft {:.3f} s, "
                 "peak RSS {:.0f} MiB",
                 m.prompt_tokens, m.generated_tokens, m.prefill_tok_s, m.decode_tok_s, m.ttft_seconds,
                 static_cast<double>(peak_rss_bytes()) / (1 << 20));
    return 0;
  }
  nlohmann::json out = {{"ok", true},
              {"text", o.text},
              {"prompt_tokens", m.prompt_tokens},
              {"generated_tokens", m.generated_tokens},
              {"prefill_tok_s", m.prefill_tok_s},
              {"decode_tok_s", m.decode_tok_s},
              {"time_to_first_token_s", m.ttft_seconds},
              {"prefill_s", m.prefill_seconds},
              {"decode_s", m.decode_seconds},
              {"stop_reason", generate_stop_name(m.stop)},
              {"peak_rss_bytes", peak_rss_bytes()},
              {"kv_bytes", o.kv_bytes},
              {"kv_bytes_per_token", o.kv_bytes_per_token},
              {"context", o.context},
              {"threads", o.threads},
              {"model", info_json(o.model, o.kv_type, o.context)}};
  if (const int64_t X = o.model.n_expert; X > 0) {
    // Per-expert load of the prompt: how many prefilled tokens each MoE layer sent to each expert.
    nlohmann::json layers = nlohmann::json::array(), total(static_cast<size_t>(X), 0);
    for (int64_t il = 0; il < o.model.n_layer; ++il) {
      const auto first = m.prompt_expert_load.begin() + il * X;
      if (std::all_of(first, first + X, [](int64_t v) { return v == 0; })) continue;  // dense layer
      layers.push_back({{"layer", il}, {"tokens", std::vector<int64_t>(first, first + X)}});
      for (int64_t e = 0; e < X; ++e) total[static_cast<size_t>(e)] = total[static_cast<size_t>(e)].get<int64_t>() + first[e];
    }
    out["expert_load"] = {{"n_expert", X}, {"n_expert_used", o.model.n_expert_used}, {"total", total},
                          {"layers", layers}};
  }
  print_json(out);
  return 0;
}

}  // namespace hayloft::cli
