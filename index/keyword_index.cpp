// KeywordIndex: the Xapian side. One Xapian document per chunk, its docid equal to the SQLite chunk id.
// Terms, by prefix:
//   (none)  stemmed words of title and text (title words get wdf 3, i.e. weigh three times as much)
//   S       title words, so "title:foo" searches titles only
//   Q<id>   unique id of the chunk          XD<id>  the SQLite document id (deletes and repair use it)
//   XC      collection name                 XT      document type      XL  language
//   XM      metadata key=value, lower case
// Value slot 0 holds the document mtime (sortable_serialise) for after:/before: ranges.
#include <xapian.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>

#include "index/index.hpp"
#include "index/shards.hpp"
#include "util/error.hpp"
#include "util/text.hpp"

namespace hayloft::index {
namespace {

constexpr Xapian::valueno kSlotMtime = 0;
constexpr int kTitleWeight = 3;       // wdf increment per title word (body words get 1)
constexpr size_t kMaxTermBytes = 240; // Xapian's limit is 245 bytes per term

std::string bounded_term(std::string term) {
  if (term.size() > kMaxTermBytes) term.resize(kMaxTermBytes);
  return term;
}

// Built by appending: `"XD" + std::to_string(id)` trips a GCC 12 -Wrestrict false positive.
std::string prefixed(const char* prefix, int64_t id) {
  std::string term(prefix);
  term += std::to_string(id);
  return term;
}

std::string metadata_term(const std::string& key, const std::string& value) {
  return bounded_term("XM" + ascii_lower(key) + "=" + ascii_lower(value));
}

// OR of one boolean term per value; an empty list means no constraint.
template <typename T, typename F>
std::optional<Xapian::Query> any_of(const std::vector<T>& values, F term_of) {
  if (values.empty()) return std::nullopt;
  std::vector<Xapian::Query> qs;
  for (const auto& v : values) qs.emplace_back(term_of(v));
  return Xapian::Query(Xapian::Query::OP_OR, qs.begin(), qs.end());
}

std::optional<Xapian::Query> filter_query(const Filters& f) {
  std::vector<Xapian::Query> parts;
  auto add = [&](std::optional<Xapian::Query> q) {
    if (q) parts.push_back(std::move(*q));
  };
  add(any_of(f.collections, [](const std::string& c) { return bounded_term("XC" + c); }));
  add(any_of(f.documents, [](int64_t d) { return prefixed("XD", d); }));
  add(any_of(f.types, [](const std::string& t) { return bounded_term("XT" + ascii_lower(t)); }));
  add(any_of(f.languages, [](const std::string& l) { return bounded_term("XL" + ascii_lower(l)); }));
  add(any_of(f.metadata, [](const auto& kv) { return metadata_term(kv.first, kv.second); }));
  if (f.after) {
    parts.emplace_back(Xapian::Query::OP_VALUE_GE, kSlotMtime,
                       Xapian::sortable_serialise(static_cast<double>(*f.after)));
  }
  if (f.before) {
    parts.emplace_back(Xapian::Query::OP_VALUE_LE, kSlotMtime,
                       Xapian::sortable_serialise(static_cast<double>(*f.before - 1)));
  }
  if (parts.empty()) return std::nullopt;
  return Xapian::Query(Xapian::Query::OP_AND, parts.begin(), parts.end());
}

}  // namespace

struct KeywordIndex::Impl {
  struct Shard {
    ShardInfo info;                // location resolved (local: a folder; remote: HOST:PORT)
    Xapian::WritableDatabase wdb;  // only in kWrite
    bool dirty = false;            // written since the last commit
  };
  Mode mode = Mode::kRead;
  std::vector<Shard> shards;
  config::IndexConfig config;
  Xapian::Database db;           // all shards as one: what searches read (kWrite: over the writers)
  Xapian::Stem stemmer;
  Xapian::TermGenerator termgen;
  Xapian::MSet last_mset;        // kept for snippet()
  bool opened = false;           // db holds every shard
  bool placeholders = false;     // a reader stood in an empty database for a local shard not created yet

  std::string where() const {
    std::string w;
    for (const Shard& s : shards) w += (w.empty() ? "" : ", ") + s.info.location;
    return w;
  }
  static std::string label(const Shard& s) {
    return "shard " + std::to_string(s.info.id) + " (" + s.info.location + ")";
  }
  Shard& shard_of(int64_t shard_id) {
    if (shards.size() == 1) return shards[0];  // one shard: every document lives there
    for (Shard& s : shards) {
      if (s.info.id == shard_id) return s;
    }
    throw Error(ErrorKind::kInternal, "document routed to a shard not in the map", std::to_string(shard_id));
  }
  unsigned timeout() const { return static_cast<unsigned>(std::max(config.shard_timeout_ms, 0)); }
  unsigned connect_timeout() const { return static_cast<unsigned>(std::max(config.shard_connect_timeout_ms, 0)); }

