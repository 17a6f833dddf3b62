// The rewrite of one SELECT into fragment and merge (see query_rewrite.h).
#include "engine/query_rewrite.h"

#include <map>

#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/expression/star_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/result_modifier.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/subqueryref.hpp"

#include "engine/aggregate_rules.h"
#include "engine/parse_tree.h"

namespace shoal::engine {

namespace {

using duckdb::ExpressionClass;
using duckdb::ParsedExpression;
using duckdb::unique_ptr;

unique_ptr<ParsedExpression> Aliased(unique_ptr<ParsedExpression> expression,
                                     const std::string& alias) {
  expression->SetAlias(alias);
  return expression;
}

bool IsAggregateCall(const ParsedExpression& e, const std::set<std::string>& aggregates) {
  if (e.GetExpressionClass() != ExpressionClass::FUNCTION) return false;
  return aggregates.count(Lower(e.Cast<duckdb::FunctionExpression>().function_name)) > 0;
}

bool ContainsStar(const ParsedExpression& e) {
  if (e.GetExpressionClass() == ExpressionClass::STAR) return true;
  bool found = false;
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      e, [&](const ParsedExpression& child) { found = found || ContainsStar(child); });
  return found;
}

bool ContainsAggregate(const ParsedExpression& e, const std::set<std::string>& aggregates) {
  if (IsAggregateCall(e, aggregates)) return true;
  bool found = false;
  duckdb::ParsedExpressionIterator::EnumerateChildren(e, [&](const ParsedExpression& child) {
    found = found || ContainsAggregate(child, aggregates);
  });
  return found;
}

// The aggregate calls in `e`, outermost first, without looking inside them.
void CollectAggregates(const ParsedExpression& e, const std::set<std::string>& aggregates,
                       std::vector<const ParsedExpression*>& out) {
  if (IsAggregateCall(e, aggregates)) {
    out.push_back(&e);
    return;
  }
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      e, [&](const ParsedExpression& child) { CollectAggregates(child, aggregates, out); });
}

// An unqualified one-part column name, or "".
std::string SimpleName(const ParsedExpression& e) {
  if (e.GetExpressionClass() != ExpressionClass::COLUMN_REF) return "";
  const auto& ref = e.Cast<duckdb::ColumnRefExpression>();
  return ref.column_names.size() == 1 ? ref.column_names[0] : "";
}

// Builds the fragment's extra columns and answers the aggregate rules (aggregate_rules.h).
class Partials : public PartialSink {
 public:
  std::string AddPartial(unique_ptr<ParsedExpression> aggregate) override {
    return Add(partials_, std::move(aggregate), "__shoal_a");
  }
  std::string AddValueKey(const ParsedExpression& value) override {
    return Add(values_, value.Copy(), "__shoal_v");
  }
  std::string AddGroupMean(const std::string& count, const std::string& mean) override {
    auto key = std::make_pair(count, mean);
    auto it = means_.find(key);
    if (it != means_.end()) return it->second;
    std::string name = "__shoal_m" + std::to_string(means_.size());
    means_.emplace(key, name);
    return name;
  }

  struct Entry {
    unique_ptr<ParsedExpression> expression;
    std::string column;
  };
  std::vector<Entry> partials_;
  std::vector<Entry> values_;
  std::map<std::pair<std::string, std::string>, std::string> means_;

 private:
  static std::string Add(std::vector<Entry>& list, unique_ptr<ParsedExpression> e,
                         const std::string& prefix) {
    for (const Entry& entry : list) {
      if (entry.expression->Equals(*e)) return entry.column;
    }
    std::string name = prefix + std::to_string(list.size());
    list.push_back({std::move(e), name});
    return name;
  }
};

class AggregateRewrite {
 public:
  explicit AggregateRewrite(const RewriteInput& input) : in_(input), query_(*input.query) {}

