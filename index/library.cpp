// Library: SQLite (the truth) + Xapian (derived) under one commit protocol, the ingest driver and search.
//
// COMMIT PROTOCOL: store and index must never disagree after a crash (SIGKILL, power loss) at any point.
// SQLite is the truth; Xapian is rebuilt from it where needed. Every document row carries index_state.
//
// Add a batch of documents (new files, or new versions of changed files):
//   1. SQLite transaction: insert each document as 'pending' (a new version records `replaces` = the id
//      of the version it supersedes) with all its chunks; COMMIT (synchronous=FULL: on disk now).
//   2. Xapian: add each chunk as docid = chunk id (unique term Q<id>, document term XD<doc id>), and delete
//      the chunks of every superseded version (by its XD term); ONE Xapian commit for the whole batch.
//   3. SQLite transaction: mark the batch 'indexed' (clearing `replaces`) and delete the superseded rows
//      (chunks cascade); COMMIT.
//   The user sees the old version until the Xapian commit in step 2 and the new one after it: a
//   replacement is atomic. A search maps Xapian hits to SQLite rows and drops hits with no row.
//
// Remove documents: 1. SQLite: mark them 'deleting' (search and listings hide them from now on);
//   2. Xapian: delete by XD term, commit; 3. SQLite: delete the rows.
//
// REPAIR (run when a writer opens the library, before anything else):
//   - 'pending' documents: their rows and chunks are complete (step 1 committed), so put their chunks into
//     Xapian again (replace_document by docid is idempotent), delete what they supersede, commit, then
//     finish step 3. A crash mid-add therefore rolls forward.
//   - 'deleting' documents: delete from Xapian, commit, delete the rows. Removal rolls forward.
//   - Xapian documents whose XD id has no SQLite row (step 1 rolled back is impossible, but a superseded
//     version whose row went in step 3 while Xapian lost its commit, or a removed one) are deleted.
//   - If Xapian's chunk count still differs from SQLite's indexed chunks (index folder lost or damaged),
//     every indexed document whose chunk set differs is re-indexed from SQLite.
//
// SHARDS (shards.cpp): each document lives on one shard (documents.shard_id, chosen at step 1); step 2
// writes and commits every shard the batch touched, and step 3 follows only when all have committed. A
// crash between two shard commits leaves the batch pending, and repair rolls it forward as above. Repair
// checks each shard for documents it should not hold.
// Chunk ids come from AUTOINCREMENT, so an id is never reused and a stale Xapian docid can never point at
// a different chunk.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <sys/stat.h>
#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "index/index.hpp"
#include "index/shards.hpp"
#include "util/util.hpp"

namespace hayloft::index {
namespace fs = std::filesystem;

std::string normalize_path(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(fs::path(path), ec);
  if (ec) abs = fs::path(path);
  return abs.lexically_normal().generic_string();
}

IngestOptions ingest_options(const config::IngestConfig& config) {
  IngestOptions o;
  o.walk = ingest::walk_options(config);
  o.read = ingest::read_options(config);
  o.chunk = ingest::chunk_options(config);
  return o;
}

namespace {

// A document ready for step 1 of the protocol.
struct Prepared {
  DocumentRow row;
  std::vector<ChunkRow> chunks;
  bool replacing = false;
  int64_t bytes = 0;
};

Prepared prepare(int64_t collection_id, const std::string& collection, const NewDocument& nd,
                 const std::string& path_key) {
  Prepared p;
  const ingest::Document& d = nd.doc;
  p.row.collection_id = collection_id;
  p.row.collection = collection;
  p.row.path = path_key;
  p.row.hash = d.content_hash;
  p.row.mtime = d.mtime;
  p.row.size = d.source_bytes;
  p.row.type = ingest::doc_type_name(d.type);
  p.row.language = d.language;
  p.row.title = d.title;
  p.row.metadata = nlohmann::json::object();
  for (const auto& [k, v] : d.metadata) p.row.metadata[k] = v;
  p.row.state = IndexState::kPending;
  p.bytes = d.source_bytes;
  for (const ingest::Chunk& c : nd.chunks) {
    ChunkRow r;
    r.ordinal = c.ordinal;
    r.text = c.text;
    r.start = c.start;
    r.end = c.end;
    r.source_start = c.source_start;
    r.source_end = c.source_end;
    r.page = c.page;
    r.heading = c.heading_path;
    r.tokens = c.tokens;
    p.chunks.push_back(std::move(r));
  }
  return p;
}

// A queue with a capacity: workers block while the writer is behind, so memory stays bounded. close()
// releases everyone (used when the writer fails).
template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity) {}
  bool push(T item) {
    std::unique_lock lock(mu_);
    cv_space_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    cv_items_.notify_one();
    return true;
  }
  T pop() {
    std::unique_lock lock(mu_);
    cv_items_.wait(lock, [&] { return !items_.empty(); });
    T item = std::move(items_.front());
    items_.pop_front();
    cv_space_.notify_one();
    return item;
  }
  void close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    cv_space_.notify_all();
  }
  bool closed() {
    std::lock_guard lock(mu_);
    return closed_;
  }

 private:
  size_t capacity_;
  std::deque<T> items_;
  std::mutex mu_;
  std::condition_variable cv_items_, cv_space_;
  bool closed_ = false;
};

