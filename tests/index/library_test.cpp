// Library on real files: the ingest driver (no-op re-ingest, replace, per-file errors), removal, a
// second reader seeing commits, and repair of every half-finished state the commit protocol can leave.
#include <gtest/gtest.h>
#include <sys/time.h>

#include "index/index.hpp"
#include "tests/index/temp_home.hpp"
#include "util/util.hpp"

namespace hayloft::index {
namespace {

using testing::TempDir;
using testing::write_file;

class LibraryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(files_ / "a.txt", "Alpha document about zebras and their stripes.\n");
    write_file(files_ / "b.md", "# Beta\n\nBeta talks about giraffes with long necks.\n");
    write_file(files_ / "sub/c.txt", "Gamma mentions okapis, relatives of giraffes.\n");
  }

  IngestSummary run_ingest(Library& lib, const std::vector<std::string>& paths, const std::string& coll = "c") {
    IngestOptions o = ingest_options(cfg_.ingest);
    o.progress = false;
    return lib.ingest(coll, paths, o, pool_);
  }

  int64_t count_hits(Library& lib, const std::string& q) {
    SearchOptions o;
    o.k = 100;
    return static_cast<int64_t>(lib.search(q, {}, o).size());
  }

  TempDir home_, files_;
  config::Config cfg_ = testing::test_config();
  ThreadPool pool_{2};
};

TEST_F(LibraryTest, IngestThenReingestIsNoOp) {
  Library lib(home_.path(), cfg_);
  IngestSummary s = run_ingest(lib, {files_.path()});
  EXPECT_EQ(s.files_seen, 3);
  EXPECT_EQ(s.added, 3);
  EXPECT_EQ(s.failed, 0);
  EXPECT_GE(s.chunks, 3);
  EXPECT_GT(s.bytes, 100);
  auto before = lib.documents("c");
  ASSERT_EQ(before.size(), 3u);
  for (const auto& d : before) EXPECT_EQ(d.state, IndexState::kIndexed);

  IngestSummary again = run_ingest(lib, {files_.path()});
  EXPECT_EQ(again.unchanged, 3);
  EXPECT_EQ(again.added + again.replaced, 0);
  auto after = lib.documents("c");
  ASSERT_EQ(after.size(), 3u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(after[i].id, before[i].id) << "rows untouched";
  EXPECT_EQ(count_hits(lib, "giraffes"), 2);
}

TEST_F(LibraryTest, TouchedButIdenticalFileIsUnchanged) {
  Library lib(home_.path(), cfg_);
  run_ingest(lib, {files_.path()});
  struct timeval times[2] = {{1600000000, 0}, {1600000000, 0}};
  ASSERT_EQ(utimes((files_ / "a.txt").c_str(), times), 0);
  IngestSummary s = run_ingest(lib, {files_.path()});
  EXPECT_EQ(s.unchanged, 3);
  auto d = lib.store().find_document(lib.store().find_collection("c")->id, normalize_path(files_ / "a.txt"));
  EXPECT_EQ(d->mtime, 1600000000) << "hash matched; only the mtime was refreshed";
}

TEST_F(LibraryTest, ChangedFileReplacesItsChunks) {
  Library lib(home_.path(), cfg_);
  run_ingest(lib, {files_.path()});
  int64_t cid = lib.store().find_collection("c")->id;
  int64_t old_id = lib.store().find_document(cid, normalize_path(files_ / "a.txt"))->id;
  // Same size, and (likely) the same second as the first ingest: must still be seen as changed.
  write_file(files_ / "a.txt", "Alpha document about walrus and its whiskers!!\n");
  IngestSummary s = run_ingest(lib, {files_.path()});
  EXPECT_EQ(s.replaced, 1);
  EXPECT_EQ(s.unchanged, 2);
  auto now = lib.store().find_document(cid, normalize_path(files_ / "a.txt"));
  ASSERT_TRUE(now.has_value());
  EXPECT_NE(now->id, old_id);
  EXPECT_FALSE(lib.store().get_document(old_id).has_value());
  EXPECT_EQ(count_hits(lib, "zebras"), 0) << "old chunks gone from the index";
  EXPECT_EQ(count_hits(lib, "whiskers"), 1);
  EXPECT_EQ(lib.documents("c").size(), 3u);
  EXPECT_EQ(lib.keyword_index().chunk_total(), lib.store().chunk_count());
}

TEST_F(LibraryTest, BadFilesAreReportedAndDoNotDamageStoredOnes) {
  Library lib(home_.path(), cfg_);
  run_ingest(lib, {files_.path()});
  write_file(files_ / "bin.dat", std::string("\x00\x01\x02garbage\x00", 11));
  write_file(files_ / "broken.pdf", "%PDF-1.7\nthis is not really a pdf");
  write_file(files_ / "d.txt", "Delta is new and mentions quokkas.\n");
  IngestSummary s = run_ingest(lib, {files_.path(), files_ / "does-not-exist"});
  EXPECT_EQ(s.failed, 3);
  ASSERT_EQ(s.errors.size(), 3u);
  for (const auto& e : s.errors) {
    EXPECT_FALSE(e.message.empty());
    EXPECT_TRUE(e.path.find("bin.dat") != std::string::npos || e.path.find("broken.pdf") != std::string::npos ||
                e.path.find("does-not-exist") != std::string::npos)
        << e.path;
  }
  EXPECT_EQ(s.added, 1);
  EXPECT_EQ(s.unchanged, 3);
  EXPECT_EQ(lib.documents("c").size(), 4u);
  EXPECT_EQ(count_hits(lib, "giraffes"), 2);
  EXPECT_EQ(count_hits(lib, "quokkas"), 1);
}

TEST_F(LibraryTest, IncludeExcludeGlobs) {
  Library lib(home_.path(), cfg_);
  IngestOptions o = ingest_options(cfg_.ingest);
  o.progress = false;
  o.walk.include = {"*.txt"};
  o.walk.exclude.push_back("sub/**");
  IngestSummary s = lib.ingest("c", {files_.path()}, o, pool_);
  EXPECT_EQ(s.added, 1);
  ASSERT_EQ(lib.documents("c").size(), 1u);
  EXPECT_EQ(lib.documents("c")[0].path, normalize_path(files_ / "a.txt"));
}

TEST_F(LibraryTest, RemoveDocumentsAndCollection) {
  Library lib(home_.path(), cfg_);
  run_ingest(lib, {files_.path()});
  run_ingest(lib, {files_ / "a.txt"}, "second");
  auto docs = lib.documents("c");
  int64_t b = 0;
  for (const auto& d : docs) {
    if (d.path.ends_with("b.md")) b = d.id;
  }
  EXPECT_EQ(lib.remove({b, b, 987654}), 1) << "duplicates and unknown ids are ignored";
  EXPECT_EQ(lib.documents("c").size(), 2u);
  EXPECT_EQ(count_hits(lib, "giraffes"), 1);
  EXPECT_EQ(count_hits(lib, "zebras"), 2);
  EXPECT_EQ(lib.remove_collection("c"), 2);
  EXPECT_EQ(count_hits(lib, "zebras"), 1);
  EXPECT_THROW(lib.documents("c"), Error);
  ASSERT_EQ(lib.collections().size(), 1u);
  EXPECT_EQ(lib.collections()[0].name, "second");
  EXPECT_THROW(lib.remove_collection("nope"), Error);
  EXPECT_EQ(lib.keyword_index().chunk_total(), lib.store().chunk_count());
}

TEST_F(LibraryTest, ChunksOfCollectionInDocumentOrder) {
  Library lib(home_.path(), cfg_);
  run_ingest(lib, {files_.path()});
  auto chunks = lib.chunks("c");
  ASSERT_GE(chunks.size(), 3u);
  EXPECT_NE(chunks[0].text.find("Alpha"), std::string::npos);
  EXPECT_THROW(lib.chunks("missing"), Error);
}

TEST_F(LibraryTest, SecondWriterIsRefusedWhileReadersWork) {
  Library writer(home_.path(), cfg_);
  try {
    Library other(home_.path(), cfg_, Library::Mode::kWrite);
    FAIL() << "two writers";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::kIo);
    EXPECT_NE(std::string(e.what()).find("locked"), std::string::npos);
  }
  Library reader(home_.path(), cfg_, Library::Mode::kRead);
  EXPECT_TRUE(reader.collections().empty());
}

