// Shoal's embedded SQL engine: a DuckDB instance with Shoal's functions registered.
//
// A Session owns one DuckDB database and one connection. It is the unit of isolation: each
// execution (and each `shoal sql` run) opens its own Session, so the partition it belongs to is
// part of the Session and never process-global. DuckDB types never appear in this header; only
// engine/ includes DuckDB.
//
// Thread-safety: a Session is used by one thread at a time. Interrupt() may be called from any
// thread. Different Sessions are independent.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "engine/database_pool.h"
#include "engine/partition.h"
#include "engine/result_sink.h"
#include "storage/s3_config.h"

namespace shoal::engine {

// Makes `virtual_prefix` (an absolute path such as "/outputs", or a URL prefix such as
// "s3://my-bucket" for a folder-backed store) and everything below it resolve inside
// `real_directory`. SQL keeps seeing the virtual paths.
struct PathMapping {
  std::string virtual_prefix;
  std::string real_directory;
  // Writes below the prefix are refused (a `local` input without ReadWrite).
  bool read_only = false;
};

// What a Session's s3:// file system moved: for tests, benchmarks and per-execution accounting.
// Thread-safety: the counters are atomic; DuckDB's threads update them concurrently.
struct S3TransferStats {
  std::atomic<uint64_t> get_requests{0};
  std::atomic<uint64_t> bytes_read{0};  // object bytes fetched by GETs
  std::atomic<uint64_t> head_requests{0};
  std::atomic<uint64_t> list_requests{0};  // ListObjectsV2 pages
  std::atomic<uint64_t> objects_written{0};
  std::atomic<uint64_t> bytes_written{0};
};

// What a Session's statements read so far (SessionOptions::collect_stats).
struct SessionStats {
  // Rows the statements' sources delivered (file and table scans, table functions): DuckDB's
  // own count, the cardinality of each plan's leaf operators, after the filters pushed into
  // them. (DuckDB 1.4.4's OPERATOR_ROWS_SCANNED counts a table twice.)
  int64_t rows_read = 0;
  // Bytes read from files in the session's folders and folder stores, and from S3 objects.
  int64_t bytes_read = 0;
  // Distinct files and S3 objects opened for reading.
  int64_t files_read = 0;
  // How far the running statement is, 0..1 (DuckDB's query progress); -1 when DuckDB cannot
  // tell (no statement runs, or its sources report none).
  double progress = -1;
};

// How a session's s3:// reaches S3: where settings the SQL does not SET come from, the stores a
// compute node offers, and what is counted. Grouped because they are read together, by the S3
// file system and by the sandbox's lock.
struct S3Access {
  // What s3:// access falls back to for a setting the SQL did not SET (s3_endpoint, ...):
  // DUCKDB_S3_ENDPOINT, DUCKDB_S3_USE_SSL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
  // AWS_SESSION_TOKEN, AWS_REGION, as DuckDB's httpfs reads them. The engine never reads the
  // process environment (a node's holds its own secrets): `shoal sql` passes its environment
  // here, a compute node the execution's Env. Empty: the SQL's settings only.
  std::map<std::string, std::string> environment;
  // The endpoint s3:// reaches when neither the SQL (SET s3_endpoint) nor `environment`
  // (DUCKDB_S3_ENDPOINT) names one: a compute node's region store ("storage-local"). Empty:
  // httpfs's own default (AWS).
  std::string default_endpoint;
  // A compute node's named S3 stores by lower-case alias ("storage-local", "storage"): an
  // s3_endpoint naming one reaches that store with its own endpoint, TLS, addressing and region,
  // and with its credentials when the SQL and `environment` give none (see s3_settings.h).
  std::map<std::string, storage::S3Config> endpoint_aliases;
  // With SessionOptions::sandboxed: endpoint host names (lower case) SQL may SET s3_endpoint to
  // besides the aliases: the folder store whose buckets path_mappings already map (naming it
  // changes nothing).
  std::vector<std::string> endpoint_names;
  // Optional: counts this session's S3 traffic.
  std::shared_ptr<S3TransferStats> stats;
};

struct SessionOptions {
  // Which partition of the job this session computes; read by the partition_by_* functions.
  Partition partition;
  // DuckDB threads; 0 leaves DuckDB's default (one per core).
  int threads = 0;
  // DuckDB memory_limit, e.g. "512MB"; empty leaves DuckDB's default.
  std::string memory_limit;
  // Paths the execution sees that live elsewhere on this machine (its sandbox).
  std::vector<PathMapping> path_mappings;
  // VARCHAR session variables, read in SQL with getvariable('NAME'). Values reach SQL as values,
  // never as SQL text, so they need no quoting (a job's search pattern may hold quotes).
  std::map<std::string, std::string> variables;
  // How s3:// reaches S3 (S3Access above).
  S3Access s3;
  // Counts what the statements read, for Session::Stats() (DuckDB's profiler and query progress
  // on; about 4% of a scan's time, within noise): what a compute node reports per execution.
  bool collect_stats = false;

