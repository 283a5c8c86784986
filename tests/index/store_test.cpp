// Store: migrations, collections, documents/chunks CRUD, chunk token counts and runs on a real SQLite file.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "index/index.hpp"
#include "tests/index/temp_home.hpp"
#include "util/error.hpp"

namespace hayloft::index {
namespace {

using testing::TempDir;

int user_version(const std::string& path) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* st = nullptr;
  sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, nullptr);
  int v = sqlite3_step(st) == SQLITE_ROW ? sqlite3_column_int(st, 0) : -1;
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

void exec_raw(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* err = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err);
  std::string msg = err ? err : "";
  sqlite3_free(err);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << msg;
}

DocumentRow doc_row(int64_t collection_id, const std::string& path, const std::string& hash) {
  DocumentRow d;
  d.collection_id = collection_id;
  d.path = path;
  d.hash = hash;
  d.mtime = 1700000000;
  d.size = 42;
  d.type = "text";
  d.title = "T " + path;
  d.metadata = {{"author", "Ann"}};
  return d;
}

std::vector<ChunkRow> chunk_rows(int n) {
  std::vector<ChunkRow> out;
  for (int i = 0; i < n; ++i) {
    ChunkRow c;
    c.ordinal = i;
    c.text = "chunk " + std::to_string(i);
    c.start = i * 10;
    c.end = i * 10 + 7;
    c.source_start = i * 10 + 3;
    c.source_end = i * 10 + 10;
    c.page = i + 1;
    c.heading = "H > " + std::to_string(i);
    c.tokens = 5 + i;
    out.push_back(c);
  }
  return out;
}

TEST(StoreTest, FreshDatabaseMigratesToCurrentVersionOnce) {
  TempDir dir;
  std::string path = dir / "store.sqlite";
  {
    Store store(path);
    EXPECT_EQ(store.schema_version(), Store::current_schema_version());
    EXPECT_GE(Store::current_schema_version(), 2);
    store.ensure_collection("keep");
  }
  EXPECT_EQ(user_version(path), Store::current_schema_version());
  Store again(path);  // reopening runs no step twice (a second CREATE TABLE would throw)
  EXPECT_TRUE(again.find_collection("keep").has_value());
}

TEST(StoreTest, OlderSchemaIsMigratedKeepingData) {
  TempDir dir;
  std::string path = dir / "store.sqlite";
  {
    Store store(path);
    store.ensure_collection("old");
  }
  // Pretend the database predates migrations 2 (runs) and 3 (shards): undo them, step the version back.
  exec_raw(path,
           "DROP TABLE runs; DROP INDEX documents_by_shard; ALTER TABLE documents DROP COLUMN shard_id;"
           " DROP TABLE shards; PRAGMA user_version=1;");
  Store store(path);
  EXPECT_EQ(store.schema_version(), Store::current_schema_version());
  EXPECT_TRUE(store.find_collection("old").has_value());
  // The existing index becomes the one local shard.
  ASSERT_EQ(store.shards().size(), 1u);
  EXPECT_EQ(store.shards()[0].location, "xapian");
  RunRecord r;
  r.kind = "ask";
  EXPECT_GT(store.add_run(r), 0);
}

TEST(StoreTest, NewerSchemaIsRefused) {
  TempDir dir;
  std::string path = dir / "store.sqlite";
  { Store store(path); }
  exec_raw(path, "PRAGMA user_version=999;");
  try {
    Store store(path);
    FAIL() << "opened a database from the future";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kUnsupported);
  }
}

TEST(StoreTest, NotADatabaseIsCorrupt) {
  TempDir dir;
  std::string path = dir / "store.sqlite";
  testing::write_file(path, std::string(4096, 'x'));
  try {
    Store store(path);
    FAIL() << "opened garbage";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kCorrupt) << e.what();
  }
}

TEST(StoreTest, UsesWalAndForeignKeys) {
  TempDir dir;
  std::string path = dir / "store.sqlite";
  Store store(path);
  store.ensure_collection("c");
  EXPECT_TRUE(std::filesystem::exists(path + "-wal"));
}

TEST(StoreTest, CollectionsCreateListDeleteAndValidateNames) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  int64_t a = store.ensure_collection("alpha");
  EXPECT_EQ(store.ensure_collection("alpha"), a);
  int64_t b = store.ensure_collection("beta-2.x_y");
  EXPECT_NE(a, b);
  auto cols = store.collections();
  ASSERT_EQ(cols.size(), 2u);
  EXPECT_EQ(cols[0].name, "alpha");
  EXPECT_EQ(cols[1].name, "beta-2.x_y");
  for (const char* bad : {"", "has space", "semi;colon", "../x"}) {
    EXPECT_THROW(store.ensure_collection(bad), Error) << bad;
  }
  store.delete_collection(b);
  EXPECT_FALSE(store.find_collection("beta-2.x_y").has_value());
}

