#pragma once
// Per-ISA kernel tables (engine/ops internal). Each returns null for a type it has no kernels for; the
// dispatcher in quant.cpp then falls back to the next ISA down. Only quant.cpp calls these, and it calls
// the AVX-512 one only after CPUID said so.
#include "engine/ops/quant.hpp"

namespace hayloft::engine::ops {

const TypeKernels* ref_kernels(TensorType type);
const TypeKernels* avx2_kernels(TensorType type);
const TypeKernels* avx512_kernels(TensorType type, bool vnni);

}  // namespace hayloft::engine::ops
