// Store: the SQLite side of the library. WAL journal (readers never block the one writer), foreign keys,
// a busy timeout so a second process waits instead of failing, synchronous=FULL so that a committed row
// is on disk before Xapian is touched (the commit protocol in library.cpp relies on that), and schema
// migrations as an ordered list of steps recorded in PRAGMA user_version.
#include <algorithm>
#include <cctype>
#include <ctime>

#include "index/index.hpp"
#include "index/sqlite.hpp"
#include "util/error.hpp"

namespace hayloft::index {
namespace {

// Each step moves user_version from i to i+1 inside one transaction. Never edit a step once released:
// append a new one.
const char* const kMigrations[] = {
    // 1: collections, documents, chunks, per-model chunk token counts.
    R"sql(
CREATE TABLE collections(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL);
CREATE TABLE documents(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  collection_id INTEGER NOT NULL REFERENCES collections(id),
  path TEXT NOT NULL,
  hash TEXT NOT NULL,
  mtime INTEGER NOT NULL,
  size INTEGER NOT NULL,
  type TEXT NOT NULL,
  language TEXT NOT NULL DEFAULT '',
  title TEXT NOT NULL DEFAULT '',
  metadata TEXT NOT NULL DEFAULT '{}',
  index_state TEXT NOT NULL CHECK(index_state IN ('pending', 'indexed', 'deleting')),
  replaces INTEGER,
  created INTEGER NOT NULL);
CREATE INDEX documents_by_path ON documents(collection_id, path);
CREATE INDEX documents_by_state ON documents(index_state);
CREATE TABLE chunks(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  text_start INTEGER NOT NULL,
  text_end INTEGER NOT NULL,
  source_start INTEGER NOT NULL,
  source_end INTEGER NOT NULL,
  page INTEGER NOT NULL DEFAULT 0,
  heading TEXT NOT NULL DEFAULT '',
  tokens INTEGER NOT NULL DEFAULT 0,
  UNIQUE(document_id, ordinal));
CREATE TABLE chunk_tokens(
  chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
  model_key TEXT NOT NULL,
  tokens INTEGER NOT NULL,
  PRIMARY KEY(chunk_id, model_key)) WITHOUT ROWID;
)sql",
    // 2: runs (ask / compare / eval records).
    R"sql(
CREATE TABLE runs(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  created INTEGER NOT NULL,
  collection TEXT NOT NULL DEFAULT '',
  question TEXT NOT NULL DEFAULT '',
  route TEXT NOT NULL DEFAULT '',
  reason TEXT NOT NULL DEFAULT '',
  params TEXT NOT NULL DEFAULT '{}',
  result TEXT NOT NULL DEFAULT '{}',
  metrics TEXT NOT NULL DEFAULT '{}');
CREATE INDEX runs_by_kind ON runs(kind, id);
)sql",
    // 3: keyword-index shards (index/shards.cpp). Existing indexes become shard 1, the home's xapian/
    // folder; every document records its shard. (No REFERENCES on the added column: SQLite refuses one
    // with a non-NULL default; remove_shard checks instead.)
    R"sql(
CREATE TABLE shards(
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL CHECK(kind IN ('local', 'remote')),
  location TEXT NOT NULL UNIQUE,
  created INTEGER NOT NULL);
INSERT INTO shards(id, kind, location, created) VALUES(1, 'local', 'xapian', CAST(strftime('%s', 'now') AS INTEGER));
ALTER TABLE documents ADD COLUMN shard_id INTEGER NOT NULL DEFAULT 1;
CREATE INDEX documents_by_shard ON documents(shard_id);
)sql",
};
constexpr int kSchemaVersion = static_cast<int>(std::size(kMigrations));

int64_t now_seconds() { return static_cast<int64_t>(std::time(nullptr)); }

IndexState parse_state(const std::string& s) {
  if (s == "pending") return IndexState::kPending;
  if (s == "indexed") return IndexState::kIndexed;
  if (s == "deleting") return IndexState::kDeleting;
  throw Error(ErrorKind::kCorrupt, "unknown index_state '" + s + "'", "documents table");
}