// What a worker hands the writer for one file.
struct FileResult {
  enum class Kind { kNew, kUnchanged, kError } kind = Kind::kError;
  std::string path;  // normalised key
  std::optional<NewDocument> doc;
  int64_t touch_id = 0;  // kUnchanged with a new mtime: the row to touch
  int64_t mtime = 0;
  FileError error;
};

struct Existing {
  int64_t id = 0;
  std::string hash;
  int64_t size = 0;
  int64_t mtime = 0;
  int64_t created = 0;  // when the row was written
};

FileResult read_one(const std::string& file, const std::string& key, const Existing* existing,
                    const IngestOptions& options) {
  FileResult r;
  r.path = key;
  try {
    // Same size and mtime: skip reading (the common re-run). mtime has 1 s resolution here, so a file
    // whose mtime is not older than its row could have been rewritten within that second after it was
    // read ("racily clean", as git calls it): those are hashed.
    struct stat st {};
    if (existing && ::stat(file.c_str(), &st) == 0 && st.st_size == existing->size &&
        static_cast<int64_t>(st.st_mtime) == existing->mtime && existing->mtime < existing->created) {
      r.kind = FileResult::Kind::kUnchanged;
      return r;
    }
    ingest::Document doc = ingest::read_document(file, options.read);
    if (existing && doc.content_hash == existing->hash) {
      r.kind = FileResult::Kind::kUnchanged;
      r.touch_id = existing->id;
      r.mtime = doc.mtime;
      return r;
    }
    NewDocument nd;
    nd.chunks = ingest::chunk_document(doc, ingest::approximate_token_counter(), options.chunk);
    nd.doc = std::move(doc);
    r.doc = std::move(nd);
    r.kind = FileResult::Kind::kNew;
  } catch (const Error& e) {
    r.error = {key, error_kind_name(e.kind()), e.what()};
  } catch (const std::exception& e) {
    r.error = {key, "internal", e.what()};
  }
  return r;
}

}  // namespace

struct Library::Impl {
  config::Config config;
  std::string home;
  Mode mode;
  Store store;
  std::vector<ShardInfo> shard_list;  // the map as kw opened it; routing uses its order (before kw: open_index fills it)
  KeywordIndex kw;

  Impl(const std::string& h, const config::Config& c, Mode m)
      : config(c), home(h), mode(m), store(open_store(h)), kw(open_index()) {}

  KeywordIndex open_index() {
    shard_list = store.shards();
    std::vector<ShardInfo> resolved = shard_list;
    for (ShardInfo& s : resolved) s.location = shards::resolve(home, s);
    return KeywordIndex(resolved, mode == Mode::kWrite ? KeywordIndex::Mode::kWrite : KeywordIndex::Mode::kRead,
                        config.index);
  }

