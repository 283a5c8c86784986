#pragma once
// Thin RAII owners over the SQLite C API (private to index/): a connection, a prepared statement with
// typed binds and column reads, and a transaction scope guard that rolls back unless committed. Every
// failure becomes hayloft::Error naming the SQL and SQLite's message.
#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace hayloft::index::sql {

struct DbCloser {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
struct StmtFinalizer {
  void operator()(sqlite3_stmt* stmt) const { sqlite3_finalize(stmt); }
};
using DbPtr = std::unique_ptr<sqlite3, DbCloser>;

// Throws Error{kIo or kCorrupt} with SQLite's message for `rc`, naming `what`.
[[noreturn]] void fail(sqlite3* db, int rc, const std::string& what);

class Db {
 public:
  Db() = default;
  explicit Db(const std::string& path);  // opens read-write, creating the file
  sqlite3* get() const { return db_.get(); }
  void exec(const std::string& sql);  // statements without results or parameters
  int64_t last_insert_id() const { return sqlite3_last_insert_rowid(db_.get()); }
  int changes() const { return sqlite3_changes(db_.get()); }

 private:
  DbPtr db_;
};

class Stmt {
 public:
  Stmt(const Db& db, std::string_view sql);
  // Binds are 1-based like SQLite's. Returns *this so calls chain.
  Stmt& bind(int i, int64_t v);
  Stmt& bind(int i, int v) { return bind(i, static_cast<int64_t>(v)); }
  Stmt& bind(int i, double v);
  Stmt& bind(int i, std::string_view v);
  Stmt& bind(int i, const std::string& v) { return bind(i, std::string_view(v)); }
  Stmt& bind(int i, const char* v) { return bind(i, std::string_view(v)); }
  Stmt& bind_null(int i);
  // Steps once: true when a row is available, false when done.
  bool step();
  void run();  // steps to completion (INSERT/UPDATE/DELETE), then resets for reuse
  void reset();

  int64_t i64(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  double f64(int col) const { return sqlite3_column_double(stmt_.get(), col); }
  std::string str(int col) const;
  bool is_null(int col) const { return sqlite3_column_type(stmt_.get(), col) == SQLITE_NULL; }

 private:
  sqlite3* db_;
  std::unique_ptr<sqlite3_stmt, StmtFinalizer> stmt_;
  std::string sql_;
};

// BEGIN IMMEDIATE on construction (takes the write lock up front, so busy_timeout applies instead of a
// deadlock on upgrade); ROLLBACK in the destructor unless commit() ran.
class Transaction {
 public:
  explicit Transaction(Db& db);
  ~Transaction();
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  Db& db_;
  bool done_ = false;
};

}  // namespace hayloft::index::sql
