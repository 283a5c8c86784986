// Type table, CPU detection and dispatch for the quant kernels, plus the row loops built on them.
#include <cpuid.h>

#include <cstring>

#include "engine/ops/quant_impl.hpp"
#include "engine/ops/quant_traits.hpp"
#include "util/util.hpp"

namespace hayloft::engine::ops {
namespace {

struct TypeRow {
  TensorType type;
  TypeInfo info;
};
constexpr TypeRow kTypes[] = {
    {TensorType::kF32, {"f32", 1, 4}},
    {TensorType::kF16, {"f16", 1, 2}},
    {TensorType::kBF16, {"bf16", 1, 2}},
    {TensorType::kQ4_0, {"q4_0", kQK, sizeof(BlockQ4_0)}},
    {TensorType::kQ4_1, {"q4_1", kQK, sizeof(BlockQ4_1)}},
    {TensorType::kQ5_0, {"q5_0", kQK, sizeof(BlockQ5_0)}},
    {TensorType::kQ5_1, {"q5_1", kQK, sizeof(BlockQ5_1)}},
    {TensorType::kQ8_0, {"q8_0", kQK, sizeof(BlockQ8_0)}},
    {TensorType::kQ8_1, {"q8_1", kQK, sizeof(BlockQ8_1)}},
    {TensorType::kQ4_K, {"q4_K", kQKK, sizeof(BlockQ4_K)}},
    {TensorType::kQ5_K, {"q5_K", kQKK, sizeof(BlockQ5_K)}},
    {TensorType::kQ6_K, {"q6_K", kQKK, sizeof(BlockQ6_K)}},
    {TensorType::kQ8_K, {"q8_K", kQKK, sizeof(BlockQ8_K)}},
};

struct CpuFeatures {
  Isa isa = Isa::kScalar;
  bool vnni = false;
};

CpuFeatures probe_cpu() {
  __builtin_cpu_init();
  CpuFeatures f;
  // F16C straight from CPUID leaf 1 (ECX bit 29): clang 14's __builtin_cpu_supports does not know "f16c".
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  const bool f16c = __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && f16c) f.isa = Isa::kAvx2;
  if (f.isa == Isa::kAvx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq")) {
    f.isa = Isa::kAvx512;
    f.vnni = __builtin_cpu_supports("avx512vnni");
  }
  return f;
}

const CpuFeatures& cpu() {
  static const CpuFeatures features = probe_cpu();  // CPUID once
  return features;
}

}  // namespace

Isa detect_isa() { return cpu().isa; }
bool has_avx512_vnni() { return cpu().vnni; }

const char* isa_name(Isa isa) {
  switch (isa) {
    case Isa::kScalar: return "scalar";
    case Isa::kAvx2: return "avx2";
    case Isa::kAvx512: return "avx512";
  }
  return "?";
}

const TypeInfo* type_info(uint32_t ggml_type) {
  for (const auto& row : kTypes)
    if (uint32_t(row.type) == ggml_type) return &row.info;
  return nullptr;
}

const TypeInfo& type_info(TensorType type) {
  const TypeInfo* info = type_info(uint32_t(type));
  HL_DASSERT(info != nullptr);
  return *info;
}

size_t row_bytes(TensorType type, int64_t n) {
  const TypeInfo& info = type_info(type);
  HL_DASSERT(n % info.block_elems == 0);
  return size_t(n / info.block_elems) * size_t(info.block_bytes);
}

size_t act_bytes(TensorType weight_type, int64_t n) {
  return row_bytes(kernels(weight_type, Isa::kScalar).act_type, n);
}

const TypeKernels& kernels(TensorType type, Isa isa) {
  if (isa > cpu().isa) isa = cpu().isa;
  const TypeKernels* k = nullptr;
  if (isa == Isa::kAvx512) k = avx512_kernels(type, cpu().vnni);
  if (k == nullptr && isa >= Isa::kAvx2) k = avx2_kernels(type);
  if (k == nullptr) k = ref_kernels(type);
  HL_DASSERT(k != nullptr);  // every enumerator has a reference
  return *k;
}

const TypeKernels& kernels(TensorType type) { return kernels(type, detect_isa()); }

void matvec(const TypeKernels& k, const void* w, size_t row_stride_bytes, const void* act, float* y,
            int64_t n, int64_t row_begin, int64_t row_end) {
  if (row_end <= row_begin) return;
  k.matvec(static_cast<const uint8_t*>(w) + size_t(row_begin) * row_stride_bytes, row_stride_bytes, act, y, n,
           row_end - row_begin);
}

void dequantize_rows(TensorType type, const void* w, size_t row_stride_bytes, float* out, int64_t n,
                     int64_t row_begin, int64_t row_end) {
  const TypeKernels& k = kernels(type);
  const auto* base = static_cast<const uint8_t*>(w);
  for (int64_t r = row_begin; r < row_end; ++r)
    k.dequantize(base + size_t(r) * row_stride_bytes, out + (r - row_begin) * n, n);
}

float fp16_to_fp32(uint16_t h) { return half_to_float(h); }
uint16_t fp32_to_fp16(float f) { return float_to_half(f); }
float bf16_to_fp32(uint16_t h) { return bf16_to_float(h); }

}  // namespace hayloft::engine::ops
