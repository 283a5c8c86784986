// Readers for plain text, Markdown and source code. All three decode with decode_text() and normalise
// line endings to \n. Prose (text, Markdown outside code blocks) also has its runs of spaces collapsed and
// its lines trimmed, with blank lines kept as paragraph breaks; code keeps its whitespace as is.
#include <algorithm>
#include <array>
#include <cctype>
#include <cstring>
#include <utility>

#include "ingest/internal.hpp"
#include "util/text.hpp"

namespace hayloft::ingest::detail {
namespace {

// One physical line: [start, end) without its terminator; `next` is where the following line starts.
struct Line {
  int64_t start = 0;
  int64_t end = 0;
  int64_t next = 0;
};

Line line_at(std::string_view t, int64_t pos) {
  Line line{pos, pos, pos};
  const auto n = static_cast<int64_t>(t.size());
  const void* nl = std::memchr(t.data() + pos, '\n', static_cast<size_t>(n - pos));
  int64_t e = nl ? static_cast<const char*>(nl) - t.data() : n;
  // A '\r' can only end the line before its '\n': search no further (else lines cost O(n) each).
  if (const void* cr = std::memchr(t.data() + pos, '\r', static_cast<size_t>(e - pos))) {
    e = static_cast<const char*>(cr) - t.data();
  }
  line.end = e;
  if (e >= n) line.next = n;
  else if (t[e] == '\r' && e + 1 < n && t[e + 1] == '\n') line.next = e + 2;
  else line.next = e + 1;
  return line;
}

// Content of a line without leading/trailing whitespace.
std::pair<int64_t, int64_t> trimmed(std::string_view t, Line line) {
  int64_t a = line.start, b = line.end;
  while (a < b && is_space(t[a])) ++a;
  while (b > a && is_space(t[b - 1])) --b;
  return {a, b};
}

// Separates a content line from the previous one. When the source between them is exactly "\n" or
// "\n\n" it is copied, which keeps one source span for a whole run of lines; otherwise a synthetic
// line or paragraph break is written.
void separate(TextBuilder& out, const Decoded& d, int64_t prev_end, int64_t start, bool blank_between) {
  if (out.size() == 0) return;
  std::string_view sep = d.text.substr(prev_end, start - prev_end);
  if (!out.ends_with_space() && (sep == "\n" || (blank_between && sep == "\n\n"))) {
    out.copy(d, prev_end, start);
  } else if (blank_between) {
    out.paragraph_break();
  } else {
    out.line_break();
  }
}

// Markdown inline markup made readable: [text](url) → text, ![alt](url) → alt, ** and __ dropped.
void markdown_inline(TextBuilder& out, const Decoded& d, int64_t a, int64_t b) {
  std::string_view t = d.text;
  int64_t run = a;
  auto flush = [&](int64_t to) {
    out.prose(d, run, to);
  };
  for (int64_t i = a; i < b;) {
    char c = t[i];
    if ((c == '*' || c == '_') && i + 1 < b && t[i + 1] == c) {
      flush(i);
      i += 2;
      run = i;
      continue;
    }
    if (c == '[' || (c == '!' && i + 1 < b && t[i + 1] == '[')) {
      int64_t open = c == '[' ? i : i + 1;
      int64_t close = open + 1;
      while (close < b && t[close] != ']' && t[close] != '[') ++close;
      if (close + 1 < b && t[close] == ']' && t[close + 1] == '(') {
        int64_t paren = close + 2;
        while (paren < b && t[paren] != ')' && !is_space(t[paren])) ++paren;
        while (paren < b && t[paren] != ')') ++paren;  // titles: [x](url "title")
        if (paren < b) {
          flush(i);
          out.prose(d, open + 1, close);
          i = paren + 1;
          run = i;
          continue;
        }
      }
    }
    ++i;
  }
  flush(b);
}

bool is_fence(std::string_view t, int64_t a, int64_t b) {
  return b - a >= 3 && (t.substr(a, 3) == "```" || t.substr(a, 3) == "~~~");
}

// "#  Title ##" → level and the title's range; level 0 when the line is not an ATX heading.
int atx_heading(std::string_view t, int64_t a, int64_t b, int64_t* ta, int64_t* tb) {
  int level = 0;
  while (a + level < b && t[a + level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  int64_t s = a + level;
  if (s < b && !is_space(t[s])) return 0;
  while (s < b && is_space(t[s])) ++s;
  int64_t e = b;
  while (e > s && t[e - 1] == '#') --e;
  if (e < b && e > s && !is_space(t[e - 1])) e = b;  // "C#" is not a closing sequence
  while (e > s && is_space(t[e - 1])) --e;
  *ta = s;
  *tb = e;
  return level;
}

// A line of only '=' or only '-' (setext underline or thematic break).
char underline_char(std::string_view t, int64_t a, int64_t b) {
  if (a >= b || (t[a] != '=' && t[a] != '-')) return 0;
  for (int64_t i = a; i < b; ++i) {
    if (t[i] != t[a]) return 0;
  }
  return t[a];
}

// "***", "- - -", "___": a thematic break.
bool thematic_break(std::string_view t, int64_t a, int64_t b) {
  if (a >= b || (t[a] != '*' && t[a] != '-' && t[a] != '_')) return false;
  int marks = 0;
  for (int64_t i = a; i < b; ++i) {
    if (t[i] == t[a]) ++marks;
    else if (t[i] != ' ' && t[i] != '\t') return false;
  }
  return marks >= 3;
}

// YAML front matter ("---" ... "---") at the very start: returns where the body starts, fills title.
int64_t skip_front_matter(std::string_view t, std::string* title) {
  Line first = line_at(t, 0);
  if (t.substr(first.start, first.end - first.start) != "---") return 0;
  for (int64_t pos = first.next; pos < static_cast<int64_t>(t.size()) && pos < 16384;) {
    Line line = line_at(t, pos);
    std::string_view s = t.substr(line.start, line.end - line.start);
    if (s == "---" || s == "...") return line.next;
    if (s.substr(0, 6) == "title:") {
      std::string_view v = s.substr(6);
      while (!v.empty() && is_space(v.front())) v.remove_prefix(1);
      while (!v.empty() && is_space(v.back())) v.remove_suffix(1);
      if (v.size() >= 2 && (v.front() == '"' || v.front() == '\'') && v.back() == v.front()) {
        v = v.substr(1, v.size() - 2);
      }
      *title = std::string(v);
    }
    pos = line.next;
  }
  title->clear();
  return 0;  // no closing line: not front matter
}

}  // namespace

std::string file_stem(const std::string& name) {
  size_t slash = name.find_last_of('/');
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  size_t dot = base.find_last_of('.');
  if (dot != std::string::npos && dot > 0) base.resize(dot);
  return base;
}

std::string lower_extension(const std::string& name) {
  size_t slash = name.find_last_of('/');
  size_t dot = name.find_last_of('.');
  if (dot == std::string::npos || (slash != std::string::npos && dot < slash) || dot + 1 == name.size()) {
    return {};
  }
  std::string ext = name.substr(dot + 1);
  ext = ascii_lower(ext);
  return ext;
}

void read_plain(std::string_view bytes, Document& doc) {
  Decoded d = decode_text(bytes, doc.path);
  doc.metadata["encoding"] = d.encoding;
  TextBuilder out(doc);
  std::string_view t = d.text;
  int64_t prev_end = 0;
  bool blank = false;
  for (int64_t pos = 0; pos < static_cast<int64_t>(t.size());) {
    Line line = line_at(t, pos);
    auto [a, b] = trimmed(t, line);
    if (a == b) {
      blank = true;
    } else {
      separate(out, d, prev_end, a, blank);
      out.prose(d, a, b);
      prev_end = b;
      blank = false;
    }
    pos = line.next;
  }
  out.trim_end();
  if (doc.title.empty()) doc.title = file_stem(doc.path);
}

void read_markdown(std::string_view bytes, Document& doc) {
  Decoded d = decode_text(bytes, doc.path);
  doc.metadata["encoding"] = d.encoding;
  TextBuilder out(doc);
  std::string_view t = d.text;
  std::string front_title;
  int64_t pos = skip_front_matter(t, &front_title);
  int64_t prev_end = pos;
  bool blank = true, in_fence = false;
  int para_lines = 0;      // content lines in the current paragraph (setext headings need exactly 1)
  int64_t para_start = 0;  // text offset where the current paragraph starts
  auto add_heading = [&](int level, int64_t start) {
    std::string title = doc.text.substr(static_cast<size_t>(start));
    if (!title.empty()) doc.headings.push_back({start, level, std::move(title)});
  };
  while (pos < static_cast<int64_t>(t.size())) {
    Line line = line_at(t, pos);
    pos = line.next;
    auto [a, b] = trimmed(t, line);
    if (in_fence || is_fence(t, a, b)) {
      if (is_fence(t, a, b) && (in_fence || line.start + 3 >= a)) {
        in_fence = !in_fence;
        out.paragraph_break();
        prev_end = line.next;
        blank = true;
        para_lines = 0;
        continue;
      }
      out.copy(d, line.start, line.end);  // code block: whitespace kept as is
      out.append("\n", line.end, line.end);
      prev_end = line.next;
      continue;
    }
    if (a == b) {
      blank = true;
      para_lines = 0;
      continue;
    }
    int64_t ha = 0, hb = 0;
    if (int level = atx_heading(t, a, b, &ha, &hb)) {
      out.paragraph_break();
      int64_t start = out.size();
      markdown_inline(out, d, ha, hb);
      add_heading(level, start);
      out.paragraph_break();
      prev_end = b;
      blank = true;
      para_lines = 0;
      continue;
    }
    if (char u = underline_char(t, a, b)) {
      if (para_lines == 1 && !blank) {  // setext heading: the previous line was its title
        add_heading(u == '=' ? 1 : 2, para_start);
        out.paragraph_break();
        prev_end = b;
        blank = true;
        para_lines = 0;
        continue;
      }
    }
    if (thematic_break(t, a, b)) {
      out.paragraph_break();
      blank = true;
      para_lines = 0;
      continue;
    }
    while (a < b && t[a] == '>') {  // blockquote markers
      ++a;
      while (a < b && is_space(t[a])) ++a;
    }
    separate(out, d, prev_end, a, blank);
    if (para_lines == 0) para_start = out.size();
    markdown_inline(out, d, a, b);
    prev_end = b;
    blank = false;
    ++para_lines;
  }
  out.trim_end();
  if (!front_title.empty()) {
    doc.title = front_title;
  } else {
    auto h1 = std::find_if(doc.headings.begin(), doc.headings.end(), [](const Heading& h) { return h.level == 1; });
    if (h1 != doc.headings.end()) doc.title = h1->title;
    else if (!doc.headings.empty()) doc.title = doc.headings.front().title;
  }
  if (doc.title.empty()) doc.title = file_stem(doc.path);
}

void read_code(std::string_view bytes, Document& doc) {
  Decoded d = decode_text(bytes, doc.path);
  doc.metadata["encoding"] = d.encoding;
  TextBuilder out(doc);
  std::string_view t = d.text;
  // Only line endings change: "\r\n" and lone "\r" become "\n".
  int64_t run = 0;
  for (int64_t i = 0; i < static_cast<int64_t>(t.size()); ++i) {
    if (t[i] != '\r') continue;
    out.copy(d, run, i);
    int64_t skip = i + 1 < static_cast<int64_t>(t.size()) && t[i + 1] == '\n' ? 2 : 1;
    out.append("\n", d.to_source(i), d.to_source(i + skip));
    i += skip - 1;
    run = i + 1;
  }
  out.copy(d, run, static_cast<int64_t>(t.size()));
  size_t slash = doc.path.find_last_of('/');
  doc.title = slash == std::string::npos ? doc.path : doc.path.substr(slash + 1);
}

std::string code_language(const std::string& name) {
  static const std::array<std::pair<const char*, const char*>, 64> kByExtension = {{
      {"c", "c"}, {"h", "c"}, {"cc", "cpp"}, {"cpp", "cpp"}, {"cxx", "cpp"}, {"c++", "cpp"},
      {"hpp", "cpp"}, {"hh", "cpp"}, {"hxx", "cpp"}, {"ipp", "cpp"}, {"inl", "cpp"}, {"cu", "cuda"},
      {"py", "python"}, {"pyi", "python"}, {"rs", "rust"}, {"go", "go"}, {"java", "java"},
      {"js", "javascript"}, {"mjs", "javascript"}, {"cjs", "javascript"}, {"jsx", "javascript"},
      {"ts", "typescript"}, {"tsx", "typescript"}, {"sh", "shell"}, {"bash", "shell"}, {"zsh", "shell"},
      {"fish", "shell"}, {"rb", "ruby"}, {"php", "php"}, {"cs", "csharp"}, {"kt", "kotlin"},
      {"kts", "kotlin"}, {"swift", "swift"}, {"scala", "scala"}, {"lua", "lua"}, {"pl", "perl"},
      {"pm", "perl"}, {"r", "r"}, {"sql", "sql"}, {"hs", "haskell"}, {"ml", "ocaml"}, {"ex", "elixir"},
      {"exs", "elixir"}, {"erl", "erlang"}, {"clj", "clojure"}, {"dart", "dart"}, {"zig", "zig"},
      {"jl", "julia"}, {"cmake", "cmake"}, {"mk", "make"}, {"css", "css"}, {"scss", "scss"},
      {"vue", "vue"}, {"proto", "protobuf"}, {"toml", "toml"}, {"yaml", "yaml"}, {"yml", "yaml"},
      {"json", "json"}, {"xml", "xml"}, {"ini", "ini"}, {"tex", "latex"}, {"ps1", "powershell"},
      {"m", "objc"}, {"mm", "objcpp"},
  }};
  size_t slash = name.find_last_of('/');
  std::string base = slash == std::string::npos ? name : name.substr(slash + 1);
  if (base == "CMakeLists.txt") return "cmake";
  if (base == "Makefile" || base == "GNUmakefile" || base == "makefile") return "make";
  if (base == "Dockerfile") return "dockerfile";
  std::string ext = lower_extension(name);
  for (const auto& [e, lang] : kByExtension) {
    if (ext == e) return lang;
  }
  return {};
}

std::string shebang_language(std::string_view bytes) {
  if (bytes.substr(0, 2) != "#!") return {};
  std::string_view line = bytes.substr(0, std::min<size_t>(bytes.find('\n'), 256));
  static const std::array<std::pair<const char*, const char*>, 8> kInterpreters = {{
      {"python", "python"}, {"bash", "shell"}, {"/sh", "shell"}, {"zsh", "shell"}, {"node", "javascript"},
      {"perl", "perl"}, {"ruby", "ruby"}, {" sh", "shell"},
  }};
  for (const auto& [needle, lang] : kInterpreters) {
    if (line.find(needle) != std::string_view::npos) return lang;
  }
  return {};
}

}  // namespace hayloft::ingest::detail
