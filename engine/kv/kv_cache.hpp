#pragma once
// KvCache (engine-internal): one Session's keys and values, a ring per layer. Allocation, the truncate
// rule for sliding-window rings, the bytes held and a named (costly) copy live here; the forward pass
// writes rows (engine/forward.cpp) and the attention schedule reads them through ops::KvLayerView.
//
// Room for what comes next, as types only: KvLayout is what a saved cache's header records and checks on
// load (same model shape, type and ring sizes), and what a quantized KvType sizes its rows by; rows are
// always sized through kv_type_bytes(), so nothing here assumes 2 or 4 bytes per element except the
// f16/f32 choice in ops::store_kv.
#include <cstdint>
#include <vector>

#include "engine/buffer.hpp"
#include "engine/engine.hpp"

namespace hayloft::engine {

// One layer's cache: a ring of `cap` slots, position p in slot p % cap (see ops/attention.hpp).
struct LayerKv {
  Buffer<uint8_t> k, v;  // [cap, kv_dim] of the cache's KV type
  int64_t cap = 0;
};

// The shape of a cache: enough to size it, to check that two caches (or a cache and a file) agree.
struct KvLayout {
  KvType type = KvType::kF16;
  int64_t n_ctx = 0;           // positions a global layer holds
  int64_t kv_dim = 0;          // elements per position of K (and of V): n_head_kv * head_dim
  int64_t sliding_window = 0;  // 0: no sliding layers
  std::vector<int64_t> caps;   // ring slots per layer: n_ctx, or window + prefill batch for sliding layers
  size_t row_bytes() const { return static_cast<size_t>(static_cast<double>(kv_dim) * kv_type_bytes(type)); }
  bool operator==(const KvLayout&) const = default;
};

class KvCache {
 public:
  KvCache() = default;
  // Sizes every layer's ring. A sliding layer keeps window + batch slots (a batch writes all its keys
  // before its first query reads the window behind it); a global layer keeps the whole context. Rings
  // are not cleared: a slot is always written before it is read, and untouched pages of a large context
  // cost no resident memory until the session reaches them.
  KvCache(const Model::Impl& m, int64_t n_ctx, int64_t batch, KvType type);
  KvCache(KvCache&&) noexcept = default;
  KvCache& operator=(KvCache&&) noexcept = default;

  LayerKv& operator[](size_t layer) { return layers_[layer]; }
  const LayerKv& operator[](size_t layer) const { return layers_[layer]; }
  size_t size() const { return layers_.size(); }
  const KvLayout& layout() const { return layout_; }
  int64_t bytes() const;  // allocated for K and V, all layers

  // Whether a cache holding positions [0, pos) can be cut back to [0, n) and continued from n: false when
  // n > pos, or when a sliding layer's ring has overwritten positions the tokens after n would attend to.
  bool can_truncate(int64_t pos, int64_t n) const;

  // Copies the rows of positions [0, pos) from `other` (same layout, else Error{kInvalidArgument}): the
  // one way to duplicate a cache, so its cost is visible.
  void copy_from(const KvCache& other, int64_t pos);

 private:
  KvLayout layout_;
  std::vector<bool> sliding_;  // per layer
  std::vector<LayerKv> layers_;
};

}  // namespace hayloft::engine
