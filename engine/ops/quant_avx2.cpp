// AVX2 kernels: not written yet, every type falls back to the scalar reference.
#include "engine/ops/quant_impl.hpp"

namespace hayloft::engine::ops {
const TypeKernels* avx2_kernels(TensorType) { return nullptr; }
}  // namespace hayloft::engine::ops
