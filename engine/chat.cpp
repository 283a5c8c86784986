// Chat formats rendered by hand; see chat.hpp for the exact layouts.
#include "engine/chat.hpp"

#include "engine/gguf.hpp"
#include "util/error.hpp"
#include "util/text.hpp"
#include "util/log.hpp"

namespace hayloft::engine {
namespace {

constexpr std::string_view kImStart = "<|im_start|>";
constexpr std::string_view kImEnd = "<|im_end|>";

// SmolLM2-style templates emit a literal system turn when messages[0] is not a system message:
//   {% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\n...<|im_end|>\n' }}
// Returns that literal's content, or "" when the template has no such branch.
std::string default_system_prompt(std::string_view jinja) {
  size_t cond = jinja.find("messages[0]['role'] != 'system'");
  if (cond == std::string_view::npos) cond = jinja.find("messages[0][\"role\"] != \"system\"");
  if (cond == std::string_view::npos) return {};
  std::string open = std::string(kImStart) + "system\n";
  size_t start = jinja.find(open, cond);
  size_t endif = jinja.find("{% endif %}", cond);
  if (start == std::string_view::npos || (endif != std::string_view::npos && start > endif)) return {};
  start += open.size();
  size_t end = jinja.find(kImEnd, start);
  if (end == std::string_view::npos) return {};
  return std::string(jinja.substr(start, end - start));
}

void check_roles(std::span<const ChatMessage> messages) {
  for (size_t i = 0; i < messages.size(); ++i)
    if (messages[i].role.empty())
      throw Error(ErrorKind::kInvalidArgument, "chat message has an empty role", "message " + std::to_string(i));
}

}  // namespace

ChatTemplate ChatTemplate::from_jinja(std::string_view jinja) {
  ChatTemplate t;
  if (jinja.find("<start_of_turn>") != std::string_view::npos) {
    t.format_ = ChatFormat::kGemma;
  } else if (jinja.find(kImStart) != std::string_view::npos) {
    t.format_ = ChatFormat::kChatml;
    t.default_system_ = default_system_prompt(jinja);
  } else {
    throw Error(ErrorKind::kUnsupported,
                "chat template is neither ChatML (<|im_start|>) nor Gemma (<start_of_turn>); no other format is "
                "supported",
                "tokenizer.chat_template");
  }
  return t;
}

ChatTemplate ChatTemplate::for_architecture(std::string_view arch) {
  ChatTemplate t;
  if (arch.starts_with("gemma")) t.format_ = ChatFormat::kGemma;
  else if (arch.starts_with("qwen")) t.format_ = ChatFormat::kChatml;
  else throw Error(ErrorKind::kUnsupported, "no known chat format for architecture '" + std::string(arch) + "'");
  return t;
}

ChatTemplate ChatTemplate::from_gguf(const GgufFile& gguf, bool allow_arch_fallback) {
  if (auto jinja = gguf.find_string("tokenizer.chat_template")) return from_jinja(*jinja);
  std::string arch = gguf.find_string("general.architecture").value_or("");
  if (!allow_arch_fallback)
    throw Error(ErrorKind::kUnsupported,
                "model has no chat template (tokenizer.chat_template); it may be a base model. Use an "
                "instruction-tuned GGUF, or allow the '" + arch + "' architecture's usual format explicitly",
                gguf.path());
  ChatTemplate t = for_architecture(arch);
  spdlog::warn("model has no chat template; using the {} format usual for '{}'", t.name(), arch);
  return t;
}

const char* ChatTemplate::name() const { return format_ == ChatFormat::kGemma ? "gemma" : "chatml"; }

std::string_view ChatTemplate::end_of_turn() const {
  return format_ == ChatFormat::kGemma ? std::string_view("<end_of_turn>") : kImEnd;
}

std::string ChatTemplate::apply(std::span<const ChatMessage> messages, bool add_generation_prompt) const {
  check_roles(messages);
  std::string out;
  if (format_ == ChatFormat::kChatml) {
    auto turn = [&](std::string_view role, std::string_view content) {
      out.append(kImStart).append(role).append("\n").append(content).append(kImEnd).append("\n");
    };
    // The template's loop emits its default system turn only when there is a first message.
    if (!default_system_.empty() && !messages.empty() && messages[0].role != "system") turn("system", default_system_);
    for (const auto& m : messages) turn(m.role, m.content);
    if (add_generation_prompt) out.append(kImStart).append("assistant\n");
    return out;
  }
  // Gemma: no system role; system text joins the next user turn, separated by a blank line.
  std::string system;
  for (const auto& m : messages) {
    if (m.role == "system") {
      system += trim(m.content);
      continue;
    }
    std::string_view role = m.role == "assistant" ? std::string_view("model") : std::string_view(m.role);
    out.append("<start_of_turn>").append(role).append("\n");
    if (!system.empty() && role != "model") {
      out.append(system).append("\n\n");
      system.clear();
    }
    out.append(trim(m.content)).append("<end_of_turn>\n");
  }
  if (add_generation_prompt) out.append("<start_of_turn>model\n");
  return out;
}

}  // namespace hayloft::engine
