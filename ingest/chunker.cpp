// chunk_document(): token-aware chunking on the ingest hot path.
//
// 1. The text is cut into contiguous units, each at most target_tokens: a paragraph (blank-line
//    separated) when it fits, else its sentences (lines, for code), else its words, else UTF-8-safe byte
//    pieces. Each unit remembers how strong the boundary at its end is.
// 2. Units are packed greedily up to target_tokens (including the overlap carried from the previous
//    chunk). If the chunk is full, it ends at the strongest boundary in its second half (a heading beats a
//    paragraph beats a sentence beats a word).
// 3. The next chunk starts overlap_tokens back from the end of the previous one, at a word start.
// Every piece of text is counted about twice (units, then the finished chunk), so the cost is linear.
#include <algorithm>
#include <cctype>
#include <cstring>

#include "ingest/ingest.hpp"
#include "ingest/internal.hpp"
#include "util/error.hpp"

namespace hayloft::ingest {
namespace {

using detail::is_space;

// Boundary strength at a unit's end.
enum Strength : uint8_t { kByte = 0, kWord, kLine, kSentence, kParagraph, kHeading };

struct Unit {
  int64_t end = 0;  // the unit is [previous unit's end, end)
  int tokens = 0;
  uint8_t strength = kByte;
};

class Splitter {
 public:
  Splitter(std::string_view text, const TokenCounter& count, int target, bool code)
      : t_(text), count_(count), target_(target), code_(code) {}

  std::vector<Unit> run() {
    const auto n = static_cast<int64_t>(t_.size());
    int64_t a = 0;
    while (a < n) {
      int64_t b = paragraph_end(a);
      paragraph(a, b);
      a = b;
    }
    return std::move(units_);
  }

 private:
  int count(int64_t a, int64_t b) const { return count_(t_.substr(a, b - a)); }
  int64_t line_end(int64_t a) const {  // position after the '\n' ending the line at a (or the end)
    const void* nl = std::memchr(t_.data() + a, '\n', t_.size() - static_cast<size_t>(a));
    return nl ? static_cast<const char*>(nl) - t_.data() + 1 : static_cast<int64_t>(t_.size());
  }
  bool blank_line(int64_t a, int64_t e) const {
    for (int64_t i = a; i < e; ++i) {
      if (!is_space(t_[i])) return false;
    }
    return true;
  }
  // End of the paragraph starting at a: after the blank lines that follow its last content line.
  int64_t paragraph_end(int64_t a) const {
    const auto n = static_cast<int64_t>(t_.size());
    int64_t pos = a;
    bool seen_content = false;
    while (pos < n) {
      int64_t e = line_end(pos);
      bool blank = blank_line(pos, e);
      if (blank && seen_content) {
        while (pos < n) {  // swallow the blank lines
          e = line_end(pos);
          if (!blank_line(pos, e)) return pos;
          pos = e;
        }
        return n;
      }
      seen_content |= !blank;
      pos = e;
    }
    return n;
  }

  void push(int64_t end, int tokens, uint8_t strength) { units_.push_back({end, tokens, strength}); }

  // A paragraph is not counted whole: its sentences are (each byte counted once), and the packer
  // treats the last sentence's end as a paragraph boundary.
  void paragraph(int64_t a, int64_t b) {
    sentences(a, b);
    if (!units_.empty()) units_.back().strength = kParagraph;
  }

  // Sentence ends: after . ! ? (and closing quotes/brackets) followed by whitespace; line ends are weaker
  // boundaries in prose (hard-wrapped text), unless a sentence ends there. For code the lines are the
  // sentences; a line starting at column 0 with a word character is likely a new top-level definition
  // and counts as a paragraph-strength boundary.
  void sentences(int64_t a, int64_t b) {
    int64_t s = a;
    for (int64_t i = a; i < b; ++i) {
      char c = t_[i];
      bool end = false;
      uint8_t strength = kSentence;
      if (c == '\n') {
        end = true;
        if (code_) {
          if (i + 1 < b) {
            auto next = static_cast<unsigned char>(t_[i + 1]);
            if (std::isalpha(next) || next == '_') strength = kParagraph;
          }
        } else if (i == a || std::strchr(".!?:;\"')", t_[i - 1]) == nullptr) {
          strength = kLine;
        }
      } else if (!code_ && (c == '.' || c == '!' || c == '?')) {
        int64_t j = i + 1;
        while (j < b && (t_[j] == '"' || t_[j] == '\'' || t_[j] == ')' || t_[j] == ']')) ++j;
        if (j < b && is_space(t_[j])) {
          while (j < b && (t_[j] == ' ' || t_[j] == '\t')) ++j;
          if (j < b && t_[j] == '\n') ++j;
          i = j - 1;
          end = true;
        }
      }
      if (end || i + 1 == b) {
        int64_t e = i + 1;
        sentence(s, e, strength);
        s = e;
      }
    }
  }

