// HTML reader: a small tolerant tokenizer, no DOM. Keeps visible text; <title> becomes the title; h1–h6
// become headings; <script>, <style>, <noscript>, <template> and comments are dropped; character
// references are decoded; block elements become paragraph breaks, <br> a line break, table cells a space;
// whitespace collapses except inside <pre>. Unclosed tags, comments or quotes at the end of the input end
// the document quietly, as browsers do. Every read is bounded by the input's size.
#include <algorithm>
#include <array>
#include <cstring>

#include "ingest/internal.hpp"
#include "util/error.hpp"

namespace hayloft::ingest::detail {
namespace {

struct Entity {
  const char* name;
  uint32_t cp;
};

// Named character references: the XML five, the Latin-1 block, and the punctuation, arrows, maths and
// Greek that show up in real pages. Unknown names are kept literally.
constexpr Entity kEntities[] = {
    {"amp", '&'}, {"lt", '<'}, {"gt", '>'}, {"quot", '"'}, {"apos", '\''}, {"nbsp", 0xA0},
    {"iexcl", 0xA1}, {"cent", 0xA2}, {"pound", 0xA3}, {"curren", 0xA4}, {"yen", 0xA5}, {"brvbar", 0xA6},
    {"sect", 0xA7}, {"uml", 0xA8}, {"copy", 0xA9}, {"ordf", 0xAA}, {"laquo", 0xAB}, {"not", 0xAC},
    {"shy", 0xAD}, {"reg", 0xAE}, {"macr", 0xAF}, {"deg", 0xB0}, {"plusmn", 0xB1}, {"sup2", 0xB2},
    {"sup3", 0xB3}, {"acute", 0xB4}, {"micro", 0xB5}, {"para", 0xB6}, {"middot", 0xB7}, {"cedil", 0xB8},
    {"sup1", 0xB9}, {"ordm", 0xBA}, {"raquo", 0xBB}, {"frac14", 0xBC}, {"frac12", 0xBD}, {"frac34", 0xBE},
    {"iquest", 0xBF}, {"Agrave", 0xC0}, {"Aacute", 0xC1}, {"Acirc", 0xC2}, {"Atilde", 0xC3}, {"Auml", 0xC4},
    {"Aring", 0xC5}, {"AElig", 0xC6}, {"Ccedil", 0xC7}, {"Egrave", 0xC8}, {"Eacute", 0xC9}, {"Ecirc", 0xCA},
    {"Euml", 0xCB}, {"Igrave", 0xCC}, {"Iacute", 0xCD}, {"Icirc", 0xCE}, {"Iuml", 0xCF}, {"ETH", 0xD0},
    {"Ntilde", 0xD1}, {"Ograve", 0xD2}, {"Oacute", 0xD3}, {"Ocirc", 0xD4}, {"Otilde", 0xD5}, {"Ouml", 0xD6},
    {"times", 0xD7}, {"Oslash", 0xD8}, {"Ugrave", 0xD9}, {"Uacute", 0xDA}, {"Ucirc", 0xDB}, {"Uuml", 0xDC},
    {"Yacute", 0xDD}, {"THORN", 0xDE}, {"szlig", 0xDF}, {"agrave", 0xE0}, {"aacute", 0xE1}, {"acirc", 0xE2},
    {"atilde", 0xE3}, {"auml", 0xE4}, {"aring", 0xE5}, {"aelig", 0xE6}, {"ccedil", 0xE7}, {"egrave", 0xE8},
    {"eacute", 0xE9}, {"ecirc", 0xEA}, {"euml", 0xEB}, {"igrave", 0xEC}, {"iacute", 0xED}, {"icirc", 0xEE},
    {"iuml", 0xEF}, {"eth", 0xF0}, {"ntilde", 0xF1}, {"ograve", 0xF2}, {"oacute", 0xF3}, {"ocirc", 0xF4},
    {"otilde", 0xF5}, {"ouml", 0xF6}, {"divide", 0xF7}, {"oslash", 0xF8}, {"ugrave", 0xF9}, {"uacute", 0xFA},
    {"ucirc", 0xFB}, {"uuml", 0xFC}, {"yacute", 0xFD}, {"thorn", 0xFE}, {"yuml", 0xFF}, {"OElig", 0x152},
    {"oelig", 0x153}, {"Scaron", 0x160}, {"scaron", 0x161}, {"Yuml", 0x178}, {"fnof", 0x192}, {"circ", 0x2C6},
    {"tilde", 0x2DC}, {"ensp", 0x2002}, {"emsp", 0x2003}, {"thinsp", 0x2009}, {"zwnj", 0x200C},
    {"zwj", 0x200D}, {"lrm", 0x200E}, {"rlm", 0x200F}, {"ndash", 0x2013}, {"mdash", 0x2014},
    {"lsquo", 0x2018}, {"rsquo", 0x2019}, {"sbquo", 0x201A}, {"ldquo", 0x201C}, {"rdquo", 0x201D},
    {"bdquo", 0x201E}, {"dagger", 0x2020}, {"Dagger", 0x2021}, {"bull", 0x2022}, {"hellip", 0x2026},
    {"permil", 0x2030}, {"prime", 0x2032}, {"Prime", 0x2033}, {"lsaquo", 0x2039}, {"rsaquo", 0x203A},
    {"euro", 0x20AC}, {"trade", 0x2122}, {"larr", 0x2190}, {"uarr", 0x2191}, {"rarr", 0x2192},
    {"darr", 0x2193}, {"harr", 0x2194}, {"lArr", 0x21D0}, {"rArr", 0x21D2}, {"hArr", 0x21D4},
    {"forall", 0x2200}, {"part", 0x2202}, {"exist", 0x2203}, {"empty", 0x2205}, {"nabla", 0x2207},
    {"isin", 0x2208}, {"notin", 0x2209}, {"prod", 0x220F}, {"sum", 0x2211}, {"minus", 0x2212},
    {"radic", 0x221A}, {"infin", 0x221E}, {"and", 0x2227}, {"or", 0x2228}, {"cap", 0x2229}, {"cup", 0x222A},
    {"int", 0x222B}, {"asymp", 0x2248}, {"ne", 0x2260}, {"equiv", 0x2261}, {"le", 0x2264}, {"ge", 0x2265},
    {"alpha", 0x3B1}, {"beta", 0x3B2}, {"gamma", 0x3B3}, {"delta", 0x3B4}, {"epsilon", 0x3B5},
    {"lambda", 0x3BB}, {"mu", 0x3BC}, {"pi", 0x3C0}, {"sigma", 0x3C3}, {"tau", 0x3C4}, {"phi", 0x3C6},
    {"omega", 0x3C9}, {"Delta", 0x394}, {"Sigma", 0x3A3}, {"Omega", 0x3A9}, {"hearts", 0x2665},
};

bool ascii_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool ascii_alnum(char c) { return ascii_alpha(c) || (c >= '0' && c <= '9'); }
char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; }

// Decodes the character reference at t[a] == '&'. Returns its end (exclusive) and fills `out`, or
// returns a when it is not a reference.
int64_t decode_entity(std::string_view t, int64_t a, int64_t b, std::string& out) {
  int64_t i = a + 1;
  if (i < b && t[i] == '#') {
    ++i;
    bool hex = i < b && (t[i] == 'x' || t[i] == 'X');
    if (hex) ++i;
    uint32_t cp = 0;
    int64_t digits_start = i;
    while (i < b && i - digits_start < 10) {
      char c = t[i];
      int v = c >= '0' && c <= '9' ? c - '0'
              : hex && lower(c) >= 'a' && lower(c) <= 'f' ? lower(c) - 'a' + 10
                                                            : -1;
      if (v < 0) break;
      cp = std::min<uint32_t>(cp * (hex ? 16 : 10) + static_cast<uint32_t>(v), 0x110000);
      ++i;
    }
    if (i == digits_start) return a;
    if (i < b && t[i] == ';') ++i;
    if (cp == 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || (cp >= 0x7F && cp < 0xA0)) cp = 0xFFFD;
    out.clear();
    append_utf8(out, cp);
    return i;
  }
  while (i < b && i - a <= 10 && ascii_alnum(t[i])) ++i;
  std::string_view name = t.substr(a + 1, i - a - 1);
  bool semicolon = i < b && t[i] == ';';
  for (const Entity& e : kEntities) {
    if (name != e.name) continue;
    if (!semicolon && e.cp > '>' && e.cp != 0xA0) return a;  // only legacy names may omit ';'
    out.clear();
    append_utf8(out, e.cp);
    return semicolon ? i + 1 : i;
  }
  return a;
}

enum class Kind { kOther, kBlock, kBreak, kCell, kHeading, kPre, kSkip, kTitle };

Kind classify(std::string_view name, int* level) {
  static constexpr std::array<std::string_view, 40> kBlocks = {
      "p", "div", "section", "article", "header", "footer", "nav", "aside", "main", "blockquote",
      "ul", "ol", "li", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "caption",
      "figure", "figcaption", "form", "fieldset", "address", "details", "summary", "hr", "body",
      "html", "head", "center", "hgroup", "menu", "option", "legend", "dialog", "noframes"};
  if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
    *level = name[1] - '0';
    return Kind::kHeading;
  }
  if (name == "br") return Kind::kBreak;
  if (name == "td" || name == "th") return Kind::kCell;
  if (name == "pre" || name == "listing" || name == "xmp") return Kind::kPre;
  if (name == "script" || name == "style" || name == "noscript" || name == "template") return Kind::kSkip;
  if (name == "title") return Kind::kTitle;
  for (std::string_view b : kBlocks) {
    if (name == b) return Kind::kBlock;
  }
  return Kind::kOther;
}

