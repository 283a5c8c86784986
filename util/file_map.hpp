#pragma once
// Read-only memory mapping of a whole file. Move-only; unmaps on destruction.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

namespace hayloft {

class MappedFile {
 public:
  MappedFile() = default;
  // Throws Error{kIo} if the file cannot be opened or mapped. An empty file maps to an empty span.
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  void release();
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
  std::string path_;
};

// Reads a whole file into a string; throws Error{kIo}, or Error{kResourceExhausted} past max_bytes.
std::string read_file(const std::string& path, int64_t max_bytes = -1);

}  // namespace hayloft
