// TableState: what a columnar table holds in one region, kept as one JSON object,
// `<warehouse>/_shoal_table.json`, in the region's own store (docs/query.md "Columnar storage").
//
// The state lists the table's Parquet files (Hive-partitioned, under the warehouse folder) and
// the landing files whose rows they hold. Readers read the listed Parquet files plus every
// landing file of the table's glob that the state does not list, so a landing file's rows are
// read exactly once whether it was compacted or not. A compaction writes new Parquet files under
// names no other compaction uses, then replaces the state object whole (the commit point): a
// reader sees the old state or the new one, never half. Files a compaction replaced stay listed
// as `retired` (no reader of the new state reads them) until they are old enough to remove, so
// readers of the previous state can finish.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/table.h"

namespace shoal::models {

inline constexpr std::string_view kTableStateObject = "_shoal_table.json";
inline constexpr std::string_view kTableStateFormat = "shoal-table/1";

struct TableStateFile {
  std::string path;       // relative to the warehouse: "year=2024/month=1/part-e-...-0.parquet"
  std::string partition;  // its Hive folder: "year=2024/month=1"
  int64_t rows = 0;
  int64_t bytes = 0;

  bool operator==(const TableStateFile&) const = default;
};

struct CompactedLandingFile {
  std::string path;  // as the landing glob lists it: "s3://my-bucket/transactions/x.jsonl"
  int64_t bytes = 0;

  bool operator==(const CompactedLandingFile&) const = default;
};

struct RetiredFile {
  std::string path;         // relative to the warehouse
  int64_t retire_time = 0;  // ns since the Unix epoch

  bool operator==(const RetiredFile&) const = default;
};

struct TableState {
  int64_t version = 0;  // 0: never compacted (no state object)
  std::string table;
  std::string event_time;
  std::string partition_by;  // year, month or day
  // How the landing files are read: their glob, and the reader call with kLandingFilesMarker
  // where the list of files goes (query/table_sql.h TypedReaderCall); the table's columns.
  std::string landing;
  std::string landing_reader;
  std::vector<TableColumn> columns;
  int64_t commit_time = 0;  // ns since the Unix epoch
  std::string execution_id;
  std::vector<TableStateFile> files;
  std::vector<CompactedLandingFile> compacted;
  std::vector<RetiredFile> retired;

  bool operator==(const TableState&) const = default;
};

// Where a reader call takes its list of files, in TableState::landing_reader.
inline constexpr std::string_view kLandingFilesMarker = "$shoal_landing_files";

// The Hive partition columns of a granularity: year; year, month; year, month, day.
std::vector<std::string> PartitionColumns(std::string_view partition_by);

// The event times a partition folder holds ("year=2024/month=6": June 2024, UTC), as
// [start_us, end_us) in microseconds since the Unix epoch; `null_time` for the folder of rows
// whose event time has no calendar date ("year=NULL/...": NULL, infinity, -infinity). nullopt
// for a folder Shoal does not write.
struct PartitionRange {
  bool null_time = false;
  int64_t start_us = 0;
  int64_t end_us = 0;
};
std::optional<PartitionRange> ParsePartitionRange(std::string_view partition);

// What a compaction job (engine `compact`) is asked to do: compact the landing files of one region
// of a columnar table into its warehouse. The job's Engine.Params, as ToParams writes them.
struct CompactionSpec {
  std::string table;
  std::string warehouse;       // s3://BUCKET/PREFIX
  std::string landing;         // the landing glob
  std::string landing_reader;  // the reader call over kLandingFilesMarker
  std::vector<TableColumn> columns;
  std::string event_time;
  std::string partition_by;  // year, month or day
  // Files a compaction replaced are removed once retired this long (readers of the previous
  // state may still be reading them).
  int64_t retain_seconds = 3600;

  bool operator==(const CompactionSpec&) const = default;
};

// SQL over a table's columns: `CAST("a" AS T) AS "a", ...`, and `SELECT CAST(NULL AS T) AS "a",
// ... WHERE false` (no rows, every column: united BY NAME with Parquet files written before a
// column existed, it gives that column as NULL).
std::string CastProjectionSql(const std::vector<TableColumn>& columns);
std::string NoRowsSql(const std::vector<TableColumn>& columns);

nlohmann::json ToParams(const CompactionSpec& spec);
// Reads and checks Engine.Params of a compact job; errors name "Engine.Params.<Field>".
Result<CompactionSpec> CompactionSpecFromParams(const nlohmann::json& params);

nlohmann::json ToJson(const TableState& state);
// Reads what ToJson writes; a "Format" other than kTableStateFormat, or a field of the wrong
// type, is an error naming it.
Result<TableState> TableStateFromJson(const nlohmann::json& json);
Result<TableState> ParseTableState(std::string_view text);

}  // namespace shoal::models