// Case-insensitive search for "</name" from `from`; returns the match's start or b.
int64_t find_close(std::string_view t, int64_t from, int64_t b, std::string_view name) {
  for (int64_t i = from; i + 2 + static_cast<int64_t>(name.size()) <= b; ++i) {
    const void* lt = std::memchr(t.data() + i, '<', static_cast<size_t>(b - i));
    if (!lt) return b;
    i = static_cast<const char*>(lt) - t.data();
    if (i + 2 + static_cast<int64_t>(name.size()) > b || t[i + 1] != '/') continue;
    size_t k = 0;
    while (k < name.size() && lower(t[i + 2 + static_cast<int64_t>(k)]) == name[k]) ++k;
    if (k == name.size()) return i;
  }
  return b;
}

class HtmlReader {
 public:
  HtmlReader(const Decoded& d, Document& doc) : d_(d), t_(d.text), doc_(doc), out_(doc) {}

  void run() {
    const auto n = static_cast<int64_t>(t_.size());
    int64_t pos = 0;
    while (pos < n) {
      const void* lt = std::memchr(t_.data() + pos, '<', static_cast<size_t>(n - pos));
      int64_t next = lt ? static_cast<const char*>(lt) - t_.data() : n;
      text(pos, next);
      if (next >= n) break;
      pos = markup(next);
    }
    end_heading();
    out_.trim_end();
  }