  Xapian::Database open_reader(const Shard& s) {
    if (s.info.kind == ShardKind::kRemote) {
      auto r = shards::parse_remote(s.info.location);
      if (!r) throw Error(ErrorKind::kInvalidArgument, "not HOST:PORT", s.info.location);
      return Xapian::Remote::open(r->host, static_cast<unsigned>(r->port), timeout(), connect_timeout());
    }
    if (!std::filesystem::exists(s.info.location + "/iamglass")) {
      // Not created yet (nothing ingested): an empty stand-in keeps the shard's place in the docid
      // interleave; ensure_open retries once the folder exists.
      placeholders = true;
      return Xapian::WritableDatabase(std::string(), Xapian::DB_BACKEND_INMEMORY);
    }
    return Xapian::Database(s.info.location);
  }

  void open_writer(Shard& s) {
    try {
      if (s.info.kind == ShardKind::kRemote) {
        auto r = shards::parse_remote(s.info.location);
        if (!r) throw Error(ErrorKind::kInvalidArgument, "not HOST:PORT", s.info.location);
        s.wdb = Xapian::Remote::open_writable(r->host, static_cast<unsigned>(r->port), timeout(),
                                              connect_timeout());
      } else {
        std::filesystem::create_directories(s.info.location);
        s.wdb = Xapian::WritableDatabase(s.info.location, Xapian::DB_CREATE_OR_OPEN);
      }
    } catch (const Xapian::DatabaseLockError& e) {
      throw Error(ErrorKind::kIo, "the index is locked by another hayloft process (one writer at a time)",
                  s.info.location);
    } catch (const Xapian::NetworkError& e) {
      throw Error(ErrorKind::kIo, label(s) + " is unreachable: " + e.get_description(), s.info.location);
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::kCorrupt, "cannot open Xapian index: " + e.get_description(), s.info.location);
    } catch (const std::filesystem::filesystem_error& e) {
      throw Error(ErrorKind::kIo, std::string("cannot create index folder: ") + e.what(), s.info.location);
    }
  }

  // Readers connect lazily, so commands that never search work while a remote shard is down.
  void ensure_open() {
    if (opened && !placeholders) return;
    if (opened && placeholders) {
      bool any_new = false;
      for (const Shard& s : shards) {
        any_new = any_new || (s.info.kind == ShardKind::kLocal &&
                              std::filesystem::exists(s.info.location + "/iamglass"));
      }
      if (!any_new) return;
    }
    Xapian::Database merged;
    placeholders = false;
    for (Shard& s : shards) merged.add_database(mode == Mode::kWrite ? s.wdb : open_reader(s));
    db = merged;
    opened = true;
  }

  // Drops every connection; the next use reconnects.
  void close() {
    db = Xapian::Database();
    last_mset = Xapian::MSet();
    opened = false;
  }

  // Which remote shards do not answer now, for an error message that names them.
  std::string diagnose(const Xapian::Error& e) {
    std::string failed;
    for (const Shard& s : shards) {
      if (s.info.kind != ShardKind::kRemote) continue;
      try {
        open_reader(s).get_doccount();
      } catch (const Xapian::Error& probe) {
        failed += (failed.empty() ? "" : "; ") + label(s) + ": " + probe.get_msg();
      }
    }
    if (failed.empty()) return "a remote shard failed: " + e.get_description();
    return "remote shard unavailable, no results (they would be incomplete): " + failed;
  }

  // Runs fn on the merged database; Xapian network failures become Error{kIo} naming the shard. A reader
  // reconnects once first: xapian-tcpsrv closes connections idle longer than its idle timeout.
  template <typename F>
  auto with_db(F fn) -> decltype(fn()) {
    for (int attempt = 0;; ++attempt) {
      try {
        ensure_open();
        return fn();
      } catch (const Xapian::NetworkError& e) {
        close();
        if (mode == Mode::kRead && attempt == 0) continue;
        throw Error(ErrorKind::kIo, diagnose(e), where());
      }
    }
  }

  size_t n() const { return shards.size(); }
  int64_t chunk_of(Xapian::docid merged) const {
    return static_cast<int64_t>(shards::split_docid(merged, n()).docid);
  }

