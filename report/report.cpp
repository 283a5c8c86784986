// Report rendering: blocks to Markdown and to self-contained HTML, and the files written. The kinds'
// sections are in report_sections.cpp.
#include "report/report.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>

#include "report/report_internal.hpp"
#include "util/error.hpp"

namespace hayloft::report {

namespace page {

// Block is a plain aggregate: each constructor names the kind and the fields it uses.
Block heading(int level, std::string t) { return {.kind = Block::Kind::kHeading, .level = level, .text = std::move(t)}; }

Block text(std::string t) { return {.kind = Block::Kind::kText, .text = std::move(t)}; }

Block fields(std::vector<std::pair<std::string, std::string>> f) {
  return {.kind = Block::Kind::kFields, .fields = std::move(f)};
}

Block table(std::vector<std::string> header, std::vector<std::vector<std::string>> rows) {
  return {.kind = Block::Kind::kTable, .header = std::move(header), .rows = std::move(rows)};
}

Block quote(std::string t) { return {.kind = Block::Kind::kQuote, .text = std::move(t)}; }

Block image(std::string file, std::string alt) {
  return {.kind = Block::Kind::kImage, .text = std::move(alt), .file = std::move(file)};
}

Block code(std::string t) { return {.kind = Block::Kind::kCode, .text = std::move(t)}; }

std::string fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", digits, v);
  return buf;
}

std::string utc_time(int64_t seconds) {
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M UTC", &tm);
  return buf;
}

}  // namespace page

using page::Block;

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string markdown_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\n': case '\r': out += ' '; break;
      case '\\': case '`': case '*': case '_': case '[': case ']': case '|': case '#':
        out += '\\';
        out += c;
        break;
      default: out += c;
    }
  }
  return out;
}

namespace {

// A fenced block may not be closed early by the text: the fence is one backtick longer than any run in it.
std::string fence_for(const std::string& text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max<size_t>(3, longest + 1), '`');
}

std::string to_markdown(const std::vector<Block>& blocks) {
  std::string md;
  for (const Block& b : blocks) {
    switch (b.kind) {
      case Block::Kind::kHeading:
        md += std::string(static_cast<size_t>(std::clamp(b.level, 1, 6)), '#') + " " + markdown_escape(b.text) + "\n\n";
        break;
      case Block::Kind::kText:
        md += markdown_escape(b.text) + "\n\n";
        break;
      case Block::Kind::kFields:
        for (const auto& [k, v] : b.fields) md += "- **" + markdown_escape(k) + "**: " + markdown_escape(v) + "\n";
        md += "\n";
        break;
      case Block::Kind::kTable: {
        md += "|";
        for (const auto& h : b.header) md += " " + markdown_escape(h) + " |";
        md += "\n|";
        for (size_t i = 0; i < b.header.size(); ++i) md += "---|";
        md += "\n";
        for (const auto& row : b.rows) {
          md += "|";
          for (size_t i = 0; i < b.header.size(); ++i) md += " " + (i < row.size() ? markdown_escape(row[i]) : "") + " |";
          md += "\n";
        }
        md += "\n";
        break;
      }
      case Block::Kind::kQuote: {
        // One quoted line per line of the text, each escaped on its own.
        size_t pos = 0;
        while (pos <= b.text.size()) {
          size_t nl = b.text.find('\n', pos);
          if (nl == std::string::npos) nl = b.text.size();
          md += "> " + markdown_escape(std::string_view(b.text).substr(pos, nl - pos)) + "\n";
          pos = nl + 1;
        }
        md += "\n";
        break;
      }
      case Block::Kind::kImage:
        md += "![" + markdown_escape(b.text) + "](" + b.file + ")\n\n";
        break;
      case Block::Kind::kCode: {
        std::string f = fence_for(b.text);
        md += f + "\n" + b.text + "\n" + f + "\n\n";
        break;
      }
    }
  }
  return md;
}

