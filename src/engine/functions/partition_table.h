// Shared machinery of the partition_by_* table functions.
//
// Each partition_by_* function binds by globbing its pattern (through DuckDB's file system, so
// every registered scheme works), keeping the files that belong to the session's partition, and
// storing the selected rows in a SelectedRows bind data. One generic init/scan pair then emits
// those rows. Errors are thrown as DuckDB exceptions naming the function and the bad argument;
// engine/ turns them into Status.
//
// Thread-safety: bind data is immutable after bind; the scan state is per query.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "duckdb.hpp"

#include "engine/functions/session_state.h"

namespace shoal::engine {

struct PartitionFunctionInfo : public duckdb::TableFunctionInfo {
  explicit PartitionFunctionInfo(std::shared_ptr<SessionState> s) : state(std::move(s)) {}
  std::shared_ptr<SessionState> state;
};

struct SelectedRows : public duckdb::TableFunctionData {
  std::vector<std::vector<duckdb::Value>> rows;
};

// The session state behind a bind; throws if the partition is not usable (count <= 0, index out
// of range), naming `function_name`.
SessionState& CheckedSessionState(duckdb::TableFunctionBindInput& input,
                                  const std::string& function_name);

// Expands `pattern` like DuckDB's glob(): sorted paths, empty when nothing matches.
std::vector<std::string> GlobPaths(duckdb::ClientContext& context, const std::string& pattern);

// The first argument as a string; throws if it is NULL.
std::string StringArgument(duckdb::TableFunctionBindInput& input, size_t position,
                           const std::string& function_name, const std::string& argument_name);

// Records an empty selection in `state` and returns `rows` as bind data.
duckdb::unique_ptr<duckdb::FunctionData> FinishSelection(SessionState& state,
                                                         duckdb::unique_ptr<SelectedRows> rows);

// Builds a table function whose scan emits SelectedRows, with `state` as its function_info.
duckdb::TableFunction MakePartitionTableFunction(std::string name,
                                                 std::vector<duckdb::LogicalType> arguments,
                                                 duckdb::table_function_bind_t bind,
                                                 const std::shared_ptr<SessionState>& state);

// Adds `function` to the catalog of `context`'s database.
void AddTableFunction(duckdb::ClientContext& context, duckdb::TableFunction function);

}  // namespace shoal::engine
