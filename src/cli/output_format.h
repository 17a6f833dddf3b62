// Result printers for `shoal sql` and later `shoal job`: table, CSV, JSON and JSON Lines.
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

#include "common/status.h"
#include "engine/result_sink.h"

namespace shoal::cli {

enum class OutputFormat { kTable, kCsv, kJson, kJsonl };

// Parses "table", "csv", "json" or "jsonl".
Result<OutputFormat> ParseOutputFormat(const std::string& text);

std::unique_ptr<engine::ResultSink> MakePrinter(OutputFormat format, std::ostream& out);

}  // namespace shoal::cli
