// Process start, homes and models: what every command does before its use-case runs.
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>

#include "app/app.hpp"

extern "C" char* openblas_get_corename(void);

namespace hayloft::app {

ErrorStatus error_status(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::kInvalidArgument: return {kExitUsage, 400};
    case ErrorKind::kNotFound: return {kExitRuntime, 404};
    case ErrorKind::kCorrupt: return {kExitRuntime, 422};
    case ErrorKind::kUnsupported: return {kExitRuntime, 415};
    case ErrorKind::kResourceExhausted: return {kExitRuntime, 413};
    case ErrorKind::kCancelled: return {kExitRuntime, 499};  // nginx's "client closed request"
    case ErrorKind::kIo: return {kExitRuntime, 500};
    case ErrorKind::kInternal: return {kExitRuntime, 500};
  }
  return {kExitRuntime, 500};
}

// Seen here: a virtualised "Intel Xeon Processor" with AVX-512 that OpenBLAS does not know, where it
// falls back to SSE3 "Prescott" kernels and prefill sgemm runs 1.75x slower. The core type can only be
// set through the environment before the library loads, so re-exec once with it set; if exec fails we
// carry on with the slow kernels (engine::Session warns about them).
void ensure_fast_openblas(char** argv) {
  if (std::getenv("OPENBLAS_CORETYPE")) return;
  const char* core = openblas_get_corename();
  if (!core || std::string(core) != "Prescott") return;
  const char* want = nullptr;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512vl")) {
    want = "SkylakeX";
  } else if (__builtin_cpu_supports("avx2")) {
    want = "Haswell";
  }
  if (!want) return;
  ::setenv("OPENBLAS_CORETYPE", want, 1);
  ::execv("/proc/self/exe", argv);
}

namespace {

nlohmann::json read_json_file(const std::string& path) {
  std::string text = read_file(path, 16 << 20);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kInvalidArgument, std::string("not valid JSON: ") + e.what(), path);
  }
}

}  // namespace

Home open_home(const std::string& home_flag, const std::string& config_file) {
  Home home;
  home.dir = config::resolve_home(home_flag);
  std::vector<nlohmann::json> overlays;
  const std::string home_config = home.dir + "/config.json";
  if (std::filesystem::is_regular_file(home_config)) overlays.push_back(read_json_file(home_config));
  if (!config_file.empty()) overlays.push_back(read_json_file(config_file));
  home.config = config::load(overlays);
  return home;
}

ScratchHome::ScratchHome(const std::string& prefix) {
  std::string tmpl = (std::filesystem::temp_directory_path() / (prefix + "-XXXXXX")).string();
  if (!::mkdtemp(tmpl.data())) throw Error(ErrorKind::kIo, "cannot create a scratch folder", tmpl);
  path_ = tmpl;
}

ScratchHome::~ScratchHome() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

config::Config with_engine_choice(const config::Config& config, const EngineChoice& choice) {
  config::Config c = config;
  if (choice.threads) {
    if (*choice.threads < 1 || *choice.threads > 256) {
      throw Error(ErrorKind::kInvalidArgument, "--threads must be in 1..256");
    }
    c.engine.threads = static_cast<int>(*choice.threads);
  }
  if (choice.context) {
    if (*choice.context < 0 || *choice.context > (int64_t{1} << 31) - 1) {
      throw Error(ErrorKind::kInvalidArgument, "--ctx must be >= 0");
    }
    c.engine.context = static_cast<int>(*choice.context);
  }
  return c;
}

std::string model_path(const config::Config& config, const std::string& model) {
  return engine::resolve_model(model.empty() ? config.engine.default_model : model,
                               engine::default_model_dirs(config.engine.model_dirs));
}

std::unique_ptr<pipeline::LocalGenerator> load_generator(const config::Config& config, const std::string& model,
                                                         pipeline::PromptStyle style) {
  return std::make_unique<pipeline::LocalGenerator>(engine::Model::load(model_path(config, model)), config.engine,
                                                    style);
}

}  // namespace hayloft::app