  Result<RewriteOutput> Run() {
    SHOAL_RETURN_IF_ERROR(ResolveGroups());
    SHOAL_RETURN_IF_ERROR(TypeAggregates());
    auto merge = duckdb::make_uniq<duckdb::SelectNode>();
    for (size_t i = 0; i < query_.select_list.size(); ++i) {
      const ParsedExpression& item = *query_.select_list[i];
      if (ContainsStar(item)) {
        return Refuse("* or COLUMNS(...) in an aggregate query", "name the columns");
      }
      SHOAL_ASSIGN_OR_RETURN(auto merged, ToMerge(item));
      auto cast =
          duckdb::make_uniq<duckdb::CastExpression>(in_.output_types.at(i), std::move(merged));
      merge->select_list.push_back(Aliased(std::move(cast), in_.output_names.at(i)));
    }
    if (query_.having) {
      SHOAL_ASSIGN_OR_RETURN(merge->having, ToMerge(*query_.having));
    }
    if (query_.qualify) {
      SHOAL_ASSIGN_OR_RETURN(merge->qualify, ToMerge(*query_.qualify));
    }
    SHOAL_RETURN_IF_ERROR(MergeModifiers(*merge));
    for (size_t i = 0; i < groups_.size(); ++i) {
      merge->groups.group_expressions.push_back(ColumnRef(GroupColumn(i)));
    }
    if (!groups_.empty()) merge->groups.grouping_sets.push_back(AllOf(groups_.size()));
    SHOAL_ASSIGN_OR_RETURN(merge->from_table, MergeSource());

    RewriteOutput out;
    out.fragment = Fragment();
    out.merge = std::move(merge);
    out.shipping = partials_.values_.empty() ? ShippingClass::kAggregates : ShippingClass::kValues;
    return out;
  }

 private:
  static std::string GroupColumn(size_t i) { return "__shoal_g" + std::to_string(i); }
  static duckdb::GroupingSet AllOf(size_t n) {
    duckdb::GroupingSet set;
    for (size_t i = 0; i < n; ++i) set.insert(i);
    return set;
  }

  // The query's group keys as expressions: positions and select aliases resolved the way DuckDB
  // resolves them; GROUP BY ALL is every select item without an aggregate.
  Status ResolveGroups() {
    if (query_.groups.grouping_sets.size() > 1) {
      return Refuse("GROUPING SETS, ROLLUP and CUBE", "not split yet");
    }
    if (query_.aggregate_handling == duckdb::AggregateHandling::FORCE_AGGREGATES) {
      for (const auto& item : query_.select_list) {
        if (!ContainsAggregate(*item, in_.aggregate_names) && !item->IsWindow()) {
          AddGroup(item->Copy());
        }
      }
      return Status::Ok();
    }
    for (const auto& group : query_.groups.group_expressions) {
      if (auto position = IntegerConstant(*group)) {
        if (*position < 1 || *position > static_cast<int64_t>(query_.select_list.size())) {
          return Status::InvalidArgument("GROUP BY position " + std::to_string(*position) +
                                         " is not in the select list");
        }
        AddGroup(query_.select_list[*position - 1]->Copy());
        continue;
      }
      std::string name = SimpleName(*group);
      if (!name.empty() && !in_.table_columns.count(Lower(name))) {
        const ParsedExpression* aliased = nullptr;
        for (const auto& item : query_.select_list) {
          if (item->GetAlias() == name) aliased = item.get();
        }
        if (aliased) {
          AddGroup(aliased->Copy());
          continue;
        }
      }
      AddGroup(group->Copy());
    }
    return Status::Ok();
  }

  void AddGroup(unique_ptr<ParsedExpression> e) {
    e->ClearAlias();
    for (const auto& existing : groups_) {
      if (existing->Equals(*e)) return;
    }
    groups_.push_back(std::move(e));
  }

  // One SELECT of every aggregate call over the table gives each its type in one DuckDB.
  Status TypeAggregates() {
    std::vector<const ParsedExpression*> calls;
    for (const auto& item : query_.select_list) {
      CollectAggregates(*item, in_.aggregate_names, calls);
    }
    if (query_.having) CollectAggregates(*query_.having, in_.aggregate_names, calls);
    if (query_.qualify) CollectAggregates(*query_.qualify, in_.aggregate_names, calls);
    for (const auto& modifier : query_.modifiers) {
      if (modifier->type != duckdb::ResultModifierType::ORDER_MODIFIER) continue;
      for (const auto& order : modifier->Cast<duckdb::OrderModifier>().orders) {
        CollectAggregates(*order.expression, in_.aggregate_names, calls);
      }
    }
    if (calls.empty()) return Status::Ok();
    SHOAL_ASSIGN_OR_RETURN(auto types, in_.aggregate_types(calls));
    for (size_t i = 0; i < calls.size(); ++i) aggregate_types_.emplace_back(calls[i], types[i]);
    return Status::Ok();
  }

