#pragma once
// Weight types and their kernels (engine-internal). One BlockTraits per GGUF type defines the block layout
// and the scalar reference; SIMD versions (AVX2, AVX-512/VNNI) sit beside it and are chosen once from
// CPUID. Callers fetch a TypeKernels table for a tensor's type and call through its pointers.
#include <cstddef>
#include <cstdint>

namespace hayloft::engine::ops {

// ggml type ids, as stored in GGUF tensor infos.
enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15, kBF16 = 30,
};

enum class Isa { kScalar, kAvx2, kAvx512 };
Isa detect_isa();                 // best ISA this CPU supports (AVX-512 needs F, BW, VL; VNNI optional)
const char* isa_name(Isa isa);

struct TypeInfo {
  const char* name;      // "q4_1"
  int block_elems;       // elements per block (1 for float types)
  int block_bytes;       // bytes per block
};
// Null for an id we do not support (callers turn that into Error{kUnsupported} naming the type).
const TypeInfo* type_info(uint32_t ggml_type);
size_t row_bytes(TensorType type, int64_t n);  // n must be a multiple of block_elems

struct TypeKernels {
  TensorType type;
  // Format the activations are converted to before `dot` (e.g. Q8_0 for 32-blocks, Q8_K for K-quants,
  // F32 for float weights, where quantize_act copies).
  TensorType act_type;
  void (*dequantize)(const void* src, float* dst, int64_t n);
  void (*quantize_act)(const float* x, void* dst, int64_t n);
  // dot(row of n weights, activations converted by quantize_act) -> float
  float (*dot)(const void* row, const void* act, int64_t n);
};
// Kernels for `type` on `isa` (falls back to the best available below it). Pass Isa::kScalar to get the
// reference implementation that tests compare against.
const TypeKernels& kernels(TensorType type, Isa isa);
const TypeKernels& kernels(TensorType type);  // at detect_isa()

// Bytes quantize_act writes for n elements.
size_t act_bytes(TensorType weight_type, int64_t n);

}  // namespace hayloft::engine::ops