  // Over the current shard map. The old writers go first: they hold the shards' locks.
  void reopen_index() {
    { KeywordIndex old = std::move(kw); }
    kw = open_index();
  }

  void write_stub() {
    std::string path = home + "/shards.stub";
    std::string tmp = path + ".tmp";
    {
      std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
      out << shards::stub_text(home, shard_list);
      if (!out) throw Error(ErrorKind::kIo, "cannot write the shard stub file", tmp);
    }
    fs::rename(tmp, path);
  }

  static std::string open_store(const std::string& home) {
    std::error_code ec;
    fs::create_directories(home, ec);
    if (ec) throw Error(ErrorKind::kIo, "cannot create data folder: " + ec.message(), home);
    return home + "/store.sqlite";
  }

  void require_writer() const {
    if (mode != Mode::kWrite) throw Error(ErrorKind::kInternal, "library opened read-only");
  }

  // Steps 1-3 of the add protocol for one batch; fills the summary's counters.
  void write_batch(std::vector<Prepared>& batch, IngestSummary& summary) {
    if (batch.empty()) return;
    std::vector<DocumentRow> rows;
    std::vector<std::vector<ChunkRow>> chunks;
    for (auto& p : batch) {
      rows.push_back(std::move(p.row));
      chunks.push_back(std::move(p.chunks));
    }
    store.insert_documents(rows, chunks);  // step 1
    std::vector<int64_t> indexed, dropped;
    for (size_t i = 0; i < rows.size(); ++i) {
      for (const ChunkRow& c : chunks[i]) kw.put_chunk(rows[i], c);
      if (rows[i].replaces) {
        kw.delete_document(rows[i].replaces, rows[i].shard_id);
        dropped.push_back(rows[i].replaces);
      }
      indexed.push_back(rows[i].id);
      summary.chunks += static_cast<int64_t>(chunks[i].size());
      summary.bytes += batch[i].bytes;
      (batch[i].replacing ? summary.replaced : summary.added) += 1;
    }
    kw.commit();                           // step 2
    store.finish_batch(indexed, dropped);  // step 3
    batch.clear();
  }

  // Turns a NewDocument into a Prepared batch entry, or returns false when it is unchanged.
  bool stage(int64_t collection_id, const std::string& collection, const NewDocument& nd,
             const std::string& key, std::vector<Prepared>& batch) {
    std::optional<DocumentRow> old = store.find_document(collection_id, key);
    if (old && old->hash == nd.doc.content_hash && old->state == IndexState::kIndexed) return false;
    Prepared p = prepare(collection_id, collection, nd, key);
    if (old) {
      p.row.replaces = old->id;
      p.row.shard_id = old->shard_id;  // a new version stays on its shard: one atomic commit replaces it
      p.replacing = true;
    } else {
      p.row.shard_id = shard_list[shards::route(collection, key, shard_list.size())].id;
    }
    batch.push_back(std::move(p));
    return true;
  }

  void reindex(const std::vector<DocumentRow>& docs) {
    std::vector<int64_t> indexed, dropped;
    for (const DocumentRow& d : docs) {
      kw.delete_document(d.id, d.shard_id);  // drop any partial set first
      for (const ChunkRow& c : store.chunks_of(d.id)) kw.put_chunk(d, c);
      if (d.replaces) {
        kw.delete_document(d.replaces, d.shard_id);
        dropped.push_back(d.replaces);
      }
      indexed.push_back(d.id);
    }
    kw.commit();
    store.finish_batch(indexed, dropped);
  }
};

Library::Library(const std::string& home, const config::Config& config, Mode mode)
    : impl_(std::make_unique<Impl>(home, config, mode)) {
  if (mode == Mode::kWrite) {
    RepairReport r = repair();
    if (r.reindexed || r.removed || r.orphans_deleted) {
      spdlog::warn("repaired index after an interrupted run: {} re-indexed, {} removals finished, {} orphans",
                   r.reindexed, r.removed, r.orphans_deleted);
    }
  }
}

