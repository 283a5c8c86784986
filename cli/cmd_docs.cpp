// hayloft docs: lists the documents of one or all collections.
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"

namespace hayloft::cli {

CommandSpec docs_spec() {
  return {"docs",
          "list ingested documents",
          "[--collection C]",
          "One line per document: id (for rm and doc: filters), type, chunks, bytes, path and title.",
          {{"collection", 'c', "C", "only this collection", "all"}},
          0,
          0};
}

int docs_run(Context& ctx) {
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  std::vector<index::DocumentRow> docs = library.documents(ctx.args.get("collection"));
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& d : docs) {
      arr.push_back({{"id", d.id}, {"collection", d.collection}, {"path", d.path}, {"title", d.title},
                     {"type", d.type}, {"language", d.language}, {"hash", d.hash}, {"mtime", d.mtime},
                     {"size", d.size}, {"chunks", d.chunk_count}, {"tokens", d.tokens},
                     {"state", index::index_state_name(d.state)}, {"metadata", d.metadata}});
    }
    print_json({{"ok", true}, {"documents", arr}});
    return 0;
  }
  if (docs.empty()) std::printf("no documents\n");
  for (const auto& d : docs) {
    std::printf("%6lld  %-12s %-8s %5lld chunks %10lld B  %s%s%s\n", static_cast<long long>(d.id),
                d.collection.c_str(), d.type.c_str(), static_cast<long long>(d.chunk_count),
                static_cast<long long>(d.size), d.path.c_str(), d.title.empty() ? "" : "  — ",
                d.title.c_str());
  }
  return 0;
}

}  // namespace hayloft::cli
