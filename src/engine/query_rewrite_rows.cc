// The rewrite of aggregate-free queries (see query_rewrite.h): the fragment is the query itself
// with its DISTINCT and a top-(limit+offset), plus the ORDER BY keys it does not select; the
// merge selects the answer's columns from the union, DISTINCT again, and sorts and limits.
// A per-partition head is a superset of the global head; a tail is not, so only LIMIT/OFFSET
// with constants are pushed down, and LIMIT never without the ORDER BY that defines it.
#include <map>

#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/constant_expression.hpp"
#include "duckdb/parser/result_modifier.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"

#include "engine/parse_tree.h"
#include "engine/query_rewrite.h"

namespace shoal::engine {

namespace {

using duckdb::ExpressionClass;
using duckdb::ParsedExpression;
using duckdb::unique_ptr;

unique_ptr<ParsedExpression> Constant(int64_t value) {
  return duckdb::make_uniq<duckdb::ConstantExpression>(duckdb::Value::BIGINT(value));
}

}  // namespace

Result<RewriteOutput> RewriteRows(const RewriteInput& input) {
  const duckdb::SelectNode& query = *input.query;
  for (const auto& item : query.select_list) {
    if (item->IsWindow()) {
      return Refuse("a window function over table rows",
                    "it needs every row in one place; window over an aggregated result instead");
    }
  }
  if (query.qualify) return Refuse("QUALIFY without GROUP BY", "it filters windows over rows");
  std::map<std::string, size_t> output_index;
  for (size_t i = 0; i < input.output_names.size(); ++i) {
    if (!output_index.emplace(input.output_names[i], i).second) {
      return Refuse("two result columns named '" + input.output_names[i] + "'",
                    "give them different aliases");
    }
  }

  const duckdb::OrderModifier* order = nullptr;
  const duckdb::LimitModifier* limit = nullptr;
  const duckdb::DistinctModifier* distinct = nullptr;
  for (const auto& modifier : query.modifiers) {
    switch (modifier->type) {
      case duckdb::ResultModifierType::ORDER_MODIFIER:
        order = &modifier->Cast<duckdb::OrderModifier>();
        break;
      case duckdb::ResultModifierType::LIMIT_MODIFIER:
        limit = &modifier->Cast<duckdb::LimitModifier>();
        break;
      case duckdb::ResultModifierType::DISTINCT_MODIFIER:
        distinct = &modifier->Cast<duckdb::DistinctModifier>();
        break;
      default:
        return Refuse("LIMIT with a percentage", "its row count depends on the whole result");
    }
  }
  if (distinct && !distinct->distinct_on_targets.empty()) {
    return Refuse("DISTINCT ON", "not split yet");
  }
  std::optional<int64_t> limit_rows, offset_rows;
  if (limit) {
    limit_rows = limit->limit ? IntegerConstant(*limit->limit) : std::nullopt;
    offset_rows = limit->offset ? IntegerConstant(*limit->offset) : int64_t{0};
    if ((limit->limit && !limit_rows) || !offset_rows || limit_rows.value_or(0) < 0 ||
        *offset_rows < 0) {
      return Refuse("LIMIT or OFFSET that is not a constant", "each partition must know its head");
    }
  }

  RewriteOutput out;
  out.shipping = distinct ? ShippingClass::kValues : ShippingClass::kRows;
  if (!limit_rows && !distinct && !input.allow_rows) {
    return Refuse("a query without aggregates, DISTINCT or LIMIT",
                  "it would ship every matching row out of its region; aggregate it, add "
                  "ORDER BY ... LIMIT, or allow rows (--allow-rows)");
  }
  if (limit_rows && !order && !input.allow_rows) {
    return Refuse("LIMIT without ORDER BY",
                  "which rows it returns is not determined; add "
                  "ORDER BY, or allow rows (--allow-rows)");
  }

  // Fragment: the query itself, its ORDER BY, and a head of limit + offset rows.
  auto fragment = duckdb::unique_ptr_cast<duckdb::QueryNode, duckdb::SelectNode>(query.Copy());
  fragment->modifiers.clear();
  auto merge = duckdb::make_uniq<duckdb::SelectNode>();
  if (distinct) {
    fragment->modifiers.push_back(distinct->Copy());
    merge->modifiers.push_back(distinct->Copy());
  }
  if (order) {
    fragment->modifiers.push_back(order->Copy());
    auto merge_order = duckdb::make_uniq<duckdb::OrderModifier>();
    for (const auto& node : order->orders) {
      const ParsedExpression& e = *node.expression;
      std::vector<std::string> keys;
      if (auto position = IntegerConstant(e)) {
        if (*position < 1 || *position > static_cast<int64_t>(input.output_names.size())) {
          return Status::InvalidArgument("ORDER BY position " + std::to_string(*position) +
                                         " is not in the select list");
        }
        keys.push_back(input.output_names[*position - 1]);
      } else if (e.GetExpressionClass() == ExpressionClass::STAR) {
        keys = input.output_names;  // ORDER BY ALL
      } else if (e.GetExpressionClass() == ExpressionClass::COLUMN_REF &&
                 output_index.count(e.Cast<duckdb::ColumnRefExpression>().GetColumnName()) &&
                 e.Cast<duckdb::ColumnRefExpression>().column_names.size() == 1) {
        keys.push_back(e.Cast<duckdb::ColumnRefExpression>().GetColumnName());
      } else {
        std::string found;
        for (size_t i = 0; i < query.select_list.size() && found.empty(); ++i) {
          const auto& item = query.select_list[i];
          if (item->GetExpressionClass() != ExpressionClass::STAR && item->Equals(e) &&
              i < input.output_names.size()) {
            found = input.output_names[i];
          }
        }
        if (found.empty()) {
          found = "__shoal_o" + std::to_string(merge_order->orders.size());
          auto key = e.Copy();
          key->SetAlias(found);
          fragment->select_list.push_back(std::move(key));
        }
        keys.push_back(found);
      }
      for (const std::string& key : keys) {
        merge_order->orders.emplace_back(node.type, node.null_order,
                                         duckdb::make_uniq<duckdb::ColumnRefExpression>(key));
      }
    }
    merge->modifiers.push_back(std::move(merge_order));
  }
  if (limit) {
    auto head = duckdb::make_uniq<duckdb::LimitModifier>();
    if (limit_rows) head->limit = Constant(*limit_rows + *offset_rows);
    if (limit_rows) fragment->modifiers.push_back(std::move(head));
    merge->modifiers.push_back(limit->Copy());
  }
  for (size_t i = 0; i < input.output_names.size(); ++i) {
    auto cast = duckdb::make_uniq<duckdb::CastExpression>(
        input.output_types[i],
        duckdb::make_uniq<duckdb::ColumnRefExpression>(input.output_names[i]));
    cast->SetAlias(input.output_names[i]);
    merge->select_list.push_back(std::move(cast));
  }
  auto partials = duckdb::make_uniq<duckdb::BaseTableRef>();
  partials->table_name = kPartialsTable;
  merge->from_table = std::move(partials);
  out.fragment = std::move(fragment);
  out.merge = std::move(merge);
  return out;
}

}  // namespace shoal::engine
