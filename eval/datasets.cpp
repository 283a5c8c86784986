#include "eval/datasets.hpp"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <set>

#include <nlohmann/json.hpp>

#include "eval/scoring.hpp"
#include "util/error.hpp"
#include "util/file_map.hpp"

namespace hayloft::eval {

using nlohmann::json;

namespace {

std::string where(const std::string& name, size_t line) { return name + ":" + std::to_string(line); }

// Calls fn(line_number, parsed object) for each non-blank line.
template <typename Fn>
void for_each_jsonl(std::string_view text, const std::string& name, Fn fn) {
  size_t line_no = 0, pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    ++line_no;
    pos = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) {
      if (end == text.size()) break;
      continue;
    }
    json j;
    try {
      j = json::parse(line);
    } catch (const json::exception& e) {
      throw Error(ErrorKind::kCorrupt, std::string("not JSON: ") + e.what(), where(name, line_no));
    }
    if (!j.is_object()) throw Error(ErrorKind::kCorrupt, "expected a JSON object", where(name, line_no));
    fn(line_no, j);
    if (end == text.size()) break;
  }
}

std::string string_field(const json& j, const char* key, const std::string& ctx) {
  auto it = j.find(key);
  if (it == j.end() || !it->is_string()) {
    throw Error(ErrorKind::kCorrupt, std::string("missing or non-string \"") + key + "\"", ctx);
  }
  return it->get<std::string>();
}

std::string read_text(const std::string& path) { return read_file(path); }

}  // namespace

std::vector<QuestionItem> parse_question_set(std::string_view jsonl, const std::string& name) {
  std::vector<QuestionItem> out;
  std::set<std::string> ids;
  for_each_jsonl(jsonl, name, [&](size_t line, const json& j) {
    std::string ctx = where(name, line);
    QuestionItem q;
    q.id = string_field(j, "id", ctx);
    q.question = string_field(j, "question", ctx);
    auto a = j.find("answers");
    if (a == j.end() || !a->is_array() || a->empty()) {
      throw Error(ErrorKind::kCorrupt, "\"answers\" must be a non-empty array of strings", ctx);
    }
    for (const auto& x : *a) {
      if (!x.is_string()) throw Error(ErrorKind::kCorrupt, "\"answers\" must hold strings only", ctx);
      q.answers.push_back(x.get<std::string>());
    }
    if (auto k = j.find("kind"); k != j.end()) {
      if (!k->is_string()) throw Error(ErrorKind::kCorrupt, "\"kind\" must be a string", ctx);
      q.kind = k->get<std::string>();
    }
    if (!ids.insert(q.id).second) throw Error(ErrorKind::kCorrupt, "repeated id \"" + q.id + "\"", ctx);
    out.push_back(std::move(q));
  });
  return out;
}

std::vector<QuestionItem> load_question_set(const std::string& path) {
  return parse_question_set(read_text(path), path);
}

std::string to_jsonl(const std::vector<QuestionItem>& items) {
  std::string out;
  for (const auto& q : items) {
    json j = {{"id", q.id}, {"question", q.question}, {"answers", q.answers}};
    if (!q.kind.empty()) j["kind"] = q.kind;
    out += j.dump() + "\n";
  }
  return out;
}

