// GGUF v2/v3 parser. The file is untrusted: every read goes through Cursor, which checks the remaining
// bytes first, and every count is capped by what the remaining bytes could possibly hold before anything
// is reserved, so a hostile header cannot make us allocate more than a small multiple of the file size.
#include "engine/gguf.hpp"

#include <algorithm>
#include <cstring>
#include <limits>
#include <unordered_set>

#include "util/error.hpp"

namespace hayloft::engine {
namespace {

constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian u32
constexpr uint32_t kMaxDims = 4;          // GGML_MAX_DIMS

[[noreturn]] void corrupt(const std::string& what, uint64_t offset) {
  throw Error(ErrorKind::kCorrupt, "GGUF: " + what, "offset " + std::to_string(offset));
}

// Block geometry of every ggml type id we know, to bound tensor extents. A type missing here is kept
// (the loader names it as unsupported) but its bytes cannot be bounded beyond its offset.
struct BlockGeometry {
  uint32_t id;
  uint32_t block_elems;
  uint32_t block_bytes;
};
constexpr BlockGeometry kGeometry[] = {
    {0, 1, 4},      {1, 1, 2},      {2, 32, 18},    {3, 32, 20},    {6, 32, 22},    {7, 32, 24},
    {8, 32, 34},    {9, 32, 40},    {10, 256, 84},  {11, 256, 110}, {12, 256, 144}, {13, 256, 176},
    {14, 256, 210}, {15, 256, 292}, {16, 256, 66},  {17, 256, 74},  {18, 256, 98},  {19, 256, 50},
    {20, 32, 18},   {21, 256, 110}, {22, 256, 82},  {23, 256, 136}, {24, 1, 1},     {25, 1, 2},
    {26, 1, 4},     {27, 1, 8},     {28, 1, 8},     {29, 256, 56},  {30, 1, 2},     {34, 256, 54},
    {35, 256, 66},  {39, 32, 17},
};

const BlockGeometry* geometry(uint32_t type) {
  for (const auto& g : kGeometry)
    if (g.id == type) return &g;
  return nullptr;
}

// Size in bytes of one fixed-size array element; 0 for strings and arrays.
uint64_t scalar_size(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kBool: return 1;
    case GgufValueType::kUint16: case GgufValueType::kInt16: return 2;
    case GgufValueType::kUint32: case GgufValueType::kInt32: case GgufValueType::kFloat32: return 4;
    case GgufValueType::kUint64: case GgufValueType::kInt64: case GgufValueType::kFloat64: return 8;
    default: return 0;
  }
}

bool valid_type(uint32_t t) { return t <= static_cast<uint32_t>(GgufValueType::kFloat64); }

const char* type_name(GgufValueType t) {
  static const char* names[] = {"u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool",
                                "string", "array", "u64", "i64", "f64"};
  auto i = static_cast<uint32_t>(t);
  return i < std::size(names) ? names[i] : "invalid";
}

class Cursor {
 public:
  explicit Cursor(std::span<const uint8_t> b) : b_(b) {}
  uint64_t pos() const { return pos_; }
  uint64_t remaining() const { return b_.size() - pos_; }

  const uint8_t* take(uint64_t n, const char* what) {
    if (n > remaining())
      corrupt(std::string(what) + " needs " + std::to_string(n) + " bytes, " + std::to_string(remaining()) +
                  " left",
              pos_);
    const uint8_t* p = b_.data() + pos_;
    pos_ += n;
    return p;
  }
  template <typename T>
  T read(const char* what) {
    T v;
    std::memcpy(&v, take(sizeof(T), what), sizeof(T));
    return v;
  }
  std::string_view string(const char* what) {
    uint64_t at = pos_;
    uint64_t len = read<uint64_t>(what);
    if (len > remaining())
      corrupt(std::string(what) + " length " + std::to_string(len) + " runs past end of file", at);
    return {reinterpret_cast<const char*>(take(len, what)), static_cast<size_t>(len)};
  }

