// hayloft runs: the stored asks, compares and evaluations; `runs show ID` prints one in full.
#include <cstdio>

#include "app/app.hpp"
#include "cli/commands.hpp"
#include "index/index.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

namespace {

// One line of a terminal list; long text is cut to `width` bytes (at a UTF-8 boundary).
std::string cut(std::string s, size_t width) {
  for (char& c : s) {
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  }
  if (s.size() <= width) return s;
  size_t end = width - 3;
  while (end > 0 && (static_cast<unsigned char>(s[end]) & 0xC0) == 0x80) --end;
  return s.substr(0, end) + "...";
}

}  // namespace

CommandSpec runs_spec() {
  return {"runs",
          "list stored runs (asks, compares, evaluations)",
          "[--kind K] [--limit N]",
          "Newest first. `hayloft runs show ID` prints one run with its parameters, result and metrics.",
          {{"kind", 0, "K", "only runs of this kind (ask, compare, eval, ...)", "all"},
           {"limit", 0, "N", "most runs listed", "100"}},
          0,
          0};
}

int runs_run(Context& ctx) {
  int64_t limit = ctx.args.get_int("limit", 100);
  if (limit < 1 || limit > 100000) throw UsageError{"--limit must be between 1 and 100000"};
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  std::vector<index::RunRecord> runs = library.store().list_runs(static_cast<int>(limit), ctx.args.get("kind"));
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& r : runs) arr.push_back(app::run_json(r, false));
    print_json({{"ok", true}, {"runs", arr}});
    return 0;
  }
  if (runs.empty()) {
    std::printf("no runs yet (see `hayloft ask`)\n");
    return 0;
  }
  std::printf("%6s  %-8s  %-12s  %-5s  %s\n", "ID", "KIND", "COLLECTION", "ROUTE", "QUESTION");
  for (const auto& r : runs) {
    std::printf("%6lld  %-8s  %-12s  %-5s  %s\n", static_cast<long long>(r.id), cut(r.kind, 8).c_str(),
                cut(r.collection, 12).c_str(), r.route.c_str(), cut(r.question, 60).c_str());
  }
  return 0;
}

CommandSpec runs_show_spec() {
  return {"runs show", "show one stored run", "ID", "Prints the run's parameters, result and metrics.", {}, 1, 1};
}

int runs_show_run(Context& ctx) {
  const std::string& arg = ctx.args.positional().at(0);
  int64_t id = 0;
  try {
    size_t used = 0;
    id = std::stoll(arg, &used);
    if (used != arg.size() || id < 1) throw std::invalid_argument(arg);
  } catch (const std::exception&) {
    throw UsageError{"run ID must be a positive integer, got '" + arg + "'"};
  }
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  auto run = library.store().get_run(id);
  if (!run) throw Error(ErrorKind::kNotFound, "no such run", arg);
  nlohmann::json j = app::run_json(*run, true);
  if (ctx.json) {
    j["ok"] = true;
    print_json(j);
    return 0;
  }
  std::printf("run %lld (%s) %s\n", static_cast<long long>(run->id), run->kind.c_str(), run->collection.c_str());
  std::printf("question: %s\nroute: %s (%s)\n", run->question.c_str(), run->route.c_str(), run->reason.c_str());
  std::printf("answer: %s\n", run->result.value("answer", std::string()).c_str());
  std::printf("%s\n", j["metrics"].dump(2).c_str());
  return 0;
}

}  // namespace hayloft::cli