std::vector<SquadArticle> parse_squad(std::string_view json_text, const std::string& name) {
  json root;
  try {
    root = json::parse(json_text);
  } catch (const json::exception& e) {
    throw Error(ErrorKind::kCorrupt, std::string("not JSON: ") + e.what(), name);
  }
  if (!root.is_object() || !root.contains("data") || !root["data"].is_array()) {
    throw Error(ErrorKind::kCorrupt, "not a SQuAD file: no \"data\" array", name);
  }
  std::vector<SquadArticle> out;
  for (const json& a : root["data"]) {
    SquadArticle art;
    art.title = a.is_object() ? string_field(a, "title", name) : "";
    std::string ctx = name + ": article " + art.title;
    if (!a.is_object() || !a.contains("paragraphs") || !a["paragraphs"].is_array()) {
      throw Error(ErrorKind::kCorrupt, "article without a \"paragraphs\" array", ctx);
    }
    for (const json& p : a["paragraphs"]) {
      if (!p.is_object() || !p.contains("qas") || !p["qas"].is_array()) {
        throw Error(ErrorKind::kCorrupt, "paragraph without a \"qas\" array", ctx);
      }
      art.paragraphs.push_back(string_field(p, "context", ctx));
      for (const json& qa : p["qas"]) {
        QuestionItem q;
        q.id = string_field(qa, "id", ctx);
        q.question = string_field(qa, "question", ctx + ", question " + q.id);
        if (!qa.contains("answers") || !qa["answers"].is_array() || qa["answers"].empty()) {
          throw Error(ErrorKind::kCorrupt, "question without answers", ctx + ", question " + q.id);
        }
        for (const json& ans : qa["answers"]) {
          std::string t = string_field(ans, "text", ctx + ", question " + q.id);
          if (std::find(q.answers.begin(), q.answers.end(), t) == q.answers.end()) q.answers.push_back(t);
        }
        art.questions.push_back(std::move(q));
        art.question_paragraph.push_back(static_cast<int>(art.paragraphs.size()) - 1);
      }
    }
    out.push_back(std::move(art));
  }
  return out;
}

std::vector<SquadArticle> load_squad(const std::string& path) { return parse_squad(read_text(path), path); }

std::vector<Needle> parse_needles(std::string_view jsonl, const std::string& name) {
  std::vector<Needle> out;
  for_each_jsonl(jsonl, name, [&](size_t line, const json& j) {
    std::string ctx = where(name, line);
    out.push_back({string_field(j, "needle", ctx), string_field(j, "question", ctx), string_field(j, "answer", ctx)});
  });
  return out;
}

std::vector<Needle> load_needles(const std::string& path) { return parse_needles(read_text(path), path); }

std::string load_haystack(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir, ec)) {
    if (e.is_regular_file() && e.path().extension() == ".txt") files.push_back(e.path().string());
  }
  if (ec) throw Error(ErrorKind::kIo, "cannot list the haystack folder: " + ec.message(), dir);
  if (files.empty()) throw Error(ErrorKind::kNotFound, "no .txt files for the haystack", dir);
  std::sort(files.begin(), files.end());
  std::string out;
  for (const auto& f : files) {
    if (!out.empty()) out += "\n\n";
    std::string t = read_text(f);
    while (!t.empty() && (t.back() == '\n' || t.back() == ' ')) t.pop_back();
    out += t;
  }
  return out;
}

bool niah_hit(std::string_view answer, const Needle& needle) {
  return contains_answer(answer, needle.answer) > 0;
}

namespace {

std::vector<std::string> split_list(std::string_view list, const char* what) {
  std::vector<std::string> items;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string_view::npos) comma = list.size();
    std::string item(list.substr(pos, comma - pos));
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (item.empty()) throw Error(ErrorKind::kInvalidArgument, std::string("empty item in the ") + what + " list");
    items.push_back(item);
    pos = comma + 1;
  }
  return items;
}

}  // namespace

