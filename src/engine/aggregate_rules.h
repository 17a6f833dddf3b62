// How each aggregate `shoal query` allows splits into partial columns, computed per partition
// next to the data, and a merge expression over those columns (docs/query.md, "How aggregates
// are split"). Internal to engine/: the query rewrite calls it for every aggregate call it meets.
//
// Thread-safety: pure functions; the PartialSink is the caller's.
#pragma once

#include <string>

#include "duckdb.hpp"
#include "duckdb/parser/expression/function_expression.hpp"

#include "common/status.h"

namespace shoal::engine {

// Where a rule puts what the fragment must compute. Each method returns the name of the partial
// column that holds it; equal requests share one column.
class PartialSink {
 public:
  virtual ~PartialSink() = default;
  // A partial aggregate, computed per group (and per value key) in the fragment.
  virtual std::string AddPartial(duckdb::unique_ptr<duckdb::ParsedExpression> aggregate) = 0;
  // A value the fragment groups by besides the query's keys, so that its distinct values (with
  // their multiplicity, through partials) reach the merge.
  virtual std::string AddValueKey(const duckdb::ParsedExpression& value) = 0;
  // A merge pre-stage column: Σ(count·mean) / Σ count per query group, over the partial rows.
  virtual std::string AddGroupMean(const std::string& count_column,
                                   const std::string& mean_column) = 0;
};

// The merge expression for aggregate `call`, whose result type in one DuckDB is `type`,
// registering its partials in `sink`. `call` is a FunctionExpression that DuckDB's catalog knows
// as an aggregate. `sorted_after`: the call is the list that list_sort() (DuckDB's own rewrite of
// `list(x ORDER BY x)`) sorts, so its order does not matter. Refusals are InvalidArgument
// starting "cannot answer exactly: ".
Result<duckdb::unique_ptr<duckdb::ParsedExpression>> SplitAggregate(
    const duckdb::FunctionExpression& call, const duckdb::LogicalType& type, PartialSink& sink,
    bool sorted_after = false);

// True when `bound_name` (the name DuckDB binds an aggregate to) is one SplitAggregate splits.
// The planner checks every aggregate of the bound query against it, so no alias or macro brings
// in an aggregate without a rule.
bool IsAllowedBoundAggregate(const std::string& bound_name);

// Why aggregate `name` (lower case) is refused, for the user: approximate, undetermined among
// ties, order-dependent, or without a split.
std::string AggregateRefusalReason(const std::string& name);

}  // namespace shoal::engine