TEST(StoreTest, InsertDocumentsWithChunksAndReadBack) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  int64_t cid = store.ensure_collection("c");
  std::vector<DocumentRow> docs = {doc_row(cid, "/a.txt", "h1"), doc_row(cid, "/b.txt", "h2")};
  std::vector<std::vector<ChunkRow>> chunks = {chunk_rows(3), chunk_rows(1)};
  store.insert_documents(docs, chunks);
  ASSERT_GT(docs[0].id, 0);
  ASSERT_GT(chunks[0][2].id, chunks[0][0].id);

  auto a = store.find_document(cid, "/a.txt");
  ASSERT_TRUE(a.has_value());
  EXPECT_EQ(a->id, docs[0].id);
  EXPECT_EQ(a->state, IndexState::kPending);
  EXPECT_EQ(a->chunk_count, 3);
  EXPECT_EQ(a->tokens, 5 + 6 + 7);
  EXPECT_EQ(a->metadata["author"], "Ann");
  EXPECT_EQ(a->collection, "c");

  auto back = store.chunks_of(docs[0].id);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[1].text, "chunk 1");
  EXPECT_EQ(back[1].source_start, 13);
  EXPECT_EQ(back[1].page, 2);
  EXPECT_EQ(back[1].heading, "H > 1");
  EXPECT_EQ(store.chunk(chunks[1][0].id)->document_id, docs[1].id);

  EXPECT_TRUE(store.chunks(cid).empty()) << "pending documents are not part of the collection yet";
  store.finish_batch({docs[0].id, docs[1].id}, {});
  EXPECT_EQ(store.chunks(cid).size(), 4u);
  EXPECT_EQ(store.documents_in_state(IndexState::kIndexed).size(), 2u);
  auto info = store.find_collection("c");
  EXPECT_EQ(info->documents, 2);
  EXPECT_EQ(info->chunks, 4);
}

TEST(StoreTest, FinishBatchDropsReplacedVersionAndCascadesChunks) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  int64_t cid = store.ensure_collection("c");
  std::vector<DocumentRow> v1 = {doc_row(cid, "/a.txt", "h1")};
  std::vector<std::vector<ChunkRow>> c1 = {chunk_rows(2)};
  store.insert_documents(v1, c1);
  store.finish_batch({v1[0].id}, {});
  store.set_chunk_tokens(c1[0][0].id, "smollm2", 9);

  std::vector<DocumentRow> v2 = {doc_row(cid, "/a.txt", "h2")};
  v2[0].replaces = v1[0].id;
  std::vector<std::vector<ChunkRow>> c2 = {chunk_rows(1)};
  store.insert_documents(v2, c2);
  EXPECT_EQ(store.find_document(cid, "/a.txt")->id, v2[0].id) << "the newest version is the visible one";
  store.finish_batch({v2[0].id}, {v1[0].id});
  EXPECT_FALSE(store.get_document(v1[0].id).has_value());
  EXPECT_FALSE(store.chunk(c1[0][0].id).has_value());
  EXPECT_FALSE(store.chunk_tokens(c1[0][0].id, "smollm2").has_value());
  EXPECT_EQ(store.get_document(v2[0].id)->replaces, 0);
  EXPECT_EQ(store.chunk_count(), 1);
}

TEST(StoreTest, ChunkTokensPerModel) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  int64_t cid = store.ensure_collection("c");
  std::vector<DocumentRow> docs = {doc_row(cid, "/a", "h")};
  std::vector<std::vector<ChunkRow>> chunks = {chunk_rows(1)};
  store.insert_documents(docs, chunks);
  int64_t id = chunks[0][0].id;
  EXPECT_FALSE(store.chunk_tokens(id, "gemma3").has_value());
  store.set_chunk_tokens(id, "gemma3", 11);
  store.set_chunk_tokens(id, "smollm2", 13);
  store.set_chunk_tokens(id, "gemma3", 12);  // upsert
  EXPECT_EQ(store.chunk_tokens(id, "gemma3"), 12);
  EXPECT_EQ(store.chunk_tokens(id, "smollm2"), 13);
  EXPECT_THROW(store.set_chunk_tokens(999999, "gemma3", 1), Error) << "foreign key to chunks";
}

TEST(StoreTest, RunsAddListGet) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  RunRecord r;
  r.kind = "ask";
  r.collection = "c";
  r.question = "why?";
  r.route = "rag";
  r.reason = "too long";
  r.params = {{"k", 5}};
  r.result = {{"text", "because"}};
  r.metrics = {{"ttft_s", 0.25}};
  int64_t a = store.add_run(r);
  r.kind = "eval";
  int64_t b = store.add_run(r);
  EXPECT_GT(b, a);
  auto all = store.list_runs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].id, b) << "newest first";
  auto asks = store.list_runs(10, "ask");
  ASSERT_EQ(asks.size(), 1u);
  auto got = store.get_run(a);
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->question, "why?");
  EXPECT_EQ(got->params["k"], 5);
  EXPECT_DOUBLE_EQ(got->metrics["ttft_s"].get<double>(), 0.25);
  EXPECT_GT(got->created, 0);
  EXPECT_FALSE(store.get_run(b + 100).has_value());
  EXPECT_EQ(store.list_runs(1).size(), 1u);
  RunRecord no_kind;
  EXPECT_THROW(store.add_run(no_kind), Error);
}

TEST(StoreTest, HostileStringsAreStoredVerbatim) {
  TempDir dir;
  Store store(dir / "s.sqlite");
  int64_t cid = store.ensure_collection("c");
  std::string evil = "x'); DROP TABLE documents; --";
  std::vector<DocumentRow> docs = {doc_row(cid, evil, "h")};
  std::vector<std::vector<ChunkRow>> chunks = {chunk_rows(1)};
  store.insert_documents(docs, chunks);
  EXPECT_EQ(store.find_document(cid, evil)->path, evil);
  EXPECT_EQ(store.documents(std::nullopt).size(), 1u);
}

}  // namespace
}  // namespace hayloft::index
