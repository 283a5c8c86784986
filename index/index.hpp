#pragma once
// index: where documents live once ingested. SQLite (Store) is the truth: collections, documents, chunks,
// per-model chunk token counts and runs. Xapian (KeywordIndex) is a derived search structure with one
// Xapian document per chunk, split over one or more shards (local folders or xapian-tcpsrv servers, see
// shards.cpp) that are searched as one Xapian database. Library ties them with a crash-safe commit protocol (see library.cpp) and
// drives ingest. Knows nothing of models.
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.hpp"
#include "ingest/ingest.hpp"

namespace hayloft {
class ThreadPool;
}

namespace hayloft::index {

// ---------------------------------------------------------------------------------------------------
// Rows

// A document's place in the commit protocol (library.cpp): rows are written kPending, become kIndexed
// once Xapian has committed their chunks, and are marked kDeleting before a removal starts.
enum class IndexState { kPending, kIndexed, kDeleting };
const char* index_state_name(IndexState state);  // "pending", "indexed", "deleting"

struct CollectionInfo {
  int64_t id = 0;
  std::string name;
  int64_t created = 0;    // seconds since the epoch
  int64_t documents = 0;  // visible documents (not being deleted)
  int64_t chunks = 0;
  int64_t bytes = 0;      // sum of source file sizes
  int64_t tokens = 0;     // sum of chunk token counts (approximate counter at ingest)
};

struct DocumentRow {
  int64_t id = 0;
  int64_t collection_id = 0;
  std::string collection;  // name, filled on reads
  std::string path;        // absolute, normalised for files; any unique key for add_documents()
  std::string hash;        // hex SHA-256 of the source bytes
  int64_t mtime = 0;       // seconds since the epoch
  int64_t size = 0;        // source bytes
  std::string type;        // ingest::doc_type_name
  std::string language;
  std::string title;
  nlohmann::json metadata = nlohmann::json::object();  // string → string
  IndexState state = IndexState::kPending;
  int64_t replaces = 0;    // while pending: the older document of the same path this one replaces
  int64_t created = 0;     // when the row was written (seconds since the epoch), filled on reads
  int64_t shard_id = 0;    // the shard (ShardInfo::id) holding its chunks; 0 = route it (new documents)
  int64_t chunk_count = 0; // filled on reads
  int64_t tokens = 0;      // filled on reads
};

// What a search hit needs of its document: no per-document chunk counts (those cost a scan of the
// document's chunks on every read of a full DocumentRow).
struct DocumentHead {
  int64_t id = 0;
  std::string collection;
  std::string path;
  std::string title;
  IndexState state = IndexState::kPending;
};

struct ChunkRow {
  int64_t id = 0;  // also the Xapian docid of the chunk
  int64_t document_id = 0;
  int ordinal = 0;
  std::string text;
  int64_t start = 0;  // [start, end) in the document's normalised text
  int64_t end = 0;
  int64_t source_start = 0;  // [source_start, source_end) in the source bytes
  int64_t source_end = 0;
  int page = 0;
  std::string heading;  // heading path, e.g. "Install > Debian"
  int tokens = 0;
};

// One keyword-index shard. The shard map lives in the store (table shards); its order (by id) fixes each
// shard's place in the merged Xapian database, so it is the same for every reader.
enum class ShardKind { kLocal, kRemote };
const char* shard_kind_name(ShardKind kind);  // "local", "remote"

struct ShardInfo {
  int64_t id = 0;
  ShardKind kind = ShardKind::kLocal;
  std::string location;    // local: a folder (relative = inside the home); remote: HOST:PORT of xapian-tcpsrv
  int64_t created = 0;     // seconds since the epoch
  int64_t documents = 0;   // documents whose chunks it holds (SQLite), filled on reads
};

struct RunRecord {
  int64_t id = 0;
  std::string kind;        // "ask", "compare", "eval", "niah", "eval-retrieval", ...
  int64_t created = 0;     // seconds since the epoch; 0 on add_run = now
  std::string collection;
  std::string question;
  std::string route;
  std::string reason;
  nlohmann::json params = nlohmann::json::object();
  nlohmann::json result = nlohmann::json::object();
  nlohmann::json metrics = nlohmann::json::object();
};

// ---------------------------------------------------------------------------------------------------
// Store: SQLite metadata (WAL, foreign keys, busy timeout, versioned migrations)

class Store {
 public:
  // Opens or creates the database at `path` and migrates it to the current schema. Throws Error{kIo}
  // when it cannot be opened, Error{kUnsupported} when it was written by a newer hayloft.
  explicit Store(const std::string& path);
  ~Store();
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;

