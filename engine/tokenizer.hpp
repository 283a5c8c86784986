#pragma once
// Tokenizer built from GGUF metadata, matching llama.cpp's token ids exactly.
//   "gpt2"  -> byte-level BPE: pre-tokenizer regex cascade (tokenizer.ggml.pre), merges by rank.
//   "llama" -> SentencePiece-style: whole fragment merged by token score, <0xNN> byte fallback, ▁ = space.
// Special tokens (control, user-defined, unknown) are split out before either, longest match first; with
// parse_special false only user-defined ones are (as llama.cpp and HF tokenizers do).
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "engine/string_index.hpp"

namespace hayloft::engine {

class GgufFile;
enum class PreTokenizer;

// tokenizer.ggml.token_type values.
enum class TokenType : uint8_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

class Tokenizer {
 public:
  enum class Kind { kBpe, kSpm };

  // Reads tokenizer.ggml.* keys. Throws Error{kNotFound} (missing tokens/merges), Error{kCorrupt}
  // (inconsistent arrays, ids out of range), Error{kUnsupported} (unknown model or pre-tokenizer).
  static Tokenizer from_gguf(const GgufFile& gguf);

  // add_special: prepend BOS / append EOS where the model asks for them (tokenizer.ggml.add_bos_token,
  // add_eos_token), like llama.cpp's add_special. parse_special: text such as "<|im_start|>" becomes the
  // control token instead of being spelled out.
  std::vector<int32_t> encode(std::string_view text, bool add_special, bool parse_special) const;
  // Concatenated bytes of the tokens (may end in a partial UTF-8 sequence; see StreamDecoder). For SPM
  // models with add_space_prefix, the space encode() added before the text is removed again.
  // render_special false drops control tokens, as a chat front-end would.
  std::string decode(std::span<const int32_t> ids, bool render_special = true) const;
  // Bytes one token stands for (control tokens as their text). Appends to `out`; no allocation when
  // `out` has capacity.
  void append_piece(int32_t id, std::string& out, bool render_special = true) const;
  std::string piece(int32_t id) const;

  int32_t bos() const { return bos_; }
  int32_t eos() const { return eos_; }
  int32_t eot() const { return eot_; }  // -1 when the model has none
  int32_t pad() const { return pad_; }
  bool add_bos() const { return add_bos_; }
  bool is_end_of_generation(int32_t id) const;
  int vocab_size() const { return static_cast<int>(texts_.size()); }
  Kind kind() const { return kind_; }
  // id must be in [0, vocab_size()).
  TokenType type(int32_t id) const { return types_[static_cast<size_t>(id)]; }
  const std::string& text(int32_t id) const { return texts_[static_cast<size_t>(id)]; }
  std::optional<int32_t> find(std::string_view text) const;

 private:
  // Trie over special-token bytes for the partition step: node 0 is the root.
  struct TrieNode {
    std::vector<std::pair<uint8_t, int32_t>> next;  // sorted by byte
    int32_t token = -1;
  };
  // Ids already produced for a word (BPE) or segment (SPM) during one encode() call: [begin, end) in
  // the output. Per call, so encode() stays const and thread-safe.
  struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  using WordCache = std::unordered_map<std::string, std::pair<uint32_t, uint32_t>, WordHash, std::equal_to<>>;
  struct Fragment {
    size_t begin = 0, end = 0;  // raw text bytes when token < 0
    int32_t token = -1;
  };

  void build_special_trie();
  std::vector<Fragment> partition(std::string_view text, bool parse_special) const;
  void encode_bpe(std::string_view text, std::vector<int32_t>& out, WordCache& cache) const;
  void bpe_word(std::string_view word, std::vector<int32_t>& out) const;
  void encode_spm(std::string_view text, std::vector<int32_t>& out, WordCache& cache) const;
  void spm_merge(std::string_view escaped, std::vector<int32_t>& out) const;
  int32_t lookup(std::string_view s) const;  // -1 when absent

  Kind kind_ = Kind::kBpe;
  PreTokenizer pre_{};
  bool ignore_merges_ = false;  // llama-bpe: a word that is a token is emitted whole
  std::vector<std::string> texts_;
  std::vector<TokenType> types_;
  std::vector<float> scores_;
  StringIndex ids_;            // over texts_
  std::vector<std::string> merges_;  // "left right", by rank
  StringIndex merge_ranks_;    // over merges_: position = rank
  std::vector<TrieNode> trie_;
  std::vector<int32_t> eog_;
  bool spm_space_joins_[128] = {};  // ASCII byte b: some token contains b followed by ▁
  int32_t byte_tokens_[256];  // token for each raw byte (BPE: its byte-encoded char, SPM: <0xNN>)
  int32_t bos_ = -1, eos_ = -1, eot_ = -1, pad_ = -1, unk_ = -1;
  bool add_bos_ = false, add_eos_ = false, add_space_prefix_ = false;
};

// Turns a stream of tokens into text that is always valid UTF-8: bytes of a character split across
// tokens are held until it completes; invalid bytes become U+FFFD.
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tok, bool render_special = false)
      : tok_(&tok), render_special_(render_special) {}
  // Appends the text that became complete to `out`; returns the number of bytes appended.
  size_t push(int32_t id, std::string& out);
  // Emits whatever is held (an incomplete tail becomes U+FFFD).
  size_t flush(std::string& out);

 private:
  const Tokenizer* tok_;
  bool render_special_;
  std::string pending_;
};

}  // namespace hayloft::engine