TEST_F(LibraryTest, ReaderReopensToSeeLaterCommits) {
  Library writer(home_.path(), cfg_);
  run_ingest(writer, {files_ / "a.txt"});
  Library reader(home_.path(), cfg_, Library::Mode::kRead);
  EXPECT_EQ(count_hits(reader, "zebras"), 1);
  // Many commits while the reader holds an old revision: its next search must reopen, not fail.
  for (int i = 0; i < 6; ++i) {
    std::vector<NewDocument> docs(1);
    docs[0].doc.path = "gen" + std::to_string(i);
    docs[0].doc.text = "zebras number " + std::to_string(i);
    docs[0].doc.content_hash = "h" + std::to_string(i);
    docs[0].chunks = ingest::chunk_document(docs[0].doc, ingest::approximate_token_counter(), {});
    writer.add_documents("c", std::move(docs));
  }
  EXPECT_EQ(count_hits(reader, "zebras"), 7);
  writer.remove({writer.documents("c")[0].id});
  EXPECT_EQ(count_hits(reader, "zebras"), 6);
}

TEST_F(LibraryTest, ReaderOpenedBeforeFirstIngestSeesIt) {
  Library reader = Library::open(home_.path(), cfg_, Library::Mode::kRead);
  EXPECT_EQ(count_hits(reader, "zebras"), 0);
  EXPECT_EQ(reader.keyword_index().chunk_total(), 0);
  Library writer(home_.path(), cfg_);
  run_ingest(writer, {files_ / "a.txt"});
  EXPECT_EQ(count_hits(reader, "zebras"), 1);
}

