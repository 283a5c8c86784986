// hayloft ingest: reads, chunks and indexes files and folders into a collection. Unchanged files are
// skipped, changed ones replaced atomically, unreadable ones reported per file while the run continues.
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec ingest_spec() {
  return {"ingest",
          "read, chunk and index files into a collection",
          "[--collection NAME] [--include GLOB]... [--exclude GLOB]... PATH...",
          "Walks each PATH (files, or folders recursively), reads every file (text, Markdown, HTML, code,\n"
          "PDF, DOCX), cuts it into chunks and stores them in SQLite and the Xapian keyword index under\n"
          "$HAYLOFT_HOME. Re-ingesting an unchanged file is a no-op (same path and content hash); a changed\n"
          "file replaces its old chunks atomically. Files that cannot be read are listed with the reason and\n"
          "the run goes on; the exit code is 1 when any file failed. Globs: '*' within a folder, '**' across\n"
          "folders; a pattern without '/' matches the file name. --include/--exclude add to the config's.",
          {{"collection", 'c', "NAME", "collection to add to", "default"},
           {"include", 0, "GLOB", "only take files matching GLOB (repeatable)", "", true},
           {"exclude", 0, "GLOB", "skip files and folders matching GLOB (repeatable)", "", true},
           {"workers", 0, "N", "reader/chunker threads (one more thread commits)", "config ingest.workers"}},
          1,
          -1};
}

int ingest_run(Context& ctx) {
  config::IngestConfig& ic = ctx.config.ingest;
  for (const auto& g : ctx.args.all("include")) ic.include.push_back(g);
  for (const auto& g : ctx.args.all("exclude")) ic.exclude.push_back(g);
  int workers = static_cast<int>(ctx.args.get_int("workers", ic.workers));
  if (workers < 1 || workers > 256) throw UsageError{"--workers must be between 1 and 256"};
  std::string collection = ctx.args.get("collection", "default");

  index::Library library(ctx.home, ctx.config, index::Library::Mode::kWrite);
  ThreadPool pool(workers);
  index::IngestOptions options = index::ingest_options(ic);
  options.progress = !ctx.json;
  index::IngestSummary s = library.ingest(collection, ctx.args.positional(), options, pool);

  if (ctx.json) {
    nlohmann::json errors = nlohmann::json::array();
    for (const auto& e : s.errors) errors.push_back({{"path", e.path}, {"kind", e.kind}, {"message", e.message}});
    print_json({{"ok", s.failed == 0},
                {"collection", collection},
                {"files_seen", s.files_seen},
                {"added", s.added},
                {"unchanged", s.unchanged},
                {"replaced", s.replaced},
                {"failed", s.failed},
                {"chunks", s.chunks},
                {"bytes", s.bytes},
                {"seconds", s.seconds},
                {"mb_per_s", s.mb_per_s()},
                {"errors", errors}});
  } else {
    std::printf("collection %s: %lld files seen, %lld added, %lld unchanged, %lld replaced, %lld failed\n",
                collection.c_str(), static_cast<long long>(s.files_seen), static_cast<long long>(s.added),
                static_cast<long long>(s.unchanged), static_cast<long long>(s.replaced),
                static_cast<long long>(s.failed));
    std::printf("%lld chunks, %.2f MB in %.2f s (%.2f MB/s)\n", static_cast<long long>(s.chunks),
                s.bytes / 1e6, s.seconds, s.mb_per_s());
    for (const auto& e : s.errors) std::printf("  failed: %s: %s\n", e.path.c_str(), e.message.c_str());
  }
  return s.failed == 0 ? 0 : 1;
}

}  // namespace hayloft::cli
