// hayloft niah: the needle-in-a-haystack grid per route (lc, rag) with heat maps and a cost table, run in a
// scratch home (the user's collections are never touched) and stored as one run of kind "niah".
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>

#include "app/app.hpp"
#include "cli/answer_setup.hpp"
#include "cli/commands.hpp"
#include "cli/interrupt.hpp"
#include "report/report.hpp"

namespace hayloft::cli {

CommandSpec niah_spec() {
  return {"niah",
          "needle-in-a-haystack grid per route (lc, rag) with heat maps and costs",
          "--haystack DIR --needles FILE [--lengths L,..] [--depths D,..] [--modes lc,rag] [--plot FILE.svg]",
          "For every needle, context length and depth: the haystack (the *.txt files of DIR, sorted, as\n"
          "filler) gets the needle at the sentence boundary nearest the depth; then each mode answers the\n"
          "needle's question: lc with the haystack in context, rag with it chunked by the ingest chunker,\n"
          "indexed in Xapian and the top passages packed to the RAG budget. A hit when the answer holds the\n"
          "needle's answer. Runs in a temporary home (your collections are never touched). Lengths are\n"
          "model tokens (1k = 1024). A length given with --lengths whose lc prompt the window cannot hold\n"
          "is an error before anything runs (raise --ctx, lower --lengths, or run --modes rag); of the\n"
          "default lengths, those that do not fit are left out (and said so). Ctrl-C stops after the\n"
          "current answer; the partial grid is printed and stored. Needles are JSONL\n"
          "{\"needle\", \"question\", \"answer\"}. --plot FILE.svg writes one heat map per mode as\n"
          "FILE-lc.svg, FILE-rag.svg (.png likewise). Stored as one run (kind niah); see `hayloft report`.\n"
          "--completion is for base models without a chat template (Gemma 3 270M): no chat markup and no\n"
          "instructions; the prompt is the haystack, then \"Question: Q\" and \"Answer: \" followed by the\n"
          "needle's own words before its fact (\"The password to the Hollins Street archive is\"), and the\n"
          "model's continuation up to the first newline is the answer. rag still searches with that text.",
          {{"haystack", 0, "DIR", "folder of .txt filler (e.g. ../shared/data/pg-essays)", ""},
           {"needles", 0, "FILE", "needles JSONL", ""},
           {"lengths", 0, "L,..", "context lengths in tokens (k = 1024)", "those of 1k,2k,4k,8k that fit"},
           {"depths", 0, "D,..", "needle depths in percent", "0,25,50,75,100"},
           {"modes", 0, "M,..", "routes to test: lc, rag", "lc,rag"},
           {"model", 'm', "NAME|PATH", "answering model (see `hayloft model list`)", "engine.default_model"},
           {"tokens", 'n', "N", "tokens to generate at most per answer", "32"},
           {"top-k", 'k', "K", "passages retrieved for rag", "pipeline.rag_top_k"},
           {"plot", 0, "FILE", "heat maps: FILE-<mode>.svg or .png", ""},
           {"completion", 0, "", "base models: plain text ending in the needle's lead (see above)", ""},
           {"threads", 't', "N", "worker threads", "engine.threads"},
           {"ctx", 0, "N", "KV-cache positions (0 = the model's window)", "engine.context"}},
          0,
          0};
}

namespace {

eval::NiahOptions niah_options(const Context& ctx) {
  eval::NiahOptions o;
  try {
    o.lengths = eval::parse_lengths(ctx.args.get("lengths", "1k,2k,4k,8k"));
    o.drop_unfit_lengths = !ctx.args.has("lengths");
    o.depths = eval::parse_depths(ctx.args.get("depths", "0,25,50,75,100"));
    for (const auto& m : split_list(ctx.args.get("modes", "lc,rag"))) {
      pipeline::Mode mode = pipeline::parse_mode(m);
      if (mode == pipeline::Mode::kAuto) throw UsageError{"--modes takes lc and rag (auto has no fixed route)"};
      if (std::find(o.modes.begin(), o.modes.end(), mode) == o.modes.end()) o.modes.push_back(mode);
    }
  } catch (const Error& e) {
    throw UsageError{e.what()};
  }
  if (o.modes.empty()) throw UsageError{"--modes is empty"};
  int64_t n = ctx.args.get_int("tokens", 32);
  if (n < 1 || n > 100000) throw UsageError{"-n must be between 1 and 100000"};
  o.max_tokens = static_cast<int>(n);
  int64_t k = ctx.args.get_int("top-k", 0);
  if (k < 0 || k > 1000) throw UsageError{"--top-k must be between 1 and 1000"};
  o.top_k = static_cast<int>(k);
  o.completion = ctx.args.has("completion");
  return o;
}

void print_text(const eval::NiahResult& r) {
  for (const auto& s : r.summaries) {
    std::printf("%s: %d of %d hits (%.0f%%)\n%8s", pipeline::mode_name(s.mode), s.hits, s.cells, 100 * s.hit_rate,
                "depth");
    report::Heatmap map = report::niah_heatmap(r, s.mode, "");
    for (int l : map.lengths) std::printf(" %6s", eval::length_label(l).c_str());
    std::printf("\n");
    for (size_t d = 0; d < map.depths.size(); ++d) {
      std::printf("%7g%%", map.depths[d]);
      for (double v : map.values[d]) std::isnan(v) ? std::printf(" %6s", "-") : std::printf(" %5.0f%%", 100 * v);
      std::printf("\n");
    }
    std::printf("\n");
  }
  std::printf("%s", eval::niah_cost_markdown(r.summaries).c_str());
}

}  // namespace

int niah_run(Context& ctx) {
  if (!ctx.args.has("haystack") || !ctx.args.has("needles")) throw UsageError{"--haystack and --needles are required"};
  app::NiahRequest request;
  request.options = niah_options(ctx);
  request.plot = ctx.args.get("plot");
  if (!request.plot.empty() && !request.plot.ends_with(".svg") && !request.plot.ends_with(".png")) {
    throw UsageError{"--plot takes a .svg or .png file name"};
  }
  request.haystack = ctx.args.get("haystack");
  request.needles = ctx.args.get("needles");

  SigintGuard guard;  // Ctrl-C ends the grid after the current answer, so the scratch home is removed
  std::optional<Progress> bar;  // the total is known once the grid has left out unfit lengths
  app::NiahHooks hooks;
  hooks.on_start = [&request](const pipeline::Generator& g, size_t needles) {
    spdlog::info("niah: {} lengths x {} depths x {} needles x {} modes with {}", request.options.lengths.size(),
                 request.options.depths.size(), needles, request.options.modes.size(), g.model_name());
  };
  hooks.on_cell = [&bar](const eval::NiahCell& c, size_t done, size_t all) {
    if (!bar) bar.emplace("niah", static_cast<int64_t>(all));
    bar->update(static_cast<int64_t>(done));
    std::string head = c.answer.substr(0, 80);  // one log line: answers may hold line breaks
    for (char& ch : head) ch = (ch == '\n' || ch == '\r') ? ' ' : ch;
    spdlog::info("[{}/{}] {} {} depth {:g}% needle {}: {} ({} prompt tokens, {:.1f} s): {}", done, all,
                 pipeline::mode_name(c.mode), eval::length_label(c.length), c.depth, c.needle,
                 c.hit ? "hit" : "miss", c.prompt_tokens, c.seconds, head);
  };
  hooks.stop = [] { return interrupted(); };
  app::NiahOutcome o = app::run_niah(home_of(ctx), engine_choice(ctx), request, hooks);
  if (bar) bar->finish();
  const eval::NiahResult& result = o.result;
  for (int l : result.dropped_lengths) {
    spdlog::warn("left out the default length {}: its lc prompt does not fit the {}-token window (--ctx)",
                 eval::length_label(l), o.context_window);
  }
  if (result.interrupted) {
    spdlog::warn("interrupted after {} cells: the grid is partial", result.cells.size());
  }
  if (ctx.json) {
    nlohmann::json doc = o.doc;
    doc["ok"] = true;
    doc["run_id"] = o.run_id;
    print_json(doc);
    return 0;
  }
  print_text(result);
  if (result.interrupted) std::printf("interrupted: a partial grid\n");
  for (const auto& p : o.doc["plots"]) spdlog::info("heat map: {}", p.get<std::string>());
  spdlog::info("stored as run {} (hayloft report {})", o.run_id, o.run_id);
  return 0;
}

}  // namespace hayloft::cli
