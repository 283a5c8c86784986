#include "engine/kv/kv_cache.hpp"

#include <algorithm>
#include <cstring>

#include "engine/model_impl.hpp"
#include "util/error.hpp"

namespace hayloft::engine {

KvCache::KvCache(const Model::Impl& m, int64_t n_ctx, int64_t batch, KvType type) {
  const Hparams& hp = m.hp;
  layout_.type = type;
  layout_.n_ctx = n_ctx;
  layout_.kv_dim = hp.kv_dim();
  layout_.sliding_window = hp.sliding_window;
  layers_.resize(static_cast<size_t>(hp.n_layer));
  for (int64_t il = 0; il < hp.n_layer; ++il) {
    LayerKv& c = layers_[static_cast<size_t>(il)];
    const bool sliding = m.layers[static_cast<size_t>(il)].sliding;
    c.cap = sliding ? std::min(n_ctx, hp.sliding_window + batch) : n_ctx;
    const size_t bytes = std::max<size_t>(static_cast<size_t>(c.cap) * layout_.row_bytes(), 1);
    c.k = Buffer<uint8_t>(bytes);
    c.v = Buffer<uint8_t>(bytes);
    layout_.caps.push_back(c.cap);
    sliding_.push_back(sliding);
  }
}

int64_t KvCache::bytes() const {
  int64_t total = 0;
  for (const auto& c : layers_) total += static_cast<int64_t>(c.k.bytes() + c.v.bytes());
  return total;
}

bool KvCache::can_truncate(int64_t pos, int64_t n) const {
  if (n < 0 || n > pos) return false;
  // A sliding layer's ring of `cap` slots: writing positions [n, pos) overwrote the slots of positions
  // [n - cap, pos - cap). Tokens after n attend back to n - window + 1, which must still be there.
  const int64_t window = layout_.sliding_window;
  for (size_t il = 0; il < layers_.size(); ++il) {
    const int64_t cap = layers_[il].cap;
    if (!sliding_[il] || cap >= layout_.n_ctx) continue;  // never wraps
    if (pos - cap > n - window) return false;
  }
  return true;
}

void KvCache::copy_from(const KvCache& other, int64_t pos) {
  if (!(other.layout_ == layout_) || pos < 0 || pos > layout_.n_ctx) {
    throw Error(ErrorKind::kInvalidArgument, "KV caches of different layouts cannot be copied");
  }
  // Positions [0, pos) sit in slots [0, min(pos, cap)) of each ring: all of it once the ring has wrapped.
  const size_t row = layout_.row_bytes();
  for (size_t il = 0; il < layers_.size(); ++il) {
    const size_t bytes = static_cast<size_t>(std::min(pos, layers_[il].cap)) * row;
    if (bytes == 0) continue;
    std::memcpy(layers_[il].k.data(), other.layers_[il].k.data(), bytes);
    std::memcpy(layers_[il].v.data(), other.layers_[il].v.data(), bytes);
  }
}

}  // namespace hayloft::engine
