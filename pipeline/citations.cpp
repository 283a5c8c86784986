#include "pipeline/citations.hpp"

#include <algorithm>
#include <functional>

namespace hayloft::pipeline {

namespace {

bool is_word_byte(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80;
}
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }
bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; }

struct Word {
  uint64_t hash = 0;  // of the lowercased word
  size_t begin = 0;   // byte span in the text it came from
  size_t end = 0;
};

std::vector<Word> split_words(std::string_view text) {
  std::vector<Word> words;
  size_t i = 0;
  while (i < text.size()) {
    if (!is_word_byte(static_cast<unsigned char>(text[i]))) {
      ++i;
      continue;
    }
    size_t b = i;
    uint64_t h = 1469598103934665603ull;
    while (i < text.size() && is_word_byte(static_cast<unsigned char>(text[i]))) {
      h = (h ^ static_cast<unsigned char>(lower(text[i]))) * 1099511628211ull;
      ++i;
    }
    words.push_back({h, b, i});
  }
  return words;
}

// Longest run of consecutive words shared by a and b: {length, start in b}. O(|a|·|b|), one row of ints.
std::pair<int, size_t> longest_common_run(const std::vector<Word>& a, const std::vector<Word>& b) {
  std::vector<int> prev(b.size() + 1, 0), cur(b.size() + 1, 0);
  int best = 0;
  size_t best_end = 0;
  for (size_t i = 1; i <= a.size(); ++i) {
    for (size_t j = 1; j <= b.size(); ++j) {
      cur[j] = a[i - 1].hash == b[j - 1].hash ? prev[j - 1] + 1 : 0;
      if (cur[j] > best) {
        best = cur[j];
        best_end = j;
      }
    }
    std::swap(prev, cur);
  }
  return {best, best_end - static_cast<size_t>(best)};
}

Citation make_citation(int marker, const ContextChunk& c, CitationSource source) {
  Citation cit;
  cit.marker = marker;
  cit.chunk_id = c.chunk_id;
  cit.document_id = c.document_id;
  cit.document_path = c.document_path;
  cit.page = c.page;
  cit.source_start = c.source_start;
  cit.source_end = c.source_end;
  cit.source = source;
  return cit;
}

// Sets the citation's quote to the longest word run `claim` shares with the chunk (nothing if none).
void quote_from_overlap(Citation& cit, std::string_view claim, const ContextChunk& c, int min_words) {
  std::vector<Word> cw = split_words(c.text);
  auto [len, start] = longest_common_run(split_words(claim), cw);
  if (len < std::max(min_words, 1)) return;
  cit.quote_start = static_cast<int64_t>(cw[start].begin);
  cit.quote_end = static_cast<int64_t>(cw[start + static_cast<size_t>(len) - 1].end);
  cit.quote = c.text.substr(static_cast<size_t>(cit.quote_start), static_cast<size_t>(cit.quote_end - cit.quote_start));
  if (c.source_end - c.source_start == static_cast<int64_t>(c.text.size())) {
    cit.quote_source_start = c.source_start + cit.quote_start;
    cit.quote_source_end = c.source_start + cit.quote_end;
  }
}

// The sentence of the answer that holds byte `at`: from after the previous sentence end to `at`.
std::string_view sentence_before(std::string_view answer, size_t at) {
  size_t b = at;
  while (b > 0) {
    char c = answer[b - 1];
    if ((c == '.' || c == '!' || c == '?' || c == '\n') && b < at) break;
    --b;
  }
  return answer.substr(b, at - b);
}

// A string in double quotes inside `sentence` (the model quoting its source), or empty.
std::string_view explicit_quote(std::string_view sentence) {
  size_t open = sentence.find('"');
  if (open == std::string_view::npos) return {};
  size_t close = sentence.find('"', open + 1);
  if (close == std::string_view::npos || close - open < 4) return {};
  return sentence.substr(open + 1, close - open - 1);
}

// Parses "C12" / "c 12" / "12" at text[i]; returns the number or -1, advancing i past it.
int parse_item(std::string_view text, size_t& i, bool need_c) {
  size_t j = i;
  bool c = j < text.size() && (text[j] == 'C' || text[j] == 'c');
  if (c) {
    ++j;
    while (j < text.size() && text[j] == ' ') ++j;
  }
  if (need_c && !c) return -1;
  size_t d = j;
  int64_t n = 0;
  while (j < text.size() && text[j] >= '0' && text[j] <= '9' && j - d < 6) n = n * 10 + (text[j++] - '0');
  if (j == d) return -1;
  i = j;
  return static_cast<int>(n);
}

}  // namespace

const char* citation_source_name(CitationSource source) {
  return source == CitationSource::kMarker ? "marker" : "match";
}