Library::~Library() = default;
Library::Library(Library&&) noexcept = default;
Library& Library::operator=(Library&&) noexcept = default;

Store& Library::store() { return impl_->store; }
KeywordIndex& Library::keyword_index() { return impl_->kw; }

std::vector<ShardInfo> Library::shards() const { return impl_->store.shards(); }

ShardInfo Library::add_shard(const std::string& location) {
  impl_->require_writer();
  ShardInfo info;
  info.kind = shards::parse_remote(location) ? ShardKind::kRemote : ShardKind::kLocal;
  info.location = info.kind == ShardKind::kRemote ? location : normalize_path(location);
  // A shard must start empty: repair would take documents it does not know for orphans and delete them.
  // Opening it as a writer also proves it is reachable and writable (tcpsrv --writable).
  if (info.kind == ShardKind::kLocal) create_local_shard(info.location);
  {
    KeywordIndex probe({info}, KeywordIndex::Mode::kWrite, impl_->config.index);
    int64_t n = probe.chunk_total();
    if (n > 0) {
      throw Error(ErrorKind::kInvalidArgument,
                  "shard already holds " + std::to_string(n) + " Xapian documents (a new shard must be empty)",
                  info.location);
    }
  }
  info.id = impl_->store.add_shard(info.kind, info.location);
  for (const ShardInfo& stored : impl_->store.shards()) {
    if (stored.id == info.id) info = stored;  // with its creation time, as `shards list` shows it
  }
  impl_->reopen_index();
  impl_->write_stub();
  spdlog::info("shards: added shard {} ({} {})", info.id, shard_kind_name(info.kind), info.location);
  return info;
}

void Library::remove_shard(int64_t id) {
  impl_->require_writer();
  impl_->store.remove_shard(id);
  impl_->reopen_index();
  impl_->write_stub();
  spdlog::info("shards: removed shard {}", id);
}

RepairReport Library::repair() {
  impl_->require_writer();
  Store& store = impl_->store;
  KeywordIndex& kw = impl_->kw;
  RepairReport report;
  std::vector<DocumentRow> pending = store.documents_in_state(IndexState::kPending);
  if (!pending.empty()) impl_->reindex(pending);
  report.reindexed = static_cast<int64_t>(pending.size());

  std::vector<int64_t> deleting;
  for (const DocumentRow& d : store.documents_in_state(IndexState::kDeleting)) {
    deleting.push_back(d.id);
    kw.delete_document(d.id, d.shard_id);
  }
  if (!deleting.empty()) {
    kw.commit();
    store.finish_batch({}, deleting);
  }
  report.removed = static_cast<int64_t>(deleting.size());

  // Per shard: documents SQLite does not know, or knows on another shard.
  for (const ShardInfo& shard : impl_->shard_list) {
    for (int64_t id : kw.document_ids(shard.id)) {
      std::optional<int64_t> home_shard = store.document_shard(id);
      if (!home_shard || (impl_->shard_list.size() > 1 && *home_shard != shard.id)) {
        kw.delete_document(id, shard.id);
        ++report.orphans_deleted;
      }
    }
  }
  if (report.orphans_deleted) kw.commit();

  if (kw.chunk_total() != store.chunk_count()) {
    // Index folder lost or damaged: re-index every document whose chunk set differs.
    std::vector<DocumentRow> stale;
    for (const DocumentRow& d : store.documents(std::nullopt)) {
      if (static_cast<int64_t>(kw.chunk_ids(d.id).size()) != d.chunk_count) stale.push_back(d);
    }
    if (!stale.empty()) impl_->reindex(stale);
    report.reindexed += static_cast<int64_t>(stale.size());
  }
  return report;
}

