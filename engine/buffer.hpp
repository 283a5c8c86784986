#pragma once
// Buffer: the engine's one allocation primitive for per-session memory (engine-internal).
#include <cstddef>
#include <new>
#include <utility>

namespace hayloft::engine {

// 64-byte aligned float/byte storage that never reallocates after construction.
template <class T>
class Buffer {
 public:
  Buffer() = default;
  explicit Buffer(size_t n) : n_(n), p_(static_cast<T*>(::operator new[](n * sizeof(T) + 64, std::align_val_t{64}))) {}
  ~Buffer() { if (p_) ::operator delete[](p_, std::align_val_t{64}); }
  Buffer(Buffer&& o) noexcept : n_(o.n_), p_(o.p_) { o.n_ = 0; o.p_ = nullptr; }
  Buffer& operator=(Buffer&& o) noexcept { std::swap(n_, o.n_); std::swap(p_, o.p_); return *this; }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  T* data() { return p_; }
  const T* data() const { return p_; }
  size_t size() const { return n_; }
  size_t bytes() const { return n_ * sizeof(T); }

 private:
  size_t n_ = 0;
  T* p_ = nullptr;
};

}  // namespace hayloft::engine
