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

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "engine/result_sink.h"

namespace shoal::format {

enum class OutputFormat { kTable, kCsv, kJson, kJsonl };

// Parses "table", "csv", "json" or "jsonl".
Result<OutputFormat> ParseOutputFormat(const std::string& text);

std::unique_ptr<engine::ResultSink> MakePrinter(OutputFormat format, std::ostream& out);

// A cell as a typed JSON value: null, true/false, a number (exact text kept), a string, or the
// nested value itself (STRUCT, LIST, MAP).
nlohmann::ordered_json CellToJson(const engine::Cell& cell);

// A cell as JSON text. Unlike CellToJson(...).dump(), numbers keep DuckDB's exact text: a
// DECIMAL(18,2) stays "12.50" and a HUGEINT keeps every digit, where a double would not.
std::string CellJsonText(const engine::Cell& cell);

}  // namespace shoal::format