  void sentence(int64_t a, int64_t b, uint8_t strength) {
    int tokens = count(a, b);
    if (tokens <= target_) return push(b, tokens, strength);
    words(a, b);
    units_.back().strength = strength;
  }

  void words(int64_t a, int64_t b) {
    int64_t i = a;
    while (i < b) {
      int64_t j = i;
      while (j < b && !is_space(t_[j])) ++j;
      while (j < b && is_space(t_[j])) ++j;
      int tokens = count(i, j);
      if (tokens <= target_) push(j, tokens, kWord);
      else bytes(i, j, tokens);
      i = j;
    }
  }

  // A "word" longer than the budget (a hash, base64, a minified line): cut by bytes, never inside a
  // UTF-8 sequence.
  void bytes(int64_t a, int64_t b, int tokens) {
    while (a < b) {
      int64_t len = std::max<int64_t>(1, (b - a) * target_ / std::max(tokens, 1));
      int64_t e = std::min(b, a + len);
      for (;;) {
        e = char_boundary(a, e, b);
        int c = count(a, e);
        if (c <= target_ || e - a <= 4) {
          push(e, c, kByte);
          break;
        }
        e = a + (e - a) / 2;
      }
      tokens = count(e, b);
      a = e;
    }
  }

  bool continuation(int64_t i) const { return (static_cast<unsigned char>(t_[i]) & 0xC0) == 0x80; }
  // The nearest character start at or before e (but after a), else the first one after a.
  int64_t char_boundary(int64_t a, int64_t e, int64_t b) const {
    int64_t back = e;
    while (back > a && back < b && continuation(back)) --back;
    if (back > a) return back;
    int64_t fwd = a + 1;
    while (fwd < b && continuation(fwd)) ++fwd;
    return fwd;
  }

  std::string_view t_;
  const TokenCounter& count_;
  int target_;
  bool code_;
  std::vector<Unit> units_;
};

// Maps text offsets to source offsets and pages through the document's source map.
class SourceMapper {
 public:
  explicit SourceMapper(const std::vector<SourceSpan>& map) : map_(map) {}

  // Source offset of text offset `pos` taken as a start (a gap maps to the next span's start).
  int64_t start(int64_t pos) const {
    auto it = std::upper_bound(map_.begin(), map_.end(), pos,
                               [](int64_t p, const SourceSpan& s) { return p < s.text_end; });
    if (it == map_.end()) return map_.empty() ? pos : map_.back().source_end;
    if (it->text_start >= pos) return it->source_start;
    return inside(*it, pos);
  }
  // Source offset of text offset `pos` taken as an exclusive end (a gap maps to the previous span's end).
  int64_t end(int64_t pos) const {
    auto it = std::lower_bound(map_.begin(), map_.end(), pos,
                               [](const SourceSpan& s, int64_t p) { return s.text_start < p; });
    if (it == map_.begin()) return map_.empty() ? pos : map_.front().source_start;
    --it;
    if (pos >= it->text_end) return it->source_end;
    return inside(*it, pos);
  }
  int page(int64_t pos) const {
    auto it = std::upper_bound(map_.begin(), map_.end(), pos,
                               [](int64_t p, const SourceSpan& s) { return p < s.text_start; });
    if (it == map_.begin()) return map_.empty() ? 0 : map_.front().page;
    return std::prev(it)->page;
  }

 private:
  // Exact inside a 1:1 span, proportional inside a span whose text was rewritten (entities, transcoding).
  static int64_t inside(const SourceSpan& s, int64_t pos) {
    int64_t tl = s.text_end - s.text_start, sl = s.source_end - s.source_start;
    if (tl == sl) return s.source_start + (pos - s.text_start);
    return s.source_start + (pos - s.text_start) * sl / std::max<int64_t>(tl, 1);
  }
  const std::vector<SourceSpan>& map_;
};

// Heading path ("A > B") at increasing text positions.
class HeadingTracker {
 public:
  explicit HeadingTracker(const std::vector<Heading>& headings) : h_(headings) {}
  std::string path_at(int64_t pos) {
    while (next_ < h_.size() && h_[next_].text_start <= pos) {
      const Heading& h = h_[next_++];
      while (!stack_.empty() && stack_.back()->level >= h.level) stack_.pop_back();
      stack_.push_back(&h);
    }
    std::string path;
    for (const Heading* h : stack_) {
      if (!path.empty()) path += " > ";
      path += h->title;
    }
    return path;
  }
  bool starts_at(int64_t pos) const {
    auto it = std::lower_bound(h_.begin(), h_.end(), pos,
                               [](const Heading& h, int64_t p) { return h.text_start < p; });
    return it != h_.end() && it->text_start == pos;
  }