 private:
  std::span<const uint8_t> b_;
  uint64_t pos_ = 0;
};

GgufValue read_value(Cursor& c, GgufValueType type, const std::string& key) {
  GgufValue v;
  v.type = type;
  switch (type) {
    case GgufValueType::kUint8: v.u = c.read<uint8_t>("u8"); break;
    case GgufValueType::kInt8: v.i = c.read<int8_t>("i8"); break;
    case GgufValueType::kUint16: v.u = c.read<uint16_t>("u16"); break;
    case GgufValueType::kInt16: v.i = c.read<int16_t>("i16"); break;
    case GgufValueType::kUint32: v.u = c.read<uint32_t>("u32"); break;
    case GgufValueType::kInt32: v.i = c.read<int32_t>("i32"); break;
    case GgufValueType::kUint64: v.u = c.read<uint64_t>("u64"); break;
    case GgufValueType::kInt64: v.i = c.read<int64_t>("i64"); break;
    case GgufValueType::kFloat32: v.f = c.read<float>("f32"); break;
    case GgufValueType::kFloat64: v.f = c.read<double>("f64"); break;
    case GgufValueType::kBool: {
      uint64_t at = c.pos();
      uint8_t b = c.read<uint8_t>("bool");
      if (b > 1) corrupt("bool value " + std::to_string(b) + " for key '" + key + "'", at);
      v.u = b;
      break;
    }
    case GgufValueType::kString: v.str = c.string("string value"); break;
    case GgufValueType::kArray: {
      uint64_t at = c.pos();
      uint32_t et = c.read<uint32_t>("array element type");
      if (!valid_type(et)) corrupt("array element type " + std::to_string(et) + " for key '" + key + "'", at);
      v.element_type = static_cast<GgufValueType>(et);
      if (v.element_type == GgufValueType::kArray)
        throw Error(ErrorKind::kUnsupported, "GGUF: nested arrays are not supported (key '" + key + "')",
                    "offset " + std::to_string(at));
      at = c.pos();
      v.count = c.read<uint64_t>("array count");
      if (v.element_type == GgufValueType::kString) {
        // Each string needs at least its 8-byte length: cap before reserving.
        if (v.count > c.remaining() / 8)
          corrupt("array of " + std::to_string(v.count) + " strings cannot fit in the file", at);
        v.array_strings.reserve(v.count);
        for (uint64_t i = 0; i < v.count; ++i) v.array_strings.push_back(c.string("array string"));
      } else {
        uint64_t es = scalar_size(v.element_type);
        if (v.count > c.remaining() / es)
          corrupt("array of " + std::to_string(v.count) + " elements cannot fit in the file", at);
        v.array_bytes = {c.take(v.count * es, "array"), static_cast<size_t>(v.count * es)};
      }
      break;
    }
  }
  return v;
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

int64_t GgufTensorInfo::elements() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;  // bounded at parse time: cannot overflow
  return n;
}

GgufFile GgufFile::open(const std::string& path) {
  MappedFile mapped(path);
  GgufFile f;
  try {
    f = parse(mapped.bytes());
  } catch (const Error& e) {
    throw e.with_context(path);
  }
  f.mapped_ = std::move(mapped);  // moving the mapping keeps the same address, so views stay valid
  return f;
}

GgufFile GgufFile::parse(std::span<const uint8_t> bytes) {
  GgufFile f;
  f.bytes_ = bytes;
  Cursor c(bytes);
  uint32_t magic = c.read<uint32_t>("magic");
  if (magic != kMagic) corrupt("bad magic (not a GGUF file)", 0);
  f.version_ = c.read<uint32_t>("version");
  if (f.version_ != 2 && f.version_ != 3)
    throw Error(ErrorKind::kUnsupported, "GGUF: version " + std::to_string(f.version_) + " (only 2 and 3)",
                "offset 4");
  uint64_t n_tensors = c.read<uint64_t>("tensor count");
  uint64_t n_kv = c.read<uint64_t>("metadata count");

  // A KV is at least key length (8) + type (4) + a 1-byte value; cap before reserving.
  if (n_kv > c.remaining() / 13) corrupt("metadata count " + std::to_string(n_kv) + " cannot fit", 16);
  f.metadata_.reserve(n_kv);
  std::unordered_set<std::string_view> keys;
  for (uint64_t i = 0; i < n_kv; ++i) {
    uint64_t at = c.pos();
    std::string_view key = c.string("metadata key");
    if (!keys.insert(key).second) corrupt("duplicate metadata key '" + std::string(key) + "'", at);
    uint64_t tat = c.pos();
    uint32_t t = c.read<uint32_t>("value type");
    if (!valid_type(t)) corrupt("value type " + std::to_string(t) + " for key '" + std::string(key) + "'", tat);
    std::string k(key);
    GgufValue v = read_value(c, static_cast<GgufValueType>(t), k);
    f.metadata_.emplace_back(std::move(k), std::move(v));
  }

  if (const GgufValue* a = f.find("general.alignment")) {
    if (a->type != GgufValueType::kUint32 || a->u == 0 || (a->u & (a->u - 1)) != 0)
      corrupt("general.alignment must be a power-of-two u32", 0);
    f.alignment_ = a->u;
  }

  // A tensor info is at least name length (8) + n_dims (4) + type (4) + offset (8).
  if (n_tensors > c.remaining() / 24) corrupt("tensor count " + std::to_string(n_tensors) + " cannot fit", 8);
  f.tensors_.reserve(n_tensors);
  std::unordered_set<std::string_view> names;
  std::vector<uint64_t> info_offsets;
  info_offsets.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    uint64_t at = c.pos();
    info_offsets.push_back(at);
    GgufTensorInfo t;
    std::string_view name = c.string("tensor name");
    if (!names.insert(name).second) corrupt("duplicate tensor '" + std::string(name) + "'", at);
    t.name = std::string(name);
    uint32_t n_dims = c.read<uint32_t>("tensor n_dims");
    if (n_dims > kMaxDims) corrupt("tensor '" + t.name + "' has " + std::to_string(n_dims) + " dims", at);
    uint64_t elems = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t dim = c.read<uint64_t>("tensor dim");
      // Dims beyond 2^62 or whose product overflows cannot describe bytes inside any file.
      if (dim > (uint64_t{1} << 62) || (dim != 0 && elems > std::numeric_limits<int64_t>::max() / dim))
        corrupt("tensor '" + t.name + "' has an absurd shape", at);
      elems *= dim;
      t.shape.push_back(static_cast<int64_t>(dim));
    }
    t.type = c.read<uint32_t>("tensor type");
    t.offset = c.read<uint64_t>("tensor offset");
    f.tensors_.push_back(std::move(t));
  }

  uint64_t data_start = align_up(c.pos(), f.alignment_);
  if (data_start > bytes.size() && n_tensors > 0) corrupt("data section starts past end of file", c.pos());
  uint64_t data_size = data_start <= bytes.size() ? bytes.size() - data_start : 0;
  for (size_t i = 0; i < f.tensors_.size(); ++i) {
    GgufTensorInfo& t = f.tensors_[i];
    uint64_t at = info_offsets[i];
    if (t.offset % f.alignment_ != 0)
      corrupt("tensor '" + t.name + "' offset " + std::to_string(t.offset) + " is not aligned", at);
    if (t.offset > data_size) corrupt("tensor '" + t.name + "' starts past end of file", at);
    uint64_t nbytes = 0;
    if (const BlockGeometry* g = geometry(t.type)) {
      uint64_t elems = static_cast<uint64_t>(t.elements());
      uint64_t row = t.shape.empty() ? 1 : static_cast<uint64_t>(t.shape[0]);
      if (row % g->block_elems != 0)
        corrupt("tensor '" + t.name + "' row of " + std::to_string(row) + " is not a whole number of blocks", at);
      uint64_t blocks = elems / g->block_elems;
      if (blocks > (data_size - t.offset) / g->block_bytes)
        corrupt("tensor '" + t.name + "' runs past end of file", at);
      nbytes = blocks * g->block_bytes;
    }
    t.data = bytes.subspan(static_cast<size_t>(data_start + t.offset), static_cast<size_t>(nbytes));
  }
  return f;
}

