// hayloft rm: removes documents (by path or id) or a whole collection, from SQLite and the index alike.
#include <charconv>
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"

namespace hayloft::cli {

CommandSpec rm_spec() {
  return {"rm",
          "remove documents or a whole collection",
          "[--collection C] PATH|DOC_ID...  |  --collection C --all",
          "Each argument is a document id (see hayloft docs) or a path as it was ingested (relative paths\n"
          "are taken from the current folder). Paths are looked up in --collection (default \"default\").\n"
          "--all drops the whole collection. Exit code 1 when an argument matched nothing.",
          {{"collection", 'c', "C", "collection the paths (or --all) refer to", "default"},
           {"all", 0, "", "remove the collection itself with all its documents", ""}},
          0,
          -1};
}

int rm_run(Context& ctx) {
  std::string collection = ctx.args.get("collection", "default");
  bool all = ctx.args.has("all");
  const auto& targets = ctx.args.positional();
  if (all == !targets.empty()) throw UsageError{"give PATH|DOC_ID arguments or --all, not both or neither"};
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kWrite);

  if (all) {
    int64_t n = library.remove_collection(collection);
    if (ctx.json) {
      print_json({{"ok", true}, {"collection", collection}, {"removed", n}, {"collection_removed", true}});
    } else {
      std::printf("removed collection %s (%lld documents)\n", collection.c_str(), static_cast<long long>(n));
    }
    return 0;
  }
  std::optional<index::CollectionInfo> info = library.store().find_collection(collection);
  std::vector<int64_t> ids;
  nlohmann::json missing = nlohmann::json::array();
  for (const std::string& t : targets) {
    int64_t id = 0;
    auto r = std::from_chars(t.data(), t.data() + t.size(), id);
    if (r.ec == std::errc() && r.ptr == t.data() + t.size() && library.store().document_exists(id)) {
      ids.push_back(id);
      continue;
    }
    std::optional<index::DocumentRow> d;
    if (info) d = library.store().find_document(info->id, index::normalize_path(t));
    if (d) {
      ids.push_back(d->id);
    } else {
      missing.push_back(t);
    }
  }
  int64_t n = library.remove(ids);
  if (ctx.json) {
    print_json({{"ok", missing.empty()}, {"collection", collection}, {"removed", n}, {"not_found", missing}});
  } else {
    std::printf("removed %lld document(s)\n", static_cast<long long>(n));
    for (const auto& m : missing) std::printf("  not found: %s\n", m.get<std::string>().c_str());
  }
  return missing.empty() ? 0 : 1;
}

}  // namespace hayloft::cli