nlohmann::json parse_json_column(const std::string& text, const char* what) {
  try {
    return text.empty() ? nlohmann::json::object() : nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw Error(ErrorKind::kCorrupt, std::string("stored JSON does not parse: ") + e.what(), what);
  }
}

std::string dump(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void validate_collection_name(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 64;
  for (char c : name) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.');
  }
  if (!ok) {
    throw Error(ErrorKind::kInvalidArgument,
                "collection name must be 1-64 characters of A-Z a-z 0-9 _ . -", "'" + name + "'");
  }
}

// Columns shared by every document query; the aggregate join fills chunk_count and tokens.
constexpr const char* kDocumentSelect =
    "SELECT d.id, d.collection_id, c.name, d.path, d.hash, d.mtime, d.size, d.type, d.language, d.title,"
    " d.metadata, d.index_state, IFNULL(d.replaces, 0), d.created,"
    " (SELECT COUNT(*) FROM chunks k WHERE k.document_id = d.id),"
    " (SELECT IFNULL(SUM(k.tokens), 0) FROM chunks k WHERE k.document_id = d.id), d.shard_id"
    " FROM documents d JOIN collections c ON c.id = d.collection_id ";

DocumentRow read_document_row(const sql::Stmt& s) {
  DocumentRow d;
  d.id = s.i64(0);
  d.collection_id = s.i64(1);
  d.collection = s.str(2);
  d.path = s.str(3);
  d.hash = s.str(4);
  d.mtime = s.i64(5);
  d.size = s.i64(6);
  d.type = s.str(7);
  d.language = s.str(8);
  d.title = s.str(9);
  d.metadata = parse_json_column(s.str(10), "documents.metadata");
  d.state = parse_state(s.str(11));
  d.replaces = s.i64(12);
  d.created = s.i64(13);
  d.chunk_count = s.i64(14);
  d.tokens = s.i64(15);
  d.shard_id = s.i64(16);
  return d;
}

constexpr const char* kChunkSelect =
    "SELECT id, document_id, ordinal, text, text_start, text_end, source_start, source_end, page, heading,"
    " tokens FROM chunks ";

ChunkRow read_chunk_row(const sql::Stmt& s) {
  ChunkRow c;
  c.id = s.i64(0);
  c.document_id = s.i64(1);
  c.ordinal = static_cast<int>(s.i64(2));
  c.text = s.str(3);
  c.start = s.i64(4);
  c.end = s.i64(5);
  c.source_start = s.i64(6);
  c.source_end = s.i64(7);
  c.page = static_cast<int>(s.i64(8));
  c.heading = s.str(9);
  c.tokens = static_cast<int>(s.i64(10));
  return c;
}

constexpr const char* kRunSelect =
    "SELECT id, kind, created, collection, question, route, reason, params, result, metrics FROM runs ";

RunRecord read_run(const sql::Stmt& s) {
  RunRecord r;
  r.id = s.i64(0);
  r.kind = s.str(1);
  r.created = s.i64(2);
  r.collection = s.str(3);
  r.question = s.str(4);
  r.route = s.str(5);
  r.reason = s.str(6);
  r.params = parse_json_column(s.str(7), "runs.params");
  r.result = parse_json_column(s.str(8), "runs.result");
  r.metrics = parse_json_column(s.str(9), "runs.metrics");
  return r;
}

}  // namespace

const char* index_state_name(IndexState state) {
  switch (state) {
    case IndexState::kPending: return "pending";
    case IndexState::kIndexed: return "indexed";
    case IndexState::kDeleting: return "deleting";
  }
  return "pending";
}

struct Store::Impl {
  sql::Db db;
  std::string path;
};