  static int current_schema_version();
  int schema_version() const;

  // Collections. Names: 1-64 chars of [A-Za-z0-9_.-] (Error{kInvalidArgument} otherwise).
  int64_t ensure_collection(const std::string& name);
  std::optional<CollectionInfo> find_collection(const std::string& name) const;
  std::vector<CollectionInfo> collections() const;
  void delete_collection(int64_t id);  // must hold no documents

  // Documents. find_document returns the visible (newest non-deleting) row for a path.
  std::optional<DocumentRow> find_document(int64_t collection_id, const std::string& path) const;
  std::optional<DocumentRow> get_document(int64_t id) const;
  std::vector<DocumentRow> documents(std::optional<int64_t> collection_id) const;  // all states
  std::vector<DocumentRow> documents_in_state(IndexState state) const;
  bool document_exists(int64_t id) const;
  // Inserts documents (as given, normally kPending) with their chunks in one transaction; fills the
  // ids of docs[i] and chunks[i][j].
  void insert_documents(std::vector<DocumentRow>& docs, std::vector<std::vector<ChunkRow>>& chunks);
  // In one transaction: marks `indexed` kIndexed (clearing replaces) and deletes the rows of `dropped`.
  void finish_batch(const std::vector<int64_t>& indexed, const std::vector<int64_t>& dropped);
  void set_state(const std::vector<int64_t>& ids, IndexState state);
  void touch_document(int64_t id, int64_t mtime);  // unchanged content, new mtime

  // Chunks in document order (documents by id, chunks by ordinal).
  std::vector<ChunkRow> chunks_of(int64_t document_id) const;
  std::vector<ChunkRow> chunks(int64_t collection_id) const;
  std::optional<ChunkRow> chunk(int64_t id) const;
  // The chunks with these ids that exist, in one query (search results: one statement instead of k).
  std::vector<ChunkRow> chunks_by_id(const std::vector<int64_t>& ids) const;
  // The heads of the documents with these ids that exist, in one query per 500 ids.
  std::vector<DocumentHead> document_heads(const std::vector<int64_t>& ids) const;
  int64_t chunk_count() const;

  // Per-model token counts (the pipeline fills these with the real tokenizer).
  void set_chunk_tokens(int64_t chunk_id, const std::string& model_key, int tokens);
  std::optional<int> chunk_tokens(int64_t chunk_id, const std::string& model_key) const;

  // Runs (ask / compare / eval records).
  int64_t add_run(const RunRecord& run);
  std::vector<RunRecord> list_runs(int limit = 100, const std::string& kind = {}) const;
  std::optional<RunRecord> get_run(int64_t id) const;

