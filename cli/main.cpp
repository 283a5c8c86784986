// hayloft: the one binary. Parses the subcommand, loads config, runs it, and maps errors to exit codes:
// 0 ok, 1 runtime error, 2 usage error. With --json an error is still one JSON document on stdout.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/app.hpp"
#include "cli/commands.hpp"

namespace hayloft::cli {
namespace {

using app::kExitOk;
using app::kExitRuntime;
using app::kExitUsage;

void print_top_help() {
  std::printf(
      "hayloft — ask questions over your documents, by long context or by retrieval, and see the cost.\n\n"
      "usage: hayloft COMMAND [options]   (hayloft COMMAND --help for details)\n\ncommands:\n");
  for (const auto& cmd : commands()) {
    CommandSpec spec = cmd.spec();
    std::printf("  %-16s %s\n", spec.name.c_str(), spec.summary.c_str());
  }
  std::printf(
      "\nevery command accepts --json (one JSON document on stdout), --home DIR (or $HAYLOFT_HOME),\n"
      "--config FILE and -v.\n");
}

// Finds the command whose name (one or two words, e.g. "model list") matches the start of argv.
const Command* match_command(const std::vector<std::string>& argv, size_t& words) {
  const Command* best = nullptr;
  for (const auto& cmd : commands()) {
    std::vector<std::string> name = split_list(cmd.spec().name, ' ');
    if (name.size() > argv.size()) continue;
    bool ok = true;
    for (size_t i = 0; i < name.size(); ++i) ok = ok && argv[i] == name[i];
    if (ok && (!best || name.size() > words)) {
      best = &cmd;
      words = name.size();
    }
  }
  return best;
}

bool wants_json(const std::vector<std::string>& argv) {
  for (const auto& a : argv) {
    if (a == "--json") return true;
    if (a == "--") break;
  }
  return false;
}

int report_error(bool json, int code, const std::string& kind, const std::string& message) {
  if (json) {
    print_json({{"ok", false}, {"error", {{"kind", kind}, {"message", message}, {"exit_code", code}}}});
  }
  std::fprintf(stderr, "hayloft: %s\n", message.c_str());
  return code;
}

int run_main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  bool json = wants_json(args);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    print_top_help();
    return args.empty() ? kExitUsage : kExitOk;
  }
  if (args[0] == "--version") {
    std::printf("hayloft 0.1.0\n");
    return kExitOk;
  }
  size_t words = 0;
  const Command* cmd = match_command(args, words);
  if (!cmd) {
    return report_error(json, kExitUsage, "usage",
                        "unknown command '" + args[0] + "' (see hayloft --help)");
  }
  CommandSpec spec = cmd->spec();
  try {
    Context ctx;
    ctx.args = parse_args(spec, std::vector<std::string>(args.begin() + static_cast<long>(words), args.end()));
    if (ctx.args.has("help")) {
      std::printf("%s", help_text(spec).c_str());
      return kExitOk;
    }
    ctx.json = ctx.args.has("json");
    ctx.verbose = ctx.args.has("verbose");
    init_logging(ctx.verbose);
    app::Home home = app::open_home(ctx.args.get("home"), ctx.args.get("config"));
    ctx.home = home.dir;
    ctx.config = std::move(home.config);
    return cmd->run(ctx);
  } catch (const UsageError& e) {
    return report_error(json, kExitUsage, "usage", e.message + " (see hayloft " + spec.name + " --help)");
  } catch (const Error& e) {
    return report_error(json, app::error_status(e.kind()).exit_code, error_kind_name(e.kind()), e.what());
  } catch (const std::exception& e) {
    return report_error(json, kExitRuntime, "internal", std::string("unexpected error: ") + e.what());
  }
}

}  // namespace
}  // namespace hayloft::cli

int main(int argc, char** argv) {
  hayloft::app::ensure_fast_openblas(argv);
  return hayloft::cli::run_main(argc, argv);
}
