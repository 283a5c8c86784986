#pragma once
// Test helper: writes small GGUF files byte by byte, including deliberately broken ones (the writer does
// no validation, so tests can set any count, length or offset).
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace hayloft::engine::testing {

class GgufWriter {
 public:
  std::vector<uint8_t> bytes;

  template <typename T>
  GgufWriter& pod(T v) {
    size_t at = bytes.size();
    bytes.resize(at + sizeof(T));
    std::memcpy(bytes.data() + at, &v, sizeof(T));
    return *this;
  }
  GgufWriter& str(std::string_view s) {
    pod<uint64_t>(s.size());
    bytes.insert(bytes.end(), s.begin(), s.end());
    return *this;
  }
  GgufWriter& header(uint64_t n_tensors, uint64_t n_kv, uint32_t version = 3) {
    pod<uint32_t>(0x46554747).pod<uint32_t>(version).pod<uint64_t>(n_tensors).pod<uint64_t>(n_kv);
    return *this;
  }
  GgufWriter& kv_u32(std::string_view k, uint32_t v) { return str(k).pod<uint32_t>(4).pod(v); }
  GgufWriter& kv_f32(std::string_view k, float v) { return str(k).pod<uint32_t>(6).pod(v); }
  GgufWriter& kv_bool(std::string_view k, bool v) { return str(k).pod<uint32_t>(7).pod<uint8_t>(v); }
  GgufWriter& kv_str(std::string_view k, std::string_view v) { return str(k).pod<uint32_t>(8).str(v); }
  GgufWriter& kv_strs(std::string_view k, const std::vector<std::string>& v) {
    str(k).pod<uint32_t>(9).pod<uint32_t>(8).pod<uint64_t>(v.size());
    for (const auto& s : v) str(s);
    return *this;
  }
  GgufWriter& kv_i32s(std::string_view k, const std::vector<int32_t>& v) {
    str(k).pod<uint32_t>(9).pod<uint32_t>(5).pod<uint64_t>(v.size());
    for (int32_t x : v) pod(x);
    return *this;
  }
  GgufWriter& kv_f32s(std::string_view k, const std::vector<float>& v) {
    str(k).pod<uint32_t>(9).pod<uint32_t>(6).pod<uint64_t>(v.size());
    for (float x : v) pod(x);
    return *this;
  }
  GgufWriter& tensor(std::string_view name, std::vector<uint64_t> shape, uint32_t type, uint64_t offset) {
    str(name).pod<uint32_t>(static_cast<uint32_t>(shape.size()));
    for (uint64_t d : shape) pod(d);
    return pod(type).pod(offset);
  }
  GgufWriter& pad(size_t alignment) {
    while (bytes.size() % alignment) bytes.push_back(0);
    return *this;
  }
  GgufWriter& zeros(size_t n) {
    bytes.insert(bytes.end(), n, 0);
    return *this;
  }
};

// A small valid file: every metadata type, two tensors (f32 [4,2] and q8_0 [32]), alignment 32.
inline std::vector<uint8_t> small_valid_gguf() {
  GgufWriter w;
  w.header(2, 8);
  w.kv_str("general.architecture", "llama");
  w.kv_u32("general.alignment", 32);
  w.kv_f32("llama.rope.freq_base", 10000.0f);
  w.kv_bool("tokenizer.ggml.add_bos_token", true);
  w.kv_strs("tokenizer.ggml.tokens", {"a", "b", "ab"});
  w.kv_i32s("tokenizer.ggml.token_type", {1, 1, 3});
  w.kv_f32s("tokenizer.ggml.scores", {0.0f, -1.0f, -2.5f});
  w.str("x.i64").pod<uint32_t>(11).pod<int64_t>(-7);
  w.tensor("a.weight", {4, 2}, 0, 0);
  w.tensor("b.weight", {32}, 8, 64);
  w.pad(32);
  for (int i = 0; i < 8; ++i) w.pod<float>(static_cast<float>(i));  // 32 bytes of a.weight
  w.zeros(32);                                                      // padding up to offset 64
  w.zeros(34);                                                      // one q8_0 block
  return w.bytes;
}

}  // namespace hayloft::engine::testing
