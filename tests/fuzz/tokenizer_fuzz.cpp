// Fuzz target: encode / decode / stream-decode arbitrary text with small in-memory vocabularies, one per
// pre-tokenizer plus two SPM ones (with and without add_space_prefix). Byte 0 picks the tokenizer and flags; the rest is the text. Checks:
// ids are in range, the stream decoder emits only valid UTF-8, and valid UTF-8 text round-trips.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "engine/gguf.hpp"
#include "engine/tokenizer.hpp"
#include "engine/tokenizer_bytes.hpp"
#include "engine/unicode.hpp"
#include "tests/engine/gguf_writer.hpp"
#include "util/error.hpp"

namespace {

using hayloft::engine::GgufFile;
using hayloft::engine::Tokenizer;
using hayloft::engine::testing::GgufWriter;

std::vector<uint8_t> bpe_gguf(const char* pre) {
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    std::string s;
    hayloft::engine::unicode::append_utf8(s, hayloft::engine::byte_to_codepoint(static_cast<uint8_t>(b)));
    tokens.push_back(s);
  }
  std::vector<std::string> merges = {"Ġ t", "h e", "Ġt he", "i n", "Ġ in", "1 2", "12 3", "Ċ Ċ", "Ġ Ġ"};
  for (const char* t : {"Ġt", "he", "Ġthe", "in", "Ġin", "12", "123", "ĊĊ", "ĠĠ"}) tokens.push_back(t);
  tokens.push_back("<|im_start|>");
  tokens.push_back("<|im_end|>");
  tokens.push_back("<tag>");
  std::vector<int32_t> types(tokens.size(), 1);
  types[types.size() - 3] = 3;
  types[types.size() - 2] = 3;
  types[types.size() - 1] = 4;
  GgufWriter w;
  w.header(0, 6).kv_str("tokenizer.ggml.model", "gpt2").kv_str("tokenizer.ggml.pre", pre);
  w.kv_strs("tokenizer.ggml.tokens", tokens).kv_i32s("tokenizer.ggml.token_type", types);
  w.kv_strs("tokenizer.ggml.merges", merges).kv_u32("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(tokens.size() - 2));
  return w.bytes;
}

std::vector<uint8_t> spm_gguf(bool space_prefix) {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<int32_t> types = {2, 3, 3};
  std::vector<float> scores = {0, 0, 0};
  for (int b = 0; b < 256; ++b) {
    char name[8];
    std::snprintf(name, sizeof name, "<0x%02X>", b);
    tokens.push_back(name);
    types.push_back(6);
    scores.push_back(0);
  }
  // ">▁<" makes '>' a byte SPM must not cut before ▁ at.
  const char* pieces[] = {"\xE2\x96\x81", "a", "b", "\xE2\x96\x81" "a", "ab", "\xE2\x96\x81" "ab", ">\xE2\x96\x81<",
                          ">\xE2\x96\x81", "\n\n"};
  for (size_t i = 0; i < std::size(pieces); ++i) {
    tokens.push_back(pieces[i]);
    types.push_back(i + 1 == std::size(pieces) ? 4 : 1);
    scores.push_back(-static_cast<float>(i));
  }
  GgufWriter w;
  w.header(0, 7).kv_bool("tokenizer.ggml.add_space_prefix", space_prefix).kv_str("tokenizer.ggml.model", "llama").kv_strs("tokenizer.ggml.tokens", tokens);
  w.kv_i32s("tokenizer.ggml.token_type", types).kv_f32s("tokenizer.ggml.scores", scores);
  w.kv_u32("tokenizer.ggml.bos_token_id", 1).kv_u32("tokenizer.ggml.eos_token_id", 2);
  return w.bytes;
}

struct Vocab {
  std::vector<uint8_t> bytes;
  std::unique_ptr<GgufFile> gguf;
  std::unique_ptr<Tokenizer> tok;
  explicit Vocab(std::vector<uint8_t> b) : bytes(std::move(b)) {
    gguf = std::make_unique<GgufFile>(GgufFile::parse(bytes));
    tok = std::make_unique<Tokenizer>(Tokenizer::from_gguf(*gguf));
  }
};

bool valid_utf8(std::string_view s) {
  for (size_t pos = 0; pos < s.size();) {
    size_t at = pos;
    uint32_t cp = hayloft::engine::unicode::decode_one(s, pos);
    if (cp == hayloft::engine::unicode::kReplacement && pos == at + 1) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Vocab* vocabs[] = {new Vocab(bpe_gguf("gpt2")), new Vocab(bpe_gguf("smollm")),
                            new Vocab(bpe_gguf("llama-bpe")), new Vocab(bpe_gguf("qwen2")),
                            new Vocab(bpe_gguf("default")), new Vocab(spm_gguf(false)),
                            new Vocab(spm_gguf(true))};
  if (size == 0) return 0;
  const int which = (data[0] & 7) % 7;
  const Tokenizer& tok = *vocabs[which]->tok;
  bool parse_special = data[0] & 8, add_special = data[0] & 16;
  std::string_view text(reinterpret_cast<const char*>(data + 1), size - 1);
  std::vector<int32_t> ids = tok.encode(text, add_special, parse_special);
  for (int32_t id : ids)
    if (id < 0 || id >= tok.vocab_size()) __builtin_trap();
  hayloft::engine::StreamDecoder stream(tok, true);
  std::string streamed;
  for (int32_t id : ids) {
    std::string chunk;
    stream.push(id, chunk);
    if (!valid_utf8(chunk)) __builtin_trap();
    streamed += chunk;
  }
  stream.flush(streamed);
  // With add_space_prefix, a space is added after every special token and not given back (as in
  // llama.cpp); and SPM spells spaces as U+2581, so a literal U+2581 comes back as a space. Everything
  // else must round-trip.
  bool spm = which >= 5;
  bool lossy = which == 6 || (spm && text.find("\xE2\x96\x81") != std::string_view::npos);
  if (valid_utf8(text) && !add_special && !lossy) {
    if (tok.decode(ids) != text) {
      std::fprintf(stderr, "round trip failed: vocab %d, text", which);
      for (char c : text) std::fprintf(stderr, " %02x", static_cast<uint8_t>(c));
      std::fprintf(stderr, "\n%zu ids:", ids.size());
      for (int32_t id : ids) std::fprintf(stderr, " %d[%s]", id, tok.text(id).c_str());
      std::fprintf(stderr, "\n");
      __builtin_trap();
    }
    if (streamed != text) __builtin_trap();
  }
  return 0;
}
