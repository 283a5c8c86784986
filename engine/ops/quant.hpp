#pragma once
// Weight types and their kernels (engine-internal). One BlockTraits per GGUF type (quant_traits.hpp) defines
// the block layout and the scalar reference; SIMD versions (AVX2, AVX-512/VNNI) sit beside it and are chosen
// once from CPUID. Callers fetch a TypeKernels table for a tensor's type and call through its pointers.
//
// Activation formats follow ggml: 32-element weight blocks pair with Q8_0 activations (Q8_1, which carries
// d*sum(q), for the types with a min: Q4_1, Q5_1); K-quants pair with Q8_K (256 elements, float scale,
// 16-element partial sums); float weights (F32, F16, BF16) pair with plain F32 activations.
//
// Non-finite activations: a block of activations holding NaN or inf is quantized with a NaN scale and zero
// quants, so every dot that touches it returns NaN (ggml would produce garbage there instead).
#include <cstddef>
#include <cstdint>

namespace hayloft::engine::ops {

// ggml type ids, as stored in GGUF tensor infos.
enum class TensorType : uint32_t {
  kF32 = 0, kF16 = 1, kQ4_0 = 2, kQ4_1 = 3, kQ5_0 = 6, kQ5_1 = 7, kQ8_0 = 8, kQ8_1 = 9,
  kQ4_K = 12, kQ5_K = 13, kQ6_K = 14, kQ8_K = 15, kBF16 = 30,
};

enum class Isa { kScalar, kAvx2, kAvx512 };
Isa detect_isa();                 // best ISA this CPU supports (AVX-512 needs F, BW, VL, DQ; VNNI optional)
bool has_avx512_vnni();           // whether the AVX-512 kernels use VPDPBUSD (chosen at run time)
const char* isa_name(Isa isa);

struct TypeInfo {
  const char* name;      // "q4_1"
  int block_elems;       // elements per block (1 for float types)
  int block_bytes;       // bytes per block
};
// Null for an id we do not support (callers turn that into Error{kUnsupported} naming the type).
const TypeInfo* type_info(uint32_t ggml_type);
const TypeInfo& type_info(TensorType type);  // type must be one of the enumerators
size_t row_bytes(TensorType type, int64_t n);  // n must be a multiple of block_elems

struct TypeKernels {
  TensorType type;
  // Format the activations are converted to before `dot` (e.g. Q8_0 for 32-blocks, Q8_K for K-quants,
  // F32 for float weights, where quantize_act copies).
  TensorType act_type;
  // n elements; n a multiple of block_elems of the type involved. Quantized data (void*) may sit at any
  // byte address; float arrays need only float alignment (4 bytes).
  void (*dequantize)(const void* src, float* dst, int64_t n);
  void (*quantize_act)(const float* x, void* dst, int64_t n);
  // dot(row of n weights, activations converted by quantize_act) -> float
  float (*dot)(const void* row, const void* act, int64_t n);
  // y[r] = dot(row r, act) for r in [0, rows), row r at w + r * row_stride bytes. Each y[r] equals what
  // dot returns for that row, bit for bit; SIMD versions keep several rows in flight.
  void (*matvec)(const void* w, size_t row_stride, const void* act, float* y, int64_t n, int64_t rows);
};
// Kernels for `type` on `isa` (falls back to the best available below it, and never above what the CPU
// supports). Pass Isa::kScalar to get the reference implementation that tests compare against.
const TypeKernels& kernels(TensorType type, Isa isa);
const TypeKernels& kernels(TensorType type);  // at detect_isa()

// Bytes quantize_act writes for n elements.
size_t act_bytes(TensorType weight_type, int64_t n);

// y[r - row_begin] = dot(row r of w, act) for r in [row_begin, row_end). w points at row 0; rows are
// row_stride_bytes apart and hold n elements; act was produced by k.quantize_act over n elements.
void matvec(const TypeKernels& k, const void* w, size_t row_stride_bytes, const void* act, float* y,
            int64_t n, int64_t row_begin, int64_t row_end);

// Dequantizes rows [row_begin, row_end) of a [rows, n] matrix into out ([row_end - row_begin, n] f32,
// row-major), for prefill tiles. Uses the best ISA.
void dequantize_rows(TensorType type, const void* w, size_t row_stride_bytes, float* out, int64_t n,
                     int64_t row_begin, int64_t row_end);

// IEEE half <-> float, exact both ways where representable; float -> half rounds to nearest even.
float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(uint16_t h);

}  // namespace hayloft::engine::ops