 private:
  // Text between tags: entities decoded, whitespace collapsed (kept inside <pre>).
  void text(int64_t a, int64_t b) {
    std::string decoded;
    int64_t run = a;
    for (int64_t i = a; i < b; ++i) {
      if (t_[i] != '&') continue;
      int64_t e = decode_entity(t_, i, b, decoded);
      if (e == i) continue;
      plain(run, i);
      if (decoded == "\xC2\xA0" && pre_ == 0) out_.space();
      else out_.append(decoded, d_.to_source(i), d_.to_source(e));
      i = e - 1;
      run = e;
    }
    plain(run, b);
  }

  void plain(int64_t a, int64_t b) {
    if (pre_ == 0) return out_.prose(d_, a, b);
    int64_t run = a;  // inside <pre>: verbatim except line endings
    for (int64_t i = a; i < b; ++i) {
      if (t_[i] != '\r') continue;
      out_.copy(d_, run, i);
      if (i + 1 >= b || t_[i + 1] != '\n') out_.append("\n", d_.to_source(i), d_.to_source(i + 1));
      run = i + 1;
    }
    out_.copy(d_, run, b);
  }

  // Handles the markup starting at t[a] == '<'; returns where text resumes.
  int64_t markup(int64_t a) {
    const auto n = static_cast<int64_t>(t_.size());
    if (t_.substr(a, 4) == "<!--") {
      size_t end = t_.find("-->", static_cast<size_t>(a + 4));
      return end == std::string_view::npos ? n : static_cast<int64_t>(end) + 3;
    }
    int64_t i = a + 1;
    bool closing = i < n && t_[i] == '/';
    if (closing) ++i;
    if (i < n && (t_[i] == '!' || t_[i] == '?')) {
      const void* gt = std::memchr(t_.data() + i, '>', static_cast<size_t>(n - i));
      return gt ? static_cast<const char*>(gt) - t_.data() + 1 : n;
    }
    if (i >= n || !ascii_alpha(t_[i])) {  // a lone '<' is text
      out_.copy(d_, a, a + 1);
      return a + 1;
    }
    std::string name;
    while (i < n && (ascii_alnum(t_[i]) || t_[i] == '-' || t_[i] == ':') && name.size() < 32) name += lower(t_[i++]);
    // Skip attributes, honouring quotes, up to '>'.
    char quote = 0;
    while (i < n && (quote || t_[i] != '>')) {
      if (quote) { if (t_[i] == quote) quote = 0; }
      else if (t_[i] == '"' || t_[i] == '\'') quote = t_[i];
      ++i;
    }
    if (i >= n) return n;  // unclosed tag at the end: dropped
    int64_t after = i + 1;
    return closing ? close_tag(name, after) : open_tag(name, after);
  }

