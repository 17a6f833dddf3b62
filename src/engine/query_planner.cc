// QueryPlanner (query_plan.h): checks that a statement is one SELECT over one logical table,
// asks DuckDB (over empty tables with the catalog's schemas) for the answer's names and types and
// for the bound functions, refuses what cannot be answered exactly, then rewrites
// (query_rewrite.h) and prints fragment and merge back to SQL.
#include <mutex>
#include <set>

#include "duckdb/common/error_data.hpp"
#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/function_expression.hpp"
#include "duckdb/parser/parsed_expression_iterator.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/table_function_ref.hpp"
#include "duckdb/planner/expression/bound_aggregate_expression.hpp"
#include "duckdb/planner/expression/bound_function_expression.hpp"
#include "duckdb/planner/expression_iterator.hpp"
#include "duckdb/planner/logical_operator.hpp"

#include "engine/aggregate_rules.h"
#include "engine/parse_tree.h"
#include "engine/query_plan.h"
#include "engine/query_rewrite.h"
#include "engine/query_sources.h"
#include "engine/value_cells.h"

namespace shoal::engine {

std::string JoinedFilesVariable(const std::string& name) {
  std::string variable = "shoal_files_" + name;
  for (char& c : variable) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return variable;
}

std::string_view ToString(ShippingClass shipping) {
  switch (shipping) {
    case ShippingClass::kAggregates:
      return "aggregates";
    case ShippingClass::kValues:
      return "values";
    case ShippingClass::kRows:
      return "rows";
  }
  return "rows";
}

namespace {

using duckdb::ParsedExpression;
using duckdb::unique_ptr;

// Strips the table's name or alias from column references, so that `t.x` and `x` are one group
// key: the query reads one table.
void Unqualify(ParsedExpression& e, const std::string& table) {
  if (e.GetExpressionClass() == duckdb::ExpressionClass::COLUMN_REF) {
    auto& names = e.Cast<duckdb::ColumnRefExpression>().column_names;
    if (names.size() >= 2 && Lower(names[0]) == Lower(table)) names.erase(names.begin());
    return;
  }
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      e, [&](ParsedExpression& child) { Unqualify(child, table); });
}

// Functions that read the session: in a fragment they would see the partition's own variables
// and settings (the files it reads, its sandbox), not the user's.
bool ReadsSession(const ParsedExpression& e) {
  if (e.GetExpressionClass() == duckdb::ExpressionClass::FUNCTION) {
    const std::string name = Lower(e.Cast<duckdb::FunctionExpression>().function_name);
    if (name == "getvariable" || name == "current_setting") return true;
  }
  bool found = false;
  duckdb::ParsedExpressionIterator::EnumerateChildren(
      e, [&](const ParsedExpression& child) { found = found || ReadsSession(child); });
  return found;
}

// The structural refusals: one SELECT block over one logical table, no subqueries, no sampling.
Status CheckShape(duckdb::SelectNode& node) {
  if (!node.cte_map.map.empty()) {
    return Refuse("WITH (a common table expression)", "not split yet; write one SELECT");
  }
  if (node.sample) return Refuse("SAMPLE", "a sample differs per partition");
  Status status = Status::Ok();
  duckdb::ParsedExpressionIterator::EnumerateQueryNodeChildren(
      node, [&](unique_ptr<ParsedExpression>& child) {
        if (status.ok() && child->HasSubquery()) {
          status = Refuse("a subquery", "subqueries over a logical table are not split yet");
        }
        if (status.ok() && ReadsSession(*child)) {
          status = Refuse("getvariable() or current_setting()",
                          "they read the session, which is each partition's own");
        }
      });
  return status;
}

class DuckDbQueryPlanner : public QueryPlanner {
 public:
  DuckDbQueryPlanner() : database_(nullptr), connection_(database_) {}

  Status Initialize() {
    auto disabled = connection_.Query("PRAGMA disable_optimizer");
    if (disabled->HasError()) return Status::Internal(disabled->GetError());
    auto functions = connection_.Query(
        "SELECT DISTINCT lower(function_name) FROM duckdb_functions() "
        "WHERE function_type = 'aggregate'");
    if (functions->HasError()) return Status::Internal(functions->GetError());
    for (auto& row : *functions) aggregate_names_.insert(row.GetValue<std::string>(0));
    return Status::Ok();
  }

  Result<QueryPlan> Plan(const PlanRequest& request) override {
    std::lock_guard<std::mutex> lock(mu_);
    try {
      auto begun = connection_.Query("BEGIN TRANSACTION");
      if (begun->HasError()) return Status::Internal(begun->GetError());
      auto plan = PlanLocked(request);
      connection_.Query("ROLLBACK");
      return plan;
    } catch (const std::exception& e) {
      if (connection_.HasActiveTransaction()) connection_.Query("ROLLBACK");
      return Status::InvalidArgument(duckdb::ErrorData(e).Message());
    }
  }

