// Result printers: table, CSV, JSON and JSON Lines, for `shoal sql`, `shoal job` and the stdout
// of a compute node's duckdb executions. Below cli/ and compute/, above engine/ (for the Cell
// types only; no DuckDB).
//
// Each printer is a ResultSink writing to a std::ostream. table buffers a statement's rows to
// size its columns (numbers right-aligned, like the seed's sample output); csv, json and jsonl
// stream. Several row-returning statements print one after another (json: one array each).
//
// Thread-safety: one printer per output stream, used by one thread.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/result_sink.h"

namespace shoal::format {

enum class OutputFormat { kTable, kCsv, kJson, kJsonl };

// Parses "table", "csv", "json" or "jsonl".
Result<OutputFormat> ParseOutputFormat(const std::string& text);

// How the table printer decorates (the CLI's --hide-header and --no-style): `header` prints the
// column names (csv too); `decorated` separates columns with " | ", rules the header off and
// ends with the row count ("(3 rows)"), which only a table with its header gets. Undecorated,
// columns are separated by two spaces.
struct TableStyle {
  bool header = true;
  bool decorated = true;
};

std::unique_ptr<engine::ResultSink> MakePrinter(OutputFormat format, std::ostream& out,
                                                TableStyle style = {});

// A cell as a typed JSON value: null, true/false, a number (exact text kept), a string, or the
// nested value itself (STRUCT, LIST, MAP).
nlohmann::ordered_json CellToJson(const engine::Cell& cell);

// A cell as JSON text. Unlike CellToJson(...).dump(), numbers keep DuckDB's exact text: a
// DECIMAL(18,2) stays "12.50" and a HUGEINT keeps every digit, where a double would not.
std::string CellJsonText(const engine::Cell& cell);

// result.json, the answer of a duckdb execution or of a query (docs/api.md "Published
// results"), in pieces so a sink can stream it: ResultJsonStart, then each row's ResultJsonRow
// preceded by "\n" (the first) or ",\n", then kResultJsonEnd.
std::string ResultJsonStart(const std::vector<engine::Column>& columns);
std::string ResultJsonRow(const std::vector<engine::Cell>& cells);
inline constexpr const char* kResultJsonEnd = "]}\n";

}  // namespace shoal::format