  Result<duckdb::LogicalType> AggregateType(const ParsedExpression& call) {
    for (const auto& [e, type] : aggregate_types_) {
      if (e == &call || e->Equals(call)) return type;
    }
    return Status::Internal("no type for aggregate " + call.ToString());
  }

  // `e` as the merge computes it: group keys become their columns, aggregates their merge
  // expressions, everything else is kept with its children rewritten.
  Result<unique_ptr<ParsedExpression>> ToMerge(const ParsedExpression& e) {
    for (size_t i = 0; i < groups_.size(); ++i) {
      if (groups_[i]->Equals(e)) return Aliased(ColumnRef(GroupColumn(i)), e.GetAlias());
    }
    if (IsAggregateCall(e, in_.aggregate_names)) {
      SHOAL_ASSIGN_OR_RETURN(auto type, AggregateType(e));
      SHOAL_ASSIGN_OR_RETURN(auto merged,
                             SplitAggregate(e.Cast<duckdb::FunctionExpression>(), type, partials_));
      return Aliased(std::move(merged), e.GetAlias());
    }
    // A column outside the group keys and aggregates: one DuckDB may still take it (GROUP BY
    // label, SELECT d.label), but the merge has only the keys' columns to read. Inside a lambda a
    // name may be the lambda's own parameter, which the merge binds.
    if (e.GetExpressionClass() == ExpressionClass::COLUMN_REF && lambda_depth_ == 0) {
      return Refuse(e.ToString(),
                    "a column outside an aggregate must be a GROUP BY key, written as in GROUP BY");
    }
    auto copy = e.Copy();
    // DuckDB parses list(x ORDER BY x) as list_sort(list(x)): that unordered list is exact.
    if (IsSortOfAggregate(*copy)) {
      auto& sort = copy->Cast<duckdb::FunctionExpression>();
      const ParsedExpression& list = *sort.children[0];
      SHOAL_ASSIGN_OR_RETURN(auto type, AggregateType(list));
      SHOAL_ASSIGN_OR_RETURN(auto merged, SplitAggregate(list.Cast<duckdb::FunctionExpression>(),
                                                         type, partials_, /*sorted_after=*/true));
      sort.children[0] = std::move(merged);
      return copy;
    }
    Status status = Status::Ok();
    const bool lambda = e.GetExpressionClass() == ExpressionClass::LAMBDA;
    lambda_depth_ += lambda ? 1 : 0;
    duckdb::ParsedExpressionIterator::EnumerateChildren(*copy,
                                                        [&](unique_ptr<ParsedExpression>& child) {
                                                          if (!status.ok()) return;
                                                          auto merged = ToMerge(*child);
                                                          if (!merged.ok()) {
                                                            status = merged.status();
                                                            return;
                                                          }
                                                          child = std::move(merged).value();
                                                        });
    lambda_depth_ -= lambda ? 1 : 0;
    SHOAL_RETURN_IF_ERROR(status);
    return copy;
  }

  bool IsSortOfAggregate(const ParsedExpression& e) const {
    if (e.GetExpressionClass() != ExpressionClass::FUNCTION) return false;
    const auto& call = e.Cast<duckdb::FunctionExpression>();
    static const std::set<std::string> sorts = {"list_sort", "array_sort", "list_reverse_sort",
                                                "array_reverse_sort"};
    return sorts.count(Lower(call.function_name)) && !call.children.empty() &&
           IsAggregateCall(*call.children[0], in_.aggregate_names) && call.children.size() <= 3;
  }

  Status MergeModifiers(duckdb::SelectNode& merge) {
    std::set<std::string> aliases;
    for (const auto& item : query_.select_list) {
      if (item->HasAlias()) aliases.insert(item->GetAlias());
    }
    for (const auto& modifier : query_.modifiers) {
      auto copy = modifier->Copy();
      if (copy->type == duckdb::ResultModifierType::ORDER_MODIFIER) {
        for (auto& order : copy->Cast<duckdb::OrderModifier>().orders) {
          // ORDER BY names a select alias before a column, as in one DuckDB.
          if (aliases.count(SimpleName(*order.expression))) continue;
          if (IntegerConstant(*order.expression)) continue;  // a position in the select list
          if (order.expression->GetExpressionClass() == ExpressionClass::STAR) continue;
          SHOAL_ASSIGN_OR_RETURN(order.expression, ToMerge(*order.expression));
        }
      } else if (copy->type == duckdb::ResultModifierType::DISTINCT_MODIFIER) {
        for (auto& target : copy->Cast<duckdb::DistinctModifier>().distinct_on_targets) {
          SHOAL_ASSIGN_OR_RETURN(target, ToMerge(*target));
        }
      }
      merge.modifiers.push_back(std::move(copy));
    }
    return Status::Ok();
  }

