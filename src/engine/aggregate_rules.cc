// The split of each allowed aggregate (see aggregate_rules.h). Every merge expression is built
// from parse-tree nodes: the user's arguments are copied as trees, never as text. Templates are
// parsed only where they hold nothing but Shoal's own column names.
#include "engine/aggregate_rules.h"

#include <map>
#include <set>

#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/result_modifier.hpp"

#include "engine/parse_tree.h"

namespace shoal::engine {

namespace {

using duckdb::ParsedExpression;
using duckdb::unique_ptr;
using Expressions = duckdb::vector<unique_ptr<ParsedExpression>>;

template <typename... T>
Expressions Args(T... args) {
  Expressions list;
  (list.push_back(std::move(args)), ...);
  return list;
}

unique_ptr<ParsedExpression> Call(const std::string& name, Expressions args,
                                  unique_ptr<ParsedExpression> filter = nullptr,
                                  bool distinct = false) {
  return duckdb::make_uniq<duckdb::FunctionExpression>(name, std::move(args), std::move(filter),
                                                       nullptr, distinct);
}

// `column > 0`: the merge-side filter that keeps value-key rows some filtered row produced.
unique_ptr<ParsedExpression> Positive(const std::string& column) {
  return duckdb::make_uniq<duckdb::ComparisonExpression>(
      duckdb::ExpressionType::COMPARE_GREATERTHAN, ColumnRef(column),
      duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value::BIGINT(0)));
}

// Parses a merge template whose $names are replaced by Shoal's own (quoted) column names.
unique_ptr<ParsedExpression> Template(std::string text,
                                      const std::map<std::string, std::string>& columns) {
  for (const auto& [placeholder, column] : columns) {
    for (size_t at = text.find(placeholder); at != std::string::npos;
         at = text.find(placeholder, at)) {
      text.replace(at, placeholder.size(), "\"" + column + "\"");
    }
  }
  auto parsed = duckdb::Parser::ParseExpressionList(text);
  return std::move(parsed.at(0));
}

// Aggregates whose answer over a multiset equals their answer over its distinct values, and
// whose own state merges with the same function.
const std::set<std::string>& DuplicateInsensitive() {
  static const std::set<std::string> names = {"min",     "max",     "bool_and",
                                              "bool_or", "bit_and", "bit_or"};
  return names;
}

// Aggregates merged by applying the same function to the partials.
const std::set<std::string>& SelfMerging() {
  static const std::set<std::string> names = {"min",     "max",    "bool_and", "bool_or",
                                              "bit_and", "bit_or", "bit_xor"};
  return names;
}

const std::set<std::string>& Variances() {
  static const std::set<std::string> names = {"var_samp", "var_pop",     "variance",
                                              "stddev",   "stddev_samp", "stddev_pop"};
  return names;
}

// Holistic aggregates, computed in the merge over the shipped (value, count) pairs. The value is
// the name list_aggregate knows them by.
const std::map<std::string, std::string>& Holistic() {
  static const std::map<std::string, std::string> names = {{"median", "median"},
                                                           {"quantile_cont", "quantile_cont"},
                                                           {"quantile_disc", "quantile_disc"},
                                                           {"quantile", "quantile_disc"},
                                                           {"mode", "mode"}};
  return names;
}

}  // namespace

std::string AggregateRefusalReason(const std::string& name) {
  static const std::set<std::string> approximate = {"approx_count_distinct", "approx_quantile",
                                                    "reservoir_quantile", "approx_top_k"};
  static const std::set<std::string> undetermined = {
      "first",  "last",   "any_value", "arbitrary", "arg_min",      "arg_max",
      "argmin", "argmax", "min_by",    "max_by",    "arg_min_null", "arg_max_null"};
  static const std::set<std::string> ordered = {"string_agg", "group_concat", "listagg",
                                                "list",       "array_agg",    "array_agg_distinct"};
  if (approximate.count(name)) {
    return "it is approximate (approx_count_distinct is 7-19% off in DuckDB 1.4.4) and its state "
           "cannot be merged exactly; use count(DISTINCT ...) or quantile_cont/quantile_disc";
  }
  if (undetermined.count(name)) {
    return "which row it picks among equals is not determined, even in one DuckDB";
  }
  if (ordered.count(name)) {
    return "its order is not determined without ORDER BY: add ORDER BY inside the call";
  }
  return "it has no exact split into partial and merge aggregates; docs/query.md lists the "
         "supported ones";
}

