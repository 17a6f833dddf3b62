// Registration of Shoal's SQL functions in a DuckDB database: the one list of all of them.
//
// Thread-safety: call once per database, before any query runs.
#pragma once

#include <memory>

#include "duckdb.hpp"

#include "engine/functions/session_state.h"

namespace shoal::engine {

// Registers belongs_to_partition, partition_by_hash, partition_by_regex, partition_by_date,
// shoal_table and shoal_table_files.
// Throws DuckDB exceptions on failure (callers inside engine/ convert them).
void RegisterShoalFunctions(duckdb::Connection& connection,
                            const std::shared_ptr<SessionState>& state);

// For a locked session (SessionOptions::sandboxed): getenv() that refuses to read the node's
// environment (rather than DuckDB's "does not exist": the function exists only in DuckDB's
// CLI), and enable_logging() that refuses (it changes the configuration despite the lock, and a
// log file outside the sandbox aborts the process; see session_lock.h). Throws DuckDB
// exceptions on failure.
void RegisterSandboxRefusals(duckdb::Connection& connection);

// One function per file; each file defines one of these.
void RegisterBelongsToPartition(duckdb::ClientContext& context,
                                const std::shared_ptr<SessionState>& state);
void RegisterPartitionByHash(duckdb::ClientContext& context,
                             const std::shared_ptr<SessionState>& state);
void RegisterPartitionByRegex(duckdb::ClientContext& context,
                              const std::shared_ptr<SessionState>& state);
void RegisterPartitionByDate(duckdb::ClientContext& context,
                             const std::shared_ptr<SessionState>& state);
// shoal_table and shoal_table_files (columnar tables).
void RegisterShoalTable(duckdb::ClientContext& context, const std::shared_ptr<SessionState>& state);

}  // namespace shoal::engine
