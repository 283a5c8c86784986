// Tokenizer: loading from GGUF, special-token partition, decoding and streaming. The merge loops for BPE
// and SPM live in tokenizer_merge.cpp.
#include "engine/tokenizer.hpp"

#include <algorithm>
#include <cstdio>

#include "engine/gguf.hpp"
#include "engine/pretokenize.hpp"
#include "engine/tokenizer_bytes.hpp"
#include "engine/unicode.hpp"
#include "util/error.hpp"

namespace hayloft::engine {
namespace {

[[noreturn]] void corrupt(const std::string& what) {
  throw Error(ErrorKind::kCorrupt, "tokenizer: " + what, "tokenizer.ggml");
}

// Token texts that end a turn in common chat formats; llama.cpp treats them as end-of-generation and as
// control tokens even when a converter typed them otherwise.
constexpr std::string_view kEogTexts[] = {
    "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|eom_id|>",
    "<EOT>", "_<EOT>", "<|end_of_text|>", "<end_of_utterance>",
};

int32_t optional_id(const GgufFile& g, std::string_view key, size_t n_vocab) {
  auto v = g.find_int(key);
  if (!v || *v < 0 || static_cast<uint64_t>(*v) >= n_vocab) return -1;  // absent or "none" (e.g. -1)
  return static_cast<int32_t>(*v);
}

}  // namespace

Tokenizer Tokenizer::from_gguf(const GgufFile& g) {
  Tokenizer t;
  std::string model = g.get_string("tokenizer.ggml.model");
  if (model == "gpt2") t.kind_ = Kind::kBpe;
  else if (model == "llama") t.kind_ = Kind::kSpm;
  else throw Error(ErrorKind::kUnsupported, "tokenizer: model '" + model + "' is not supported", "tokenizer.ggml.model");

  t.texts_ = g.get_string_array("tokenizer.ggml.tokens");
  const size_t n = t.texts_.size();
  if (n == 0 || n > (1u << 30)) corrupt("vocabulary of " + std::to_string(n) + " tokens");
  t.types_.assign(n, TokenType::kNormal);
  if (g.find("tokenizer.ggml.token_type")) {
    auto types = g.get_int_array("tokenizer.ggml.token_type");
    if (types.size() != n) corrupt("token_type has " + std::to_string(types.size()) + " entries for " + std::to_string(n) + " tokens");
    for (size_t i = 0; i < n; ++i)
      t.types_[i] = types[i] >= 0 && types[i] <= 6 ? static_cast<TokenType>(types[i]) : TokenType::kUndefined;
  }
  t.scores_.assign(n, 0.0f);
  if (g.find("tokenizer.ggml.scores")) {
    t.scores_ = g.get_float_array("tokenizer.ggml.scores");
    if (t.scores_.size() != n) corrupt("scores has " + std::to_string(t.scores_.size()) + " entries for " + std::to_string(n) + " tokens");
  }
  t.ids_.build(t.texts_);  // first wins on duplicate texts

  if (t.kind_ == Kind::kBpe) {
    t.pre_ = pre_tokenizer_from_name(g.find_string("tokenizer.ggml.pre").value_or("default"));
    t.ignore_merges_ = t.pre_ == PreTokenizer::kLlama3;
    t.merges_ = g.get_string_array("tokenizer.ggml.merges");
    for (size_t r = 0; r < t.merges_.size(); ++r) {
      // The separator is the first space after the first character (a token may itself be " ").
      if (t.merges_[r].size() < 3 || t.merges_[r].find(' ', 1) == std::string::npos)
        corrupt("merge " + std::to_string(r) + " '" + t.merges_[r] + "' has no separator");
    }
    if (t.merges_.size() > (1u << 24)) corrupt("more than 2^24 merges");  // ranks are compared as floats
    t.merge_ranks_.build(t.merges_);
  }

  const bool spm = t.kind_ == Kind::kSpm;
  t.bos_ = optional_id(g, "tokenizer.ggml.bos_token_id", n);
  t.eos_ = optional_id(g, "tokenizer.ggml.eos_token_id", n);
  t.eot_ = optional_id(g, "tokenizer.ggml.eot_token_id", n);
  t.pad_ = optional_id(g, "tokenizer.ggml.padding_token_id", n);
  t.unk_ = optional_id(g, "tokenizer.ggml.unknown_token_id", n);
  int32_t eom = optional_id(g, "tokenizer.ggml.eom_token_id", n);
  t.add_bos_ = g.find_bool("tokenizer.ggml.add_bos_token").value_or(spm);
  t.add_eos_ = g.find_bool("tokenizer.ggml.add_eos_token").value_or(false);
  t.add_space_prefix_ = g.find_bool("tokenizer.ggml.add_space_prefix").value_or(spm);
  if (t.add_bos_ && t.bos_ < 0) corrupt("add_bos_token is set but there is no valid bos_token_id");
  if (t.add_eos_ && t.eos_ < 0) corrupt("add_eos_token is set but there is no valid eos_token_id");

  for (int32_t id : {t.eos_, t.eot_, eom})
    if (id >= 0) t.eog_.push_back(id);
  for (std::string_view s : kEogTexts) {
    int32_t id = t.lookup(s);
    if (id < 0) continue;
    t.types_[static_cast<size_t>(id)] = TokenType::kControl;
    if (t.eot_ < 0 && s != "<|endoftext|>" && s != "<|eom_id|>" && s != "<|end_of_text|>") t.eot_ = id;
    t.eog_.push_back(id);
  }
  std::sort(t.eog_.begin(), t.eog_.end());
  t.eog_.erase(std::unique(t.eog_.begin(), t.eog_.end()), t.eog_.end());

  for (int b = 0; b < 256; ++b) {
    if (spm) {
      char name[8];
      std::snprintf(name, sizeof name, "<0x%02X>", b);
      int32_t id = t.lookup(name);
      t.byte_tokens_[b] = id >= 0 ? id : t.unk_;
    } else {
      std::string ch;
      unicode::append_utf8(ch, byte_to_codepoint(static_cast<uint8_t>(b)));
      t.byte_tokens_[b] = t.lookup(ch);
    }
  }
  if (spm) {
    for (const std::string& text : t.texts_)
      for (size_t p = text.find("\xE2\x96\x81", 1); p != std::string::npos; p = text.find("\xE2\x96\x81", p + 1))
        if (static_cast<uint8_t>(text[p - 1]) < 0x80) t.spm_space_joins_[static_cast<uint8_t>(text[p - 1])] = true;
  }
  t.build_special_trie();
  return t;
}

int32_t Tokenizer::lookup(std::string_view s) const { return ids_.find(s, texts_); }

std::optional<int32_t> Tokenizer::find(std::string_view text) const {
  int32_t id = lookup(text);
  if (id < 0) return std::nullopt;
  return id;
}

bool Tokenizer::is_end_of_generation(int32_t id) const {
  return std::binary_search(eog_.begin(), eog_.end(), id);
}

void Tokenizer::build_special_trie() {
  trie_.assign(1, TrieNode{});
  for (size_t id = 0; id < texts_.size(); ++id) {
    TokenType ty = types_[id];
    if (ty != TokenType::kControl && ty != TokenType::kUserDefined && ty != TokenType::kUnknown) continue;
    if (texts_[id].empty()) continue;  // would match everywhere
    int32_t node = 0;
    for (char ch : texts_[id]) {
      auto b = static_cast<uint8_t>(ch);
      auto& next = trie_[static_cast<size_t>(node)].next;
      auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, int32_t{-1}));
      if (it != next.end() && it->first == b) {
        node = it->second;
      } else {
        int32_t child = static_cast<int32_t>(trie_.size());
        next.insert(it, {b, child});
        trie_.push_back(TrieNode{});  // invalidates `next`; not used after this
        node = child;
      }
    }
    if (trie_[static_cast<size_t>(node)].token < 0) trie_[static_cast<size_t>(node)].token = static_cast<int32_t>(id);
  }
}

