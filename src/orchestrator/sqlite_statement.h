// SqliteStatement: RAII ownership of one prepared sqlite3_stmt, with binds and column reads
// that report failures as Status; SqliteError, which turns a SQLite result code into a Status;
// and what every store does to its connection: ExecSql, ConfigureStore, MigrateStore.
//
// Internal to the orchestrator process's stores: sqlite_job_store.cc, the table catalog
// (query/table_catalog.cc) and the query store (query/query_store.cc) include it, so SQLite's C
// API is wrapped in one place. Bind errors
// are remembered and reported by the next Step(), so callers check once.
//
// Thread-safety: none. A statement belongs to one connection; its owner serializes all use.
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include <sqlite3.h>

#include "common/status.h"

namespace shoal::orchestrator::internal {

// kIoError for the file and the disk (full, unreadable, read-only, not a database, corrupt),
// kUnavailable for a lock another process held past the busy timeout (worth retrying), and
// kInternal for the rest, which are bugs in Shoal (bad SQL, API misuse). The message is
// "<context>: <sqlite's message>".
inline Status SqliteError(sqlite3* db, int rc, std::string_view context) {
  std::string message(context);
  message += ": ";
  // sqlite3_errmsg describes the connection's most recent failure; fall back to the generic
  // text of `rc` when there is no connection (failed open) or it has moved on.
  const bool same_error = db != nullptr && (sqlite3_extended_errcode(db) & 0xff) == (rc & 0xff);
  message += same_error ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  switch (rc & 0xff) {  // the primary code; extended codes keep it in the low byte
    case SQLITE_IOERR:
    case SQLITE_FULL:
    case SQLITE_CANTOPEN:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
    case SQLITE_PROTOCOL:
      return Status::IoError(std::move(message));
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status::Unavailable(std::move(message));
    default:
      return Status::Internal(std::move(message));
  }
}

// The start of `sql` for messages: its first line, without leading blanks, at most 60 bytes.
inline std::string SqlSummary(std::string_view sql) {
  sql.remove_prefix(std::min(sql.find_first_not_of(" \n"), sql.size()));
  sql = sql.substr(0, sql.find('\n'));
  return sql.size() <= 60 ? std::string(sql) : std::string(sql.substr(0, 57)) + "...";
}

class SqliteStatement {
 public:
  static Result<std::unique_ptr<SqliteStatement>> Prepare(sqlite3* db, std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      sqlite3_finalize(stmt);
      return SqliteError(db, rc, "preparing '" + SqlSummary(sql) + "'");
    }
    return std::unique_ptr<SqliteStatement>(new SqliteStatement(db, stmt));
  }

  ~SqliteStatement() { sqlite3_finalize(stmt_); }
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  // Makes the statement ready for new binds. Also ends the implicit read transaction a
  // half-read SELECT holds, which would otherwise keep WAL checkpoints from completing.
  void Reset() {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    bind_status_ = Status::Ok();
  }

  // Parameters are 1-based, as in SQL's ?1, ?2, ... Text is copied.
  void BindText(int index, std::string_view text) {
    Check(
        sqlite3_bind_text64(stmt_, index, text.data(), text.size(), SQLITE_TRANSIENT, SQLITE_UTF8),
        index);
  }
  void BindInt(int index, int64_t value) { Check(sqlite3_bind_int64(stmt_, index, value), index); }
  void BindNull(int index) { Check(sqlite3_bind_null(stmt_, index), index); }

  // Runs the statement to its next row: true when a row is ready, false when it is done.
  // On failure, error_code() holds SQLite's extended result code.
  Result<bool> Step() {
    if (!bind_status_.ok()) return bind_status_;
    error_code_ = sqlite3_step(stmt_);
    if (error_code_ == SQLITE_ROW) return true;
    if (error_code_ == SQLITE_DONE) return false;
    return SqliteError(db_, error_code_, "executing '" + SqlSummary(sqlite3_sql(stmt_)) + "'");
  }
  // Steps a statement that returns no rows (INSERT, UPDATE, ...).
  Status Run() {
    Result<bool> row = Step();
    return row.ok() ? Status::Ok() : row.status();
  }
  int error_code() const { return error_code_; }

  // Columns are 0-based. NULL reads as 0 or "".
  int64_t ColumnInt(int column) { return sqlite3_column_int64(stmt_, column); }
  // Valid until the next Step() or Reset().
  std::string_view ColumnText(int column) {
    const unsigned char* text = sqlite3_column_text(stmt_, column);
    if (text == nullptr) return {};
    return {reinterpret_cast<const char*>(text),
            static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
  }

 private:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}

  void Check(int rc, int index) {
    if (rc != SQLITE_OK && bind_status_.ok()) {
      bind_status_ = SqliteError(db_, rc,
                                 "binding parameter " + std::to_string(index) + " of '" +
                                     SqlSummary(sqlite3_sql(stmt_)) + "'");
    }
  }