 private:
  Result<QueryPlan> PlanLocked(const PlanRequest& request) {
    duckdb::Parser parser;
    parser.ParseQuery(request.sql);
    if (parser.statements.size() != 1) {
      return Status::InvalidArgument("give exactly one SELECT statement (got " +
                                     std::to_string(parser.statements.size()) + ")");
    }
    if (parser.statements[0]->type != duckdb::StatementType::SELECT_STATEMENT) {
      return Refuse(
          "a " + Lower(duckdb::StatementTypeToString(parser.statements[0]->type)) + " statement",
          "shoal query only reads (COPY, CREATE, INSERT and the like are jobs)");
    }
    auto& select = parser.statements[0]->Cast<duckdb::SelectStatement>();
    if (select.node->type != duckdb::QueryNodeType::SELECT_NODE) {
      return Refuse("UNION, INTERSECT, EXCEPT or WITH", "not split yet; write one SELECT");
    }
    auto& node = select.node->Cast<duckdb::SelectNode>();
    SHOAL_RETURN_IF_ERROR(CheckShape(node));
    SHOAL_ASSIGN_OR_RETURN(QuerySources sources,
                           ResolveSources(node.from_table.get(), request.tables));
    const PlannerTable* table = sources.fact;
    for (const PlannerTable& t : request.tables) SHOAL_RETURN_IF_ERROR(CreateEmptyTable(t));

    // The answer's names and types, and the bound functions, from one DuckDB.
    auto prepared = connection_.Prepare(request.sql);
    if (prepared->HasError()) return Status::InvalidArgument(prepared->GetError());
    SHOAL_RETURN_IF_ERROR(CheckBoundFunctions(request.sql));

    // With one table, `t.x` and `x` are one column; with joins the qualifiers tell them apart.
    const std::string alias = sources.fact_alias;
    if (sources.joined.empty()) {
      duckdb::ParsedExpressionIterator::EnumerateQueryNodeChildren(
          node, [&](unique_ptr<ParsedExpression>& child) { Unqualify(*child, alias); });
      duckdb::ParsedExpressionIterator::EnumerateQueryNodeModifiers(
          node, [&](unique_ptr<ParsedExpression>& child) { Unqualify(*child, alias); });
    }

    RewriteInput input;
    input.query = &node;
    for (const auto& column : table->columns) input.table_columns.insert(Lower(column.name));
    for (const PlannerTable* joined : sources.joined) {
      for (const auto& column : joined->columns) input.table_columns.insert(Lower(column.name));
    }
    input.aggregate_names = aggregate_names_;
    input.output_names = prepared->GetNames();
    input.output_types = prepared->GetTypes();
    input.allow_rows = request.allow_rows;
    input.aggregate_types = [&](const std::vector<const ParsedExpression*>& calls) {
      return AggregateTypes(calls, *node.from_table);
    };
    SHOAL_ASSIGN_OR_RETURN(RewriteOutput rewritten, RewriteQuery(input));

    QueryPlan plan;
    plan.table = table->name;
    for (const PlannerTable* joined : sources.joined) plan.joined_tables.push_back(joined->name);
    plan.shipping = rewritten.shipping;
    for (size_t i = 0; i < input.output_names.size(); ++i) {
      plan.output_columns.push_back(ToColumn(input.output_names[i], input.output_types[i]));
    }
    SHOAL_ASSIGN_OR_RETURN(plan.fragment_sql, FragmentSql(*rewritten.fragment, sources, plan));
    plan.merge_sql = rewritten.merge->ToString();
    SHOAL_RETURN_IF_ERROR(CheckMerge(plan));
    return plan;
  }

  Status CreateEmptyTable(const PlannerTable& table) {
    std::string sql = "CREATE TABLE " + QuoteIdentifier(table.name) + " (";
    for (size_t i = 0; i < table.columns.size(); ++i) {
      sql += (i ? ", " : "") + QuoteIdentifier(table.columns[i].name) + " " + table.columns[i].type;
    }
    auto created = connection_.Query(sql + ")");
    if (created->HasError()) {
      return Status::InvalidArgument("table " + table.name + ": " + created->GetError());
    }
    return Status::Ok();
  }

