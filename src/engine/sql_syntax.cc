#include "engine/sql_syntax.h"

#include <cstdlib>

#include "duckdb.hpp"
#include "duckdb/parser/parser.hpp"

namespace shoal::engine {

std::optional<SqlSyntaxError> FindSqlSyntaxError(const std::string& sql) {
  try {
    duckdb::Parser parser;
    parser.ParseQuery(sql);
    return std::nullopt;
  } catch (const std::exception& e) {
    // Whatever the parser throws (a syntax error, a statement DuckDB does not implement), the
    // node's DuckDB would throw too: the script cannot run as written.
    const duckdb::ErrorData error(e);
    SqlSyntaxError found{error.RawMessage(), std::nullopt};
    auto position = error.ExtraInfo().find("position");
    if (position != error.ExtraInfo().end()) {
      char* end = nullptr;
      const unsigned long long offset = std::strtoull(position->second.c_str(), &end, 10);
      if (end != position->second.c_str() && *end == '\0' && offset <= sql.size()) {
        found.offset = static_cast<size_t>(offset);
      }
    }
    return found;
  }
}

}  // namespace shoal::engine
