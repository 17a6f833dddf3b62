#include "engine/query_sources.h"

#include "duckdb/parser/expression/between_expression.hpp"
#include "duckdb/parser/expression/cast_expression.hpp"
#include "duckdb/parser/expression/columnref_expression.hpp"
#include "duckdb/parser/expression/comparison_expression.hpp"
#include "duckdb/parser/expression/conjunction_expression.hpp"
#include "duckdb/parser/parser.hpp"
#include "duckdb/parser/query_node/select_node.hpp"
#include "duckdb/parser/statement/select_statement.hpp"
#include "duckdb/parser/tableref/basetableref.hpp"
#include "duckdb/parser/tableref/joinref.hpp"

#include "engine/parse_tree.h"

namespace shoal::engine {

namespace {

Result<const PlannerTable*> Lookup(const duckdb::TableRef& ref,
                                   const std::vector<PlannerTable>& tables) {
  if (ref.type != duckdb::TableReferenceType::BASE_TABLE) {
    return Refuse("FROM " + ref.ToString(), "a query reads logical tables by their names");
  }
  if (ref.sample) return Refuse("TABLESAMPLE", "a sample differs per partition");
  const auto& base = ref.Cast<duckdb::BaseTableRef>();
  if (!base.schema_name.empty() || !base.catalog_name.empty()) {
    return Status::InvalidArgument("logical tables are named without a schema or catalog: write " +
                                   base.table_name + ", not " + ref.ToString());
  }
  for (const PlannerTable& table : tables) {
    if (Lower(table.name) == Lower(base.table_name)) return &table;
  }
  std::string known;
  for (const PlannerTable& table : tables) known += (known.empty() ? "" : ", ") + table.name;
  return Status::NotFound("no logical table '" + base.table_name +
                          "' (tables: " + (known.empty() ? "none" : known) + ")");
}

Status Resolve(const duckdb::TableRef& ref, const std::vector<PlannerTable>& tables,
               QuerySources& sources) {
  if (ref.type != duckdb::TableReferenceType::JOIN) {
    SHOAL_ASSIGN_OR_RETURN(sources.fact, Lookup(ref, tables));
    sources.fact_alias = ref.alias.empty() ? sources.fact->name : ref.alias;
    return Status::Ok();
  }
  const auto& join = ref.Cast<duckdb::JoinRef>();
  if (join.ref_type == duckdb::JoinRefType::ASOF ||
      join.ref_type == duckdb::JoinRefType::POSITIONAL) {
    return Refuse("an ASOF or POSITIONAL join", "not split yet");
  }
  switch (join.type) {
    case duckdb::JoinType::INNER:
    case duckdb::JoinType::LEFT:
    case duckdb::JoinType::SEMI:
    case duckdb::JoinType::ANTI:
      break;
    default:
      return Refuse("a RIGHT or FULL join",
                    "rows of the right side without a partner would appear once per partition; "
                    "put the partitioned table on the left of a LEFT or INNER join");
  }
  SHOAL_RETURN_IF_ERROR(Resolve(*join.left, tables, sources));
  SHOAL_ASSIGN_OR_RETURN(const PlannerTable* right, Lookup(*join.right, tables));
  if (!right->replicated) {
    return Refuse("a join of " + sources.fact->name + " with " + right->name,
                  "only a replicated table (the same files in every region) may be joined to the "
                  "partitioned one, on its right; joining two partitioned tables needs a shuffle");
  }
  sources.joined.push_back(right);
  return Status::Ok();
}

// The reader call as a table under the name (and column aliases, `AS t(a, b)`) the query gave.
duckdb::unique_ptr<duckdb::TableRef> Reader(const std::string& sql,
                                            const duckdb::BaseTableRef& table) {
  duckdb::Parser parser;
  parser.ParseQuery("SELECT * FROM " + sql);
  auto& select = parser.statements.at(0)->Cast<duckdb::SelectStatement>();
  auto from = std::move(select.node->Cast<duckdb::SelectNode>().from_table);
  from->alias = table.alias.empty() ? table.table_name : table.alias;
  from->column_name_alias = table.column_name_alias;
  return from;
}

}  // namespace

Result<QuerySources> ResolveSources(const duckdb::TableRef* from,
                                    const std::vector<PlannerTable>& tables) {
  if (!from || from->type == duckdb::TableReferenceType::EMPTY_FROM) {
    return Status::InvalidArgument("the query reads no table: add FROM <logical table>");
  }
  QuerySources sources;
  SHOAL_RETURN_IF_ERROR(Resolve(*from, tables, sources));
  return sources;
}

namespace {

// A constant, or a cast of one: what a bound may be.
bool IsConstant(const duckdb::ParsedExpression& expression) {
  if (expression.GetExpressionClass() == duckdb::ExpressionClass::CONSTANT) return true;
  if (expression.GetExpressionClass() != duckdb::ExpressionClass::CAST) return false;
  return IsConstant(*expression.Cast<duckdb::CastExpression>().child);
}

bool IsEventTime(const duckdb::ParsedExpression& expression, const QuerySources& sources) {
  if (expression.GetExpressionClass() != duckdb::ExpressionClass::COLUMN_REF) return false;
  const auto& names = expression.Cast<duckdb::ColumnRefExpression>().column_names;
  const std::string event_time = Lower(sources.fact->event_time);
  if (names.size() == 1) return Lower(names[0]) == event_time;
  return names.size() == 2 && Lower(names[0]) == Lower(sources.fact_alias) &&
         Lower(names[1]) == event_time;
}

struct Bounds {
  std::string min;  // SQL of a constant, "" for none
  bool min_strict = false;
  std::string max;
  bool max_strict = false;
};

void CollectBounds(const duckdb::ParsedExpression& expression, const QuerySources& sources,
                   Bounds& bounds) {
  auto keep = [](std::string& bound, bool& strict, const duckdb::ParsedExpression& value,
                 bool is_strict) {
    if (!bound.empty()) return;
    bound = value.ToString();
    strict = is_strict;
  };
  switch (expression.GetExpressionType()) {
    case duckdb::ExpressionType::CONJUNCTION_AND:
      for (const auto& child : expression.Cast<duckdb::ConjunctionExpression>().children) {
        CollectBounds(*child, sources, bounds);
      }
      return;
    case duckdb::ExpressionType::COMPARE_BETWEEN: {
      const auto& between = expression.Cast<duckdb::BetweenExpression>();
      if (IsEventTime(*between.input, sources) && IsConstant(*between.lower) &&
          IsConstant(*between.upper)) {
        keep(bounds.min, bounds.min_strict, *between.lower, false);
        keep(bounds.max, bounds.max_strict, *between.upper, false);
      }
      return;
    }
    case duckdb::ExpressionType::COMPARE_EQUAL:
    case duckdb::ExpressionType::COMPARE_GREATERTHAN:
    case duckdb::ExpressionType::COMPARE_GREATERTHANOREQUALTO:
    case duckdb::ExpressionType::COMPARE_LESSTHAN:
    case duckdb::ExpressionType::COMPARE_LESSTHANOREQUALTO: {
      const auto& comparison = expression.Cast<duckdb::ComparisonExpression>();
      auto type = expression.GetExpressionType();
      const duckdb::ParsedExpression* value = comparison.right.get();
      if (!IsEventTime(*comparison.left, sources)) {
        if (!IsEventTime(*comparison.right, sources)) return;
        value = comparison.left.get();  // `c < ts` bounds ts as `ts > c` does
        type = duckdb::FlipComparisonExpression(type);
      }
      if (!IsConstant(*value)) return;
      if (type != duckdb::ExpressionType::COMPARE_LESSTHAN &&
          type != duckdb::ExpressionType::COMPARE_LESSTHANOREQUALTO) {
        keep(bounds.min, bounds.min_strict, *value,
             type == duckdb::ExpressionType::COMPARE_GREATERTHAN);
      }
      if (type != duckdb::ExpressionType::COMPARE_GREATERTHAN &&
          type != duckdb::ExpressionType::COMPARE_GREATERTHANOREQUALTO) {
        keep(bounds.max, bounds.max_strict, *value,
             type == duckdb::ExpressionType::COMPARE_LESSTHAN);
      }
      return;
    }
    default:
      return;
  }
}

}  // namespace

std::string EventTimeBounds(const duckdb::ParsedExpression* where, const QuerySources& sources) {
  if (!where || sources.fact->event_time.empty()) return "";
  Bounds bounds;
  CollectBounds(*where, sources, bounds);
  std::string sql;
  if (!bounds.min.empty()) {
    sql += std::string(bounds.min_strict ? ", time_after" : ", time_min") + " := TRY_CAST(" +
           bounds.min + " AS TIMESTAMP)";
  }
  if (!bounds.max.empty()) {
    sql += std::string(bounds.max_strict ? ", time_before" : ", time_max") + " := TRY_CAST(" +
           bounds.max + " AS TIMESTAMP)";
  }
  return sql;
}

duckdb::unique_ptr<duckdb::TableRef> SwapInReaders(duckdb::TableRef& from,
                                                   const QuerySources& sources,
                                                   const std::string& fact_time_bounds) {
  if (from.type == duckdb::TableReferenceType::JOIN) {
    auto copy = from.Copy();
    auto& join = copy->Cast<duckdb::JoinRef>();
    join.left = SwapInReaders(*join.left, sources, fact_time_bounds);
    join.right = SwapInReaders(*join.right, sources, fact_time_bounds);
    return copy;
  }
  const auto& base = from.Cast<duckdb::BaseTableRef>();
  if (Lower(base.table_name) == Lower(sources.fact->name)) {
    std::string reader = sources.fact->reader_sql;
    const size_t marker = reader.find(kTimeBoundsMarker);
    if (marker != std::string::npos && !fact_time_bounds.empty()) {
      reader.replace(marker, std::string_view(kTimeBoundsMarker).size(), fact_time_bounds);
    }
    return Reader(reader, base);
  }
  for (const PlannerTable* joined : sources.joined) {
    if (Lower(base.table_name) == Lower(joined->name)) {
      return Reader(joined->whole_reader_sql, base);
    }
  }
  return from.Copy();  // not reached: every table was resolved
}

}  // namespace shoal::engine
