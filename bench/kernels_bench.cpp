// Single-thread matvec throughput of the quant dot kernels: for every weight type and every kernel set
// this CPU has, y = W x over a rows x n matrix (4096 x 4096 by default), reporting the median of repeats
// as weight GB/s. Prints one JSON document on stdout.
//   usage: kernels_bench [rows] [n] [repeats]      (n a multiple of 256)
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <vector>

#include "engine/ops/quant.hpp"
#include "engine/ops/quant_impl.hpp"

namespace ops = hayloft::engine::ops;
using ops::TensorType;

namespace {

// Byte offsets of the fp16 scale fields in one block, so random weights carry sane (normal) scales:
// random bytes there would make NaN/inf/subnormal scales and time something no model holds.
std::vector<int> half_fields(TensorType t) {
  switch (t) {
    case TensorType::kQ4_1: case TensorType::kQ5_1: case TensorType::kQ4_K: case TensorType::kQ5_K:
      return {0, 2};
    case TensorType::kQ6_K: return {208};
    default: return {0};
  }
}

std::vector<uint8_t> random_matrix(TensorType t, int64_t rows, int64_t n, std::mt19937& rng) {
  const size_t rb = ops::row_bytes(t, n);
  std::vector<uint8_t> w(rb * size_t(rows));
  std::normal_distribution<float> g(0.0f, 0.05f);
  if (t == TensorType::kF32 || t == TensorType::kF16 || t == TensorType::kBF16) {
    for (size_t i = 0; i < size_t(rows * n); ++i) {
      const float v = g(rng);
      if (t == TensorType::kF32) {
        std::memcpy(&w[4 * i], &v, 4);
      } else {
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        const uint16_t h = t == TensorType::kF16 ? ops::fp32_to_fp16(v) : uint16_t(bits >> 16);
        std::memcpy(&w[2 * i], &h, 2);
      }
    }
    return w;
  }
  for (auto& b : w) b = uint8_t(rng());
  const auto& info = ops::type_info(t);
  for (size_t b = 0; b < w.size() / size_t(info.block_bytes); ++b)
    for (int off : half_fields(t)) {
      const uint16_t h = ops::fp32_to_fp16(0.001f + std::fabs(g(rng)) * 0.01f);
      std::memcpy(&w[b * size_t(info.block_bytes) + size_t(off)], &h, 2);
    }
  return w;
}

struct KernelSet {
  std::string name;
  const ops::TypeKernels* (*get)(TensorType);
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t rows = argc > 1 ? std::stoll(argv[1]) : 4096;
  const int64_t n = argc > 2 ? std::stoll(argv[2]) : 4096;
  const int repeats = argc > 3 ? std::stoi(argv[3]) : 9;
  if (rows <= 0 || n <= 0 || n % 256 != 0 || repeats <= 0) {
    std::fprintf(stderr, "usage: kernels_bench [rows] [n (multiple of 256)] [repeats]\n");
    return 2;
  }
  std::vector<KernelSet> sets = {{"scalar", [](TensorType t) { return &ops::kernels(t, ops::Isa::kScalar); }}};
  if (ops::detect_isa() >= ops::Isa::kAvx2)
    sets.push_back({"avx2", [](TensorType t) { return &ops::kernels(t, ops::Isa::kAvx2); }});
  if (ops::detect_isa() >= ops::Isa::kAvx512) {
    sets.push_back({"avx512_novnni", [](TensorType t) { return ops::avx512_kernels(t, false); }});
    if (ops::has_avx512_vnni())
      sets.push_back({"avx512_vnni", [](TensorType t) { return ops::avx512_kernels(t, true); }});
  }
  const TensorType types[] = {TensorType::kF32,  TensorType::kF16,  TensorType::kBF16, TensorType::kQ4_0,
                              TensorType::kQ4_1, TensorType::kQ5_0, TensorType::kQ5_1, TensorType::kQ8_0,
                              TensorType::kQ4_K, TensorType::kQ5_K, TensorType::kQ6_K};
  std::mt19937 rng(1);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (auto& v : x) v = g(rng);
  std::vector<float> y(static_cast<size_t>(rows));

  nlohmann::json results = nlohmann::json::array();
  for (TensorType t : types) {
    const auto w = random_matrix(t, rows, n, rng);
    const size_t rb = ops::row_bytes(t, n);
    for (const auto& set : sets) {
      const ops::TypeKernels* k = set.get(t);
      std::vector<uint8_t> act(ops::act_bytes(t, n));
      k->quantize_act(x.data(), act.data(), n);
      const int reps = set.name == "scalar" ? std::min(repeats, 3) : repeats;
      std::vector<double> secs;
      double checksum = 0;
      for (int r = 0; r < reps + 1; ++r) {  // first run warms caches and pages, not counted
        const auto t0 = std::chrono::steady_clock::now();
        ops::matvec(*k, w.data(), rb, act.data(), y.data(), n, 0, rows);
        const auto t1 = std::chrono::steady_clock::now();
        if (r > 0) secs.push_back(std::chrono::duration<double>(t1 - t0).count());
        checksum = y[0] + y[size_t(rows - 1)];
      }
      // The median is the figure of record; the best run shows what the kernel does when the (shared)
      // machine leaves it alone.
      const double s = median(secs), best = *std::min_element(secs.begin(), secs.end());
      results.push_back({{"type", ops::type_info(t).name}, {"kernels", set.name},
                         {"gb_per_s", double(w.size()) / s / 1e9}, {"ms", s * 1e3},
                         {"best_gb_per_s", double(w.size()) / best / 1e9},
                         {"weight_bytes", w.size()}, {"repeats", reps}, {"checksum", checksum}});
      std::fprintf(stderr, "%-5s %-14s %8.2f GB/s (best %6.2f) %9.3f ms\n", ops::type_info(t).name,
                   set.name.c_str(), double(w.size()) / s / 1e9, double(w.size()) / best / 1e9, s * 1e3);
    }
  }
  const nlohmann::json doc = {{"bench", "kernels"}, {"rows", rows}, {"n", n}, {"threads", 1},
                              {"isa", ops::isa_name(ops::detect_isa())}, {"vnni", ops::has_avx512_vnni()},
                              {"results", results}};
  std::printf("%s\n", doc.dump(2).c_str());
  return 0;
}
