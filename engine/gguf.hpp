#pragma once
// GGUF v3 reader over a memory map (engine-internal). Every offset, count and size is checked against the
// file size: a truncated or hostile file throws Error{kCorrupt} naming the offset, never crashes.
// Spec: https://github.com/ggml-org/ggml/blob/master/docs/gguf.md
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "util/file_map.hpp"

namespace hayloft::engine {

enum class GgufValueType : uint32_t {
  kUint8 = 0, kInt8 = 1, kUint16 = 2, kInt16 = 3, kUint32 = 4, kInt32 = 5, kFloat32 = 6, kBool = 7,
  kString = 8, kArray = 9, kUint64 = 10, kInt64 = 11, kFloat64 = 12,
};

// One metadata value. Scalars are decoded at parse time; arrays keep a view into the mapped bytes
// (element_offsets for string arrays) and are decoded on request.
struct GgufValue {
  GgufValueType type = GgufValueType::kUint8;
  GgufValueType element_type = GgufValueType::kUint8;  // arrays only
  uint64_t count = 0;                                   // arrays only
  uint64_t u = 0;       // unsigned ints and bool
  int64_t i = 0;        // signed ints
  double f = 0;         // floats
  std::string_view str; // strings (view into the file)
  std::span<const uint8_t> array_bytes;       // arrays of fixed-size elements
  std::vector<std::string_view> array_strings;  // arrays of strings
};

struct GgufTensorInfo {
  std::string name;
  uint32_t type = 0;           // ggml type id (see ops/quant.hpp TensorType)
  std::vector<int64_t> shape;  // ggml order: shape[0] is the contiguous (row) dimension
  uint64_t offset = 0;         // relative to the data section
  std::span<const uint8_t> data;  // bounds-checked view of the tensor bytes
  int64_t elements() const;
};

class GgufFile {
 public:
  // Maps and parses a file. Throws Error{kIo} / Error{kCorrupt} / Error{kUnsupported} (version != 2, 3).
  static GgufFile open(const std::string& path);
  // Parses bytes owned by the caller (fuzzing, tests); the span must outlive the GgufFile.
  static GgufFile parse(std::span<const uint8_t> bytes);

  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  const std::string& path() const { return mapped_.path(); }
  size_t file_size() const { return bytes_.size(); }

  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return metadata_; }
  const GgufValue* find(std::string_view key) const;
  // Typed getters: find_* return nullopt when absent and throw Error{kCorrupt} on a type mismatch;
  // get_* also throw Error{kNotFound} naming the key when absent. Integers of any width convert.
  std::optional<std::string> find_string(std::string_view key) const;
  std::optional<int64_t> find_int(std::string_view key) const;
  std::optional<double> find_float(std::string_view key) const;
  std::optional<bool> find_bool(std::string_view key) const;
  std::string get_string(std::string_view key) const;
  int64_t get_int(std::string_view key) const;
  double get_float(std::string_view key) const;
  std::vector<std::string> get_string_array(std::string_view key) const;
  std::vector<float> get_float_array(std::string_view key) const;
  std::vector<int64_t> get_int_array(std::string_view key) const;

  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(std::string_view name) const;

 private:
  MappedFile mapped_;
  std::span<const uint8_t> bytes_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::vector<std::pair<std::string, GgufValue>> metadata_;
  std::vector<GgufTensorInfo> tensors_;
};

}  // namespace hayloft::engine
