// Finding model files: short names, search directories, listing.
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "engine/engine.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace hayloft::engine {

namespace fs = std::filesystem;

namespace {

// Short names for the models the project ships with.
const std::map<std::string, std::string>& aliases() {
  static const std::map<std::string, std::string> m = {
      {"smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf"},
      {"gemma3-270m", "gemma-3-270m-q4_k_m.gguf"},
  };
  return m;
}

std::string exe_dir() {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  return ec ? std::string() : exe.parent_path().string();
}

}  // namespace

std::vector<std::string> default_model_dirs(const std::vector<std::string>& config_dirs) {
  std::vector<std::string> dirs;
  if (const char* env = std::getenv("HAYLOFT_MODELS_DIR"); env && *env) dirs.emplace_back(env);
  if (std::string e = exe_dir(); !e.empty()) dirs.push_back(e + "/../models");
  dirs.emplace_back("./models");
  dirs.insert(dirs.end(), config_dirs.begin(), config_dirs.end());
  return dirs;
}

std::vector<std::string> list_model_files(const std::vector<std::string>& dirs) {
  std::vector<std::string> out;
  std::vector<fs::path> seen;
  for (const auto& d : dirs) {
    std::error_code ec;
    if (!fs::is_directory(d, ec)) continue;
    for (const auto& entry : fs::directory_iterator(d, ec)) {
      if (entry.path().extension() != ".gguf" || !entry.is_regular_file(ec)) continue;
      fs::path canonical = fs::weakly_canonical(entry.path(), ec);
      if (std::find(seen.begin(), seen.end(), canonical) != seen.end()) continue;
      seen.push_back(canonical);
      out.push_back(canonical.string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string resolve_model(const std::string& name_or_path, const std::vector<std::string>& dirs) {
  std::error_code ec;
  if (name_or_path.empty()) throw Error(ErrorKind::kInvalidArgument, "empty model name");
  if (fs::is_regular_file(name_or_path, ec)) return name_or_path;
  std::string file = name_or_path;
  if (auto it = aliases().find(ascii_lower(name_or_path)); it != aliases().end()) file = it->second;
  const std::vector<std::string> found = list_model_files(dirs);
  // Exact file name first, then the stem without .gguf, both case-insensitive.
  for (const auto& path : found) {
    const fs::path p(path);
    if (ascii_lower(p.filename().string()) == ascii_lower(file) || ascii_lower(p.stem().string()) == ascii_lower(file)) return path;
  }
  std::string list;
  for (const auto& path : found) list += "\n  " + path;
  std::string searched;
  for (const auto& d : dirs) searched += (searched.empty() ? "" : ", ") + d;
  throw Error(ErrorKind::kNotFound,
              "model '" + name_or_path + "' not found (searched " + searched + ")" +
                  (found.empty() ? std::string("; no *.gguf found") : "; available:" + list));
}

}  // namespace hayloft::engine