std::vector<ParsedMarker> parse_markers(std::string_view answer) {
  std::vector<ParsedMarker> out;
  for (size_t i = 0; i < answer.size(); ++i) {
    char open = answer[i];
    if (open != '[' && open != '(') continue;
    char close = open == '[' ? ']' : ')';
    size_t j = i + 1;
    std::vector<int> items;
    bool ok = true;
    while (ok) {
      while (j < answer.size() && answer[j] == ' ') ++j;
      int n = parse_item(answer, j, open == '(');
      if (n < 0) {
        ok = false;
        break;
      }
      items.push_back(n);
      while (j < answer.size() && answer[j] == ' ') ++j;
      if (j < answer.size() && (answer[j] == ',' || answer[j] == ';')) {
        ++j;
      } else if (answer.substr(j, 4) == "and ") {
        j += 4;
      } else {
        break;
      }
    }
    if (!ok || items.empty() || j >= answer.size() || answer[j] != close) continue;
    for (int n : items) out.push_back({n, i, j + 1});
    i = j;
  }
  return out;
}

int64_t find_quote(std::string_view chunk_text, std::string_view quote) {
  // Normalised copies: lowercase ASCII, whitespace runs as one space; map[k] = byte of char k in chunk.
  auto normalise = [](std::string_view s, std::vector<size_t>* map) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
      if (is_space(s[i])) {
        if (out.empty() || out.back() == ' ') continue;
        out.push_back(' ');
      } else {
        out.push_back(lower(s[i]));
      }
      if (map) map->push_back(i);
    }
    if (!out.empty() && out.back() == ' ') {
      out.pop_back();
      if (map) map->pop_back();
    }
    return out;
  };
  std::vector<size_t> map;
  std::string hay = normalise(chunk_text, &map);
  std::string needle = normalise(quote, nullptr);
  if (needle.empty()) return -1;
  size_t at = hay.find(needle);
  return at == std::string::npos ? -1 : static_cast<int64_t>(map[at]);
}

CitationResult extract_citations(std::string_view answer, const std::vector<ContextChunk>& context,
                                 const CitationOptions& options) {
  CitationResult result;
  std::vector<ParsedMarker> markers = parse_markers(answer);
  result.markers_found = static_cast<int>(markers.size());
  std::vector<bool> cited(context.size() + 1, false);
  for (const ParsedMarker& m : markers) {
    std::string label = "[C" + std::to_string(m.n) + "]";
    if (m.n < 1 || m.n > static_cast<int>(context.size())) {
      ++result.dropped;
      result.dropped_reasons.push_back(label + ": no chunk " + std::to_string(m.n) + " in the context (" +
                                       std::to_string(context.size()) + " chunks)");
      continue;
    }
    if (cited[static_cast<size_t>(m.n)]) continue;  // the same chunk cited twice is one citation
    const ContextChunk& c = context[static_cast<size_t>(m.n) - 1];
    std::string_view sentence = sentence_before(answer, m.begin);
    Citation cit = make_citation(m.n, c, CitationSource::kMarker);
    if (std::string_view q = explicit_quote(sentence); !q.empty()) {
      int64_t at = find_quote(c.text, q);
      if (at < 0) {
        ++result.dropped;
        result.dropped_reasons.push_back(label + ": the quoted text \"" + std::string(q) + "\" is not in that chunk");
        continue;
      }
      quote_from_overlap(cit, q, c, 1);
    } else {
      quote_from_overlap(cit, sentence, c, 2);
    }
    cited[static_cast<size_t>(m.n)] = true;
    result.citations.push_back(std::move(cit));
  }
  if (!markers.empty()) return result;

  // No markers: cite the chunks sharing the longest word runs with the answer.
  std::vector<Word> aw = split_words(answer);
  if (aw.empty()) return result;
  int need = std::min<int>(std::max(options.min_match_words, 1), static_cast<int>(aw.size()));
  std::vector<std::pair<int, size_t>> scored;  // (run length, context index)
  for (size_t k = 0; k < context.size(); ++k) {
    int len = longest_common_run(aw, split_words(context[k].text)).first;
    if (len >= need) scored.push_back({len, k});
  }
  std::stable_sort(scored.begin(), scored.end(), [](auto& a, auto& b) { return a.first > b.first; });
  if (static_cast<int>(scored.size()) > options.max_matches) scored.resize(static_cast<size_t>(std::max(options.max_matches, 0)));
  for (auto [len, k] : scored) {
    Citation cit = make_citation(static_cast<int>(k) + 1, context[k], CitationSource::kMatch);
    quote_from_overlap(cit, answer, context[k], need);
    result.citations.push_back(std::move(cit));
  }
  return result;
}

}  // namespace hayloft::pipeline