TEST_F(LibraryTest, RepairFinishesPendingAddAndReplace) {
  int64_t cid = 0, old_id = 0, fresh_id = 0, new_id = 0;
  {
    Library lib(home_.path(), cfg_);
    run_ingest(lib, {files_ / "a.txt"});
    Store& store = lib.store();
    cid = store.find_collection("c")->id;
    old_id = store.find_document(cid, normalize_path(files_ / "a.txt"))->id;
    // A crash after step 1: a new document and a new version of a.txt exist only as pending rows.
    DocumentRow fresh;
    fresh.collection_id = cid;
    fresh.collection = "c";
    fresh.path = "/virtual/fresh";
    fresh.hash = "h";
    fresh.type = "text";
    DocumentRow v2 = fresh;
    v2.path = normalize_path(files_ / "a.txt");
    v2.hash = "h2";
    v2.replaces = old_id;
    std::vector<DocumentRow> rows = {fresh, v2};
    ChunkRow c1;
    c1.text = "pending wombats";
    ChunkRow c2;
    c2.text = "replacement capybaras";
    std::vector<std::vector<ChunkRow>> chunks = {{c1}, {c2}};
    store.insert_documents(rows, chunks);
    fresh_id = rows[0].id;
    new_id = rows[1].id;
    EXPECT_EQ(count_hits(lib, "wombats"), 0);
  }
  Library lib(home_.path(), cfg_);  // open repairs
  EXPECT_EQ(lib.store().get_document(fresh_id)->state, IndexState::kIndexed);
  EXPECT_EQ(lib.store().get_document(new_id)->state, IndexState::kIndexed);
  EXPECT_FALSE(lib.store().get_document(old_id).has_value());
  EXPECT_EQ(count_hits(lib, "wombats"), 1);
  EXPECT_EQ(count_hits(lib, "capybaras"), 1);
  EXPECT_EQ(count_hits(lib, "zebras"), 0);
  EXPECT_EQ(lib.keyword_index().chunk_total(), lib.store().chunk_count());
}

TEST_F(LibraryTest, RepairFinishesRemovalAndDeletesOrphans) {
  {
    Library lib(home_.path(), cfg_);
    run_ingest(lib, {files_.path()});
    auto docs = lib.documents("c");
    // A crash after removal step 1, and a Xapian document whose SQLite row never existed.
    lib.store().set_state({docs[0].id}, IndexState::kDeleting);
    DocumentRow ghost = docs[1];
    ghost.id = 777777;
    ChunkRow chunk;
    chunk.id = 888888;
    chunk.text = "ghostly lemurs";
    lib.keyword_index().put_chunk(ghost, chunk);
    lib.keyword_index().commit();
    EXPECT_EQ(count_hits(lib, "lemurs"), 0) << "search hides hits SQLite does not know";
    EXPECT_EQ(count_hits(lib, "zebras"), 0) << "search hides documents being removed";
  }
  Library lib(home_.path(), cfg_);
  EXPECT_EQ(lib.documents("c").size(), 2u);
  EXPECT_EQ(lib.keyword_index().chunk_ids(777777).size(), 0u);
  EXPECT_EQ(lib.keyword_index().chunk_total(), lib.store().chunk_count());
}

TEST_F(LibraryTest, RepairRebuildsLostIndexFolder) {
  {
    Library lib(home_.path(), cfg_);
    run_ingest(lib, {files_.path()});
  }
  std::filesystem::remove_all(home_ / "xapian");
  Library lib(home_.path(), cfg_);
  EXPECT_EQ(count_hits(lib, "giraffes"), 2);
  EXPECT_EQ(lib.keyword_index().chunk_total(), lib.store().chunk_count());
}

TEST_F(LibraryTest, AddDocumentsSkipsUnchangedAndKeepsLastDuplicate) {
  Library lib(home_.path(), cfg_);
  auto make = [](const std::string& path, const std::string& text) {
    NewDocument nd;
    nd.doc.path = path;
    nd.doc.text = text;
    nd.doc.content_hash = "h:" + text;
    nd.chunks = ingest::chunk_document(nd.doc, ingest::approximate_token_counter(), {});
    return nd;
  };
  std::vector<NewDocument> first;
  first.push_back(make("k1", "first koalas"));
  first.push_back(make("k1", "second koalas"));
  IngestSummary s = lib.add_documents("c", std::move(first));
  EXPECT_EQ(s.added, 1);
  EXPECT_EQ(lib.search("second", {}, {})[0].path, "k1");
  std::vector<NewDocument> again;
  again.push_back(make("k1", "second koalas"));
  EXPECT_EQ(lib.add_documents("c", std::move(again)).unchanged, 1);
}

}  // namespace
}  // namespace hayloft::index
