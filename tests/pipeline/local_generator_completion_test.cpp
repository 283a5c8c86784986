// LocalGenerator's completion style with the real Gemma 3 270M base model (no chat template): plain-text
// prompts, the continuation stops at the end of its line, measured metrics, prefix reuse, window errors.
#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.hpp"
#include "pipeline/local_generator.hpp"
#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

const std::string kGemma = std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";

TEST(LocalGeneratorCompletion, PlainTextContinuationEndsAtTheLineEnd) {
  if (!std::filesystem::exists(kGemma)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kGemma;
  config::Config config = config::load();
  config.engine.context = 256;
  auto model = engine::Model::load(kGemma);
  // The reason the style exists: the chat style refuses a model without a chat template.
  EXPECT_THROW(LocalGenerator(model, config.engine), Error);
  LocalGenerator gen(model, config.engine, PromptStyle::kCompletion);
  EXPECT_EQ(gen.context_window(), 256);
  EXPECT_EQ(gen.model_key().rfind("gemma-3-270m-q4_k_m.gguf:", 0), 0u);

  Prompt p = gen.render({{"system", "You are helpful."}, {"user", "Line one."}, {"user", "Line two."}});
  EXPECT_TRUE(p.rendered);
  EXPECT_EQ(p.text, "Line one.\n\nLine two.");  // no markup, no system message
  EXPECT_GT(p.tokens, gen.count_tokens("Line one."));

  Prompt q = gen.render({{"user", "Question: What is the capital of France?\nAnswer: The capital of France is"}});
  GenerateOptions o;
  o.max_tokens = 12;
  o.sampling = config.sampling;  // greedy
  GenerateResult r = gen.generate(q, o, {});
  EXPECT_EQ(r.text.find('\n'), std::string::npos) << r.text;
  EXPECT_GT(r.metrics.generated_tokens, 0);
  EXPECT_LE(r.metrics.generated_tokens, 12);
  EXPECT_EQ(r.metrics.prompt_tokens, q.tokens);
  EXPECT_GT(r.metrics.total_s, 0);
  EXPECT_GT(r.metrics.kv_bytes, 0);

  // A second prompt sharing the first one's text keeps its KV: only the new tail is prefilled, and the
  // continuation is the one a fresh generator gives.
  std::string shared;
  for (int i = 0; i < 12; ++i) shared += "The archive on Hollins Street opens at nine and closes at five. ";
  Prompt first = gen.render({{"user", shared + "\nQuestion: When does it open?\nAnswer: It opens at"}});
  Prompt second = gen.render({{"user", shared + "\nQuestion: When does it close?\nAnswer: It closes at"}});
  gen.generate(first, o, {});
  GenerateResult reused = gen.generate(second, o, {});
  EXPECT_GT(reused.metrics.reused_prefix_tokens, 64);
  EXPECT_LT(reused.metrics.reused_prefix_tokens, second.tokens);
  LocalGenerator fresh(model, config.engine, PromptStyle::kCompletion);
  GenerateResult cold = fresh.generate(second, o, {});
  EXPECT_EQ(cold.metrics.reused_prefix_tokens, 0);
  EXPECT_EQ(reused.text, cold.text);

  std::string long_text;
  for (int i = 0; i < 200; ++i) long_text += "The haystack goes on and on. ";
  try {
    gen.generate(gen.render({{"user", long_text}}), o, {});
    FAIL() << "a prompt over the 256-token window ran";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kResourceExhausted);
  }
}

}  // namespace
}  // namespace hayloft::pipeline
