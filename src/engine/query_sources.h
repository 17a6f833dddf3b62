// The tables one `shoal query` reads (internal to engine/): the fact table, whose files are split
// among the partitions, and the replicated tables joined to it, which every partition reads
// whole — and the FROM clause with each logical table swapped for its reader.
//
// A join distributes over the partitions' union only when each fact row finds its partners in
// every partition: the right side must be a replicated table (the same files in every region),
// the fact table the left-most, and the join one of INNER, LEFT, SEMI, ANTI or CROSS. RIGHT and
// FULL joins (rows of the dimension without a fact partner would appear once per partition),
// joins of two partitioned tables (they need a shuffle), ASOF and POSITIONAL joins are refused.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "duckdb.hpp"
#include "duckdb/parser/tableref.hpp"

#include "common/status.h"
#include "engine/query_plan.h"

namespace shoal::engine {

struct QuerySources {
  const PlannerTable* fact = nullptr;
  std::string fact_alias;                   // the name the fact table's columns go by
  std::vector<const PlannerTable*> joined;  // replicated, read whole by every partition
};

Result<QuerySources> ResolveSources(const duckdb::TableRef* from,
                                    const std::vector<PlannerTable>& tables);

// ", time_min := TRY_CAST(<constant> AS TIMESTAMP), time_before := ..." for the bounds the
// top-level AND-ed comparisons of `where` put on the fact table's event time (`ts >= c`,
// `ts > c`, `ts < c`, `ts <= c`, `ts = c`, `ts BETWEEN a AND b`, either side, constants or casts
// of constants; the first lower and the first upper bound): time_min/time_max for inclusive
// bounds, time_after/time_before for strict ones. "" when there are none or the table has no
// event time.
std::string EventTimeBounds(const duckdb::ParsedExpression* where, const QuerySources& sources);

// `from` with the fact table read by its reader_sql (with `fact_time_bounds` at its
// kTimeBoundsMarker) and each joined table by its whole_reader_sql, each under its alias (or its
// name).
duckdb::unique_ptr<duckdb::TableRef> SwapInReaders(duckdb::TableRef& from,
                                                   const QuerySources& sources,
                                                   const std::string& fact_time_bounds = "");

}  // namespace shoal::engine