IngestSummary Library::add_documents(const std::string& collection, std::vector<NewDocument> docs,
                                     int batch_documents) {
  impl_->require_writer();
  Timer timer;
  IngestSummary summary;
  int64_t collection_id = impl_->store.ensure_collection(collection);
  // The last occurrence of a path wins, so one batch never holds two versions of a document.
  std::unordered_map<std::string, size_t> last;
  for (size_t i = 0; i < docs.size(); ++i) last[docs[i].doc.path] = i;
  std::vector<Prepared> batch;
  for (size_t i = 0; i < docs.size(); ++i) {
    ++summary.files_seen;
    if (last[docs[i].doc.path] != i) continue;
    if (!impl_->stage(collection_id, collection, docs[i], docs[i].doc.path, batch)) ++summary.unchanged;
    if (static_cast<int>(batch.size()) >= std::max(batch_documents, 1)) impl_->write_batch(batch, summary);
  }
  impl_->write_batch(batch, summary);
  summary.seconds = timer.seconds();
  return summary;
}

IngestSummary Library::ingest(const std::string& collection, const std::vector<std::string>& paths,
                              const IngestOptions& options, ThreadPool& pool) {
  impl_->require_writer();
  Timer timer;
  IngestSummary summary;
  int64_t collection_id = impl_->store.ensure_collection(collection);

  std::vector<std::string> files;
  for (const std::string& p : paths) {
    try {
      std::vector<std::string> found = ingest::list_files({p}, options.walk);
      files.insert(files.end(), found.begin(), found.end());
    } catch (const Error& e) {
      summary.errors.push_back({p, error_kind_name(e.kind()), e.what()});
      ++summary.failed;
    }
  }
  // Two spellings of one file (a/./b, a/b) collapse to one key.
  std::map<std::string, std::string> by_key;
  for (const std::string& f : files) by_key.emplace(normalize_path(f), f);
  summary.files_seen = static_cast<int64_t>(by_key.size()) + summary.failed;

  std::unordered_map<std::string, Existing> existing;
  for (const DocumentRow& d : impl_->store.documents(collection_id)) {
    if (d.state == IndexState::kIndexed) existing[d.path] = {d.id, d.hash, d.size, d.mtime, d.created};
  }

  BoundedQueue<FileResult> queue(static_cast<size_t>(2 * pool.size() + 2));
  for (const auto& [key, file] : by_key) {
    auto it = existing.find(key);
    const Existing* ex = it == existing.end() ? nullptr : &it->second;
    pool.submit([&queue, &options, key = key, file = file, ex] {
      if (queue.closed()) return;
      queue.push(read_one(file, key, ex, options));
    });
  }

  Progress progress("ingest", static_cast<int64_t>(by_key.size()), options.progress && Progress::stderr_is_terminal());
  std::vector<Prepared> batch;
  size_t batch_bytes = 0;
  constexpr size_t kBatchTextBytes = 16 << 20;  // also flush when the batch holds this much chunk text
  try {
    for (size_t done = 0; done < by_key.size(); ++done) {
      FileResult r = queue.pop();
      progress.update(static_cast<int64_t>(done + 1), r.path);
      if (r.kind == FileResult::Kind::kError) {
        ++summary.failed;
        summary.errors.push_back(std::move(r.error));
      } else if (r.kind == FileResult::Kind::kUnchanged) {
        ++summary.unchanged;
        if (r.touch_id) impl_->store.touch_document(r.touch_id, r.mtime);
      } else if (impl_->stage(collection_id, collection, *r.doc, r.path, batch)) {
        for (const auto& c : r.doc->chunks) batch_bytes += c.text.size();
      } else {
        ++summary.unchanged;
      }
      if (static_cast<int>(batch.size()) >= std::max(options.batch_documents, 1) || batch_bytes >= kBatchTextBytes) {
        impl_->write_batch(batch, summary);
        batch_bytes = 0;
      }
    }
    impl_->write_batch(batch, summary);
  } catch (...) {
    queue.close();  // unblock workers, let them finish, then report the writer's error
    pool.wait_idle();
    throw;
  }
  progress.finish();
  pool.wait_idle();
  summary.seconds = timer.seconds();
  return summary;
}

