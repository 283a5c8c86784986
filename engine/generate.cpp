// The generation loop: prefill, then sample -> stream text -> decode one token, with measured timings.
#include "engine/engine.hpp"
#include "util/error.hpp"
#include "util/timing.hpp"

namespace hayloft::engine {

GenerateMetrics generate(Session& session, const Tokenizer& tokenizer, Sampler& sampler,
                         std::span<const int32_t> prompt_ids, const GenerateOptions& options,
                         const TokenCallback& on_token) {
  GenerateMetrics m;
  m.prompt_tokens = static_cast<int64_t>(prompt_ids.size());
  const int64_t cached = options.cached_prefix;
  if (cached < 0 || cached >= m.prompt_tokens || cached != session.position()) {
    throw Error(ErrorKind::kInvalidArgument,
                "cached prefix of " + std::to_string(cached) + " tokens does not match the session (" +
                    std::to_string(session.position()) + " cached) and a prompt of " +
                    std::to_string(m.prompt_tokens) + " tokens");
  }
  m.reused_prompt_tokens = cached;
  const std::span<const int64_t> load = session.expert_load();
  m.prompt_expert_load.assign(load.begin(), load.end());  // before: subtracted below
  Timer total;
  std::span<const float> logits = session.prefill(prompt_ids.subspan(static_cast<size_t>(cached)), options.progress);
  m.prefill_seconds = total.seconds();
  for (size_t i = 0; i < load.size(); ++i) m.prompt_expert_load[i] = load[i] - m.prompt_expert_load[i];
  for (int32_t id : prompt_ids) sampler.accept(id);

  StopCondition stop(tokenizer, options.stop_strings);
  std::string text;
  text.reserve(256);
  Timer decode;
  int64_t steps = 0;
  m.stop = StopReason::kMaxTokens;
  for (int i = 0; i < options.max_tokens; ++i) {
    const int32_t token = sampler.sample(logits);
    if (i == 0) {
      m.ttft_seconds = total.seconds();
      decode.reset();
    }
    sampler.accept(token);
    ++m.generated_tokens;
    text.clear();
    const StopReason reason = stop.push(token, text);
    if (on_token && !on_token(token, text)) {
      m.stop = StopReason::kCallback;
      break;
    }
    if (reason != StopReason::kNone) {  // kEos or kStopString
      m.stop = reason;
      break;
    }
    if (i + 1 == options.max_tokens) break;
    if (session.position() >= session.context()) {
      m.stop = StopReason::kContextFull;
      break;
    }
    logits = session.decode_step(token);
    ++steps;
  }
  m.decode_seconds = m.generated_tokens > 0 ? decode.seconds() : 0;
  if (m.stop == StopReason::kMaxTokens || m.stop == StopReason::kContextFull) {
    text.clear();
    stop.finish(text);
    if (on_token && !text.empty()) on_token(-1, text);
  }
  m.prefill_tok_s = m.prefill_seconds > 0 ? static_cast<double>(m.prompt_tokens - cached) / m.prefill_seconds : 0;
  m.decode_tok_s = m.decode_seconds > 0 ? static_cast<double>(steps) / m.decode_seconds : 0;
  return m;
}

}  // namespace hayloft::engine
