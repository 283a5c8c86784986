// The two merge loops. Both keep symbols in a linked list over one string and a priority queue of
// candidate pairs; a popped pair is skipped when either side changed since it was queued.
//   BPE: lowest merge rank first, then leftmost. SPM: highest token score first, then leftmost.
#include <algorithm>
#include <queue>
#include <unordered_map>

#include "engine/pretokenize.hpp"
#include "engine/tokenizer.hpp"
#include "engine/tokenizer_bytes.hpp"
#include "engine/unicode.hpp"

namespace hayloft::engine {
namespace {

struct Symbol {
  uint32_t begin = 0, len = 0;  // bytes of the word; len 0 once merged into its left neighbour
  int32_t prev = -1, next = -1;
};

struct Pair {
  float key = 0;  // BPE: -rank, SPM: score; larger merges first
  int32_t left = 0, right = 0;
  uint32_t left_len = 0, right_len = 0;  // lengths when queued, to detect stale pairs
};
struct PairOrder {
  bool operator()(const Pair& a, const Pair& b) const {
    return a.key < b.key || (a.key == b.key && a.left > b.left);
  }
};
using PairQueue = std::priority_queue<Pair, std::vector<Pair>, PairOrder>;

std::vector<Symbol> split_chars(std::string_view s) {
  std::vector<Symbol> syms;
  syms.reserve(s.size());
  for (size_t pos = 0; pos < s.size();) {
    size_t n = std::min(unicode::utf8_len(static_cast<uint8_t>(s[pos])), s.size() - pos);
    int32_t i = static_cast<int32_t>(syms.size());
    syms.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(n), i - 1, -1});
    if (i > 0) syms[static_cast<size_t>(i - 1)].next = i;
    pos += n;
  }
  return syms;
}

// Runs the queue to completion; `score(left, right, key)` says whether the pair may merge.
template <typename Score>
void merge_all(std::vector<Symbol>& syms, Score score) {
  PairQueue queue;
  auto try_pair = [&](int32_t l, int32_t r) {
    if (l < 0 || r < 0) return;
    float key;
    if (score(syms[static_cast<size_t>(l)], syms[static_cast<size_t>(r)], key))
      queue.push({key, l, r, syms[static_cast<size_t>(l)].len, syms[static_cast<size_t>(r)].len});
  };
  for (int32_t i = 1; i < static_cast<int32_t>(syms.size()); ++i) try_pair(i - 1, i);
  while (!queue.empty()) {
    Pair p = queue.top();
    queue.pop();
    Symbol& l = syms[static_cast<size_t>(p.left)];
    Symbol& r = syms[static_cast<size_t>(p.right)];
    if (l.len == 0 || r.len == 0 || l.len != p.left_len || r.len != p.right_len || l.next != p.right) continue;
    l.len += r.len;
    r.len = 0;
    l.next = r.next;
    if (r.next >= 0) syms[static_cast<size_t>(r.next)].prev = p.left;
    try_pair(l.prev, p.left);
    try_pair(p.left, l.next);
  }
}

}  // namespace

void Tokenizer::encode_bpe(std::string_view text, std::vector<int32_t>& out, WordCache& cache) const {
  std::vector<uint32_t> cps = unicode::decode(text);  // invalid bytes become U+FFFD, as in llama.cpp
  std::string piece_bytes, word;
  // Words repeat (" the", ","): short words' ids are remembered for the rest of the encode() call.
  for (auto [b, e] : pre_tokenize(pre_, cps)) {
    piece_bytes.clear();
    for (uint32_t i = b; i < e; ++i) unicode::append_utf8(piece_bytes, cps[i]);
    word.clear();  // each byte spelled as its GPT-2 character
    for (char ch : piece_bytes) unicode::append_utf8(word, byte_to_codepoint(static_cast<uint8_t>(ch)));
    if (word.size() > 48) {
      bpe_word(word, out);
      continue;
    }
    if (auto it = cache.find(word); it != cache.end()) {
      for (uint32_t k = it->second.first; k < it->second.second; ++k) out.push_back(out[k]);
      continue;
    }
    auto begin = static_cast<uint32_t>(out.size());
    bpe_word(word, out);
    cache.emplace(word, std::make_pair(begin, static_cast<uint32_t>(out.size())));
  }
}

