// TextBuilder: normalised text plus its source map, built together so that they cannot drift apart.
#include "ingest/internal.hpp"

namespace hayloft::ingest::detail {

void TextBuilder::append(std::string_view s, int64_t src_start, int64_t src_end) {
  if (s.empty()) return;
  int64_t t0 = size();
  doc_.text.append(s);
  int64_t t1 = size();
  auto& map = doc_.source_map;
  if (!map.empty()) {
    SourceSpan& last = map.back();
    bool last_exact = last.text_end - last.text_start == last.source_end - last.source_start;
    bool this_exact = t1 - t0 == src_end - src_start;
    if (last.text_end == t0 && last.source_end == src_start && last.page == page_ && last_exact && this_exact) {
      last.text_end = t1;
      last.source_end = src_end;
      return;
    }
  }
  map.push_back({t0, t1, src_start, src_end, page_});
}

void TextBuilder::copy(const Decoded& decoded, int64_t a, int64_t b) {
  if (b <= a) return;
  append(decoded.text.substr(a, b - a), decoded.to_source(a), decoded.to_source(b));
}

void TextBuilder::prose(const Decoded& decoded, int64_t a, int64_t b) {
  std::string_view t = decoded.text;
  int64_t i = a;
  while (i < b) {
    if (is_space(t[i])) {
      int64_t j = i;
      while (j < b && is_space(t[j])) ++j;
      // A single plain space is copied so that the span stays contiguous with its neighbours; only real
      // collapses (runs, tabs, newlines) cost a new span.
      if (j == i + 1 && t[i] == ' ' && !ends_with_space()) copy(decoded, i, j); else space();
      i = j;
      continue;
    }
    int64_t j = i;
    while (j < b && !is_space(t[j])) ++j;
    copy(decoded, i, j);
    i = j;
  }
}

bool TextBuilder::ends_with_space() const {
  return doc_.text.empty() || is_space(doc_.text.back());
}

void TextBuilder::space() {
  if (!ends_with_space()) doc_.text.push_back(' ');
}

void TextBuilder::line_break() {
  const std::string& t = doc_.text;
  size_t n = t.size();
  while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t')) --n;
  cut(static_cast<int64_t>(n));
  if (!t.empty() && t.back() != '\n') doc_.text.push_back('\n');
}

void TextBuilder::paragraph_break() {
  trim_end();
  if (!doc_.text.empty()) doc_.text.append("\n\n");
}

void TextBuilder::trim_end() {
  const std::string& t = doc_.text;
  size_t n = t.size();
  while (n > 0 && is_space(t[n - 1])) --n;
  cut(static_cast<int64_t>(n));
}

void TextBuilder::cut(int64_t n) {
  if (n >= size()) return;
  doc_.text.resize(static_cast<size_t>(n));
  auto& map = doc_.source_map;
  while (!map.empty() && map.back().text_start >= n) map.pop_back();
  if (!map.empty() && map.back().text_end > n) {
    SourceSpan& last = map.back();
    bool exact = last.text_end - last.text_start == last.source_end - last.source_start;
    if (exact) last.source_end -= last.text_end - n;
    last.text_end = n;
  }
}

std::string normalise_prose(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  int newlines = 0;  // pending line breaks since the last word
  bool space = false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == '\r') {
      if (i + 1 < s.size() && s[i + 1] == '\n') continue;
      c = '\n';
    }
    if (c == '\n' || c == '\f' || c == '\v') {
      ++newlines;
      continue;
    }
    if (is_space(c)) {
      space = true;
      continue;
    }
    if (!out.empty()) {
      if (newlines >= 2) out += "\n\n";
      else if (newlines == 1) out += '\n';
      else if (space) out += ' ';
    }
    newlines = 0;
    space = false;
    out += c;
  }
  return out;
}

}  // namespace hayloft::ingest::detail
