// hayloft search: BM25 keyword search over the chunks of one or all collections, with snippets.
#include <cstdio>

#include "cli/commands.hpp"
#include "index/index.hpp"
#include "util/util.hpp"

namespace hayloft::cli {

CommandSpec search_spec() {
  return {"search",
          "keyword search (BM25) over ingested chunks",
          "[--collection C] [-k N] [--filter KEY:VALUE]... QUERY...",
          "QUERY words are joined with spaces and parsed by Xapian: words are OR-ed (ranked by BM25),\n"
          "\"a phrase\" must appear in order, a NEAR b within 10 words, AND / OR / NOT, +must -mustnot,\n"
          "prefix* wildcards, title:word searches titles only. Filters (same key OR-ed, keys AND-ed):\n"
          "  collection:NAME  doc:ID  type:text|markdown|html|pdf|docx|code  lang:LANG\n"
          "  after:YYYY-MM-DD  before:YYYY-MM-DD (file mtime)   any other KEY:VALUE matches metadata.\n"
          "Without --collection every collection is searched.",
          {{"collection", 'c', "C", "search only this collection (repeatable)", "all", true},
           {"k", 'k', "N", "number of hits", "config index.default_k"},
           {"filter", 0, "KEY:VALUE", "restrict hits (repeatable)", "", true},
           {"marker", 0, "TEXT", "wraps matched terms in snippets", "**"}},
          1,
          -1};
}

int search_run(Context& ctx) {
  std::string query;
  for (const auto& w : ctx.args.positional()) query += (query.empty() ? "" : " ") + w;
  int64_t k = ctx.args.get_int("k", ctx.config.index.default_k);
  if (k < 1 || k > 10000) throw UsageError{"-k must be between 1 and 10000"};
  index::Filters filters;
  for (const auto& c : ctx.args.all("collection")) filters.collections.push_back(c);
  for (const auto& f : ctx.args.all("filter")) index::parse_filter(f, filters);

  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  for (const auto& c : filters.collections) {
    if (!library.store().find_collection(c)) throw Error(ErrorKind::kNotFound, "no such collection", c);
  }
  index::SearchOptions options;
  options.k = static_cast<int>(k);
  options.snippet_chars = ctx.config.index.snippet_chars;
  options.marker = ctx.args.get("marker", "**");
  Timer timer;
  std::vector<index::Hit> hits = library.search(query, filters, options);
  double seconds = timer.seconds();

  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (size_t i = 0; i < hits.size(); ++i) {
      const auto& h = hits[i];
      arr.push_back({{"rank", i + 1}, {"chunk_id", h.chunk_id}, {"document_id", h.document_id},
                     {"collection", h.collection}, {"path", h.path}, {"title", h.title}, {"score", h.score},
                     {"snippet", h.snippet}, {"start", h.start}, {"end", h.end},
                     {"source_start", h.source_start}, {"source_end", h.source_end}, {"page", h.page},
                     {"heading", h.heading}});
    }
    print_json({{"ok", true}, {"query", query}, {"k", k}, {"seconds", seconds}, {"hits", arr}});
    return 0;
  }
  if (hits.empty()) std::printf("no hits for: %s\n", query.c_str());
  for (size_t i = 0; i < hits.size(); ++i) {
    const auto& h = hits[i];
    std::printf("%2zu. %.3f  %s  [doc %lld, chunk %lld, bytes %lld-%lld%s]\n", i + 1, h.score, h.path.c_str(),
                static_cast<long long>(h.document_id), static_cast<long long>(h.chunk_id),
                static_cast<long long>(h.source_start), static_cast<long long>(h.source_end),
                h.page ? (", page " + std::to_string(h.page)).c_str() : "");
    if (!h.heading.empty()) std::printf("    § %s\n", h.heading.c_str());
    std::string snippet = h.snippet;
    for (char& c : snippet) {
      if (c == '\n') c = ' ';
    }
    std::printf("    %s\n", snippet.c_str());
  }
  return 0;
}

}  // namespace hayloft::cli