  int64_t open_tag(const std::string& name, int64_t after) {
    int level = 0;
    switch (classify(name, &level)) {
      case Kind::kSkip: {
        int64_t close = find_close(t_, after, static_cast<int64_t>(t_.size()), name);
        return skip_close(close);
      }
      case Kind::kTitle: {
        int64_t close = find_close(t_, after, static_cast<int64_t>(t_.size()), name);
        if (doc_.title.empty()) doc_.title = collapse(after, close);
        return skip_close(close);
      }
      case Kind::kHeading:
        end_heading();
        out_.paragraph_break();
        heading_start_ = out_.size();
        heading_level_ = level;
        break;
      case Kind::kBlock: out_.paragraph_break(); break;
      case Kind::kPre:  // a newline right after <pre> is not content
        out_.paragraph_break();
        ++pre_;
        if (after < static_cast<int64_t>(t_.size()) && t_[after] == '\r') ++after;
        if (after < static_cast<int64_t>(t_.size()) && t_[after] == '\n') ++after;
        break;
      case Kind::kBreak: out_.line_break(); break;
      case Kind::kCell: out_.space(); break;
      case Kind::kOther: break;
    }
    return after;
  }

  int64_t close_tag(const std::string& name, int64_t after) {
    int level = 0;
    switch (classify(name, &level)) {
      case Kind::kHeading: end_heading(); out_.paragraph_break(); break;
      case Kind::kBlock: out_.paragraph_break(); break;
      case Kind::kPre: if (pre_ > 0) --pre_; out_.paragraph_break(); break;
      case Kind::kCell: out_.space(); break;
      default: break;
    }
    return after;
  }

