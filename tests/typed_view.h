// The one-DuckDB side of a comparison with `shoal query`, for tests and benchmarks that run the
// CLI: a view over JSON files read with a logical table's own column types (its ColumnTypes
// included, e.g. money as DECIMAL(18,2)), as every reader of the table reads them. The types come
// from `shoal table describe NAME --output json`.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace shoal::testing {

// "CREATE VIEW <name> AS SELECT * FROM read_json(<files>, format = 'newline_delimited',
// columns = {...}); " for the table `describe_json` describes; `files` is a SQL list of paths.
// Empty when the description has no columns.
inline std::string TypedJsonView(const std::string& name, const std::string& describe_json,
                                 const std::string& files) {
  const nlohmann::json table = nlohmann::json::parse(describe_json, nullptr, false);
  if (!table.is_object() || !table.contains("Columns") || table["Columns"].empty()) return "";
  auto literal = [](const std::string& text) {
    std::string quoted = "'";
    for (char c : text) quoted += c == '\'' ? std::string("''") : std::string(1, c);
    return quoted + "'";
  };
  std::string columns;
  for (const auto& column : table["Columns"]) {
    columns += (columns.empty() ? "" : ", ") + literal(column["Name"].get<std::string>()) + ": " +
               literal(column["Type"].get<std::string>());
  }
  return "CREATE VIEW " + name + " AS SELECT * FROM read_json(" + files +
         ", format = 'newline_delimited', columns = {" + columns + "}); ";
}

}  // namespace shoal::testing
