// GGUF reader: the two real models parse with the expected metadata and tensors; hostile bytes (every
// truncation of a valid file, absurd counts, lengths past EOF, bad tensor offsets) throw Error, never crash.
#include "engine/gguf.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/engine/gguf_writer.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

using testing::GgufWriter;
using testing::small_valid_gguf;

std::string model_path(const char* name) { return std::string(HAYLOFT_MODELS_DIR) + "/" + name; }

// Expects parse() to throw Error of `kind`; returns its text for further checks.
std::string expect_error(const std::vector<uint8_t>& bytes, ErrorKind kind) {
  try {
    GgufFile::parse(bytes);
  } catch (const Error& e) {
    EXPECT_EQ(error_kind_name(e.kind()), std::string(error_kind_name(kind))) << e.what();
    return e.what();
  }
  ADD_FAILURE() << "parse accepted a bad file";
  return {};
}

TEST(Gguf, SmolLm2Model) {
  auto path = model_path("SmolLM2-135M-Instruct.Q4_1.gguf");
  if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << path;
  GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.version(), 3u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.get_int("llama.block_count"), 30);
  EXPECT_EQ(f.get_int("llama.embedding_length"), 576);
  EXPECT_NEAR(f.get_float("llama.rope.freq_base"), 100000.0, 1e-3);
  EXPECT_EQ(f.find_bool("tokenizer.ggml.add_bos_token"), false);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens").size(), 49152u);
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type").size(), 49152u);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.merges").size(), 48900u);
  EXPECT_EQ(f.tensors().size(), 272u);
  const GgufTensorInfo* t = f.find_tensor("token_embd.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, 8u);  // q8_0
  EXPECT_EQ(t->shape, (std::vector<int64_t>{576, 49152}));
  EXPECT_EQ(t->data.size(), 576u * 49152 / 32 * 34);
  const GgufTensorInfo* d = f.find_tensor("blk.0.ffn_down.weight");
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->type, 3u);  // q4_1
  EXPECT_EQ(d->shape, (std::vector<int64_t>{1536, 576}));
  EXPECT_EQ(f.find_tensor("no.such.tensor"), nullptr);
  EXPECT_THROW(f.get_string("no.such.key"), Error);
  EXPECT_THROW(f.get_int("general.architecture"), Error);  // type mismatch
}

TEST(Gguf, Gemma3Model) {
  auto path = model_path("gemma-3-270m-q4_k_m.gguf");
  if (!std::filesystem::exists(path)) GTEST_FAIL() << "model missing (scripts/setup fetches it): " << path;
  GgufFile f = GgufFile::open(path);
  EXPECT_EQ(f.get_string("general.architecture"), "gemma3");
  EXPECT_EQ(f.get_int("gemma3.attention.sliding_window"), 512);
  EXPECT_EQ(f.get_string("tokenizer.ggml.model"), "llama");
  EXPECT_EQ(f.get_float_array("tokenizer.ggml.scores").size(), 262144u);
  EXPECT_EQ(f.tensors().size(), 236u);
  EXPECT_FALSE(f.find_string("tokenizer.chat_template").has_value());
  const GgufTensorInfo* t = f.find_tensor("blk.0.attn_k.weight");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->type, 6u);  // q5_0
  EXPECT_EQ(t->shape, (std::vector<int64_t>{640, 256}));
  for (const auto& ti : f.tensors()) {
    EXPECT_EQ(reinterpret_cast<uintptr_t>(ti.data.data()) % f.alignment(), 0u) << ti.name;
  }
}

TEST(Gguf, SmallValidFile) {
  auto bytes = small_valid_gguf();
  GgufFile f = GgufFile::parse(bytes);
  EXPECT_EQ(f.alignment(), 32u);
  EXPECT_EQ(f.get_string("general.architecture"), "llama");
  EXPECT_EQ(f.find_bool("tokenizer.ggml.add_bos_token"), true);
  EXPECT_EQ(f.get_int("x.i64"), -7);
  EXPECT_EQ(f.get_string_array("tokenizer.ggml.tokens"), (std::vector<std::string>{"a", "b", "ab"}));
  EXPECT_EQ(f.get_int_array("tokenizer.ggml.token_type"), (std::vector<int64_t>{1, 1, 3}));
  EXPECT_EQ(f.get_float_array("tokenizer.ggml.scores"), (std::vector<float>{0.0f, -1.0f, -2.5f}));
  ASSERT_EQ(f.tensors().size(), 2u);
  const auto& a = f.tensors()[0];
  EXPECT_EQ(a.elements(), 8);
  ASSERT_EQ(a.data.size(), 32u);
  float third;
  std::memcpy(&third, a.data.data() + 12, 4);
  EXPECT_EQ(third, 3.0f);
  EXPECT_EQ(f.tensors()[1].data.size(), 34u);
  EXPECT_EQ(f.tensors()[1].data.data() - bytes.data(), a.data.data() - bytes.data() + 64);
}

TEST(Gguf, EveryTruncationThrowsCorrupt) {
  auto bytes = small_valid_gguf();
  for (size_t n = 0; n < bytes.size(); ++n) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + static_cast<long>(n));
    std::string what = expect_error(cut, ErrorKind::kCorrupt);
    EXPECT_NE(what.find("offset"), std::string::npos) << "truncated at " << n << ": " << what;
  }
}

TEST(Gguf, BadMagicAndVersion) {
  auto bytes = small_valid_gguf();
  bytes[0] = 'X';
  expect_error(bytes, ErrorKind::kCorrupt);
  bytes = small_valid_gguf();
  bytes[4] = 1;  // version 1 used 32-bit counts
  expect_error(bytes, ErrorKind::kUnsupported);
  bytes[4] = 4;
  expect_error(bytes, ErrorKind::kUnsupported);
  bytes[4] = 2;  // v2 has the same layout as v3
  EXPECT_EQ(GgufFile::parse(bytes).version(), 2u);
}

