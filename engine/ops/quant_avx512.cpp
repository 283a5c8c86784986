// AVX-512 kernels: not written yet, every type falls back to AVX2.
#include "engine/ops/quant_impl.hpp"

namespace hayloft::engine::ops {
const TypeKernels* avx512_kernels(TensorType, bool) { return nullptr; }
}  // namespace hayloft::engine::ops
