// TableDefinition: a logical table of the warehouse — a name, a file format with DuckDB reader
// options, and where its files lie in each region — plus what Shoal learned from the files
// (DuckDB's inferred columns, files and bytes per region). The catalog (query/table_catalog.h)
// keeps them; the API and the CLI carry them as JSON (docs/api.md "Tables").
//
// A location is a glob written the way jobs write it (`s3://my-bucket/transactions/**/*.jsonl`
// or an absolute path), read on that region's nodes from their `storage-local` store. Locations
// and string reader options reach DuckDB inside SQL string literals: a single quote in them is
// allowed and doubled when the SQL is written (query/table_sql.h), never refused; NUL bytes and
// other control characters (tab excepted, a CSV delimiter) are refused.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace shoal::models {

inline constexpr size_t kMaxTableNameLength = 64;
inline constexpr size_t kMaxLocationLength = 1024;

// The formats a table can have, as spelled in JSON and on the CLI.
inline constexpr std::string_view kTableFormatJson = "json";
inline constexpr std::string_view kTableFormatCsv = "csv";
inline constexpr std::string_view kTableFormatParquet = "parquet";

struct TableColumn {
  std::string name;
  std::string type;  // DuckDB's type text, e.g. "BIGINT", "STRUCT(street VARCHAR, city VARCHAR)"

  bool operator==(const TableColumn&) const = default;
};

struct RegionLocation {
  RegionLocation() = default;
  RegionLocation(std::string region, std::string location, std::string warehouse = "")
      : region(std::move(region)), location(std::move(location)), warehouse(std::move(warehouse)) {}

  std::string region;    // the value of the nodes' `region` label
  std::string location;  // a glob over the region's storage-local store
  // Columnar tables: the folder (`s3://BUCKET/PREFIX`, no wildcards) of the region's Parquet
  // files and table state. Empty: DefaultWarehouse's.
  std::string warehouse;

  bool operator==(const RegionLocation&) const = default;
};

// What the last inspection found in one region.
struct RegionStats {
  int64_t files = 0;
  int64_t bytes = 0;
  int64_t inferred_time = 0;  // ns since the Unix epoch; 0: never inspected

  bool operator==(const RegionStats&) const = default;
};

struct TableDefinition {
  std::string name;
  std::string format;  // json, csv or parquet
  // DuckDB reader options: an object of scalar values, e.g. {"header": true, "delim": ";"}.
  nlohmann::json reader_options = nlohmann::json::object();
  std::vector<RegionLocation> locations;
  // The same files in every region (a small dimension table that queries may join locally).
  bool replicated = false;
  // Columnar storage (models/table_state.h): the TIMESTAMP or DATE column whose year, month or
  // day (partition_by) partitions the Parquet files. Empty: the table is read from its landing
  // files only and cannot be compacted.
  std::string event_time;
  std::string partition_by;  // "year", "month" or "day"; empty: "month"
  // Types the user gives some columns instead of DuckDB's inference (money as DECIMAL(18,2)
  // rather than DOUBLE): the files are read with these types everywhere, so the Parquet files
  // hold them too. By column name.
  std::map<std::string, std::string> column_types;

  // Set by Shoal, never by the user: empty until the files were inspected.
  std::vector<TableColumn> columns;
  std::map<std::string, RegionStats> region_stats;  // by region
  int64_t create_time = 0;                          // ns since the Unix epoch
  int64_t modify_time = 0;

  bool operator==(const TableDefinition&) const = default;

  // The location of `region`, or nullptr when the table has none there.
  const RegionLocation* LocationOf(std::string_view region) const;
  bool columnar() const { return !event_time.empty(); }
  // The warehouse folder of `location` (its own, or the default). REQUIRES: columnar().
  std::string WarehouseOf(const RegionLocation& location) const;
  std::string PartitionGranularity() const { return partition_by.empty() ? "month" : partition_by; }
};

// Where a columnar table keeps a region's Parquet when its location names no warehouse:
// `s3://BUCKET/warehouse/TABLE` beside a location `s3://BUCKET/...`; "" for a location that is a
// local path (such a location must name its warehouse).
std::string DefaultWarehouse(std::string_view table, std::string_view location);

// `[A-Za-z_][A-Za-z0-9_]*`, at most kMaxTableNameLength characters: the name appears in SQL
// unquoted. `what` names the value in the message ("Name", "ReaderOptions key").
Status ValidateIdentifier(std::string_view text, std::string_view what);
// A region label value: 1 to 63 of `[A-Za-z0-9._-]`.
Status ValidateRegionName(std::string_view region);
// `s3://BUCKET/...` or an absolute path, valid UTF-8, no control characters, at most
// kMaxLocationLength bytes.
Status ValidateLocation(std::string_view location);

// The rules a definition must satisfy (user-written parts only): Name, Format, at least one
// location, no region twice, each region and location valid, ReaderOptions an object whose keys
// are identifiers and values strings, numbers or booleans; with an EventTime (an identifier),
// PartitionBy one of year/month/day, not Replicated, and each region's warehouse an s3:// folder
// without wildcards; Warehouse and PartitionBy only with an EventTime; ColumnTypes' names
// non-empty and their types DuckDB type text of letters, digits, '_', ',', ' ', '(' and ')'.
// Messages name the field
// ("Locations[1].Location: ...").
Status ValidateTableDefinition(const TableDefinition& table);

// JSON with PascalCase keys: {"Name", "Format", "ReaderOptions", "Locations": [{"Region",
// "Location", "Warehouse"}], "Replicated", "EventTime", "PartitionBy", "ColumnTypes", "Columns":
// [{"Name", "Type"}], "Regions": {"us": {"Files", "Bytes", "InferredTime"}}, "CreateTime",
// "ModifyTime"}.
nlohmann::json ToJson(const TableDefinition& table);
// Reads what ToJson writes; unknown fields are ignored (stored rows survive version changes),
// a field of the wrong type is an error naming its path. Does not validate.
Result<TableDefinition> TableDefinitionFromJson(const nlohmann::json& json);

// A definition as a client sends it to be created: ToJson's user-written fields only. Unknown
// fields are refused, naming them (with a "did you mean" when close to a known one); Columns,
// Regions and the times are refused as set by Shoal. `extra_fields` are request fields beside the
// definition that the caller reads itself (e.g. "Inspect"). Validates.
Result<TableDefinition> TableDefinitionFromRequest(const nlohmann::json& json,
                                                   const std::vector<std::string>& extra_fields);

}  // namespace shoal::models