TEST(Gguf, AbsurdCounts) {
  expect_error(GgufWriter().header(0, ~uint64_t{0}).bytes, ErrorKind::kCorrupt);
  expect_error(GgufWriter().header(~uint64_t{0}, 0).zeros(100).bytes, ErrorKind::kCorrupt);
  expect_error(GgufWriter().header(1ull << 40, 0).zeros(100).bytes, ErrorKind::kCorrupt);
  // A string array claiming 2^60 elements, and an i32 array whose count * 4 overflows 64 bits.
  GgufWriter s;
  s.header(0, 1).str("k").pod<uint32_t>(9).pod<uint32_t>(8).pod<uint64_t>(1ull << 60).zeros(64);
  expect_error(s.bytes, ErrorKind::kCorrupt);
  GgufWriter i;
  i.header(0, 1).str("k").pod<uint32_t>(9).pod<uint32_t>(5).pod<uint64_t>((1ull << 62) + 1).zeros(64);
  expect_error(i.bytes, ErrorKind::kCorrupt);
}

TEST(Gguf, StringLengthPastEof) {
  GgufWriter w;
  w.header(0, 1).pod<uint64_t>(1000).bytes.resize(w.bytes.size() + 10, 'a');
  std::string what = expect_error(w.bytes, ErrorKind::kCorrupt);
  EXPECT_NE(what.find("offset 24"), std::string::npos) << what;
  GgufWriter v;
  v.header(0, 1).str("key").pod<uint32_t>(8).pod<uint64_t>(~uint64_t{0});
  expect_error(v.bytes, ErrorKind::kCorrupt);
}

TEST(Gguf, BadValueTypesAndDuplicates) {
  expect_error(GgufWriter().header(0, 1).str("k").pod<uint32_t>(13).pod<uint32_t>(0).bytes, ErrorKind::kCorrupt);
  expect_error(GgufWriter().header(0, 1).str("k").pod<uint32_t>(7).pod<uint8_t>(2).bytes, ErrorKind::kCorrupt);
  GgufWriter nested;
  nested.header(0, 1).str("k").pod<uint32_t>(9).pod<uint32_t>(9).pod<uint64_t>(0);
  expect_error(nested.bytes, ErrorKind::kUnsupported);
  expect_error(GgufWriter().header(0, 2).kv_u32("k", 1).kv_u32("k", 2).bytes, ErrorKind::kCorrupt);
  expect_error(GgufWriter().header(0, 1).kv_u32("general.alignment", 24).bytes, ErrorKind::kCorrupt);
  expect_error(GgufWriter().header(0, 1).kv_u32("general.alignment", 0).bytes, ErrorKind::kCorrupt);
}

// A file with one f32 tensor of `shape` at `offset`, followed by `data_bytes` of data.
std::vector<uint8_t> one_tensor(std::vector<uint64_t> shape, uint32_t type, uint64_t offset, size_t data_bytes,
                                uint32_t n_dims_override = 0) {
  GgufWriter w;
  w.header(1, 0);
  if (n_dims_override) {
    w.str("t").pod<uint32_t>(n_dims_override);
    for (uint64_t d : shape) w.pod(d);
    w.pod(type).pod(offset);
  } else {
    w.tensor("t", shape, type, offset);
  }
  w.pad(32).zeros(data_bytes);
  return w.bytes;
}

TEST(Gguf, TensorExtents) {
  EXPECT_EQ(GgufFile::parse(one_tensor({8}, 0, 0, 32)).tensors()[0].data.size(), 32u);
  expect_error(one_tensor({8}, 0, 0, 31), ErrorKind::kCorrupt);          // one byte short
  expect_error(one_tensor({8}, 0, 16, 64), ErrorKind::kCorrupt);         // misaligned
  expect_error(one_tensor({8}, 0, 1ull << 40, 64), ErrorKind::kCorrupt); // past EOF
  expect_error(one_tensor({8}, 0, ~uint64_t{0} - 31, 64), ErrorKind::kCorrupt);
  expect_error(one_tensor({1ull << 32, 1ull << 32}, 0, 0, 64), ErrorKind::kCorrupt);  // product overflow
  expect_error(one_tensor({~uint64_t{0}}, 0, 0, 64), ErrorKind::kCorrupt);
  expect_error(one_tensor({1ull << 61, 1ull << 61, 4, 4}, 1, 0, 64), ErrorKind::kCorrupt);
  expect_error(one_tensor({16}, 8, 0, 64), ErrorKind::kCorrupt);         // q8_0 row not whole blocks
  expect_error(one_tensor({8, 1, 1, 1, 1}, 0, 0, 64, 5), ErrorKind::kCorrupt);  // too many dims
  // An unknown type id is kept for the loader to name; its offset is still checked.
  GgufFile f = GgufFile::parse(one_tensor({8}, 200, 0, 32));
  EXPECT_EQ(f.tensors()[0].type, 200u);
  expect_error(one_tensor({8}, 200, 64, 32), ErrorKind::kCorrupt);
  GgufWriter dup;
  dup.header(2, 0).tensor("t", {1}, 0, 0).tensor("t", {1}, 0, 32).pad(32).zeros(64);
  expect_error(dup.bytes, ErrorKind::kCorrupt);
}

TEST(Gguf, OpenMissingFileIsIo) {
  try {
    GgufFile::open("/nonexistent/model.gguf");
    FAIL() << "opened a missing file";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
  }
}

}  // namespace
}  // namespace hayloft::engine