  // Skips "</name ...>" at `close` (or to the end).
  int64_t skip_close(int64_t close) {
    const auto n = static_cast<int64_t>(t_.size());
    if (close >= n) return n;
    const void* gt = std::memchr(t_.data() + close, '>', static_cast<size_t>(n - close));
    return gt ? static_cast<const char*>(gt) - t_.data() + 1 : n;
  }

  void end_heading() {
    if (heading_level_ == 0) return;
    std::string_view raw = std::string_view(doc_.text).substr(static_cast<size_t>(std::min(heading_start_, out_.size())));
    size_t lead = 0;
    while (lead < raw.size() && is_space(raw[lead])) ++lead;
    std::string title;  // a heading's title is one line, whatever blocks it held
    for (char c : raw.substr(lead)) {
      if (!is_space(c)) title += c;
      else if (!title.empty() && title.back() != ' ') title += ' ';
    }
    while (!title.empty() && title.back() == ' ') title.pop_back();
    if (!title.empty()) doc_.headings.push_back({heading_start_ + static_cast<int64_t>(lead), heading_level_, title});
    heading_level_ = 0;
  }

  // Title text: entities decoded, whitespace collapsed, tags ignored.
  std::string collapse(int64_t a, int64_t b) {
    std::string s, decoded;
    for (int64_t i = a; i < b; ++i) {
      char c = t_[i];
      if (c == '&') {
        int64_t e = decode_entity(t_, i, b, decoded);
        if (e > i) {
          s += decoded;
          i = e - 1;
          continue;
        }
      }
      if (is_space(c)) {
        if (!s.empty() && s.back() != ' ') s += ' ';
      } else {
        s += c;
      }
    }
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s;
  }

  const Decoded& d_;
  std::string_view t_;
  Document& doc_;
  TextBuilder out_;
  int pre_ = 0;
  int heading_level_ = 0;
  int64_t heading_start_ = 0;
};

}  // namespace

namespace {

// The charset a page declares in its first 2 KB (<meta charset=...> or content="...; charset=..."),
// lower-cased; empty when none.
std::string declared_charset(std::string_view bytes) {
  std::string head(bytes.substr(0, 2048));
  for (char& c : head) c = lower(c);
  size_t at = head.find("charset=");
  if (at == std::string::npos) return {};
  at += 8;
  while (at < head.size() && (head[at] == '"' || head[at] == '\'' || head[at] == ' ')) ++at;
  size_t end = at;
  while (end < head.size() && (ascii_alnum(head[end]) || head[end] == '-' || head[end] == '_')) ++end;
  return head.substr(at, end - at);
}

}  // namespace

void read_html(std::string_view bytes, Document& doc) {
  Decoded d = decode_text(bytes, doc.path);
  if (d.encoding == "windows-1252") {
    // Not UTF-8: Windows-1252 is only right when the page does not declare something else.
    std::string charset = declared_charset(bytes);
    static constexpr std::string_view kSingleByteLatin[] = {"", "windows-1252", "cp1252", "iso-8859-1", "latin1",
                                                             "iso-8859-15", "us-ascii", "ascii"};
    if (std::find(std::begin(kSingleByteLatin), std::end(kSingleByteLatin), charset) == std::end(kSingleByteLatin)) {
      throw Error(ErrorKind::kUnsupported,
                  "page declares charset " + charset + ", which hayloft does not decode; convert it to UTF-8",
                  doc.path);
    }
  }
  doc.metadata["encoding"] = d.encoding;
  HtmlReader(d, doc).run();
  if (doc.title.empty()) {
    for (const Heading& h : doc.headings) {
      if (h.level == 1) {
        doc.title = h.title;
        break;
      }
    }
  }
  if (doc.title.empty()) doc.title = file_stem(doc.path);
}

}  // namespace hayloft::ingest::detail
