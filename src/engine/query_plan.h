// Distributed query planning and merging: how `shoal query` turns one SELECT over a logical table
// into a fragment that every partition runs next to its files and a merge over all partials.
//
// The planner rewrites DuckDB's own parse tree (never the SQL text): the fragment computes group
// keys and exact partial aggregates (sum and count for avg, Chan's moments for variance, shipped
// distinct values for DISTINCT and holistic aggregates); the merge combines them, applies HAVING,
// windows, DISTINCT, ORDER BY and LIMIT, and casts every column to the type one DuckDB gives the
// original query. Queries it cannot answer exactly are refused with the construct and the reason
// (docs/query.md has the support matrix). DuckDB types never appear here; only engine/ sees them.
//
// Thread-safety: a QueryPlanner plans one query at a time (calls are serialized internally);
// MergePartials is a pure function of its arguments.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/database_pool.h"
#include "engine/result_sink.h"

namespace shoal::engine {

// What leaves a region, from least to most.
enum class ShippingClass {
  kAggregates,  // group keys and partial aggregates only
  kValues,      // also distinct values (DISTINCT aggregates, quantiles, SELECT DISTINCT)
  kRows,        // table rows (aggregate-free queries: a bounded top-k, or everything)
};
std::string_view ToString(ShippingClass shipping);  // "aggregates", "values", "rows"

struct TableColumnSchema {
  std::string name;
  std::string type;  // DuckDB type text, e.g. "DECIMAL(18,2)" or "STRUCT(state VARCHAR)"
};

// A logical table as the planner needs it.
struct PlannerTable {
  std::string name;
  std::vector<TableColumnSchema> columns;
  // The table-function call a fragment reads the partition's files with, e.g.
  // "read_json(getvariable('shoal_files'), format='newline_delimited', columns={...})". It must
  // yield exactly `columns`, so that every partition's partial has the same types.
  std::string reader_sql;
  // The same files in every region: the table may be joined (on the right of INNER, LEFT,
  // SEMI or ANTI joins) to a partitioned one, and each partition then reads it whole with
  // whole_reader_sql (its files listed in getvariable(JoinedFilesVariable(name))).
  bool replicated = false;
  std::string whole_reader_sql;
  // A columnar table's event-time column (TIMESTAMP or DATE): the planner maps the bounds a
  // query's WHERE puts on it into reader_sql, at kTimeBoundsMarker, as named parameters
  // (", time_min := ..., time_max := ..."), so the reader skips partitions out of range.
  std::string event_time;
};

// Where reader_sql takes the event-time bounds: a SQL comment, so reader_sql without bounds is
// valid as it is.
inline constexpr const char* kTimeBoundsMarker = "/*shoal_time_bounds*/";

// The session variable in which a fragment finds the files of joined table `name`.
std::string JoinedFilesVariable(const std::string& name);

struct PlanRequest {
  std::string sql;
  std::vector<PlannerTable> tables;
  // Aggregate-free queries that would ship every matching row are refused unless this is set.
  bool allow_rows = false;
};

struct QueryPlan {
  std::string table;  // the logical table the query reads, split among the partitions
  // Replicated tables the fragment joins: each partition reads them whole.
  std::vector<std::string> joined_tables;
  // Runs in each partition; its rows are the partition's partial (written as Parquet).
  std::string fragment_sql;
  // Runs once over the partials, which it reads as the table `kPartialsTable`.
  std::string merge_sql;
  ShippingClass shipping = ShippingClass::kAggregates;
  // The named parameters put at kTimeBoundsMarker of the fact table's reader_sql ("" when the
  // WHERE bounds no event time): the coordinator lists the partition's files with them too.
  std::string fact_time_bounds;
  // The answer's columns: names and types exactly as one DuckDB gives them for `sql`.
  std::vector<Column> output_columns;
  // The partial's columns with the types the merge expects; a partial file may carry a wider
  // Parquet-safe type (HUGEINT travels as DECIMAL(38,0)), which the merge casts back.
  std::vector<Column> partial_columns;
};

inline constexpr const char* kPartialsTable = "__shoal_partials";

class QueryPlanner {
 public:
  static Result<std::unique_ptr<QueryPlanner>> Create();
  virtual ~QueryPlanner() = default;

  // The plan for `request.sql`. Bad SQL is InvalidArgument with DuckDB's message; a query Shoal
  // cannot answer exactly is InvalidArgument starting "cannot answer exactly: ".
  virtual Result<QueryPlan> Plan(const PlanRequest& request) = 0;
};

struct MergeOptions {
  std::string memory_limit;  // DuckDB memory_limit; empty: DuckDB's default
  int threads = 0;           // 0: DuckDB's default
  // Where the merge may spill; empty: no spilling.
  std::string temp_directory;
  // Where the merge's DuckDB comes from (SessionOptions::pool); null: started for it.
  std::shared_ptr<DatabasePool> pool;
};

// Runs `plan.merge_sql` over the partial files (Parquet, each with plan.partial_columns; none
// means every partition was empty) in a locked DuckDB that reaches only those files. With
// `partial_rows`, also sets it to the rows of each file, as CountParquetRows does.
Result<ResultTable> MergePartials(const QueryPlan& plan, const std::vector<std::string>& files,
                                  const MergeOptions& options = {},
                                  std::vector<int64_t>* partial_rows = nullptr);

// The statement MergePartials starts with: `kPartialsTable` over `files`, each column cast back
// to the type the merge expects (a typed empty table when there are no files).
std::string PartialsViewSql(const QueryPlan& plan, const std::vector<std::string>& files);

// The rows of each Parquet file, from their footers, in the order of `files`.
Result<std::vector<int64_t>> CountParquetRows(const std::vector<std::string>& files);

}  // namespace shoal::engine
