// PromptCache: prompt-prefix reuse across generations (moved down from the pipeline's LocalGenerator).
#include <algorithm>

#include "engine/engine.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

namespace {

size_t common_prefix(std::span<const int32_t> a, std::span<const int32_t> b) {
  size_t n = 0;
  while (n < a.size() && n < b.size() && a[n] == b[n]) ++n;
  return n;
}

// A shared chat-template opening is not worth evicting another slot's long prefix for.
constexpr size_t kWorthwhile = 64;

}  // namespace

PromptCache::PromptCache(std::shared_ptr<const Model> model, const SessionOptions& options, int max_slots)
    : model_(std::move(model)), options_(options) {
  if (max_slots < 1) {
    throw Error(ErrorKind::kInvalidArgument, "a prompt cache needs at least one slot", std::to_string(max_slots));
  }
  max_slots_ = static_cast<size_t>(max_slots);
  slots_.push_back({Session(model_, options_), {}, 0});  // allocated now: errors surface here
}

// `auto` alternates a RAG prompt and the LC prompt, and an LC prompt is the whole collection then the
// question, so with two slots every LC question after the first over a collection prefills only its tail.
PromptCache::Pick PromptCache::acquire(std::span<const int32_t> ids) {
  Slot* best = nullptr;
  size_t common = 0;
  for (auto& slot : slots_) {
    const size_t n = common_prefix(slot.cached_ids, ids);
    if (!best || n > common) {
      best = &slot;
      common = n;
    }
  }
  if (!best || common < kWorthwhile) {
    common = 0;
    if (slots_.size() < max_slots_) {
      slots_.push_back({Session(model_, options_), {}, 0});
      best = &slots_.back();
    } else {
      best = &*std::min_element(slots_.begin(), slots_.end(), [](const Slot& a, const Slot& b) {
        return a.cached_ids.size() != b.cached_ids.size() ? a.cached_ids.size() < b.cached_ids.size()
                                                          : a.last_used < b.last_used;
      });
      common = common_prefix(best->cached_ids, ids);
    }
  }
  best->last_used = ++clock_;
  Pick pick;
  pick.slot = static_cast<size_t>(best - slots_.data());
  const int64_t keep = std::min<int64_t>(static_cast<int64_t>(common), static_cast<int64_t>(ids.size()) - 1);
  best->cached_ids.clear();  // until this generation's prefill has completed
  if (keep > 0 && best->session.truncate(keep)) {
    pick.reused = keep;
  } else {
    best->session.reset();
  }
  return pick;
}

void PromptCache::commit(size_t slot, std::vector<int32_t> ids) { slots_.at(slot).cached_ids = std::move(ids); }

int64_t PromptCache::context() const { return slots_.front().session.context(); }

int64_t PromptCache::kv_bytes() const {
  int64_t total = 0;
  for (const Slot& s : slots_) total += s.session.kv_bytes();
  return total;
}

}  // namespace hayloft::engine
