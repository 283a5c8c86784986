// Fuzz target: GgufFile::parse on arbitrary bytes, then every typed getter on every key, then the
// tokenizer and chat template built from whatever metadata parsed. Anything but hayloft::Error (a crash,
// a sanitizer report, another exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <span>

#include "engine/chat.hpp"
#include "engine/gguf.hpp"
#include "engine/tokenizer.hpp"
#include "util/error.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using hayloft::engine::GgufFile;
  try {
    GgufFile f = GgufFile::parse(std::span<const uint8_t>(data, size));
    for (const auto& [key, value] : f.metadata()) {
      // Each getter either returns or throws Error on a type mismatch.
      try { (void)f.get_string(key); } catch (const hayloft::Error&) {}
      try { (void)f.get_int(key); } catch (const hayloft::Error&) {}
      try { (void)f.get_float(key); } catch (const hayloft::Error&) {}
      try { (void)f.find_bool(key); } catch (const hayloft::Error&) {}
      try { (void)f.get_string_array(key); } catch (const hayloft::Error&) {}
      try { (void)f.get_float_array(key); } catch (const hayloft::Error&) {}
      try { (void)f.get_int_array(key); } catch (const hayloft::Error&) {}
    }
    volatile uint8_t sink = 0;
    for (const auto& t : f.tensors()) {
      // Touch the first and last byte of each tensor: ASan reports any view past the input.
      if (!t.data.empty()) sink = sink + t.data.front() + t.data.back();
      (void)t.elements();
      (void)f.find_tensor(t.name);
    }
    try {
      auto tok = hayloft::engine::Tokenizer::from_gguf(f);
      auto ids = tok.encode("Hello <s> w\xC3\xB6rld 123 ab\n\n", true, true);
      for (int32_t id : ids)
        if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
      (void)tok.decode(ids);
    } catch (const hayloft::Error&) {
    }
    try {
      std::vector<hayloft::engine::ChatMessage> msgs = {{"system", "s"}, {"user", "u"}};
      (void)hayloft::engine::ChatTemplate::from_gguf(f).apply(msgs, true);
    } catch (const hayloft::Error&) {
    }
  } catch (const hayloft::Error&) {
  }
  return 0;
}
