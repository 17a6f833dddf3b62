// The first syntax error of a SQL script, as DuckDB's parser (the one every node runs) finds it,
// without running or binding anything: how `shoal job run` and `shoal job validate` refuse a job
// whose SQL cannot run anywhere before it is submitted. Names, tables and files are not checked
// here (they depend on the node), only the text.
//
// Thread-safety: a pure function; each call has its own parser.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

namespace shoal::engine {

struct SqlSyntaxError {
  std::string message;  // DuckDB's, e.g. `syntax error at or near "FORM"`
  // The byte of the script the error points at, when DuckDB says (nullopt otherwise).
  std::optional<size_t> offset;
};

std::optional<SqlSyntaxError> FindSqlSyntaxError(const std::string& sql);

}  // namespace shoal::engine