  // The shard map, by id. A new store has one local shard, "xapian" (the home's index folder).
  std::vector<ShardInfo> shards() const;
  // Adds a row (Error{kInvalidArgument} when the location is already in the map); returns its id.
  int64_t add_shard(ShardKind kind, const std::string& location);
  // Deletes a row. Error{kInvalidArgument} while documents live on it or when it is the last one.
  void remove_shard(int64_t id);
  // The shard a document's chunks live on, if the document exists.
  std::optional<int64_t> document_shard(int64_t document_id) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------------
// KeywordIndex: Xapian, one document per chunk

// Boolean filters. Values of one kind are OR-ed, kinds are AND-ed.
struct Filters {
  std::vector<std::string> collections;
  std::vector<int64_t> documents;
  std::vector<std::string> types;      // "text", "markdown", "pdf", ...
  std::vector<std::string> languages;  // "cpp", "python", ...
  std::vector<std::pair<std::string, std::string>> metadata;  // key:value, case-insensitive
  std::optional<int64_t> after;   // document mtime >= after (seconds since the epoch)
  std::optional<int64_t> before;  // document mtime < before
};

// Parses one `--filter` item into `filters`: collection:NAME, doc:ID, type:T, lang:L (or language:),
// after:YYYY-MM-DD, before:YYYY-MM-DD, anything else KEY:VALUE as metadata. Error{kInvalidArgument} on
// malformed items.
void parse_filter(const std::string& item, Filters& filters);

struct KeywordHit {
  int64_t chunk_id = 0;
  double score = 0;
};

class KeywordIndex {
 public:
  enum class Mode { kRead, kWrite };
  // Opens (kWrite: creates) the Xapian database in `dir`: one local shard. kWrite takes Xapian's writer
  // lock: Error{kIo} "locked" when another process holds it.
  KeywordIndex(const std::string& dir, Mode mode, const config::IndexConfig& config);
  // Opens the shards (locations resolved: local folders absolute) as one database. kWrite opens a writer
  // per shard now (remote: Xapian::Remote::open_writable; Error{kIo} naming the shard if unreachable);
  // kRead connects on first use and reconnects once when a connection was dropped (server idle timeout).
  KeywordIndex(const std::vector<ShardInfo>& shards, Mode mode, const config::IndexConfig& config);
  ~KeywordIndex();
  KeywordIndex(KeywordIndex&&) noexcept;
  KeywordIndex& operator=(KeywordIndex&&) noexcept;

  // Adds or replaces one chunk on the shard doc.shard_id (shard docid = chunk id; unique term Q<id>; doc
  // term XD<doc id>). Error{kResourceExhausted} when the merged docid would pass 2^32 (see shards.cpp).
  void put_chunk(const DocumentRow& doc, const ChunkRow& chunk);
  void delete_document(int64_t document_id);                    // all its chunks, on every shard
  void delete_document(int64_t document_id, int64_t shard_id);  // all its chunks, on that shard
  // Commits every shard written since the last commit, one after the other (each shard's commit is
  // atomic; the Library protocol rolls forward a crash between two of them).
  void commit();
  // Document ids that have at least one chunk in the index (from the XD terms).
  std::vector<int64_t> document_ids() const;
  std::vector<int64_t> document_ids(int64_t shard_id) const;  // on one shard
  // Chunk ids indexed for one document.
  std::vector<int64_t> chunk_ids(int64_t document_id) const;
  int64_t chunk_total() const;

  // Parses `query` (phrases "a b", NEAR, AND/OR/NOT, +/-, wildcards; default OR; title:word) and returns
  // the top k chunks over all shards (Xapian merges results and statistics, so the ranking is the one a
  // single database would give). Readers reopen to the latest commit first and retry on
  // DatabaseModifiedError. Error{kInvalidArgument} for a query Xapian cannot parse; Error{kIo} naming
  // the shard(s) when a remote shard fails or times out (no partial results).
  std::vector<KeywordHit> search(const std::string& query, const Filters& filters, int k);
  // A snippet of `text` around the terms of the last search, terms wrapped in `marker`.
  std::string snippet(const std::string& text, int chars, const std::string& marker) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// ---------------------------------------------------------------------------------------------------
// Library: Store + KeywordIndex under the commit protocol, ingest driver, search

struct Hit {
  int64_t chunk_id = 0;
  int64_t document_id = 0;
  std::string collection;
  std::string path;
  std::string title;
  double score = 0;
  std::string snippet;  // terms wrapped in the marker (default **)
  std::string text;     // the whole chunk
  int64_t start = 0;    // in the document's normalised text
  int64_t end = 0;
  int64_t source_start = 0;
  int64_t source_end = 0;
  int page = 0;
  std::string heading;
};

// One document ready to store: what ingest produced (path is its unique key in the collection).
struct NewDocument {
  ingest::Document doc;
  std::vector<ingest::Chunk> chunks;
};

struct FileError {
  std::string path;
  std::string kind;  // error_kind_name
  std::string message;
};

struct IngestSummary {
  int64_t files_seen = 0;
  int64_t added = 0;
  int64_t unchanged = 0;
  int64_t replaced = 0;
  int64_t failed = 0;
  int64_t chunks = 0;  // chunks written
  int64_t bytes = 0;   // source bytes read of added/replaced files
  double seconds = 0;
  std::vector<FileError> errors;
  double mb_per_s() const { return seconds > 0 ? bytes / 1e6 / seconds : 0; }
};

struct IngestOptions {
  ingest::WalkOptions walk;
  ingest::ReadOptions read;
  ingest::ChunkOptions chunk;
  int batch_documents = 64;   // documents per Xapian commit (512 measured slower: 6.1 s vs 4.0 s CPU on 5 MB)
  bool progress = true;      // util::Progress on stderr (only drawn on a tty)
};

// Builds IngestOptions from config (globs, size limits, chunk sizes).
IngestOptions ingest_options(const config::IngestConfig& config);

struct RepairReport {
  int64_t reindexed = 0;        // pending documents finished
  int64_t removed = 0;          // documents marked deleting, finished
  int64_t orphans_deleted = 0;  // Xapian documents SQLite does not know
};

struct SearchOptions {
  int k = 10;
  std::string marker = "**";  // wraps matched terms in snippets
  int snippet_chars = 240;
};

class Library {
 public:
  enum class Mode { kRead, kWrite };
  // Opens `home` (creating it for kWrite): home/store.sqlite + home/xapian/. kWrite runs repair() first.
  Library(const std::string& home, const config::Config& config, Mode mode = Mode::kWrite);
  static Library open(const std::string& home, const config::Config& config, Mode mode = Mode::kWrite) {
    return Library(home, config, mode);
  }
  ~Library();
  Library(Library&&) noexcept;
  Library& operator=(Library&&) noexcept;