const GgufValue* GgufFile::find(std::string_view key) const {
  for (const auto& [k, v] : metadata_)
    if (k == key) return &v;
  return nullptr;
}

const GgufTensorInfo* GgufFile::find_tensor(std::string_view name) const {
  for (const auto& t : tensors_)
    if (t.name == name) return &t;
  return nullptr;
}

namespace {

[[noreturn]] void mismatch(std::string_view key, const GgufValue& v, const char* want) {
  throw Error(ErrorKind::kCorrupt,
              "GGUF: key '" + std::string(key) + "' is " + type_name(v.type) + ", expected " + want);
}

bool is_int(GgufValueType t) {
  switch (t) {
    case GgufValueType::kUint8: case GgufValueType::kInt8: case GgufValueType::kUint16:
    case GgufValueType::kInt16: case GgufValueType::kUint32: case GgufValueType::kInt32:
    case GgufValueType::kUint64: case GgufValueType::kInt64: return true;
    default: return false;
  }
}
bool is_signed(GgufValueType t) {
  return t == GgufValueType::kInt8 || t == GgufValueType::kInt16 || t == GgufValueType::kInt32 ||
         t == GgufValueType::kInt64;
}

template <typename T>
T load(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// Element i of a fixed-size integer array, widened to int64 (u64 values above INT64_MAX are corrupt).
int64_t int_element(std::string_view key, const GgufValue& v, uint64_t i) {
  const uint8_t* p = v.array_bytes.data() + i * scalar_size(v.element_type);
  switch (v.element_type) {
    case GgufValueType::kUint8: return load<uint8_t>(p);
    case GgufValueType::kInt8: return load<int8_t>(p);
    case GgufValueType::kUint16: return load<uint16_t>(p);
    case GgufValueType::kInt16: return load<int16_t>(p);
    case GgufValueType::kUint32: return load<uint32_t>(p);
    case GgufValueType::kInt32: return load<int32_t>(p);
    case GgufValueType::kInt64: return load<int64_t>(p);
    case GgufValueType::kUint64: {
      uint64_t u = load<uint64_t>(p);
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
        throw Error(ErrorKind::kCorrupt, "GGUF: key '" + std::string(key) + "' has an out-of-range value");
      return static_cast<int64_t>(u);
    }
    default: throw Error(ErrorKind::kCorrupt, "GGUF: key '" + std::string(key) + "' is not an integer array");
  }
}

}  // namespace

std::optional<std::string> GgufFile::find_string(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::kString) mismatch(key, *v, "string");
  return std::string(v->str);
}

