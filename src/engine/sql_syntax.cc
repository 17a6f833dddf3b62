#include "engine/sql_syntax.h"

#include <cstdlib>

#include "duckdb.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/set_statement.hpp"

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

std::vector<std::string> SqlS3Endpoints(const std::string& sql) {
  std::vector<std::string> endpoints;
  duckdb::Parser parser;
  try {
    parser.ParseQuery(sql);
  } catch (const std::exception&) {
    return endpoints;
  }
  for (const auto& statement : parser.statements) {
    if (statement->type != duckdb::StatementType::SET_STATEMENT) continue;
    const auto& set = statement->Cast<duckdb::SetStatement>();
    if (set.set_type != duckdb::SetType::SET ||
        !duckdb::StringUtil::CIEquals(set.name, "s3_endpoint")) {
      continue;
    }
    const auto& variable = statement->Cast<duckdb::SetVariableStatement>();
    if (variable.value &&
        variable.value->GetExpressionClass() == duckdb::ExpressionClass::CONSTANT) {
      endpoints.push_back(variable.value->Cast<duckdb::ConstantExpression>().value.ToString());
    }
  }
  return endpoints;
}

bool SqlErrorRecurs(std::string_view message) {
  using duckdb::ExceptionType;
  static const ExceptionType kRecurring[] = {ExceptionType::OUT_OF_RANGE,
                                             ExceptionType::CONVERSION,
                                             ExceptionType::UNKNOWN_TYPE,
                                             ExceptionType::DECIMAL,
                                             ExceptionType::MISMATCH_TYPE,
                                             ExceptionType::DIVIDE_BY_ZERO,
                                             ExceptionType::INVALID_TYPE,
                                             ExceptionType::NOT_IMPLEMENTED,
                                             ExceptionType::EXPRESSION,
                                             ExceptionType::CATALOG,
                                             ExceptionType::PARSER,
                                             ExceptionType::PLANNER,
                                             ExceptionType::CONSTRAINT,
                                             ExceptionType::SYNTAX,
                                             ExceptionType::SETTINGS,
                                             ExceptionType::BINDER,
                                             ExceptionType::INVALID_INPUT,
                                             ExceptionType::PERMISSION,
                                             ExceptionType::PARAMETER_NOT_RESOLVED,
                                             ExceptionType::PARAMETER_NOT_ALLOWED,
                                             ExceptionType::DEPENDENCY,
                                             ExceptionType::MISSING_EXTENSION,
                                             ExceptionType::SEQUENCE,
                                             ExceptionType::INVALID_CONFIGURATION};
  // DuckDB's messages start "<Type> Error: "; Shoal's session puts "statement N failed: " first.
  auto starts = [&](const std::string& prefix) {
    const size_t at = message.find(prefix);
    return at == 0 ||
           (at != std::string_view::npos && at >= 2 && message.substr(at - 2, 2) == ": ");
  };
  for (ExceptionType type : kRecurring) {
    if (starts(duckdb::Exception::ExceptionTypeToString(type) + " Error: ")) return true;
  }
  // The one I/O error that is the job's: its file pattern matches nothing (an empty partition is
  // not an error and never gets here).
  return starts("IO Error: No files found that match the pattern");
}

}  // namespace shoal::engine
