// Table: columns and rows of typed cells, as the CLI prints them, and the published
// `result.json` of an execution (docs/api.md "Published results") read into one.
//
// JSON values become cells as the engine makes them: null -> kNull, true/false -> kBool,
// numbers -> kNumber with the exact text of the file (12.50 stays 12.50), strings -> kString,
// objects and lists -> kJson (compact JSON text, numbers inside kept as written). Tables print
// through the format printers (format/output_format.h), so `shoal job` and `shoal sql` look
// the same.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/result_sink.h"
#include "format/output_format.h"

namespace shoal::cli {

struct Table {
  std::vector<engine::Column> columns;
  std::vector<std::vector<engine::Cell>> rows;

  // A table of text columns; names ending in '#' are numeric (right-aligned), the '#' dropped.
  static Table WithColumns(const std::vector<std::string>& names);
  // Appends a row of text cells; empty text is NULL for numeric columns.
  void AddTextRow(const std::vector<std::string>& texts);
};

// Prints `table` with the format's printer (table: aligned with a row count; csv: RFC 4180).
Status PrintTable(const Table& table, format::OutputFormat output_format, std::ostream& out,
                  format::TableStyle style = {});

// Reads result.json: {"Columns": [{"Name", "Type", "Numeric"}], "Rows": [[value, ...], ...]}.
// Errors name the problem ("Rows[3]: 2 values for 3 columns").
Result<Table> ParseResultJson(std::string_view text);

// The union of the tables' rows. When every table's rows are in ascending order (NULLs last,
// as ORDER BY on the leading columns leaves them), the union keeps that order; otherwise the
// tables follow one another. Tables without columns (empty partitions) add nothing; the others
// must have the same column names and types; `labels[i]` names table i in the error
// ("partition 1 on compute-us-2").
Result<Table> MergeTables(const std::vector<const Table*>& tables,
                          const std::vector<std::string>& labels);

// {"Columns": [{"Name", "Type", "Numeric"}], "Rows": [[...]]} members for --output json; values
// keep their JSON types (numbers as numbers).
nlohmann::ordered_json ColumnsJson(const Table& table);
nlohmann::ordered_json RowsJson(const Table& table);

}  // namespace shoal::cli
