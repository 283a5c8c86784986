#include "index/sqlite.hpp"

#include "util/error.hpp"

namespace hayloft::index::sql {

void fail(sqlite3* db, int rc, const std::string& what) {
  std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  ErrorKind kind = ErrorKind::kIo;
  if (primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB) kind = ErrorKind::kCorrupt;
  if (primary == SQLITE_CONSTRAINT || primary == SQLITE_MISMATCH) kind = ErrorKind::kInvalidArgument;
  if (primary == SQLITE_FULL || primary == SQLITE_NOMEM) kind = ErrorKind::kResourceExhausted;
  throw Error(kind, "sqlite: " + msg, what);
}

Db::Db(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  db_.reset(raw);  // sqlite hands back a handle even on failure; the owner closes it
  if (rc != SQLITE_OK) fail(raw, rc, "opening " + path);
  sqlite3_extended_result_codes(raw, 1);
}

void Db::exec(const std::string& sql) {
  char* err = nullptr;
  int rc = sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err);
  if (rc != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    int primary = rc & 0xff;
    throw Error(primary == SQLITE_CORRUPT || primary == SQLITE_NOTADB ? ErrorKind::kCorrupt : ErrorKind::kIo,
                "sqlite: " + msg, sql.substr(0, 120));
  }
}

Stmt::Stmt(const Db& db, std::string_view sql) : db_(db.get()), sql_(sql) {
  sqlite3_stmt* raw = nullptr;
  int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  stmt_.reset(raw);
  if (rc != SQLITE_OK) fail(db_, rc, "preparing: " + sql_.substr(0, 120));
}

Stmt& Stmt::bind(int i, int64_t v) {
  int rc = sqlite3_bind_int64(stmt_.get(), i, v);
  if (rc != SQLITE_OK) fail(db_, rc, "binding " + std::to_string(i) + " of: " + sql_.substr(0, 120));
  return *this;
}

Stmt& Stmt::bind(int i, double v) {
  int rc = sqlite3_bind_double(stmt_.get(), i, v);
  if (rc != SQLITE_OK) fail(db_, rc, "binding " + std::to_string(i) + " of: " + sql_.substr(0, 120));
  return *this;
}

Stmt& Stmt::bind(int i, std::string_view v) {
  // SQLITE_TRANSIENT: SQLite copies, so temporaries are safe to pass.
  int rc = sqlite3_bind_text64(stmt_.get(), i, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) fail(db_, rc, "binding " + std::to_string(i) + " of: " + sql_.substr(0, 120));
  return *this;
}

Stmt& Stmt::bind_null(int i) {
  int rc = sqlite3_bind_null(stmt_.get(), i);
  if (rc != SQLITE_OK) fail(db_, rc, "binding " + std::to_string(i) + " of: " + sql_.substr(0, 120));
  return *this;
}

bool Stmt::step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  sqlite3_reset(stmt_.get());
  fail(db_, rc, sql_.substr(0, 120));
}

void Stmt::run() {
  while (step()) {
  }
  reset();
}

void Stmt::reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

std::string Stmt::str(int col) const {
  const unsigned char* p = sqlite3_column_text(stmt_.get(), col);
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Transaction::Transaction(Db& db) : db_(db) { db_.exec("BEGIN IMMEDIATE"); }

Transaction::~Transaction() {
  if (!done_) {
    // Never throws from a destructor: a failed rollback leaves SQLite to roll back on close.
    sqlite3_exec(db_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  db_.exec("COMMIT");
  done_ = true;
}

}  // namespace hayloft::index::sql