std::optional<int64_t> GgufFile::find_int(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (!is_int(v->type)) mismatch(key, *v, "integer");
  if (is_signed(v->type)) return v->i;
  if (v->u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max()))
    throw Error(ErrorKind::kCorrupt, "GGUF: key '" + std::string(key) + "' value is out of range");
  return static_cast<int64_t>(v->u);
}

std::optional<double> GgufFile::find_float(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type == GgufValueType::kFloat32 || v->type == GgufValueType::kFloat64) return v->f;
  if (is_int(v->type)) return static_cast<double>(*find_int(key));
  mismatch(key, *v, "float");
}

std::optional<bool> GgufFile::find_bool(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) return std::nullopt;
  if (v->type != GgufValueType::kBool) mismatch(key, *v, "bool");
  return v->u != 0;
}

namespace {
[[noreturn]] void missing(std::string_view key) {
  throw Error(ErrorKind::kNotFound, "GGUF: missing key '" + std::string(key) + "'");
}
}  // namespace

std::string GgufFile::get_string(std::string_view key) const {
  if (auto v = find_string(key)) return *v;
  missing(key);
}
int64_t GgufFile::get_int(std::string_view key) const {
  if (auto v = find_int(key)) return *v;
  missing(key);
}
double GgufFile::get_float(std::string_view key) const {
  if (auto v = find_float(key)) return *v;
  missing(key);
}

std::vector<std::string> GgufFile::get_string_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) missing(key);
  if (v->type != GgufValueType::kArray || v->element_type != GgufValueType::kString)
    mismatch(key, *v, "array of strings");
  return {v->array_strings.begin(), v->array_strings.end()};
}

std::vector<float> GgufFile::get_float_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) missing(key);
  if (v->type != GgufValueType::kArray) mismatch(key, *v, "array of floats");
  std::vector<float> out;
  out.reserve(v->count);
  for (uint64_t i = 0; i < v->count; ++i) {
    if (v->element_type == GgufValueType::kFloat32) out.push_back(load<float>(v->array_bytes.data() + i * 4));
    else if (v->element_type == GgufValueType::kFloat64)
      out.push_back(static_cast<float>(load<double>(v->array_bytes.data() + i * 8)));
    else if (is_int(v->element_type)) out.push_back(static_cast<float>(int_element(key, *v, i)));
    else mismatch(key, *v, "array of floats");
  }
  return out;
}

std::vector<int64_t> GgufFile::get_int_array(std::string_view key) const {
  const GgufValue* v = find(key);
  if (!v) missing(key);
  if (v->type != GgufValueType::kArray || !is_int(v->element_type)) mismatch(key, *v, "array of integers");
  std::vector<int64_t> out;
  out.reserve(v->count);
  for (uint64_t i = 0; i < v->count; ++i) out.push_back(int_element(key, *v, i));
  return out;
}

}  // namespace hayloft::engine
