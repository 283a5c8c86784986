// Our dequantize against ggml's own reading of the block layouts: tests/data/engine/quant_blocks.json holds
// random blocks of every weight type and the floats gguf-py dequantizes them to (written by
// scripts/gen-quant-fixtures.py). Every ISA must reproduce them bit for bit.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/engine/ops/quant_test_util.hpp"

namespace hayloft::engine::ops {
namespace {

std::vector<uint8_t> from_hex(const std::string& hex) {
  std::vector<uint8_t> out(hex.size() / 2);
  for (size_t i = 0; i < out.size(); ++i) out[i] = uint8_t(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  return out;
}

nlohmann::json load_fixture() {
  const std::string path = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/quant_blocks.json";
  std::ifstream in(path);
  if (!in) ADD_FAILURE() << "missing fixture " << path;
  return in ? nlohmann::json::parse(in) : nlohmann::json::object();
}

// Each entry: blocks of one type and gguf-py's floats for them; returns how many entries were checked.
int check_entries(const nlohmann::json& entries) {
  int checked = 0;
  for (const auto& entry : entries) {
    const uint32_t id = entry.at("type");
    const TypeInfo* info = type_info(id);
    if (info == nullptr) {
      ADD_FAILURE() << "unsupported type in fixture: " << entry.at("name");
      return -1;
    }
    const int64_t n = entry.at("n");
    const auto blocks = from_hex(entry.at("blocks_hex"));
    const auto bits = entry.at("values_bits").get<std::vector<uint32_t>>();
    if (blocks.size() != row_bytes(TensorType(id), n) || bits.size() != size_t(n)) {
      ADD_FAILURE() << info->name << ": fixture sizes do not match n=" << n;
      return -1;
    }
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      std::vector<float> y(static_cast<size_t>(n));
      kernels(TensorType(id), isa).dequantize(blocks.data(), y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        float want;
        std::memcpy(&want, &bits[size_t(i)], 4);
        EXPECT_EQ(y[size_t(i)], want) << info->name << " " << isa_name(isa) << " i=" << i << " "
                                      << entry.value("tensor", "random");
        if (y[size_t(i)] != want) return -1;
      }
    }
    ++checked;
  }
  return checked;
}

TEST(QuantFixture, DequantizeMatchesGgufPyOnRandomBlocks) {
  EXPECT_EQ(check_entries(load_fixture().at("types")), 11);  // f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q4_K q5_K q6_K
}

// Rows of SmolLM2 (q8_0, q4_1) and Gemma 3 (q8_0, q5_0, q4_K, q6_K) as llama.cpp's quantizer wrote them.
TEST(QuantFixture, DequantizeMatchesGgufPyOnModelRows) {
  EXPECT_EQ(check_entries(load_fixture().at("model_rows")), 6);
}

// Real weights through every ISA's dot: same bound as the random-data test in quant_simd_test.cpp.
TEST(QuantFixture, ModelRowDotsAgreeAcrossIsas) {
  std::mt19937 rng(9);
  const auto doc = load_fixture();  // must outlive the loop (a temporary's member would not, in C++20)
  for (const auto& entry : doc.at("model_rows")) {
    const TensorType t = TensorType(entry.at("type").get<uint32_t>());
    const auto blocks = from_hex(entry.at("blocks_hex"));
    const int64_t n = entry.at("n").get<int64_t>() / 2;  // two rows
    const auto x = testing::random_acts(n, rng, testing::Scales::kNormal);
    const auto& ref = kernels(t, Isa::kScalar);
    std::vector<uint8_t> q(act_bytes(t, n));
    ref.quantize_act(x.data(), q.data(), n);
    std::vector<float> a(static_cast<size_t>(n));
    kernels(ref.act_type, Isa::kScalar).dequantize(q.data(), a.data(), n);
    for (int r = 0; r < 2; ++r) {
      const uint8_t* row = blocks.data() + r * row_bytes(t, n);
      const float want = ref.dot(row, q.data(), n);
      const double tol = 2.0 * double(n / type_info(t).block_elems + 8) * testing::kEps *
                         testing::dot_magnitude(t, row, a.data(), n);
      for (Isa isa : {Isa::kAvx2, Isa::kAvx512})
        EXPECT_NEAR(kernels(t, isa).dot(row, q.data(), n), want, tol) << entry.at("tensor") << " " << isa_name(isa);
    }
  }
}

}  // namespace
}  // namespace hayloft::engine::ops