  Xapian::Document make_document(const DocumentRow& doc, const ChunkRow& chunk) {
    Xapian::Document xd;
    termgen.set_document(xd);
    if (!doc.title.empty()) {
      termgen.index_text(doc.title, kTitleWeight);
      termgen.index_text(doc.title, 1, "S");
      termgen.increase_termpos();  // keep phrases from spanning title and text
    }
    if (!chunk.heading.empty()) {
      termgen.index_text(chunk.heading);
      termgen.increase_termpos();
    }
    termgen.index_text(chunk.text);
    xd.add_boolean_term(prefixed("Q", chunk.id));
    xd.add_boolean_term(prefixed("XD", doc.id));
    xd.add_boolean_term(bounded_term("XC" + doc.collection));
    xd.add_boolean_term(bounded_term("XT" + ascii_lower(doc.type)));
    if (!doc.language.empty()) xd.add_boolean_term(bounded_term("XL" + ascii_lower(doc.language)));
    if (doc.metadata.is_object()) {
      for (auto it = doc.metadata.begin(); it != doc.metadata.end(); ++it) {
        if (it.value().is_string()) xd.add_boolean_term(metadata_term(it.key(), it.value().get<std::string>()));
      }
    }
    xd.add_value(kSlotMtime, Xapian::sortable_serialise(static_cast<double>(doc.mtime)));
    xd.set_data(std::to_string(chunk.id));
    return xd;
  }

  std::vector<KeywordHit> run_query(const std::string& query, const Filters& filters, int k) {
    Xapian::QueryParser qp;
    qp.set_stemmer(stemmer);
    qp.set_stemming_strategy(Xapian::QueryParser::STEM_SOME);
    qp.set_database(db);  // wildcards expand against the index
    qp.set_default_op(Xapian::Query::OP_OR);
    qp.add_prefix("title", "S");
    unsigned flags = Xapian::QueryParser::FLAG_PHRASE | Xapian::QueryParser::FLAG_BOOLEAN |
                     Xapian::QueryParser::FLAG_LOVEHATE | Xapian::QueryParser::FLAG_WILDCARD;
    Xapian::Query q;
    try {
      q = qp.parse_query(query, flags);
    } catch (const Xapian::QueryParserError& e) {
      throw Error(ErrorKind::kInvalidArgument, "cannot parse query: " + e.get_msg(), query);
    }
    if (auto f = filter_query(filters)) q = Xapian::Query(Xapian::Query::OP_FILTER, q, *f);
    Xapian::Enquire enquire(db);
    enquire.set_query(q);
    enquire.set_weighting_scheme(Xapian::BM25Weight(config.bm25_k1, 0.0, config.bm25_k3, config.bm25_b,
                                                    config.bm25_min_normlen));
    last_mset = enquire.get_mset(0, static_cast<Xapian::doccount>(std::max(k, 0)));
    std::vector<KeywordHit> hits;
    for (auto it = last_mset.begin(); it != last_mset.end(); ++it) {
      hits.push_back({chunk_of(*it), it.get_weight()});
    }
    return hits;
  }
};

KeywordIndex::KeywordIndex(const std::string& dir, Mode mode, const config::IndexConfig& config)
    : KeywordIndex(std::vector<ShardInfo>{ShardInfo{1, ShardKind::kLocal, dir, 0, 0}}, mode, config) {}

KeywordIndex::KeywordIndex(const std::vector<ShardInfo>& shards, Mode mode, const config::IndexConfig& config)
    : impl_(std::make_unique<Impl>()) {
  if (shards.empty()) throw Error(ErrorKind::kInternal, "a keyword index needs at least one shard");
  impl_->mode = mode;
  impl_->config = config;
  for (const ShardInfo& s : shards) impl_->shards.push_back({s, {}, false});
  try {
    impl_->stemmer = Xapian::Stem(config.stem_language.empty() ? "none" : config.stem_language);
  } catch (const Xapian::InvalidArgumentError& e) {
    throw Error(ErrorKind::kInvalidArgument, "unknown stem_language: " + e.get_msg(), config.stem_language);
  }
  impl_->termgen.set_stemmer(impl_->stemmer);
  impl_->termgen.set_stemming_strategy(Xapian::TermGenerator::STEM_SOME);
  if (mode == Mode::kWrite) {
    for (Impl::Shard& s : impl_->shards) impl_->open_writer(s);
    impl_->ensure_open();
  }
}

KeywordIndex::~KeywordIndex() = default;
KeywordIndex::KeywordIndex(KeywordIndex&&) noexcept = default;
KeywordIndex& KeywordIndex::operator=(KeywordIndex&&) noexcept = default;

void KeywordIndex::put_chunk(const DocumentRow& doc, const ChunkRow& chunk) {
  if (impl_->mode != Mode::kWrite) throw Error(ErrorKind::kInternal, "put_chunk on a read-only index");
  if (!shards::fits_merged(chunk.id, impl_->n())) {
    throw Error(ErrorKind::kResourceExhausted,
                "chunk id " + std::to_string(chunk.id) + " times " + std::to_string(impl_->n()) +
                    " shards passes Xapian's 32-bit docids",
                "chunk " + std::to_string(chunk.id));
  }
  Impl::Shard& s = impl_->shard_of(doc.shard_id);
  try {
    s.wdb.replace_document(static_cast<Xapian::docid>(chunk.id), impl_->make_document(doc, chunk));
    s.dirty = true;
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::kIo, "xapian: " + e.get_description(),
                Impl::label(s) + ", chunk " + std::to_string(chunk.id));
  }
}

