#pragma once
// Chat templates without a Jinja engine: the format is recognised from tokenizer.chat_template by its
// marker tokens and rendered by hand, matching what the model's own template produces.
//   ChatML (SmolLM2, Qwen): <|im_start|>{role}\n{content}<|im_end|>\n ... <|im_start|>assistant\n
//     A template that injects a default system prompt when the conversation has none (SmolLM2's does)
//     keeps doing so: the prompt text is read from the template.
//   Gemma: <start_of_turn>{user|model}\n{trimmed content}<end_of_turn>\n; a system message is merged into
//     the first user turn. BOS is not part of the string: the tokenizer adds it (add_special).
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::engine {

class GgufFile;

struct ChatMessage {
  std::string role;  // "system", "user", "assistant"
  std::string content;
};

enum class ChatFormat { kChatml, kGemma };

class ChatTemplate {
 public:
  // From tokenizer.chat_template. A model without one (or with a format we do not render) throws
  // Error{kUnsupported}, unless allow_arch_fallback: then the architecture's known format is used and a
  // warning is logged.
  static ChatTemplate from_gguf(const GgufFile& gguf, bool allow_arch_fallback = false);
  // Recognises a Jinja template's format; Error{kUnsupported} when it is none we render.
  static ChatTemplate from_jinja(std::string_view jinja);
  // The usual format of an architecture ("gemma3" -> Gemma, "qwen2" -> ChatML, ...).
  static ChatTemplate for_architecture(std::string_view arch);

  ChatFormat format() const { return format_; }
  const char* name() const;
  // Injected before the first message when it is not a system message; empty when none.
  const std::string& default_system() const { return default_system_; }
  // Renders messages; add_generation_prompt opens the assistant's turn. Error{kInvalidArgument} for an
  // empty role.
  std::string apply(std::span<const ChatMessage> messages, bool add_generation_prompt) const;
  // Text that ends an assistant turn in this format (also a stop string for generation).
  std::string_view end_of_turn() const;

 private:
  ChatFormat format_ = ChatFormat::kChatml;
  std::string default_system_;
};

}  // namespace hayloft::engine
