// CompletionGenerator with the real Gemma 3 270M base model (no chat template): plain-text prompts, the
// continuation stops at the end of its line, measured metrics, window errors.
#include "pipeline/completion_generator.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "engine/engine.hpp"
#include "pipeline/local_generator.hpp"
#include "util/error.hpp"

namespace hayloft::pipeline {
namespace {

const std::string kGemma = std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";

TEST(CompletionGenerator, PlainTextContinuationEndsAtTheLineEnd) {
  if (!std::filesystem::exists(kGemma)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << kGemma;
  config::Config config = config::load();
  config.engine.context = 256;
  auto model = engine::Model::load(kGemma);
  // The reason this class exists: the chat generator refuses a model without a chat template.
  EXPECT_THROW(LocalGenerator(model, config.engine), Error);
  CompletionGenerator gen(model, config.engine);
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