  Store& store();
  KeywordIndex& keyword_index();

  // The shard map (see Store::shards). add_shard takes a folder or HOST:PORT (a running xapian-tcpsrv,
  // e.g. `hayloft serve-shard`); the shard must be reachable and empty. New documents are routed by a
  // stable hash of collection and path over the shards; documents already stored stay where they are
  // (no rebalancing). remove_shard refuses while documents live on it. Both need Mode::kWrite and reopen
  // the index. The home also gets shards.stub, a Xapian stub file for xapian-delve or quest.
  std::vector<ShardInfo> shards() const;
  ShardInfo add_shard(const std::string& location);
  void remove_shard(int64_t id);
  // Brings SQLite and Xapian back into agreement after a crash (see library.cpp). Run by open (kWrite).
  RepairReport repair();

  // Stores documents already read and chunked. Unchanged (same path and hash) ones are skipped, changed
  // ones replace the old version atomically. Returns the summary (no per-file errors possible here).
  IngestSummary add_documents(const std::string& collection, std::vector<NewDocument> docs,
                              int batch_documents = 64);
  // Lists, reads and chunks `paths` on `pool` while this thread commits. Per-file errors are collected.
  IngestSummary ingest(const std::string& collection, const std::vector<std::string>& paths,
                       const IngestOptions& options, ThreadPool& pool);

  // Removes documents by id (any collection). Returns how many were removed.
  int64_t remove(const std::vector<int64_t>& document_ids);
  // Removes a whole collection (documents first, then the row). Error{kNotFound} if unknown.
  int64_t remove_collection(const std::string& collection);

  std::vector<CollectionInfo> collections() const;
  std::vector<DocumentRow> documents(const std::string& collection = {}) const;  // empty = all
  std::vector<ChunkRow> chunks(const std::string& collection) const;  // Error{kNotFound} if unknown

  // Keyword search. An empty collection list in filters searches every collection.
  std::vector<Hit> search(const std::string& query, const Filters& filters, const SearchOptions& options);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The path key ingest stores for a file: absolute and lexically normal.
std::string normalize_path(const std::string& path);

// ---------------------------------------------------------------------------------------------------
// Serving a shard

// Creates an empty Xapian database in `dir` unless one is there (xapian-tcpsrv needs one to serve).
void create_local_shard(const std::string& dir);
// The xapian-tcpsrv command line that serves `dir` on host:port. writable: ingest can write through it
// (readers still connect read-only; the server forks one process per connection). idle_timeout_ms: how
// long the server keeps an idle connection (0 = its default, 60 s); readers reconnect after a drop.
std::vector<std::string> serve_shard_argv(const std::string& dir, const std::string& host, int port,
                                          bool writable, int idle_timeout_ms = 0);

}  // namespace hayloft::index
