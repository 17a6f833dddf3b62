// Conversion of DuckDB values into Shoal's engine-neutral Cells and Columns.
//
// Thread-safety: pure functions.
#pragma once

#include "duckdb.hpp"

#include "engine/result_sink.h"

namespace shoal::engine {

Column ToColumn(const std::string& name, const duckdb::LogicalType& type);
Cell ToCell(const duckdb::Value& value);

}  // namespace shoal::engine
