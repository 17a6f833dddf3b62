// The SQL text Shoal writes about a logical table: string literals, the DuckDB reader call over
// a table's files with its reader options, and the inspection statement a region's node runs.
//
// Values from users (locations, string reader options) only ever reach SQL through
// SqlStringLiteral, which doubles single quotes; option keys are identifiers (validated by
// models::ValidateTableDefinition), so nothing a user writes can end a literal or add SQL.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/table.h"
#include "models/text.h"

namespace shoal::query {

using models::SqlStringLiteral;

// The DuckDB table function that reads `format`: read_json_auto, read_csv_auto or read_parquet.
// REQUIRES: a valid format.
std::string ReaderFunction(std::string_view format);

// ", key=value" for each reader option (strings as literals, booleans as true/false, numbers as
// written), in key order; "" for none. REQUIRES: options validated.
std::string ReaderOptionsSql(const nlohmann::json& options);

// `read_json_auto(<files_sql>, key=value, ...)`: the reader call over the table's files.
// `files_sql` is a SQL expression: a string literal glob, a list, getvariable('...').
std::string ReaderCall(const models::TableDefinition& table, std::string_view files_sql);

// The reader call of a query fragment: like ReaderCall, but JSON and CSV files are read with the
// table's inferred columns given (`read_json(files, columns = {...}, ...)`), so every
// partition's rows have the catalog's types whatever its own files hold (a partition whose
// values are all NULL would otherwise infer another type). REQUIRES: the columns are known.
std::string TypedReaderCall(const models::TableDefinition& table, std::string_view files_sql);

// Columnar tables (models/table_state.h): the reader call of the landing files with
// models::kLandingFilesMarker where the list of files goes.
std::string LandingReaderTemplate(const models::TableDefinition& table);
// The session variables a columnar table's reader takes its region's warehouse and landing glob
// from, so that one fragment SQL serves every region; ColumnarVariablesSql sets them.
inline constexpr const char* kWarehouseVariable = "shoal_warehouse";
inline constexpr const char* kLandingVariable = "shoal_landing";
std::string ColumnarVariablesSql(const models::TableDefinition& table,
                                 const models::RegionLocation& where);
// `function(getvariable('shoal_warehouse'), landing := ..., reader := ..., columns := {...}
// <more_parameters>)` where `function` is shoal_table (the rows) or shoal_table_files (the
// files). REQUIRES: the columns are known.
std::string ColumnarReaderCall(const models::TableDefinition& table, std::string_view function,
                               std::string_view more_parameters = "");

// The column names of InspectionSql's one row (each starts with the stats columns, then the
// table's columns in the order DuckDB infers them).
inline constexpr int kInspectionStatsColumns = 2;  // files, bytes

// A script that a single-partition job runs on a node of `location`'s region: it checks that
// DuckDB knows each type of the table's ColumnTypes, lists the
// files of the glob (through partition_by_hash, so a glob with no files is an empty partition,
// not an error) and returns one row: the number of files, their total bytes, then one NULL
// column per column DuckDB infers over the files, with the inferred name and type. No files:
// the last statement reads an empty partition and the result has no rows.
std::string InspectionSql(const models::TableDefinition& table,
                          const models::RegionLocation& location);

}  // namespace shoal::query