std::vector<int> parse_lengths(std::string_view list) {
  std::vector<int> out;
  for (const std::string& item : split_list(list, "lengths")) {
    bool k = item.back() == 'k' || item.back() == 'K';
    std::string digits = k ? item.substr(0, item.size() - 1) : item;
    size_t used = 0;
    long v = 0;
    try {
      v = std::stol(digits, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != digits.size() || digits.empty() || v < 1 || v > (k ? 1 << 20 : 1 << 30)) {
      throw Error(ErrorKind::kInvalidArgument, "bad context length '" + item + "' (expected e.g. 512 or 4k)");
    }
    out.push_back(static_cast<int>(k ? v * 1024 : v));
  }
  return out;
}

std::vector<double> parse_depths(std::string_view list) {
  std::vector<double> out;
  for (const std::string& item : split_list(list, "depths")) {
    size_t used = 0;
    double v = -1;
    try {
      v = std::stod(item, &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used != item.size() || !(v >= 0 && v <= 100)) {
      throw Error(ErrorKind::kInvalidArgument, "bad needle depth '" + item + "' (expected a percent, 0 to 100)");
    }
    out.push_back(v);
  }
  return out;
}

std::vector<std::string_view> split_sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  auto is_ws = [](char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r'; };
  for (size_t i = 0; i < text.size(); ++i) {
    bool end = false;
    if ((text[i] == '.' || text[i] == '!' || text[i] == '?') && i + 1 < text.size() && is_ws(text[i + 1])) end = true;
    if (text[i] == '\n' && i + 1 < text.size() && text[i + 1] == '\n') end = true;
    if (!end) continue;
    size_t j = i + 1;
    while (j < text.size() && is_ws(text[j])) ++j;  // trailing whitespace stays with the sentence
    out.push_back(text.substr(start, j - start));
    start = j;
    i = j - 1;
  }
  if (start < text.size()) out.push_back(text.substr(start));
  return out;
}

NiahCase build_niah(std::string_view filler, const Needle& needle, int context_tokens, double depth_percent,
                    const TokenCounter& count) {
  if (!(depth_percent >= 0 && depth_percent <= 100)) {
    throw Error(ErrorKind::kInvalidArgument, "needle depth must be within 0..100 percent");
  }
  std::vector<std::string_view> sentences = split_sentences(filler);
  if (sentences.empty() || needle.needle.empty()) {
    throw Error(ErrorKind::kInvalidArgument, "the haystack filler and the needle must not be empty");
  }
  std::string needle_text = needle.needle;
  while (!needle_text.empty() && needle_text.back() == ' ') needle_text.pop_back();
  needle_text += " ";
  const int needle_tokens = count(needle_text);
  const int filler_budget = context_tokens - needle_tokens;
  if (filler_budget <= 0) {
    throw Error(ErrorKind::kInvalidArgument, "a " + std::to_string(context_tokens) +
                                                 "-token context leaves no room beside the needle");
  }
  // Whole sentences, cycling through the filler, until the next would pass the budget.
  std::vector<std::string_view> picked;
  std::vector<int> cum = {0};  // cum[i] = tokens of the first i picked sentences
  for (size_t i = 0;; i = (i + 1) % sentences.size()) {
    int t = count(sentences[i]);
    if (cum.back() + t > filler_budget) break;
    picked.push_back(sentences[i]);
    cum.push_back(cum.back() + t);
    if (picked.size() > 4 * static_cast<size_t>(filler_budget) + 16) break;  // zero-token sentences guard
  }
  const double target = depth_percent / 100.0 * cum.back();
  size_t at = 0;  // boundary index: the needle goes before picked[at]
  for (size_t i = 0; i < cum.size(); ++i) {
    if (std::fabs(cum[i] - target) < std::fabs(cum[at] - target)) at = i;
  }
  NiahCase c;
  c.depth_percent = depth_percent;
  c.actual_depth_percent = cum.back() > 0 ? 100.0 * cum[at] / cum.back() : 0;
  for (size_t i = 0; i < picked.size(); ++i) {
    if (i == at) {
      c.needle_offset = c.text.size();
      c.text += needle_text;
    }
    c.text += picked[i];
  }
  if (at == picked.size()) {
    if (!c.text.empty() && c.text.back() != ' ' && c.text.back() != '\n') c.text += ' ';
    c.needle_offset = c.text.size();
    c.text += needle_text;
  }
  c.tokens = cum.back() + needle_tokens;
  return c;
}

}  // namespace hayloft::eval
