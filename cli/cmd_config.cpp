// hayloft config: prints the effective configuration (defaults, home config, --config), so a user can see
// what every knob is set to and where data lives.
#include "cli/commands.hpp"

namespace hayloft::cli {

CommandSpec config_show_spec() {
  return {"config",
          "show the effective configuration and data directory",
          "[--json]",
          "Prints config/defaults.json merged with $HAYLOFT_HOME/config.json and --config FILE.",
          {},
          0,
          0};
}

int config_show_run(Context& ctx) {
  nlohmann::json doc = {{"home", ctx.home}, {"config", config::to_json(ctx.config)}};
  if (ctx.json) {
    print_json(doc);
  } else {
    std::printf("home: %s\n%s\n", ctx.home.c_str(), doc["config"].dump(2).c_str());
  }
  return 0;
}

}  // namespace hayloft::cli