namespace {

// The constant arguments after the first (quantile fractions), copied.
Result<Expressions> ConstantArguments(const duckdb::FunctionExpression& call) {
  Expressions extra;
  for (size_t i = 1; i < call.children.size(); ++i) {
    if (!call.children[i]->IsScalar() || call.children[i]->HasSubquery()) {
      return Refuse(call.ToString(),
                    "its argument " + std::to_string(i + 1) + " must be a constant");
    }
    extra.push_back(call.children[i]->Copy());
  }
  return extra;
}

Result<unique_ptr<ParsedExpression>> SplitDistinct(const duckdb::FunctionExpression& call,
                                                   const std::string& name, PartialSink& sink) {
  std::string value = sink.AddValueKey(*call.children.at(0));
  SHOAL_ASSIGN_OR_RETURN(Expressions args, ConstantArguments(call));
  args.insert(args.begin(), ColumnRef(value));
  unique_ptr<ParsedExpression> filter;
  if (call.filter) {
    filter = Positive(sink.AddPartial(Call("count_star", {}, call.filter->Copy())));
  }
  return Call(Holistic().count(name) ? Holistic().at(name) : name, std::move(args),
              std::move(filter), /*distinct=*/true);
}

unique_ptr<ParsedExpression> Partial(const std::string& function,
                                     const duckdb::FunctionExpression& call) {
  Expressions args;
  if (!call.children.empty()) args.push_back(call.children[0]->Copy());
  return Call(function, std::move(args), call.filter ? call.filter->Copy() : nullptr);
}

unique_ptr<ParsedExpression> SplitVariance(const duckdb::FunctionExpression& call,
                                           const std::string& name, PartialSink& sink) {
  // Chan et al.: per partition the count n, mean m and sum of squared deviations q = n·var_pop;
  // then M2 = Σq + Σ n(m − M)² with M the mean over all partials. The closed form
  // Σx² − N·M² cancels catastrophically on data with a large mean.
  std::string n = sink.AddPartial(Partial("count", call));
  std::string m = sink.AddPartial(Partial("avg", call));
  std::string q = sink.AddPartial(duckdb::make_uniq<duckdb::FunctionExpression>(
      "*", Args(Partial("var_pop", call), Partial("count", call)), nullptr, nullptr, false, true));
  std::string mean = sink.AddGroupMean(n, m);
  const bool population = name == "var_pop" || name == "stddev_pop";
  const bool root = name.rfind("stddev", 0) == 0;
  std::string text = population ? "CASE WHEN coalesce(sum($n), 0) = 0 THEN NULL ELSE "
                                  "(coalesce(sum($q), 0) + coalesce(sum($n * ($m - $M) * ($m - "
                                  "$M)), 0)) / sum($n) END"
                                : "CASE WHEN coalesce(sum($n), 0) <= 1 THEN NULL ELSE "
                                  "(coalesce(sum($q), 0) + coalesce(sum($n * ($m - $M) * ($m - "
                                  "$M)), 0)) / (sum($n) - 1) END";
  if (root) text = "sqrt(" + text + ")";
  return Template(text, {{"$n", n}, {"$q", q}, {"$m", m}, {"$M", mean}});
}

// Aggregates whose answer depends on the order of their input: allowed with ORDER BY inside the
// call, which makes the order part of the answer.
const std::set<std::string>& Ordered() {
  static const std::set<std::string> names = {"string_agg", "group_concat", "listagg", "list",
                                              "array_agg"};
  return names;
}

// Ships each distinct (value, order keys) with its count; the merge rebuilds the ordered list
// with every row repeated as often as it occurred, then aggregates it (string_agg) or returns it.
Result<unique_ptr<ParsedExpression>> SplitOrdered(const duckdb::FunctionExpression& call,
                                                  const std::string& name, PartialSink& sink) {
  if (call.distinct) return Refuse(call.ToString(), "DISTINCT inside this aggregate is not split");
  std::string value = sink.AddValueKey(*call.children.at(0));
  // No ORDER BY: a list whose order is sorted away right after (list_sort(list(x))).
  duckdb::unique_ptr<duckdb::OrderModifier> order;
  if (call.order_bys && !call.order_bys->orders.empty()) {
    order = duckdb::make_uniq<duckdb::OrderModifier>();
    for (const duckdb::OrderByNode& node : call.order_bys->orders) {
      order->orders.emplace_back(node.type, node.null_order,
                                 ColumnRef(sink.AddValueKey(*node.expression)));
    }
  }
  std::string count =
      sink.AddPartial(Call("count_star", {}, call.filter ? call.filter->Copy() : nullptr));
  auto rows = duckdb::make_uniq<duckdb::FunctionExpression>(
      "list", Args(Template("repeat([$v], $c)", {{"$v", value}, {"$c", count}})), Positive(count),
      std::move(order));
  auto list = Call("flatten", Args(unique_ptr<ParsedExpression>(std::move(rows))));
  if (name == "list" || name == "array_agg") return list;
  Expressions args = Args(
      std::move(list), duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value("string_agg")));
  if (call.children.size() > 1) {
    SHOAL_ASSIGN_OR_RETURN(Expressions separator, ConstantArguments(call));
    for (auto& e : separator) args.push_back(std::move(e));
  }
  return Call("list_aggregate", std::move(args));
}

}  // namespace

