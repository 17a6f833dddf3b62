// The parse-tree rewrite behind QueryPlanner (query_plan.h): one SELECT over a logical table
// becomes a fragment SELECT (still reading the logical table; the planner swaps in the reader)
// and a merge SELECT over the partials. Internal to engine/.
//
// Aggregate queries: the fragment groups by the query's keys (plus the value keys that DISTINCT
// and holistic aggregates need) and computes partial aggregates (aggregate_rules.h); the merge
// groups the partials by the same keys and applies HAVING, QUALIFY, windows, DISTINCT, ORDER BY
// and LIMIT. Aggregate-free queries: the fragment runs the query with its DISTINCT and a
// top-(limit+offset); the merge repeats DISTINCT, ORDER BY and LIMIT over the union.
//
// Thread-safety: pure function of its arguments (the callbacks are the caller's).
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "duckdb.hpp"
#include "duckdb/parser/query_node/select_node.hpp"

#include "common/status.h"
#include "engine/query_plan.h"

namespace shoal::engine {

struct RewriteInput {
  // The query, already checked to be one SELECT block over `table` (possibly aliased).
  const duckdb::SelectNode* query = nullptr;
  std::set<std::string> table_columns;    // lower case
  std::set<std::string> aggregate_names;  // lower case: what DuckDB's catalog calls aggregates
  std::vector<std::string> output_names;  // one DuckDB's answer for the query
  std::vector<duckdb::LogicalType> output_types;
  // The result types of these aggregate calls in one DuckDB (a SELECT of them over the table).
  std::function<Result<std::vector<duckdb::LogicalType>>(
      const std::vector<const duckdb::ParsedExpression*>&)>
      aggregate_types;
  bool allow_rows = false;
};

struct RewriteOutput {
  duckdb::unique_ptr<duckdb::SelectNode> fragment;  // FROM: the query's own FROM
  duckdb::unique_ptr<duckdb::SelectNode> merge;     // FROM: kPartialsTable
  ShippingClass shipping = ShippingClass::kAggregates;
};

Result<RewriteOutput> RewriteQuery(const RewriteInput& input);

}  // namespace shoal::engine