int64_t Library::remove(const std::vector<int64_t>& document_ids) {
  impl_->require_writer();
  std::vector<int64_t> ids;
  for (int64_t id : document_ids) {
    if (impl_->store.document_exists(id)) ids.push_back(id);
  }
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (ids.empty()) return 0;
  impl_->store.set_state(ids, IndexState::kDeleting);  // step 1
  for (int64_t id : ids) impl_->kw.delete_document(id, impl_->store.document_shard(id).value_or(0));
  impl_->kw.commit();                    // step 2
  impl_->store.finish_batch({}, ids);    // step 3
  return static_cast<int64_t>(ids.size());
}

int64_t Library::remove_collection(const std::string& collection) {
  impl_->require_writer();
  std::optional<CollectionInfo> info = impl_->store.find_collection(collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection", collection);
  std::vector<int64_t> ids;
  for (const DocumentRow& d : impl_->store.documents(info->id)) ids.push_back(d.id);
  int64_t n = remove(ids);
  impl_->store.delete_collection(info->id);
  return n;
}

std::vector<CollectionInfo> Library::collections() const { return impl_->store.collections(); }

std::vector<DocumentRow> Library::documents(const std::string& collection) const {
  std::optional<int64_t> cid;
  if (!collection.empty()) {
    auto info = impl_->store.find_collection(collection);
    if (!info) throw Error(ErrorKind::kNotFound, "no such collection", collection);
    cid = info->id;
  }
  std::vector<DocumentRow> all = impl_->store.documents(cid);
  // Visible documents only: not being removed, and not an old version a pending one supersedes.
  std::unordered_set<int64_t> superseded;
  for (const DocumentRow& d : all) {
    if (d.replaces) superseded.insert(d.replaces);
  }
  std::vector<DocumentRow> out;
  for (DocumentRow& d : all) {
    if (d.state != IndexState::kDeleting && !superseded.count(d.id)) out.push_back(std::move(d));
  }
  return out;
}

std::vector<ChunkRow> Library::chunks(const std::string& collection) const {
  auto info = impl_->store.find_collection(collection);
  if (!info) throw Error(ErrorKind::kNotFound, "no such collection", collection);
  return impl_->store.chunks(info->id);
}

std::vector<Hit> Library::search(const std::string& query, const Filters& filters,
                                 const SearchOptions& options) {
  std::vector<KeywordHit> raw = impl_->kw.search(query, filters, options.k);
  // One statement for all hits' chunks: preparing one per hit cost more than the Xapian search itself.
  std::vector<int64_t> ids;
  ids.reserve(raw.size());
  for (const KeywordHit& kh : raw) ids.push_back(kh.chunk_id);
  std::unordered_map<int64_t, ChunkRow> chunks;
  for (ChunkRow& row : impl_->store.chunks_by_id(ids)) chunks.emplace(row.id, std::move(row));
  std::vector<int64_t> doc_ids;
  for (const auto& [id, chunk] : chunks) doc_ids.push_back(chunk.document_id);
  std::unordered_map<int64_t, DocumentHead> docs;
  for (DocumentHead& head : impl_->store.document_heads(doc_ids)) docs.emplace(head.id, std::move(head));
  std::vector<Hit> hits;
  for (const KeywordHit& kh : raw) {
    auto found = chunks.find(kh.chunk_id);
    if (found == chunks.end()) continue;  // removed since the index committed: SQLite is the truth
    ChunkRow* chunk = &found->second;
    auto it = docs.find(chunk->document_id);
    if (it == docs.end() || it->second.state == IndexState::kDeleting) continue;
    const DocumentHead* doc = &it->second;
    Hit h;
    h.chunk_id = chunk->id;
    h.document_id = doc->id;
    h.collection = doc->collection;
    h.path = doc->path;
    h.title = doc->title;
    h.score = kh.score;
    h.snippet = impl_->kw.snippet(chunk->text, options.snippet_chars, options.marker);
    h.start = chunk->start;
    h.end = chunk->end;
    h.source_start = chunk->source_start;
    h.source_end = chunk->source_end;
    h.page = chunk->page;
    h.heading = chunk->heading;
    h.text = std::move(chunk->text);
    hits.push_back(std::move(h));
  }
  return hits;
}

}  // namespace hayloft::index