  // The partials, or with variance pre-stage columns (each group's mean over all partials).
  Result<unique_ptr<duckdb::TableRef>> MergeSource() {
    if (partials_.means_.empty()) {
      auto ref = duckdb::make_uniq<duckdb::BaseTableRef>();
      ref->table_name = kPartialsTable;
      return unique_ptr<duckdb::TableRef>(std::move(ref));
    }
    std::string partition;
    for (size_t i = 0; i < groups_.size(); ++i) {
      partition.append(i ? ", " : "PARTITION BY ");
      partition.append("\"").append(GroupColumn(i)).append("\"");
    }
    std::string sql = "SELECT *";
    for (const auto& [columns, name] : partials_.means_) {
      const auto& [n, m] = columns;
      sql += ", sum(\"" + n + "\" * \"" + m + "\") OVER (" + partition + ") / sum(\"" + n +
             "\") OVER (" + partition + ") AS \"" + name + "\"";
    }
    sql += std::string(" FROM ") + kPartialsTable;
    duckdb::Parser parser;
    parser.ParseQuery(sql);
    auto statement = duckdb::unique_ptr_cast<duckdb::SQLStatement, duckdb::SelectStatement>(
        std::move(parser.statements[0]));
    return unique_ptr<duckdb::TableRef>(
        duckdb::make_uniq<duckdb::SubqueryRef>(std::move(statement), kPartialsTable));
  }

  unique_ptr<duckdb::SelectNode> Fragment() {
    auto fragment = duckdb::make_uniq<duckdb::SelectNode>();
    for (size_t i = 0; i < groups_.size(); ++i) {
      fragment->select_list.push_back(Aliased(groups_[i]->Copy(), GroupColumn(i)));
      // A constant in GROUP BY would be read as a position: group by its select alias instead.
      const bool constant = groups_[i]->GetExpressionClass() == ExpressionClass::CONSTANT;
      fragment->groups.group_expressions.push_back(constant ? ColumnRef(GroupColumn(i))
                                                            : groups_[i]->Copy());
    }
    for (const auto& value : partials_.values_) {
      fragment->select_list.push_back(Aliased(value.expression->Copy(), value.column));
      fragment->groups.group_expressions.push_back(value.expression->Copy());
    }
    const size_t keys = fragment->groups.group_expressions.size();
    if (keys > 0) fragment->groups.grouping_sets.push_back(AllOf(keys));
    for (const auto& partial : partials_.partials_) {
      fragment->select_list.push_back(Aliased(partial.expression->Copy(), partial.column));
    }
    // A query of group keys only (SELECT DISTINCT by GROUP BY) still needs a select item.
    if (fragment->select_list.empty()) {
      fragment->select_list.push_back(
          Aliased(duckdb::make_uniq<duckdb::FunctionExpression>(
                      "count_star", duckdb::vector<unique_ptr<ParsedExpression>>()),
                  "__shoal_rows"));
    }
    fragment->from_table = query_.from_table->Copy();
    if (query_.where_clause) fragment->where_clause = query_.where_clause->Copy();
    return fragment;
  }

  const RewriteInput& in_;
  const duckdb::SelectNode& query_;
  duckdb::vector<unique_ptr<ParsedExpression>> groups_;
  std::vector<std::pair<const ParsedExpression*, duckdb::LogicalType>> aggregate_types_;
  Partials partials_;
  int lambda_depth_ = 0;  // ToMerge is inside this many lambdas
};

}  // namespace

Result<RewriteOutput> RewriteRows(const RewriteInput& input);  // query_rewrite_rows.cc

Result<RewriteOutput> RewriteQuery(const RewriteInput& input) {
  const duckdb::SelectNode& query = *input.query;
  bool aggregated = !query.groups.group_expressions.empty() || query.having ||
                    query.aggregate_handling == duckdb::AggregateHandling::FORCE_AGGREGATES;
  for (const auto& item : query.select_list) {
    aggregated = aggregated || ContainsAggregate(*item, input.aggregate_names);
  }
  if (aggregated) return AggregateRewrite(input).Run();
  return RewriteRows(input);
}

}  // namespace shoal::engine
