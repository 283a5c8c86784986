#pragma once
// The subcommands. Each lives in cli/cmd_<name>.cpp and exposes a spec (for parsing and --help) and a run
// function. run returns the exit code; it reports results through Output so that --json always prints
// exactly one document. Errors are thrown (hayloft::Error, UsageError) and mapped in main.cpp.
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/args.hpp"
#include "config/config.hpp"

namespace hayloft::cli {

struct Context {
  ParsedArgs args;
  config::Config config;  // defaults + home config + --config, before per-command flags
  std::string home;       // resolved data directory (may not exist yet)
  bool json = false;
  bool verbose = false;
};

// Prints a command's single result: JSON on stdout with --json, else the human text.
void print_json(const nlohmann::json& doc);

struct Command {
  CommandSpec (*spec)();
  int (*run)(Context&);
};

// The command table, in the order `hayloft --help` lists them.
const std::vector<Command>& commands();

// Declarations: one pair per cmd_*.cpp.
#define HL_DECLARE_COMMAND(fn) \
  CommandSpec fn##_spec();     \
  int fn##_run(Context& ctx);

HL_DECLARE_COMMAND(ingest)
HL_DECLARE_COMMAND(search)
HL_DECLARE_COMMAND(collections)
HL_DECLARE_COMMAND(docs)
HL_DECLARE_COMMAND(rm)
HL_DECLARE_COMMAND(eval_retrieval)
HL_DECLARE_COMMAND(model_list)
HL_DECLARE_COMMAND(model_plan)
HL_DECLARE_COMMAND(generate)
HL_DECLARE_COMMAND(ask)
HL_DECLARE_COMMAND(compare)
HL_DECLARE_COMMAND(eval)
HL_DECLARE_COMMAND(runs)
HL_DECLARE_COMMAND(runs_show)
HL_DECLARE_COMMAND(niah)
HL_DECLARE_COMMAND(report)
HL_DECLARE_COMMAND(config_show)
HL_DECLARE_COMMAND(serve)
HL_DECLARE_COMMAND(shards_list)
HL_DECLARE_COMMAND(shards_add)
HL_DECLARE_COMMAND(shards_rm)
HL_DECLARE_COMMAND(serve_shard)

#undef HL_DECLARE_COMMAND

}  // namespace hayloft::cli