constexpr const char* kStyle =
    "body{font-family:sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;color:#222}"
    "table{border-collapse:collapse;margin:.5rem 0 1rem}th,td{border:1px solid #ccc;padding:.25rem .5rem;"
    "text-align:left;vertical-align:top}th{background:#f3f3f3}"
    "blockquote{white-space:pre-wrap;border-left:4px solid #ccc;margin:.5rem 0;padding:.25rem .75rem;"
    "background:#fafafa}pre{background:#f6f6f6;padding:.5rem;overflow-x:auto}img{max-width:100%}"
    "dt{font-weight:bold}dd{margin:0 0 .25rem 1rem}";

std::string to_html(const std::vector<Block>& blocks, const std::string& title) {
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>" +
                  html_escape(title) + "</title>\n<style>" + kStyle + "</style>\n</head>\n<body>\n";
  for (const Block& b : blocks) {
    switch (b.kind) {
      case Block::Kind::kHeading: {
        std::string n = std::to_string(std::clamp(b.level, 1, 6));
        h += "<h" + n + ">" + html_escape(b.text) + "</h" + n + ">\n";
        break;
      }
      case Block::Kind::kText:
        h += "<p>" + html_escape(b.text) + "</p>\n";
        break;
      case Block::Kind::kFields:
        h += "<dl>\n";
        for (const auto& [k, v] : b.fields) h += "<dt>" + html_escape(k) + "</dt><dd>" + html_escape(v) + "</dd>\n";
        h += "</dl>\n";
        break;
      case Block::Kind::kTable:
        h += "<table>\n<tr>";
        for (const auto& x : b.header) h += "<th>" + html_escape(x) + "</th>";
        h += "</tr>\n";
        for (const auto& row : b.rows) {
          h += "<tr>";
          for (size_t i = 0; i < b.header.size(); ++i) h += "<td>" + (i < row.size() ? html_escape(row[i]) : "") + "</td>";
          h += "</tr>\n";
        }
        h += "</table>\n";
        break;
      case Block::Kind::kQuote:
        h += "<blockquote>" + html_escape(b.text) + "</blockquote>\n";
        break;
      case Block::Kind::kImage:
        h += "<p><img src=\"" + html_escape(b.file) + "\" alt=\"" + html_escape(b.text) + "\"></p>\n";
        break;
      case Block::Kind::kCode:
        h += "<pre>" + html_escape(b.text) + "</pre>\n";
        break;
    }
  }
  return h + "</body>\n</html>\n";
}

void write_text(const std::string& path, const std::string& content) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(content.data(), static_cast<std::streamsize>(content.size()));
  f.close();
  if (!f) throw Error(ErrorKind::kIo, "cannot write the report", path);
}

}  // namespace

ReportOutput write_report(const std::vector<index::RunRecord>& runs, const ReportOptions& options) {
  if (runs.empty()) throw Error(ErrorKind::kInvalidArgument, "a report needs at least one run");
  if (!options.markdown && !options.html) throw Error(ErrorKind::kInvalidArgument, "no report format asked for");
  std::error_code ec;
  std::filesystem::create_directories(options.out_dir, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot create the report folder: " + ec.message(), options.out_dir);

  page::PlotSink sink{options.out_dir, {}};
  std::vector<Block> blocks = {page::heading(1, "hayloft report")};
  std::string ids;
  for (const auto& r : runs) ids += (ids.empty() ? "" : ", ") + std::to_string(r.id) + " (" + r.kind + ")";
  blocks.push_back(page::text("Runs: " + ids + "."));
  for (const auto& run : runs) {
    page::Blocks section;
    if (run.kind == "ask") section = page::ask_section(run);
    else if (run.kind == "compare") section = page::compare_section(run);
    else if (run.kind == "niah") section = page::niah_section(run, sink);
    else if (run.kind == "eval") section = page::eval_section(run, sink, options.wrong_sample);
    else section = page::generic_section(run);
    blocks.insert(blocks.end(), section.begin(), section.end());
  }

  ReportOutput out;
  out.files = sink.written;
  const std::string stem = (std::filesystem::path(options.out_dir) / options.name).string();
  if (options.markdown) {
    out.markdown = to_markdown(blocks);
    write_text(stem + ".md", out.markdown);
    out.files.push_back(stem + ".md");
  }
  if (options.html) {
    out.html = to_html(blocks, "hayloft report: runs " + ids);
    write_text(stem + ".html", out.html);
    out.files.push_back(stem + ".html");
  }
  return out;
}

}  // namespace hayloft::report
