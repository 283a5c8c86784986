// hayloft shards add|list|rm and hayloft serve-shard: the keyword index's shard map (kept in the store)
// and a wrapper that runs xapian-tcpsrv over one shard folder. index/shards.cpp explains the layout.
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include "cli/commands.hpp"
#include "index/index.hpp"
#include "util/error.hpp"

namespace hayloft::cli {
namespace {

nlohmann::json shard_json(const index::ShardInfo& s) {
  return {{"id", s.id}, {"kind", index::shard_kind_name(s.kind)}, {"location", s.location},
          {"documents", s.documents}, {"created", s.created}};
}

void print_shards(const std::vector<index::ShardInfo>& list) {
  std::printf("%4s %-7s %10s  %s\n", "id", "kind", "documents", "location");
  for (const auto& s : list) {
    std::printf("%4lld %-7s %10lld  %s\n", static_cast<long long>(s.id), index::shard_kind_name(s.kind),
                static_cast<long long>(s.documents), s.location.c_str());
  }
}

}  // namespace

CommandSpec shards_list_spec() {
  return {"shards list",
          "list the keyword index's shards",
          "[--json]",
          "The shard map in merge order: id, local folder or remote HOST:PORT, and the documents each holds.\n"
          "A new home has one local shard, \"xapian\" (the home's own index folder).",
          {},
          0,
          0};
}

int shards_list_run(Context& ctx) {
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kRead);
  std::vector<index::ShardInfo> list = library.shards();
  if (ctx.json) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& s : list) arr.push_back(shard_json(s));
    print_json({{"ok", true}, {"home", ctx.home}, {"shards", arr}});
  } else {
    print_shards(list);
  }
  return 0;
}

CommandSpec shards_add_spec() {
  return {"shards add",
          "add a keyword-index shard (a folder or a remote HOST:PORT)",
          "FOLDER|HOST:PORT [--json]",
          "HOST:PORT names a running xapian-tcpsrv started with --writable (see hayloft serve-shard); anything\n"
          "else is a local folder. The shard must be reachable and empty. New documents are spread over the\n"
          "shards by a stable hash of collection and path; documents already stored stay where they are.\n"
          "Searches need every shard (config index.shard_timeout_ms bounds a dead one).",
          {},
          1,
          1};
}

int shards_add_run(Context& ctx) {
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kWrite);
  index::ShardInfo s = library.add_shard(ctx.args.positional()[0]);
  if (ctx.json) {
    print_json({{"ok", true}, {"shard", shard_json(s)}});
  } else {
    std::printf("added shard %lld (%s %s)\n", static_cast<long long>(s.id), index::shard_kind_name(s.kind),
                s.location.c_str());
  }
  return 0;
}

CommandSpec shards_rm_spec() {
  return {"shards rm",
          "remove an empty keyword-index shard from the map",
          "ID [--json]",
          "Refused while documents live on the shard (shards are not rebalanced) and for the last shard.\n"
          "The shard's own files are left alone.",
          {},
          1,
          1};
}

int shards_rm_run(Context& ctx) {
  const std::string& arg = ctx.args.positional()[0];
  int64_t id = 0;
  auto r = std::from_chars(arg.data(), arg.data() + arg.size(), id);
  if (r.ec != std::errc() || r.ptr != arg.data() + arg.size()) throw UsageError{"ID must be a shard id"};
  index::Library library(ctx.home, ctx.config, index::Library::Mode::kWrite);
  library.remove_shard(id);
  if (ctx.json) {
    print_json({{"ok", true}, {"removed", id}});
  } else {
    std::printf("removed shard %lld\n", static_cast<long long>(id));
  }
  return 0;
}

CommandSpec serve_shard_spec() {
  return {"serve-shard",
          "serve one shard folder to other machines (runs xapian-tcpsrv)",
          "DIR --port N [--host ADDR] [--read-only] [--idle-timeout MS]",
          "Creates an empty Xapian database in DIR if there is none, then becomes\n"
          "  xapian-tcpsrv --interface ADDR --port N [--idle-timeout MS] --writable DIR\n"
          "(Debian package xapian-tools). The protocol has no authentication: keep ADDR on a trusted\n"
          "network. Then, on the machine holding the store: hayloft shards add HOST:N. --read-only serves\n"
          "searches only (ingest needs --writable).",
          {{"port", 'p', "N", "TCP port to listen on", ""},
           {"host", 0, "ADDR", "interface to listen on", "127.0.0.1"},
           {"read-only", 0, "", "refuse writes (no ingest through this server)", ""},
           {"idle-timeout", 0, "MS", "close connections idle this long (clients reconnect)", "60000"}},
          1,
          1};
}

int serve_shard_run(Context& ctx) {
  std::string dir = index::normalize_path(ctx.args.positional()[0]);
  int64_t port = ctx.args.get_int("port", 0);
  if (port < 1 || port > 65535) throw UsageError{"--port N (1-65535) is required"};
  std::string host = ctx.args.get("host", "127.0.0.1");
  int64_t idle = ctx.args.get_int("idle-timeout", 0);
  if (idle < 0) throw UsageError{"--idle-timeout must be >= 0"};
  bool writable = !ctx.args.has("read-only");
  index::create_local_shard(dir);
  std::vector<std::string> args =
      index::serve_shard_argv(dir, host, static_cast<int>(port), writable, static_cast<int>(idle));
  if (ctx.json) args.insert(args.begin() + 1, "--quiet");  // stdout holds exactly our one JSON document
  nlohmann::json doc = {{"ok", true}, {"dir", dir}, {"location", host + ":" + std::to_string(port)},
                        {"writable", writable}, {"command", args}};
  if (ctx.json) {
    print_json(doc);
  } else {
    std::printf("serving %s on %s:%lld (%s); add it with: hayloft shards add %s:%lld\n", dir.c_str(),
                host.c_str(), static_cast<long long>(port), writable ? "writable" : "read-only", host.c_str(),
                static_cast<long long>(port));
    std::fflush(stdout);
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execvp(argv[0], argv.data());
  throw Error(ErrorKind::kNotFound, std::string("cannot run xapian-tcpsrv (apt install xapian-tools): ") +
                                        std::strerror(errno));
}

}  // namespace hayloft::cli
