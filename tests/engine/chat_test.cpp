// Chat templates: rendered prompts equal the model's own Jinja template (jinja2) and llama.cpp's built-in
// format where the model has none (tests/data/engine/chat_renderings.json, from
// scripts/reference/make_chat_fixtures.py).
#include "engine/chat.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "engine/gguf.hpp"
#include "engine/tokenizer.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

nlohmann::json load_fixture() {
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/chat_renderings.json");
  EXPECT_TRUE(in);
  return nlohmann::json::parse(in);
}

std::vector<ChatMessage> messages_of(const nlohmann::json& c) {
  std::vector<ChatMessage> out;
  for (const auto& m : c["messages"]) out.push_back({m["role"], m["content"]});
  return out;
}

std::string model_path(const std::string& name) {
  if (name == "smollm2") return std::string(HAYLOFT_MODELS_DIR) + "/SmolLM2-135M-Instruct.Q4_1.gguf";
  if (name == "gemma3") return std::string(HAYLOFT_MODELS_DIR) + "/gemma-3-270m-q4_k_m.gguf";
  return std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/" + name + ".gguf";
}

TEST(Chat, MatchesReferenceRenderings) {
  auto fixture = load_fixture();
  int compared = 0;
  for (const auto& [name, model] : fixture["models"].items()) {
    std::string path = model_path(name);
    if (!std::filesystem::exists(path)) continue;
    GgufFile g = GgufFile::open(path);
    ChatTemplate t = ChatTemplate::from_gguf(g, /*allow_arch_fallback=*/true);
    for (const auto& c : model["cases"]) {
      // The model's own template is the truth; without one, llama.cpp's built-in format is.
      const auto& want = model["has_template"].get<bool>() ? c["jinja"] : c["llama_cpp"];
      EXPECT_EQ(t.apply(messages_of(c), c["add_generation_prompt"]), want.get<std::string>()) << name;
      ++compared;
    }
  }
  EXPECT_GE(compared, 16);
}

// The fixtures engineer's tests/data/engine/chat_templates.json: prompt rendered by jinja2 from the GGUF
// template and its llama.cpp ids (parse_special). Render + tokenize must give both.
TEST(Chat, PromptAndIdsMatchFixture) {
  std::ifstream in(std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/chat_templates.json");
  ASSERT_TRUE(in);
  auto fixture = nlohmann::json::parse(in);
  int compared = 0;
  for (const auto& [name, model] : fixture["models"].items()) {
    std::string path = model_path(name);
    if (!std::filesystem::exists(path)) continue;
    GgufFile g = GgufFile::open(path);
    ChatTemplate t = ChatTemplate::from_gguf(g);
    Tokenizer tok = Tokenizer::from_gguf(g);
    for (const auto& c : model["cases"]) {
      std::string prompt = t.apply(messages_of(c), c["add_generation_prompt"]);
      EXPECT_EQ(prompt, c["prompt"].get<std::string>()) << name;
      EXPECT_EQ(tok.encode(prompt, true, true), c["ids"].get<std::vector<int32_t>>()) << name;
      ++compared;
    }
  }
  EXPECT_GE(compared, 8);
}

TEST(Chat, RecognisesFormats) {
  auto qwen = ChatTemplate::from_gguf(GgufFile::open(model_path("tiny-qwen2")));
  EXPECT_EQ(qwen.format(), ChatFormat::kChatml);
  EXPECT_EQ(qwen.default_system(), "");
  EXPECT_EQ(qwen.end_of_turn(), "<|im_end|>");
  auto gemma = ChatTemplate::from_jinja("{{ bos_token }}{% for m in messages %}<start_of_turn>...");
  EXPECT_EQ(gemma.format(), ChatFormat::kGemma);
  EXPECT_STREQ(gemma.name(), "gemma");
  EXPECT_THROW(ChatTemplate::from_jinja("[INST] {{ content }} [/INST]"), Error);
  EXPECT_THROW(ChatTemplate::for_architecture("mamba"), Error);
}

TEST(Chat, SmolLm2InjectsItsDefaultSystemPrompt) {
  auto path = model_path("smollm2");
  if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << path;
  auto t = ChatTemplate::from_gguf(GgufFile::open(path));
  EXPECT_EQ(t.default_system(), "You are a helpful AI assistant named SmolLM, trained by Hugging Face");
  std::vector<ChatMessage> none;
  EXPECT_EQ(t.apply(none, true), "<|im_start|>assistant\n");
}

TEST(Chat, BaseModelWithoutTemplateIsUnsupported) {
  auto path = model_path("gemma3");
  if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << path;
  GgufFile g = GgufFile::open(path);
  try {
    ChatTemplate::from_gguf(g);
    FAIL() << "accepted a model without a chat template";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
    EXPECT_NE(std::string(e.what()).find("no chat template"), std::string::npos) << e.what();
  }
  EXPECT_EQ(ChatTemplate::from_gguf(g, true).format(), ChatFormat::kGemma);
}

TEST(Chat, EmptyRoleIsInvalid) {
  auto t = ChatTemplate::for_architecture("qwen2");
  std::vector<ChatMessage> bad = {{"", "hi"}};
  try {
    t.apply(bad, true);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kInvalidArgument);
  }
}

}  // namespace
}  // namespace hayloft::engine