Store::Store(const std::string& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->db = sql::Db(path);
  sql::Db& db = impl_->db;
  sqlite3_busy_timeout(db.get(), 10000);  // ms: wait for another process's write to finish
  db.exec("PRAGMA journal_mode=WAL");
  db.exec("PRAGMA synchronous=FULL");
  db.exec("PRAGMA foreign_keys=ON");
  int version = schema_version();
  if (version > kSchemaVersion) {
    throw Error(ErrorKind::kUnsupported,
                "database schema version " + std::to_string(version) + " is newer than this hayloft (" +
                    std::to_string(kSchemaVersion) + ")",
                path);
  }
  for (int v = version; v < kSchemaVersion; ++v) {
    sql::Transaction tx(db);
    // Re-read inside the write lock: another process may have migrated meanwhile.
    if (schema_version() > v) continue;
    db.exec(kMigrations[v]);
    db.exec("PRAGMA user_version=" + std::to_string(v + 1));
    tx.commit();
  }
}

Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

int Store::current_schema_version() { return kSchemaVersion; }

int Store::schema_version() const {
  sql::Stmt s(impl_->db, "PRAGMA user_version");
  return s.step() ? static_cast<int>(s.i64(0)) : 0;
}

int64_t Store::ensure_collection(const std::string& name) {
  validate_collection_name(name);
  sql::Stmt ins(impl_->db, "INSERT OR IGNORE INTO collections(name, created) VALUES(?, ?)");
  ins.bind(1, name).bind(2, now_seconds()).run();
  sql::Stmt q(impl_->db, "SELECT id FROM collections WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) throw Error(ErrorKind::kInternal, "collection vanished after insert", name);
  return q.i64(0);
}

std::vector<CollectionInfo> Store::collections() const {
  sql::Stmt s(impl_->db,
              "SELECT c.id, c.name, c.created,"
              " (SELECT COUNT(*) FROM documents d WHERE d.collection_id = c.id AND d.index_state != 'deleting'"
              "   AND d.id NOT IN (SELECT replaces FROM documents WHERE replaces IS NOT NULL)),"
              " (SELECT COUNT(*) FROM chunks k JOIN documents d ON d.id = k.document_id"
              "   WHERE d.collection_id = c.id AND d.index_state = 'indexed'),"
              " (SELECT IFNULL(SUM(d.size), 0) FROM documents d WHERE d.collection_id = c.id"
              "   AND d.index_state = 'indexed'),"
              " (SELECT IFNULL(SUM(k.tokens), 0) FROM chunks k JOIN documents d ON d.id = k.document_id"
              "   WHERE d.collection_id = c.id AND d.index_state = 'indexed')"
              " FROM collections c ORDER BY c.name");
  std::vector<CollectionInfo> out;
  while (s.step()) {
    out.push_back({s.i64(0), s.str(1), s.i64(2), s.i64(3), s.i64(4), s.i64(5), s.i64(6)});
  }
  return out;
}

std::optional<CollectionInfo> Store::find_collection(const std::string& name) const {
  for (auto& c : collections()) {
    if (c.name == name) return c;
  }
  return std::nullopt;
}

void Store::delete_collection(int64_t id) {
  sql::Stmt s(impl_->db, "DELETE FROM collections WHERE id = ?");
  s.bind(1, id).run();
}

std::optional<DocumentRow> Store::find_document(int64_t collection_id, const std::string& path) const {
  // The newest row wins: while a replacement is pending both versions exist.
  sql::Stmt s(impl_->db, std::string(kDocumentSelect) +
                             "WHERE d.collection_id = ? AND d.path = ? AND d.index_state != 'deleting'"
                             " ORDER BY d.id DESC LIMIT 1");
  s.bind(1, collection_id).bind(2, path);
  if (!s.step()) return std::nullopt;
  return read_document_row(s);
}

std::optional<DocumentRow> Store::get_document(int64_t id) const {
  sql::Stmt s(impl_->db, std::string(kDocumentSelect) + "WHERE d.id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_document_row(s);
}

bool Store::document_exists(int64_t id) const {
  sql::Stmt s(impl_->db, "SELECT 1 FROM documents WHERE id = ?");
  s.bind(1, id);
  return s.step();
}

std::vector<DocumentRow> Store::documents(std::optional<int64_t> collection_id) const {
  std::string q = kDocumentSelect;
  if (collection_id) q += "WHERE d.collection_id = ? ";
  q += "ORDER BY c.name, d.path, d.id";
  sql::Stmt s(impl_->db, q);
  if (collection_id) s.bind(1, *collection_id);
  std::vector<DocumentRow> out;
  while (s.step()) out.push_back(read_document_row(s));
  return out;
}

std::vector<DocumentRow> Store::documents_in_state(IndexState state) const {
  sql::Stmt s(impl_->db, std::string(kDocumentSelect) + "WHERE d.index_state = ? ORDER BY d.id");
  s.bind(1, index_state_name(state));
  std::vector<DocumentRow> out;
  while (s.step()) out.push_back(read_document_row(s));
  return out;
}

void Store::insert_documents(std::vector<DocumentRow>& docs, std::vector<std::vector<ChunkRow>>& chunks) {
  if (docs.size() != chunks.size()) {
    throw Error(ErrorKind::kInternal, "insert_documents: docs and chunks differ in length");
  }
  sql::Transaction tx(impl_->db);
  sql::Stmt doc_ins(impl_->db,
                    "INSERT INTO documents(collection_id, path, hash, mtime, size, type, language, title,"
                    " metadata, index_state, replaces, created, shard_id) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
  sql::Stmt chunk_ins(impl_->db,
                      "INSERT INTO chunks(document_id, ordinal, text, text_start, text_end, source_start,"
                      " source_end, page, heading, tokens) VALUES(?,?,?,?,?,?,?,?,?,?)");
  int64_t now = now_seconds();
  for (size_t i = 0; i < docs.size(); ++i) {
    DocumentRow& d = docs[i];
    doc_ins.bind(1, d.collection_id).bind(2, d.path).bind(3, d.hash).bind(4, d.mtime).bind(5, d.size);
    doc_ins.bind(6, d.type).bind(7, d.language).bind(8, d.title).bind(9, dump(d.metadata));
    doc_ins.bind(10, index_state_name(d.state));
    if (d.replaces) {
      doc_ins.bind(11, d.replaces);
    } else {
      doc_ins.bind_null(11);
    }
    doc_ins.bind(12, now).bind(13, d.shard_id ? d.shard_id : int64_t{1}).run();
    d.id = impl_->db.last_insert_id();
    for (ChunkRow& c : chunks[i]) {
      c.document_id = d.id;
      chunk_ins.bind(1, d.id).bind(2, c.ordinal).bind(3, c.text).bind(4, c.start).bind(5, c.end);
      chunk_ins.bind(6, c.source_start).bind(7, c.source_end).bind(8, c.page).bind(9, c.heading);
      chunk_ins.bind(10, c.tokens).run();
      c.id = impl_->db.last_insert_id();
      if (c.id >= (int64_t{1} << 32)) {
        // Xapian docids are 32-bit and equal chunk ids.
        throw Error(ErrorKind::kResourceExhausted, "more than 2^32 chunks ever stored", impl_->path);
      }
    }
  }
  tx.commit();
}

void Store::finish_batch(const std::vector<int64_t>& indexed, const std::vector<int64_t>& dropped) {
  sql::Transaction tx(impl_->db);
  sql::Stmt mark(impl_->db, "UPDATE documents SET index_state = 'indexed', replaces = NULL WHERE id = ?");
  for (int64_t id : indexed) mark.bind(1, id).run();
  sql::Stmt del(impl_->db, "DELETE FROM documents WHERE id = ?");  // chunks go by ON DELETE CASCADE
  for (int64_t id : dropped) del.bind(1, id).run();
  tx.commit();
}

void Store::set_state(const std::vector<int64_t>& ids, IndexState state) {
  sql::Transaction tx(impl_->db);
  sql::Stmt s(impl_->db, "UPDATE documents SET index_state = ? WHERE id = ?");
  for (int64_t id : ids) s.bind(1, index_state_name(state)).bind(2, id).run();
  tx.commit();
}

void Store::touch_document(int64_t id, int64_t mtime) {
  sql::Stmt s(impl_->db, "UPDATE documents SET mtime = ? WHERE id = ?");
  s.bind(1, mtime).bind(2, id).run();
}

std::vector<ChunkRow> Store::chunks_of(int64_t document_id) const {
  sql::Stmt s(impl_->db, std::string(kChunkSelect) + "WHERE document_id = ? ORDER BY ordinal");
  s.bind(1, document_id);
  std::vector<ChunkRow> out;
  while (s.step()) out.push_back(read_chunk_row(s));
  return out;
}

std::vector<ChunkRow> Store::chunks(int64_t collection_id) const {
  sql::Stmt s(impl_->db,
              "SELECT k.id, k.document_id, k.ordinal, k.text, k.text_start, k.text_end, k.source_start,"
              " k.source_end, k.page, k.heading, k.tokens FROM chunks k JOIN documents d ON d.id = k.document_id"
              " WHERE d.collection_id = ? AND d.index_state = 'indexed' ORDER BY d.path, d.id, k.ordinal");
  s.bind(1, collection_id);
  std::vector<ChunkRow> out;
  while (s.step()) out.push_back(read_chunk_row(s));
  return out;
}

std::optional<ChunkRow> Store::chunk(int64_t id) const {
  sql::Stmt s(impl_->db, std::string(kChunkSelect) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_chunk_row(s);
}

namespace {

// Runs `select` + "IN (?, ...)" over ids in batches well under SQLite's bound-parameter limit, calling
// read(row) for each result row.
template <typename Read>
void select_in(sql::Db& db, const std::string& select, const std::vector<int64_t>& ids, Read read) {
  constexpr size_t kBatch = 500;
  for (size_t begin = 0; begin < ids.size(); begin += kBatch) {
    size_t n = std::min(kBatch, ids.size() - begin);
    std::string q = select + " IN (?";
    for (size_t i = 1; i < n; ++i) q += ",?";
    q += ")";
    sql::Stmt s(db, q);
    for (size_t i = 0; i < n; ++i) s.bind(static_cast<int>(i + 1), ids[begin + i]);
    while (s.step()) read(s);
  }
}

}  // namespace

std::vector<ChunkRow> Store::chunks_by_id(const std::vector<int64_t>& ids) const {
  std::vector<ChunkRow> out;
  select_in(impl_->db, std::string(kChunkSelect) + "WHERE id", ids,
            [&](const sql::Stmt& s) { out.push_back(read_chunk_row(s)); });
  return out;
}

std::vector<DocumentHead> Store::document_heads(const std::vector<int64_t>& ids) const {
  std::vector<DocumentHead> out;
  select_in(impl_->db,
            "SELECT d.id, c.name, d.path, d.title, d.index_state FROM documents d"
            " JOIN collections c ON c.id = d.collection_id WHERE d.id",
            ids, [&](const sql::Stmt& s) {
              out.push_back({s.i64(0), s.str(1), s.str(2), s.str(3), parse_state(s.str(4))});
            });
  return out;
}

int64_t Store::chunk_count() const {
  sql::Stmt s(impl_->db, "SELECT COUNT(*) FROM chunks");
  return s.step() ? s.i64(0) : 0;
}

void Store::set_chunk_tokens(int64_t chunk_id, const std::string& model_key, int tokens) {
  sql::Stmt s(impl_->db,
              "INSERT INTO chunk_tokens(chunk_id, model_key, tokens) VALUES(?, ?, ?)"
              " ON CONFLICT(chunk_id, model_key) DO UPDATE SET tokens = excluded.tokens");
  s.bind(1, chunk_id).bind(2, model_key).bind(3, tokens).run();
}

std::optional<int> Store::chunk_tokens(int64_t chunk_id, const std::string& model_key) const {
  sql::Stmt s(impl_->db, "SELECT tokens FROM chunk_tokens WHERE chunk_id = ? AND model_key = ?");
  s.bind(1, chunk_id).bind(2, model_key);
  if (!s.step()) return std::nullopt;
  return static_cast<int>(s.i64(0));
}

int64_t Store::add_run(const RunRecord& run) {
  if (run.kind.empty()) throw Error(ErrorKind::kInvalidArgument, "a run needs a kind");
  sql::Stmt s(impl_->db,
              "INSERT INTO runs(kind, created, collection, question, route, reason, params, result, metrics)"
              " VALUES(?,?,?,?,?,?,?,?,?)");
  s.bind(1, run.kind).bind(2, run.created ? run.created : now_seconds()).bind(3, run.collection);
  s.bind(4, run.question).bind(5, run.route).bind(6, run.reason).bind(7, dump(run.params));
  s.bind(8, dump(run.result)).bind(9, dump(run.metrics)).run();
  return impl_->db.last_insert_id();
}

std::vector<RunRecord> Store::list_runs(int limit, const std::string& kind) const {
  std::string q = kRunSelect;
  if (!kind.empty()) q += "WHERE kind = ?2 ";
  q += "ORDER BY id DESC LIMIT ?1";
  sql::Stmt s(impl_->db, q);
  s.bind(1, static_cast<int64_t>(std::max(limit, 0)));
  if (!kind.empty()) s.bind(2, kind);
  std::vector<RunRecord> out;
  while (s.step()) out.push_back(read_run(s));
  return out;
}

std::optional<RunRecord> Store::get_run(int64_t id) const {
  sql::Stmt s(impl_->db, std::string(kRunSelect) + "WHERE id = ?");
  s.bind(1, id);
  if (!s.step()) return std::nullopt;
  return read_run(s);
}

std::vector<ShardInfo> Store::shards() const {
  sql::Stmt s(impl_->db,
              "SELECT s.id, s.kind, s.location, s.created,"
              " (SELECT COUNT(*) FROM documents d WHERE d.shard_id = s.id) FROM shards s ORDER BY s.id");
  std::vector<ShardInfo> out;
  while (s.step()) {
    ShardKind kind = s.str(1) == "remote" ? ShardKind::kRemote : ShardKind::kLocal;
    out.push_back({s.i64(0), kind, s.str(2), s.i64(3), s.i64(4)});
  }
  return out;
}

int64_t Store::add_shard(ShardKind kind, const std::string& location) {
  if (location.empty()) throw Error(ErrorKind::kInvalidArgument, "a shard needs a location");
  for (const ShardInfo& s : shards()) {
    if (s.location == location) {
      throw Error(ErrorKind::kInvalidArgument, "already in the shard map as shard " + std::to_string(s.id),
                  location);
    }
  }
  sql::Stmt s(impl_->db, "INSERT INTO shards(kind, location, created) VALUES(?, ?, ?)");
  s.bind(1, shard_kind_name(kind)).bind(2, location).bind(3, now_seconds()).run();
  return impl_->db.last_insert_id();
}

void Store::remove_shard(int64_t id) {
  sql::Transaction tx(impl_->db);
  std::vector<ShardInfo> all = shards();
  auto it = std::find_if(all.begin(), all.end(), [&](const ShardInfo& s) { return s.id == id; });
  if (it == all.end()) throw Error(ErrorKind::kNotFound, "no such shard", std::to_string(id));
  if (it->documents > 0) {
    throw Error(ErrorKind::kInvalidArgument,
                "shard " + std::to_string(id) + " holds " + std::to_string(it->documents) +
                    " documents (remove them first; shards are not rebalanced)",
                it->location);
  }
  if (all.size() == 1) throw Error(ErrorKind::kInvalidArgument, "cannot remove the last shard", it->location);
  sql::Stmt s(impl_->db, "DELETE FROM shards WHERE id = ?");
  s.bind(1, id).run();
  tx.commit();
}

std::optional<int64_t> Store::document_shard(int64_t document_id) const {
  sql::Stmt s(impl_->db, "SELECT shard_id FROM documents WHERE id = ?");
  s.bind(1, document_id);
  if (!s.step()) return std::nullopt;
  return s.i64(0);
}

}  // namespace hayloft::index