// Splits text at special tokens: at each position the longest allowed special token wins. llama.cpp
// instead takes tokens longest-first over the whole text; the two agree unless a shorter special token
// overlaps the start of a longer one, which no vocabulary we load has (each special text holds one '<'
// or is a run of one whitespace character).
std::vector<Tokenizer::Fragment> Tokenizer::partition(std::string_view text, bool parse_special) const {
  std::vector<Fragment> out;
  size_t raw_begin = 0;
  for (size_t pos = 0; pos < text.size();) {
    int32_t node = 0, best = -1;
    size_t best_len = 0;
    for (size_t k = pos; k < text.size(); ++k) {
      const auto& next = trie_[static_cast<size_t>(node)].next;
      auto b = static_cast<uint8_t>(text[k]);
      auto it = std::lower_bound(next.begin(), next.end(), std::make_pair(b, int32_t{-1}));
      if (it == next.end() || it->first != b) break;
      node = it->second;
      int32_t tok = trie_[static_cast<size_t>(node)].token;
      if (tok >= 0 && (parse_special || types_[static_cast<size_t>(tok)] == TokenType::kUserDefined)) {
        best = tok;
        best_len = k + 1 - pos;
      }
    }
    if (best < 0) {
      ++pos;
      continue;
    }
    if (raw_begin < pos) out.push_back({raw_begin, pos, -1});
    out.push_back({pos, pos + best_len, best});
    pos += best_len;
    raw_begin = pos;
  }
  if (raw_begin < text.size()) out.push_back({raw_begin, text.size(), -1});
  return out;
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special, bool parse_special) const {
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (add_special && add_bos_) out.push_back(bos_);
  bool prev_special = true;  // SPM adds the space prefix at the start and after each special token
  std::string spm_text;
  WordCache cache;
  for (const Fragment& f : partition(text, parse_special)) {
    if (f.token >= 0) {
      out.push_back(f.token);
      prev_special = true;
      continue;
    }
    std::string_view raw = text.substr(f.begin, f.end - f.begin);
    if (kind_ == Kind::kBpe) {
      encode_bpe(raw, out, cache);
    } else {
      spm_text.clear();
      if (add_space_prefix_ && prev_special) spm_text += ' ';
      spm_text += raw;
      encode_spm(spm_text, out, cache);
    }
    prev_special = false;
  }
  if (add_special && add_eos_) out.push_back(eos_);
  return out;
}

