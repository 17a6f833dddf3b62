#include "engine/query_sources.h"

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

duckdb::unique_ptr<duckdb::TableRef> SwapInReaders(duckdb::TableRef& from,
                                                   const QuerySources& sources) {
  if (from.type == duckdb::TableReferenceType::JOIN) {
    auto copy = from.Copy();
    auto& join = copy->Cast<duckdb::JoinRef>();
    join.left = SwapInReaders(*join.left, sources);
    join.right = SwapInReaders(*join.right, sources);
    return copy;
  }
  const auto& base = from.Cast<duckdb::BaseTableRef>();
  if (Lower(base.table_name) == Lower(sources.fact->name)) {
    return Reader(sources.fact->reader_sql, base);
  }
  for (const PlannerTable* joined : sources.joined) {
    if (Lower(base.table_name) == Lower(joined->name)) {
      return Reader(joined->whole_reader_sql, base);
    }
  }
  return from.Copy();  // not reached: every table was resolved
}

}  // namespace shoal::engine