  // The lock a compute node puts on every execution (`shoal sql` runs unlocked: it is the
  // user's own machine). Right after opening, the session then sets DuckDB's temp_directory,
  // allowed_directories (the virtual prefixes of path_mappings, plus "s3://" when there are
  // endpoint aliases), enable_external_access=false, extensions neither installed nor loaded,
  // and lock_configuration=true, in that order (see session_lock.h). Then:
  // - SQL reaches only those prefixes and temp_directory: DuckDB checks each path as written in
  //   SQL, and the sandbox file system refuses any other path too, and any path whose symbolic
  //   links lead out of the mapped folders; http:// and https:// are refused;
  // - no setting, and no error message, names a real path of the node: the temp directory is
  //   seen as /.tmp (kSandboxTempDirectory), the home as /nonexistent;
  // - writes go only to mappings that are not read_only; s3:// (mapped buckets and S3 stores
  //   alike) is read-only;
  // - s3:// outside the mapped buckets reaches only the stores of s3.endpoint_aliases;
  // - SET fails, except for the httpfs-style s3_* settings, and s3_endpoint only names one of
  //   the node's stores (an alias or one of s3.endpoint_names);
  // - INSTALL/LOAD of extensions, getenv() and enable_logging() fail with clear messages.
  bool sandboxed = false;
  // With `sandboxed`: where DuckDB's temp_directory (/.tmp to SQL) really is, where a query
  // over memory_limit spills. A folder of the execution's own (DuckDB creates it on demand and
  // removes it on close); empty: no spilling, such a query fails with DuckDB's out-of-memory
  // error.
  std::string temp_directory;
  // With `sandboxed` and a temp_directory: DuckDB's max_temp_directory_size, e.g. "10GB";
  // empty: DuckDB's default, 90% of the free disk space where temp_directory really is.
  std::string max_temp_directory_size;
  // Where the session's DuckDB comes from: one started ahead of time (database_pool.h), which
  // the session's end hands back to be destroyed off the caller's path. Null: started here.
  std::shared_ptr<DatabasePool> pool;
};

// Outcome of one statement of a script.
struct StatementOutcome {
  int64_t index = 0;  // 1-based position in the script
  std::string sql;    // the statement's text
  // True when DuckDB refused the statement because it was handed an empty file list (an empty
  // partition). Such a statement yields no rows and the script goes on; see docs/partitions.md.
  bool empty_file_list = false;
};

class Session {
 public:
  // Opens an in-memory DuckDB with Shoal's functions registered.
  static Result<std::unique_ptr<Session>> Open(const SessionOptions& options);

  virtual ~Session() = default;

  // Runs every statement of `sql` in order. Statements that return rows stream them to `sink`
  // (Begin, rows, End per statement). Stops at the first failing statement and returns an error
  // naming it: "statement 2 of 3 failed: <DuckDB message>\n  <statement text>".
  virtual Status ExecuteScript(const std::string& sql, ResultSink& sink,
                               std::vector<StatementOutcome>* outcomes = nullptr) = 0;

  // Runs one statement and returns its result materialized (for tests and small queries).
  virtual Result<ResultTable> Query(const std::string& sql) = 0;

  // Asks a running statement to stop; it then fails with a cancellation error.
  virtual void Interrupt() = 0;

  // What the statements read so far (zeros unless SessionOptions::collect_stats). May be
  // called from another thread while a statement runs.
  virtual SessionStats Stats() = 0;
};

}  // namespace shoal::engine
