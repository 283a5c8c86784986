#include "pipeline/prefix_slots.hpp"

#include <algorithm>

#include "util/error.hpp"

namespace hayloft::pipeline {

size_t common_prefix(const std::string& a, const std::string& b) {
  size_t n = 0;
  const size_t end = std::min(a.size(), b.size());
  while (n < end && a[n] == b[n]) ++n;
  return n;
}

PrefixSlots::PrefixSlots(std::vector<std::unique_ptr<Generator>> slots) {
  if (slots.empty()) throw Error(ErrorKind::kInvalidArgument, "PrefixSlots needs at least one generator");
  for (auto& g : slots) {
    if (!g) throw Error(ErrorKind::kInvalidArgument, "PrefixSlots got an empty generator");
    slots_.push_back({std::move(g), {}, -1});
  }
}

std::string PrefixSlots::model_name() const { return slots_[0].generator->model_name(); }
int PrefixSlots::context_window() const { return slots_[0].generator->context_window(); }
int PrefixSlots::count_tokens(std::string_view text) const { return slots_[0].generator->count_tokens(text); }
Prompt PrefixSlots::render(const std::vector<ChatMessage>& messages) const {
  return slots_[0].generator->render(messages);
}

size_t PrefixSlots::pick(const std::string& text) const {
  size_t best = 0, best_share = 0;
  for (size_t i = 0; i < slots_.size(); ++i) {
    size_t share = common_prefix(slots_[i].last_text, text);
    bool better = share > best_share || (share == best_share && slots_[i].last_used < slots_[best].last_used);
    if (better) {
      best = i;
      best_share = share;
    }
  }
  if (!text.empty() && 2 * best_share >= text.size()) return best;
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].last_text.empty()) return i;
  }
  return best;
}

GenerateResult PrefixSlots::generate(const Prompt& prompt, const GenerateOptions& options,
                                     const TokenCallback& on_token) {
  const Prompt rendered = prompt.rendered ? prompt : render(prompt.messages);
  Slot& slot = slots_[pick(rendered.text)];
  slot.last_text.clear();  // until it has prefilled this prompt
  slot.last_used = ++generations_;
  GenerateResult r = slot.generator->generate(rendered, options, on_token);
  slot.last_text = rendered.text;
  return r;
}

}  // namespace hayloft::pipeline
