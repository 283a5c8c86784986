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

TEST(QuantFixture, DequantizeMatchesGgufPy) {
  const std::string path = std::string(HAYLOFT_SOURCE_DIR) + "/tests/data/engine/quant_blocks.json";
  std::ifstream in(path);
  ASSERT_TRUE(in) << "missing fixture " << path;
  const auto doc = nlohmann::json::parse(in);
  int checked = 0;
  for (const auto& entry : doc.at("types")) {
    const uint32_t id = entry.at("type");
    const TypeInfo* info = type_info(id);
    ASSERT_NE(info, nullptr) << entry.at("name");
    const int64_t n = entry.at("n");
    const auto blocks = from_hex(entry.at("blocks_hex"));
    const auto bits = entry.at("values_bits").get<std::vector<uint32_t>>();
    ASSERT_EQ(blocks.size(), row_bytes(TensorType(id), n)) << info->name;
    ASSERT_EQ(bits.size(), size_t(n)) << info->name;
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      std::vector<float> y(static_cast<size_t>(n));
      kernels(TensorType(id), isa).dequantize(blocks.data(), y.data(), n);
      for (int64_t i = 0; i < n; ++i) {
        float want;
        std::memcpy(&want, &bits[size_t(i)], 4);
        ASSERT_EQ(y[size_t(i)], want) << info->name << " " << isa_name(isa) << " i=" << i;
      }
    }
    ++checked;
  }
  EXPECT_EQ(checked, 11);  // f32 f16 bf16 q4_0 q4_1 q5_0 q5_1 q8_0 q4_K q5_K q6_K
}

}  // namespace
}  // namespace hayloft::engine::ops
