// SQL errors that no other try can fix. FindSqlSyntaxError: the first syntax error of a script,
// as DuckDB's parser (the one every node runs) finds it, without running or binding anything:
// how `shoal job run` and `shoal job validate` refuse a job whose SQL cannot run anywhere before
// it is submitted (names, tables and files are not checked: they depend on the node).
// SqlErrorRecurs: whether a failed statement's error would recur on any node, so the
// orchestrator fails the job at once instead of retrying it. SqlS3Endpoints: the S3 endpoints a
// script names, so a node knows which of its stores the script reads before running it.
//
// Thread-safety: pure functions; each call has its own parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::engine {

struct SqlSyntaxError {
  std::string message;  // DuckDB's, e.g. `syntax error at or near "FORM"`
  // The byte of the script the error points at, when DuckDB says (nullopt otherwise).
  std::optional<size_t> offset;
};

std::optional<SqlSyntaxError> FindSqlSyntaxError(const std::string& sql);

// The endpoints a script sets with `SET s3_endpoint = 'literal'` (any scope), in order. A script
// that does not parse sets none here: running it reports its error.
std::vector<std::string> SqlS3Endpoints(const std::string& sql);

// True when DuckDB's error in `message` (as Session::ExecuteScript reports it: "statement 2 of
// 3 failed: Binder Error: ...") comes from the SQL text, the names it uses or the data's values
// (parser, binder, catalog, conversion, invalid input, ... errors, and a file pattern that
// matches nothing), which every node meets alike; false for what another try may pass (I/O,
// HTTP, memory, an interruption) and for messages that are not DuckDB's.
bool SqlErrorRecurs(std::string_view message);

}  // namespace shoal::engine
