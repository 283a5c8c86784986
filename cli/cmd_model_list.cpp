// hayloft model list: the GGUF models hayloft can find, with what each is and costs.
#include <cstdio>

#include "cli/commands.hpp"
#include "engine/engine.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec model_list_spec() {
  return {"model list",
          "list the models found (architecture, parameters, quantization, context, size)",
          "[--json]",
          "Searches $HAYLOFT_MODELS_DIR, <exe dir>/../models, ./models and engine.model_dirs for *.gguf.\n"
          "Short names: smollm2, gemma3-270m.",
          {},
          0,
          0};
}

int model_list_run(Context& ctx) {
  const auto dirs = engine::default_model_dirs(ctx.config.engine.model_dirs);
  nlohmann::json models = nlohmann::json::array();
  for (const auto& path : engine::list_model_files(dirs)) {
    nlohmann::json entry = {{"path", path}};
    try {
      auto model = engine::Model::load(path);
      const engine::ModelInfo& i = model->info();
      entry.update({{"ok", true},
                    {"name", i.name},
                    {"architecture", i.architecture},
                    {"parameters", i.parameters},
                    {"quantization", i.quantization},
                    {"context_length", i.context_length},
                    {"file_bytes", i.file_bytes},
                    {"n_layer", i.n_layer},
                    {"kv_bytes_per_token_f16", i.kv_bytes_per_token(engine::KvType::kF16)}});
    } catch (const Error& e) {
      entry.update({{"ok", false}, {"error", e.what()}});  // one bad file does not hide the others
    }
    models.push_back(entry);
  }
  if (ctx.json) {
    print_json({{"ok", true}, {"models", models}});
    return 0;
  }
  if (models.empty()) std::printf("no *.gguf models found\n");
  for (const auto& m : models) {
    if (!m["ok"].get<bool>()) {
      std::printf("%s: %s\n", m["path"].get<std::string>().c_str(), m["error"].get<std::string>().c_str());
      continue;
    }
    std::printf("%-28s %-7s %6.0fM params  %-5s ctx %-6ld %7.1f MiB  %s\n", m["name"].get<std::string>().c_str(),
                m["architecture"].get<std::string>().c_str(), m["parameters"].get<double>() / 1e6,
                m["quantization"].get<std::string>().c_str(), m["context_length"].get<long>(),
                m["file_bytes"].get<double>() / (1 << 20), m["path"].get<std::string>().c_str());
  }
  return 0;
}

}  // namespace hayloft::cli