void Tokenizer::append_piece(int32_t id, std::string& out, bool render_special) const {
  if (id < 0 || static_cast<size_t>(id) >= texts_.size()) return;
  const std::string& text = texts_[static_cast<size_t>(id)];
  switch (types_[static_cast<size_t>(id)]) {
    case TokenType::kControl:
    case TokenType::kUnknown:
      if (render_special) out += text;
      return;
    case TokenType::kUserDefined:
      out += text;
      return;
    case TokenType::kNormal:
      if (kind_ == Kind::kBpe) {
        for (size_t pos = 0; pos < text.size();) {
          uint32_t cp = unicode::decode_one(text, pos);
          int b = codepoint_to_byte(cp);
          if (b >= 0) out += static_cast<char>(b);
          else unicode::append_utf8(out, cp);
        }
      } else {
        // ▁ (U+2581, E2 96 81) stands for a space.
        for (size_t pos = 0; pos < text.size(); ++pos) {
          if (text.compare(pos, 3, "\xE2\x96\x81") == 0) {
            out += ' ';
            pos += 2;
          } else {
            out += text[pos];
          }
        }
      }
      return;
    case TokenType::kByte:
      if (kind_ == Kind::kSpm && text.size() == 6) {
        unsigned v = 0;
        if (std::sscanf(text.c_str(), "<0x%02X>", &v) == 1) out += static_cast<char>(v);
      }
      return;
    default:
      return;  // unused / undefined tokens produce nothing, as in llama.cpp
  }
}

std::string Tokenizer::piece(int32_t id) const {
  std::string s;
  append_piece(id, s);
  return s;
}

std::string Tokenizer::decode(std::span<const int32_t> ids, bool render_special) const {
  std::string s;
  // SPM with add_space_prefix put a space before the text: the first text token gives it back (as
  // llama.cpp's detokenize does).
  bool strip_space = kind_ == Kind::kSpm && add_space_prefix_;
  for (int32_t id : ids) {
    size_t before = s.size();
    append_piece(id, s, render_special);
    if (strip_space && id != bos_) {
      if (s.size() > before && s[before] == ' ') s.erase(before, 1);
      strip_space = false;
    }
  }
  return s;
}

size_t StreamDecoder::push(int32_t id, std::string& out) {
  tok_->append_piece(id, pending_, render_special_);
  size_t before = out.size();
  size_t pos = 0;
  while (pos < pending_.size()) {
    auto lead = static_cast<uint8_t>(pending_[pos]);
    size_t n = unicode::utf8_len(lead);
    if (lead >= 0x80 && n > 1 && pos + n > pending_.size()) {
      // Could still complete: hold it if every byte so far is a continuation byte.
      bool prefix_ok = true;
      for (size_t k = pos + 1; k < pending_.size(); ++k) prefix_ok &= (static_cast<uint8_t>(pending_[k]) & 0xC0) == 0x80;
      if (prefix_ok) break;
    }
    size_t at = pos;
    uint32_t cp = unicode::decode_one(pending_, pos);
    if (cp == unicode::kReplacement && pos == at + 1) unicode::append_utf8(out, cp);
    else out.append(pending_, at, pos - at);
  }
  pending_.erase(0, pos);
  return out.size() - before;
}

size_t StreamDecoder::flush(std::string& out) {
  size_t before = out.size();
  for (size_t pos = 0; pos < pending_.size();) {
    size_t at = pos;
    uint32_t cp = unicode::decode_one(pending_, pos);
    if (cp == unicode::kReplacement && pos == at + 1) unicode::append_utf8(out, cp);
    else out.append(pending_, at, pos - at);
  }
  pending_.clear();
  return out.size() - before;
}

}  // namespace hayloft::engine