  // Every aggregate the query binds to must have a split, and no function may give another
  // answer on another node (random(), now(), ...). Checked on the bound plan, so aliases and
  // macros cannot hide one.
  Status CheckBoundFunctions(const std::string& sql) {
    auto plan = connection_.ExtractPlan(sql);
    Status status = Status::Ok();
    std::function<void(duckdb::Expression&)> visit = [&](duckdb::Expression& e) {
      if (!status.ok()) return;
      if (e.GetExpressionClass() == duckdb::ExpressionClass::BOUND_AGGREGATE) {
        auto& aggregate = e.Cast<duckdb::BoundAggregateExpression>();
        if (!IsAllowedBoundAggregate(aggregate.function.name)) {
          status = Refuse(aggregate.function.name + "(...)",
                          AggregateRefusalReason(aggregate.function.name));
        }
      } else if (e.GetExpressionClass() == duckdb::ExpressionClass::BOUND_FUNCTION) {
        auto& function = e.Cast<duckdb::BoundFunctionExpression>();
        if (function.function.stability != duckdb::FunctionStability::CONSISTENT) {
          status = Refuse(function.function.name + "()", "its value differs between nodes or runs");
        }
      }
      duckdb::ExpressionIterator::EnumerateChildren(e, visit);
    };
    std::function<void(duckdb::LogicalOperator&)> walk = [&](duckdb::LogicalOperator& op) {
      for (auto& e : op.expressions) visit(*e);
      for (auto& child : op.children) walk(*child);
    };
    walk(*plan);
    return status;
  }

  Result<std::vector<duckdb::LogicalType>> AggregateTypes(
      const std::vector<const ParsedExpression*>& calls, duckdb::TableRef& from) {
    auto node = duckdb::make_uniq<duckdb::SelectNode>();
    for (const ParsedExpression* call : calls) {
      auto copy = call->Copy();
      copy->ClearAlias();
      node->select_list.push_back(std::move(copy));
    }
    node->from_table = from.Copy();
    auto prepared = connection_.Prepare(node->ToString());
    if (prepared->HasError()) return Status::InvalidArgument(prepared->GetError());
    return prepared->GetTypes();
  }

  // The fragment with its partial types, HUGEINT columns widened to DECIMAL(38,0) (Parquet
  // would bring them back as DOUBLE), and the logical table swapped for the partition's reader.
  Result<std::string> FragmentSql(duckdb::SelectNode& fragment, const QuerySources& sources,
                                  QueryPlan& plan) {
    auto prepared = connection_.Prepare(fragment.ToString());
    if (prepared->HasError()) {
      return Status::Internal("fragment does not bind: " + prepared->GetError() + "\n  " +
                              fragment.ToString());
    }
    const auto& names = prepared->GetNames();
    const auto& types = prepared->GetTypes();
    for (size_t i = 0; i < names.size(); ++i) {
      plan.partial_columns.push_back(ToColumn(names[i], types[i]));
      auto id = types[i].id();
      if (id != duckdb::LogicalTypeId::HUGEINT && id != duckdb::LogicalTypeId::UHUGEINT) continue;
      if (fragment.select_list[i]->GetExpressionClass() == duckdb::ExpressionClass::STAR) {
        return Refuse("a HUGEINT column selected by *", "name it in the select list");
      }
      std::string alias = fragment.select_list[i]->GetAlias();
      auto widened = duckdb::make_uniq<duckdb::CastExpression>(duckdb::LogicalType::DECIMAL(38, 0),
                                                               std::move(fragment.select_list[i]));
      widened->SetAlias(alias.empty() ? names[i] : alias);
      fragment.select_list[i] = std::move(widened);
    }
    plan.fact_time_bounds = EventTimeBounds(fragment.where_clause.get(), sources);
    fragment.from_table = SwapInReaders(*fragment.from_table, sources, plan.fact_time_bounds);
    return fragment.ToString();
  }

  // The merge must bind over partials of the planned types: a planner bug shows here, not
  // after the fragments ran.
  Status CheckMerge(const QueryPlan& plan) {
    auto created = connection_.Query(PartialsViewSql(plan, {}));
    if (created->HasError()) return Status::Internal(created->GetError());
    auto prepared = connection_.Prepare(plan.merge_sql);
    if (prepared->HasError()) {
      return Status::Internal("merge does not bind: " + prepared->GetError() + "\n  " +
                              plan.merge_sql);
    }
    return Status::Ok();
  }

  std::mutex mu_;
  duckdb::DuckDB database_;
  duckdb::Connection connection_;
  std::set<std::string> aggregate_names_;
};

}  // namespace

Result<std::unique_ptr<QueryPlanner>> QueryPlanner::Create() {
  try {
    auto planner = std::make_unique<DuckDbQueryPlanner>();
    SHOAL_RETURN_IF_ERROR(planner->Initialize());
    return std::unique_ptr<QueryPlanner>(std::move(planner));
  } catch (const std::exception& e) {
    return Status::Internal("cannot start the query planner: " + duckdb::ErrorData(e).Message());
  }
}

}  // namespace shoal::engine