void KeywordIndex::delete_document(int64_t document_id) {
  for (const Impl::Shard& s : impl_->shards) delete_document(document_id, s.info.id);
}

void KeywordIndex::delete_document(int64_t document_id, int64_t shard_id) {
  if (impl_->mode != Mode::kWrite) throw Error(ErrorKind::kInternal, "delete on a read-only index");
  Impl::Shard& s = impl_->shard_of(shard_id);
  try {
    s.wdb.delete_document(prefixed("XD", document_id));
    s.dirty = true;
  } catch (const Xapian::Error& e) {
    throw Error(ErrorKind::kIo, "xapian: " + e.get_description(),
                Impl::label(s) + ", document " + std::to_string(document_id));
  }
}

void KeywordIndex::commit() {
  if (impl_->mode != Mode::kWrite) return;
  for (Impl::Shard& s : impl_->shards) {
    if (!s.dirty) continue;
    try {
      s.wdb.commit();
      s.dirty = false;
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::kIo, "xapian commit: " + e.get_description(), Impl::label(s));
    }
  }
}

namespace {

std::vector<int64_t> xd_ids(const Xapian::Database& db) {
  std::vector<int64_t> ids;
  for (auto it = db.allterms_begin("XD"); it != db.allterms_end("XD"); ++it) {
    std::string term = *it;
    int64_t id = 0;
    auto r = std::from_chars(term.data() + 2, term.data() + term.size(), id);
    if (r.ec == std::errc() && r.ptr == term.data() + term.size()) ids.push_back(id);
  }
  return ids;
}

}  // namespace

std::vector<int64_t> KeywordIndex::document_ids() const {
  return impl_->with_db([&] { return xd_ids(impl_->db); });
}

std::vector<int64_t> KeywordIndex::document_ids(int64_t shard_id) const {
  Impl::Shard& s = impl_->shard_of(shard_id);
  if (impl_->mode == Mode::kWrite) {
    return impl_->with_db([&] { return xd_ids(s.wdb); });
  }
  return impl_->with_db([&] { return xd_ids(impl_->open_reader(s)); });
}

std::vector<int64_t> KeywordIndex::chunk_ids(int64_t document_id) const {
  std::string term = prefixed("XD", document_id);
  return impl_->with_db([&] {
    std::vector<int64_t> ids;
    for (auto it = impl_->db.postlist_begin(term); it != impl_->db.postlist_end(term); ++it) {
      ids.push_back(impl_->chunk_of(*it));
    }
    return ids;
  });
}

int64_t KeywordIndex::chunk_total() const {
  return impl_->with_db([&] { return static_cast<int64_t>(impl_->db.get_doccount()); });
}

std::vector<KeywordHit> KeywordIndex::search(const std::string& query, const Filters& filters, int k) {
  // A reader sees the revision it opened; reopen() moves it to the latest commit. If a writer commits
  // twice while we read, the old revision's blocks may be reused: Xapian says DatabaseModifiedError and
  // the cure is reopen and retry.
  constexpr int kAttempts = 5;
  for (int attempt = 0;; ++attempt) {
    try {
      return impl_->with_db([&] {
        if (impl_->mode == Mode::kRead) impl_->db.reopen();
        return impl_->run_query(query, filters, k);
      });
    } catch (const Xapian::DatabaseModifiedError& e) {
      if (attempt + 1 >= kAttempts) {
        throw Error(ErrorKind::kIo, "index kept changing during search: " + e.get_msg(), impl_->where());
      }
    } catch (const Xapian::Error& e) {
      throw Error(ErrorKind::kIo, "xapian search: " + e.get_description(), query);
    }
  }
}

std::string KeywordIndex::snippet(const std::string& text, int chars, const std::string& marker) const {
  try {
    return impl_->last_mset.snippet(text, static_cast<size_t>(std::max(chars, 16)), impl_->stemmer,
                                    // No SNIPPET_BACKGROUND_MODEL / SNIPPET_EXHAUSTIVE: they cost ~1.5 / ~10 ms per
                                    // 10 hits (SciFact, measured) against ~0.2 ms for raw Xapian's whole search,
                                    // for a slightly better choice of window.
                                    0,
                                    marker, marker, "...");
  } catch (const Xapian::Error&) {
    // Snippets are decoration: a failure (e.g. stats gone after reopen) falls back to the text's start.
    return text.substr(0, static_cast<size_t>(std::max(chars, 16)));
  }
}

}  // namespace hayloft::index
