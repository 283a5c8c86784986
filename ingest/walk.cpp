// list_files(): expands files and folders into a sorted, de-duplicated list of regular files.
//
// Globs are matched on the path relative to the folder given (with '/' separators):
//   *   any characters except '/'        ?   one character except '/'
//   **  any characters including '/'; "**/" also matches nothing, so "**/x" matches "x" and "a/b/x".
// A pattern without '/' is matched against the file name alone (like .gitignore), so "*.md" finds
// Markdown files at any depth. Excludes also prune folders ("build/**" or "**/.*" skip whole trees).
// Files named directly on the command line are always taken (the user asked for them), if regular.
#include <algorithm>
#include <filesystem>
#include <system_error>

#include "ingest/ingest.hpp"
#include "util/error.hpp"

namespace hayloft::ingest {
namespace {

namespace fs = std::filesystem;

bool glob_match(std::string_view p, std::string_view s) {
  while (!p.empty()) {
    if (p.substr(0, 2) == "**") {
      std::string_view rest = p.substr(2);
      while (!rest.empty() && rest.front() == '*') rest.remove_prefix(1);
      if (!rest.empty() && rest.front() == '/') {
        // "**/": zero or more whole folders.
        std::string_view after = rest.substr(1);
        if (glob_match(after, s)) return true;
        for (size_t i = 0; i < s.size(); ++i) {
          if (s[i] == '/' && glob_match(after, s.substr(i + 1))) return true;
        }
        return false;
      }
      if (rest.empty()) return true;
      for (size_t i = 0; i <= s.size(); ++i) {
        if (glob_match(rest, s.substr(i))) return true;
      }
      return false;
    }
    if (p.front() == '*') {
      std::string_view rest = p.substr(1);
      for (size_t i = 0; i <= s.size(); ++i) {
        if (glob_match(rest, s.substr(i))) return true;
        if (i < s.size() && s[i] == '/') break;
      }
      return false;
    }
    if (s.empty()) return false;
    if (p.front() == '?' ? s.front() == '/' : p.front() != s.front()) return false;
    p.remove_prefix(1);
    s.remove_prefix(1);
  }
  return s.empty();
}

bool matches(const std::string& pattern, const std::string& rel) {
  if (pattern.find('/') == std::string::npos) {
    size_t slash = rel.find_last_of('/');
    return glob_match(pattern, slash == std::string::npos ? rel : rel.substr(slash + 1));
  }
  return glob_match(pattern, rel);
}

bool any_match(const std::vector<std::string>& patterns, const std::string& rel) {
  return std::any_of(patterns.begin(), patterns.end(), [&](const std::string& p) { return matches(p, rel); });
}

void walk_folder(const std::string& root, const WalkOptions& options, std::vector<std::string>& out) {
  std::error_code ec;
  auto it = fs::recursive_directory_iterator(root, fs::directory_options::skip_permission_denied, ec);
  if (ec) throw Error(ErrorKind::kIo, "cannot open folder: " + ec.message(), root);
  for (auto end = fs::recursive_directory_iterator(); it != end; it.increment(ec)) {
    if (ec) throw Error(ErrorKind::kIo, "cannot list folder: " + ec.message(), root);
    const fs::path& path = it->path();
    std::string rel = path.lexically_relative(root).generic_string();
    std::error_code sec;
    if (it->is_directory(sec) && !it->is_symlink(sec)) {
      if (any_match(options.exclude, rel) || any_match(options.exclude, rel + "/")) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file(sec)) continue;  // sockets, fifos, devices, dangling links, linked folders
    if (any_match(options.exclude, rel)) continue;
    if (!options.include.empty() && !any_match(options.include, rel)) continue;
    out.push_back(path.generic_string());
  }
}

}  // namespace

std::vector<std::string> list_files(const std::vector<std::string>& paths, const WalkOptions& options) {
  std::vector<std::string> out;
  for (const std::string& p : paths) {
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) throw Error(ErrorKind::kNotFound, "no such file or folder", p);
    if (fs::is_directory(st)) walk_folder(p, options, out);
    else if (fs::is_regular_file(st)) out.push_back(fs::path(p).generic_string());
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace hayloft::ingest