void Tokenizer::bpe_word(std::string_view word, std::vector<int32_t>& out) const {
  if (ignore_merges_) {
    if (int32_t id = lookup(word); id >= 0) {
      out.push_back(id);
      return;
    }
  }
  std::vector<Symbol> syms = split_chars(word);
  std::string key;
  merge_all(syms, [&](const Symbol& l, const Symbol& r, float& k) {
    key.assign(word.substr(l.begin, l.len));
    key += ' ';
    key.append(word.substr(r.begin, r.len));
    int32_t rank = merge_ranks_.find(key, merges_);
    if (rank < 0) return false;
    k = -static_cast<float>(rank);  // exact: ranks are below 2^24 (checked at load)
    return true;
  });
  for (int32_t i = 0; i >= 0 && !syms.empty(); i = syms[static_cast<size_t>(i)].next) {
    std::string_view s = word.substr(syms[static_cast<size_t>(i)].begin, syms[static_cast<size_t>(i)].len);
    if (int32_t id = lookup(s); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char ch : s)  // no token for the merged text: fall back to single-byte tokens where they exist
      if (int32_t id = lookup(std::string_view(&ch, 1)); id >= 0) out.push_back(id);
  }
}

void Tokenizer::encode_spm(std::string_view raw, std::vector<int32_t>& out, WordCache& cache) const {
  std::string text;  // spaces escaped as ▁
  text.reserve(raw.size() + raw.size() / 4);
  for (char ch : raw) {
    if (ch == ' ') text += "\xE2\x96\x81";
    else text += ch;
  }
  // SPM merges run over the whole fragment, but no merge can cross a point no token spans: before a ▁
  // whose previous byte is ASCII and never precedes ▁ inside a token (spm_space_joins_). Cutting there
  // gives the same tokens, and repeated words can come from a per-call cache.
  std::string_view tv = text;
  auto segment = [&](std::string_view seg) {
    if (seg.size() <= 64) {
      if (auto it = cache.find(seg); it != cache.end()) {
        for (uint32_t k = it->second.first; k < it->second.second; ++k) out.push_back(out[k]);
        return;
      }
    }
    auto begin = static_cast<uint32_t>(out.size());
    spm_merge(seg, out);
    if (seg.size() <= 64) cache.emplace(std::string(seg), std::make_pair(begin, static_cast<uint32_t>(out.size())));
  };
  // Step symbol by symbol exactly as split_chars does (invalid UTF-8 included), so cuts fall only between
  // symbols: the previous symbol must be one ASCII byte.
  size_t start = 0;
  for (size_t i = 0, prev_len = 0; i < tv.size();) {
    size_t len = std::min(unicode::utf8_len(static_cast<uint8_t>(tv[i])), tv.size() - i);
    if (i > 0 && prev_len == 1 && len == 3 && tv.compare(i, 3, "\xE2\x96\x81") == 0) {
      auto prev = static_cast<uint8_t>(tv[i - 1]);
      if (prev < 0x80 && !spm_space_joins_[prev]) {
        segment(tv.substr(start, i - start));
        start = i;
      }
    }
    prev_len = len;
    i += len;
  }
  if (start < tv.size()) segment(tv.substr(start));
}

void Tokenizer::spm_merge(std::string_view tv, std::vector<int32_t>& out) const {
  std::vector<Symbol> syms = split_chars(tv);
  merge_all(syms, [&](const Symbol& l, const Symbol& r, float& k) {
    int32_t id = lookup(tv.substr(l.begin, l.len + r.len));
    if (id < 0) return false;
    k = scores_[static_cast<size_t>(id)];
    return true;
  });
  for (int32_t i = 0; i >= 0 && !syms.empty(); i = syms[static_cast<size_t>(i)].next) {
    std::string_view s = tv.substr(syms[static_cast<size_t>(i)].begin, syms[static_cast<size_t>(i)].len);
    if (int32_t id = lookup(s); id >= 0) {
      out.push_back(id);
      continue;
    }
    for (char ch : s) {  // byte fallback: <0xNN>, else unknown
      int32_t id = byte_tokens_[static_cast<uint8_t>(ch)];
      if (id >= 0) out.push_back(id);
    }
  }
}

}  // namespace hayloft::engine
