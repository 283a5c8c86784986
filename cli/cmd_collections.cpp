// hayloft collections: lists collections with document, chunk, byte and token counts.
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"

namespace hayloft::cli {

CommandSpec collections_spec() {
  return {"collections",
          "list collections with their sizes",
          "[--json]",
          "One line per collection: documents, chunks, source bytes and approximate tokens (the ingest\n"
          "counter; the real tokenizer's counts are stored per model by the pipeline).",
          {},
          0,
          0};
}

int collections_run(Context& ctx) {
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  std::vector<index::CollectionInfo> cols = library.collections();
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& c : cols) {
      arr.push_back({{"id", c.id}, {"name", c.name}, {"created", c.created}, {"documents", c.documents},
                     {"chunks", c.chunks}, {"bytes", c.bytes}, {"tokens", c.tokens}});
    }
    print_json({{"ok", true}, {"home", ctx.home}, {"collections", arr}});
    return 0;
  }
  if (cols.empty()) {
    std::printf("no collections yet in %s (hayloft ingest PATH adds one)\n", ctx.home.c_str());
    return 0;
  }
  std::printf("%-24s %10s %10s %14s %12s\n", "collection", "documents", "chunks", "bytes", "tokens");
  for (const auto& c : cols) {
    std::printf("%-24s %10lld %10lld %14lld %12lld\n", c.name.c_str(), static_cast<long long>(c.documents),
                static_cast<long long>(c.chunks), static_cast<long long>(c.bytes),
                static_cast<long long>(c.tokens));
  }
  return 0;
}

}  // namespace hayloft::cli