bool IsAllowedBoundAggregate(const std::string& bound_name) {
  static const std::set<std::string> names = {
      "count",         "count_star", "sum",        "sum_no_overflow",
      "min",           "max",        "avg",        "bool_and",
      "bool_or",       "bit_and",    "bit_or",     "bit_xor",
      "var_samp",      "var_pop",    "variance",   "stddev",
      "stddev_samp",   "stddev_pop", "median",     "quantile_cont",
      "quantile_disc", "mode",       "string_agg", "list",
      "array_agg"};
  return names.count(bound_name) > 0;
}

Result<unique_ptr<ParsedExpression>> SplitAggregate(const duckdb::FunctionExpression& call,
                                                    const duckdb::LogicalType& type,
                                                    PartialSink& sink, bool sorted_after) {
  const std::string name = Lower(call.function_name);
  const std::string shown = call.ToString();
  if (call.export_state) return Refuse(shown, "EXPORT_STATE is not supported");
  const bool known = name == "count" || name == "count_star" || name == "sum" || name == "avg" ||
                     name == "mean" || SelfMerging().count(name) || Variances().count(name) ||
                     Holistic().count(name) || Ordered().count(name);
  if (!known) return Refuse(name + "(...)", AggregateRefusalReason(name));
  const bool ordered = call.order_bys && !call.order_bys->orders.empty();
  if (ordered && !Ordered().count(name)) {
    return Refuse(shown, "ORDER BY inside this aggregate is not split");
  }
  if (name != "count_star" && call.children.empty()) {
    return Refuse(shown, "an aggregate without arguments");
  }

  unique_ptr<ParsedExpression> merged;
  if (Ordered().count(name)) {
    const bool list = name == "list" || name == "array_agg";
    if (!ordered && !(list && sorted_after)) {
      return Refuse(name + "(...)", AggregateRefusalReason(name));
    }
    SHOAL_ASSIGN_OR_RETURN(merged, SplitOrdered(call, name, sink));
  } else if (call.distinct && !DuplicateInsensitive().count(name)) {
    SHOAL_ASSIGN_OR_RETURN(merged, SplitDistinct(call, name, sink));
  } else if (name == "count" || name == "count_star") {
    merged = Template("coalesce(sum($a), 0)", {{"$a", sink.AddPartial(Partial(name, call))}});
  } else if (name == "sum") {
    merged = Call("sum", Args(ColumnRef(sink.AddPartial(Partial("sum", call)))));
  } else if (SelfMerging().count(name)) {
    merged = Call(name, Args(ColumnRef(sink.AddPartial(Partial(name, call)))));
  } else if (name == "avg" || name == "mean") {
    if (type.id() != duckdb::LogicalTypeId::DOUBLE) {
      return Refuse(shown, "avg over " + type.ToString() + " is not split yet");
    }
    merged = Template(
        "CASE WHEN coalesce(sum($c), 0) = 0 THEN NULL ELSE CAST(sum($s) AS DOUBLE) / "
        "CAST(sum($c) AS DOUBLE) END",
        {{"$s", sink.AddPartial(Partial("sum", call))},
         {"$c", sink.AddPartial(Partial("count", call))}});
  } else if (Variances().count(name)) {
    merged = SplitVariance(call, name, sink);
  } else {
    // Holistic: ship each distinct value with its count, expand in the merge. As exact as one
    // DuckDB, and as large as the distinct values (counted as class `values`).
    std::string value = sink.AddValueKey(*call.children[0]);
    std::string count = sink.AddPartial(Partial("count", call));
    SHOAL_ASSIGN_OR_RETURN(Expressions extra, ConstantArguments(call));
    auto expanded = Template("flatten(list(repeat([$v], $c)) FILTER (WHERE $c > 0))",
                             {{"$v", value}, {"$c", count}});
    Expressions args =
        Args(std::move(expanded),
             duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value(Holistic().at(name))));
    for (auto& e : extra) args.push_back(std::move(e));
    merged = Call("list_aggregate", std::move(args));
  }
  return unique_ptr<ParsedExpression>(
      duckdb::make_uniq<duckdb::CastExpression>(type, std::move(merged)));
}

}  // namespace shoal::engine
