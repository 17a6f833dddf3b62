// Small helpers over DuckDB's parse tree shared by the query planner's files (internal to
// engine/): the refusal message every unsupported construct gets, names compared without case,
// quoting, column references, integer constants.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <utility>

#include "duckdb.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"

#include "common/ascii.h"
#include "common/status.h"

namespace shoal::engine {

// "cannot answer exactly: <what>: <why>": what the user gets for a query Shoal refuses.
inline Status Refuse(const std::string& what, const std::string& why) {
  return Status::InvalidArgument("cannot answer exactly: " + what + ": " + why);
}

// ASCII lower case: SQL names compare without case.
inline std::string Lower(std::string text) { return AsciiLower(std::move(text)); }

// `name` as an SQL identifier, in double quotes when it needs them.
inline std::string QuoteIdentifier(const std::string& name) {
  return duckdb::KeywordHelper::WriteOptionallyQuoted(name, '"', false);
}

// `text` as an SQL string literal.
inline std::string QuoteLiteral(const std::string& text) {
  return duckdb::KeywordHelper::WriteQuoted(text);
}

inline duckdb::unique_ptr<duckdb::ParsedExpression> ColumnRef(const std::string& name) {
  return duckdb::make_uniq<duckdb::ColumnRefExpression>(name);
}

// The value of an integer constant (a GROUP BY or ORDER BY position, a LIMIT); nullopt for
// anything else.
inline std::optional<int64_t> IntegerConstant(const duckdb::ParsedExpression& e) {
  if (e.GetExpressionClass() != duckdb::ExpressionClass::CONSTANT) return std::nullopt;
  const duckdb::Value& value = e.Cast<duckdb::ConstantExpression>().value;
  if (!value.type().IsIntegral() || value.IsNull()) return std::nullopt;
  return value.GetValue<int64_t>();
}

}  // namespace shoal::engine
