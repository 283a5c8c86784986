#pragma once
// Flat open-addressing index from strings to their position in a vector<string> (engine-internal). The
// tokenizer does one lookup per candidate merge, most of them misses, over vocabularies of up to 262k
// tokens: a slot holds 32 bits of hash beside the id, so a miss usually costs one cache line and no
// string compare, where std::unordered_map costs a chain of pointers.
#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::engine {

class StringIndex {
 public:
  // Indexes keys[i] -> i; on duplicates the first wins. Lookups take the same keys again (the index
  // holds no pointer to them, so its owner stays freely copyable and movable).
  void build(const std::vector<std::string>& keys) {
    size_t cap = std::bit_ceil(keys.size() * 2 + 16);
    mask_ = cap - 1;
    slots_.assign(cap, 0);
    for (size_t i = 0; i < keys.size(); ++i) {
      const std::string& k = keys[i];
      uint64_t h = hash(k);
      for (size_t s = h & mask_;; s = (s + 1) & mask_) {
        if (slots_[s] == 0) {
          slots_[s] = (h & 0xFFFFFFFF00000000ull) | (i + 1);
          break;
        }
        if ((slots_[s] >> 32) == (h >> 32) && keys[(slots_[s] & 0xFFFFFFFF) - 1] == k) break;  // duplicate
      }
    }
  }

  // Position of `s` in the keys, or -1.
  int32_t find(std::string_view s, const std::vector<std::string>& keys) const {
    if (slots_.empty()) return -1;
    uint64_t h = hash(s);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      uint64_t slot = slots_[i];
      if (slot == 0) return -1;
      if ((slot >> 32) == (h >> 32)) {
        auto id = static_cast<int32_t>((slot & 0xFFFFFFFF) - 1);
        if (keys[static_cast<size_t>(id)] == s) return id;
      }
    }
  }

  // 64-bit multiply-xorshift hash over 8-byte words; tokens are short, so this is a few multiplies.
  static uint64_t hash(std::string_view s) {
    uint64_t h = 0x9E3779B97F4A7C15ull ^ s.size();
    size_t i = 0;
    for (; i + 8 <= s.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      h = (h ^ w) * 0xBF58476D1CE4E5B9ull;
      h ^= h >> 31;
    }
    if (i < s.size()) {
      uint64_t w = 0;
      std::memcpy(&w, s.data() + i, s.size() - i);
      h = (h ^ w) * 0x94D049BB133111EBull;
      h ^= h >> 29;
    }
    h *= 0xBF58476D1CE4E5B9ull;
    return h ^ (h >> 32);
  }

 private:
  std::vector<uint64_t> slots_;  // (hash >> 32) << 32 | (position + 1); 0 = empty
  uint64_t mask_ = 0;
};

}  // namespace hayloft::engine