 private:
  const std::vector<Heading>& h_;
  size_t next_ = 0;
  std::vector<const Heading*> stack_;
};

}  // namespace

std::vector<Chunk> chunk_document(const Document& doc, const TokenCounter& counter, const ChunkOptions& options) {
  if (options.target_tokens <= 0) {
    throw Error(ErrorKind::kInvalidArgument, "chunk target must be positive, got " + std::to_string(options.target_tokens));
  }
  const TokenCounter count = counter ? counter : approximate_token_counter();
  const int target = options.target_tokens;
  const int overlap = std::clamp(options.overlap_tokens, 0, target / 2);
  const std::string_view t = doc.text;
  auto view = [&](int64_t a, int64_t b) { return t.substr(a, b - a); };

  std::vector<Unit> units = Splitter(t, count, target, doc.type == DocType::kCode).run();
  auto unit_start = [&](size_t i) { return i == 0 ? int64_t{0} : units[i - 1].end; };
  HeadingTracker headings(doc.headings);
  for (const Heading& h : doc.headings) {  // a heading start is the strongest boundary
    auto it = std::lower_bound(units.begin(), units.end(), h.text_start,
                               [](const Unit& u, int64_t p) { return u.end < p; });
    if (it != units.end() && it->end == h.text_start) it->strength = kHeading;
  }
  SourceMapper mapper(doc.source_map);

  std::vector<Chunk> chunks;
  size_t i = 0;
  int64_t start = 0;
  int carried = 0;  // tokens of the overlap [start, unit_start(i))
  while (i < units.size()) {
    size_t j = i;
    int acc = carried;
    while (j < units.size() && acc + units[j].tokens <= target) acc += units[j++].tokens;
    if (j == i && carried > 0) {  // the overlap leaves no room for the next unit: drop it
      start = unit_start(i);
      carried = 0;
      continue;
    }
    if (j == i) ++j;  // a unit over budget on its own (a few bytes under a tiny target): take it anyway
    size_t k = j - 1;
    if (j < units.size()) {  // full: end at the strongest boundary in the second half
      int a = carried, best = -1;
      for (size_t m = i; m < j; ++m) {
        a += units[m].tokens;
        if ((a >= target / 2 || m + 1 == j) && units[m].strength >= best) {
          best = units[m].strength;
          k = m;
        }
      }
    }
    int64_t cs = start, ce = units[k].end;
    while (cs < ce && is_space(t[cs])) ++cs;
    while (ce > cs && is_space(t[ce - 1])) --ce;
    int tokens = ce > cs ? count(view(cs, ce)) : 0;
    if (tokens > target && carried > 0) {  // the counter is not additive here: drop the overlap
      start = unit_start(i);
      carried = 0;
      continue;
    }
    while (tokens > target && k > i) {  // still over: give back units one at a time
      ce = units[--k].end;
      while (ce > cs && is_space(t[ce - 1])) --ce;
      tokens = ce > cs ? count(view(cs, ce)) : 0;
    }
    if (ce > cs) {
      Chunk c;
      c.ordinal = static_cast<int>(chunks.size());
      c.text = std::string(view(cs, ce));
      c.start = cs;
      c.end = ce;
      c.source_start = mapper.start(cs);
      c.source_end = std::max(c.source_start, mapper.end(ce));
      c.page = mapper.page(cs);
      c.heading_path = headings.path_at(cs);
      c.tokens = tokens;
      chunks.push_back(std::move(c));
    }
    i = k + 1;
    start = units[k].end;
    carried = 0;
    if (overlap > 0 && i < units.size() && ce > cs && units[i].strength != kHeading &&
        !headings.starts_at(unit_start(i))) {
      // Walk back word by word from the chunk's end, summing word counts, while within the overlap.
      int64_t p = ce, best_p = ce;
      int sum = 0;
      while (p > cs) {
        int64_t q = p;
        while (q > cs && is_space(t[q - 1])) --q;
        while (q > cs && !is_space(t[q - 1])) --q;
        if (q <= cs) break;  // never carry the whole chunk
        sum += count(view(q, p));
        if (sum > overlap) break;
        best_p = q;
        p = q;
      }
      if (best_p < ce) {
        start = best_p;
        carried = count(view(best_p, unit_start(i)));
      }
    }
  }
  return chunks;
}

}  // namespace hayloft::ingest