  sqlite3* const db_;
  sqlite3_stmt* const stmt_;
  Status bind_status_;
  int error_code_ = SQLITE_OK;
};

// Resets a (cached) statement when it goes out of scope, so the next user starts clean and no
// read transaction outlives the call that used it.
class ScopedStatement {
 public:
  explicit ScopedStatement(SqliteStatement* statement) : statement_(statement) {}
  ~ScopedStatement() {
    if (statement_ != nullptr) statement_->Reset();
  }
  ScopedStatement(ScopedStatement&& other) noexcept
      : statement_(std::exchange(other.statement_, nullptr)) {}
  ScopedStatement& operator=(ScopedStatement&&) = delete;
  ScopedStatement(const ScopedStatement&) = delete;
  ScopedStatement& operator=(const ScopedStatement&) = delete;

  SqliteStatement* operator->() const { return statement_; }
  SqliteStatement& operator*() const { return *statement_; }

 private:
  SqliteStatement* statement_;
};

// Runs `sql`, which returns no rows.
inline Status ExecSql(sqlite3* db, const std::string& sql) {
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "executing '" + SqlSummary(sql) + "'");
  return Status::Ok();
}

// The settings every store gives its connection right after opening it: extended result codes;
// a busy timeout (only another process, an operator's sqlite3 shell or a second orchestrator
// started by mistake, can hold the lock: within this process each store serializes its calls);
// WAL, so readers never block the writer and a commit is one sequential append; and
// synchronous=NORMAL.
//
// NORMAL, not FULL: in WAL mode NORMAL still write()s each commit into the WAL before COMMIT
// returns, so the commit is in the kernel's page cache: a process that is killed (SIGKILL,
// crash, OOM killer) loses nothing it committed, and the next open replays the WAL. What NORMAL
// gives up is the fsync per commit (the WAL is synced at checkpoints), so a power loss or kernel
// crash can lose the last commits, never corrupt the file. FULL would make every commit wait for
// the disk: every PutExecution and AppendEvent outside a transaction, i.e. the scheduler's and
// heartbeat handler's hot path, would be bound by fsync latency instead of CPU. Measured with
// job_store_test's rate test on our 2-core dev machine: about 230 PutExecution/s with FULL
// against 5,000-7,000/s with NORMAL (target: 1,000/s). Nodes re-report executions after an
// orchestrator restart, so the state lost to a power cut is mostly re-learned; if we ever promise
// clients survival of power loss, this is the one line to change.
inline Status ConfigureStore(sqlite3* db) {
  constexpr int kBusyTimeoutMs = 5000;
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  sqlite3_stmt* wal = nullptr;
  int rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &wal, nullptr);
  std::string mode;
  if (rc == SQLITE_OK && sqlite3_step(wal) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(wal, 0);
    mode = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(wal);
  if (rc != SQLITE_OK) return SqliteError(db, rc, "enabling WAL");
  // An in-memory database (":memory:", in tests) cannot be WAL and needs no durability; anything
  // else that refuses WAL (a file system without shared memory) is not a safe place for state.
  if (mode != "wal" && mode != "memory") {
    return Status::IoError("cannot enable WAL journal mode (got '" + mode + "')");
  }
  return ExecSql(db, "PRAGMA synchronous = NORMAL");
}

// Brings the schema to version `count`: migrations[i] upgrades from version i to i + 1 (PRAGMA
// user_version). Read and applied inside one write transaction, so two processes opening a new
// file at once cannot both create the schema. A file newer than `count` is refused.
inline Status MigrateStore(sqlite3* db, const char* const* migrations, int64_t count) {
  SHOAL_RETURN_IF_ERROR(ExecSql(db, "BEGIN IMMEDIATE"));
  Status status = [&]() -> Status {
    int64_t version = 0;
    {
      // Finalized before the migrations run: DROP fails ("table is locked") while a statement
      // is still active.
      SHOAL_ASSIGN_OR_RETURN(auto pragma, SqliteStatement::Prepare(db, "PRAGMA user_version"));
      SHOAL_ASSIGN_OR_RETURN(bool row, pragma->Step());
      version = row ? pragma->ColumnInt(0) : 0;
    }
    if (version > count) {
      return Status::FailedPrecondition("schema version " + std::to_string(version) +
                                        " is newer than this shoal supports (" +
                                        std::to_string(count) + "); run a newer shoal");
    }
    for (int64_t v = version; v < count; ++v) SHOAL_RETURN_IF_ERROR(ExecSql(db, migrations[v]));
    if (version == count) return Status::Ok();
    return ExecSql(db, "PRAGMA user_version = " + std::to_string(count));
  }();
  if (status.ok()) return ExecSql(db, "COMMIT");
  (void)ExecSql(db, "ROLLBACK");
  return status;
}

}  // namespace shoal::orchestrator::internal
