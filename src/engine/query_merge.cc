// MergePartials (query_plan.h): the partial files become the view __shoal_partials, each column
// cast back to the type the merge expects, and the merge runs over it in a locked session that
// reaches only the partials' folders.
#include <filesystem>
#include <set>

#include "duckdb.hpp"

#include "engine/engine.h"
#include "engine/query_plan.h"

namespace shoal::engine {

namespace {

std::string Literal(const std::string& text) { return duckdb::KeywordHelper::WriteQuoted(text); }

std::string Identifier(const std::string& name) {
  return duckdb::KeywordHelper::WriteOptionallyQuoted(name, '"', false);
}

}  // namespace

std::string PartialsViewSql(const QueryPlan& plan, const std::vector<std::string>& files) {
  std::string columns;
  for (const Column& column : plan.partial_columns) {
    columns += (columns.empty() ? "" : ", ") + Identifier(column.name) + " " + column.type;
  }
  if (files.empty()) {
    return std::string("CREATE OR REPLACE TABLE ") + kPartialsTable + " (" + columns + ")";
  }
  std::string select;
  for (const Column& column : plan.partial_columns) {
    select += (select.empty() ? "" : ", ") + std::string("CAST(") + Identifier(column.name) +
              " AS " + column.type + ") AS " + Identifier(column.name);
  }
  std::string list;
  for (const std::string& file : files) list += (list.empty() ? "" : ", ") + Literal(file);
  return std::string("CREATE OR REPLACE VIEW ") + kPartialsTable + " AS SELECT " + select +
         " FROM read_parquet([" + list + "])";
}

Result<ResultTable> MergePartials(const QueryPlan& plan, const std::vector<std::string>& files,
                                  const MergeOptions& options) {
  SessionOptions session;
  session.sandboxed = true;
  session.threads = options.threads;
  session.memory_limit = options.memory_limit;
  session.temp_directory = options.temp_directory;
  std::set<std::string> folders;
  for (const std::string& file : files) {
    if (file.empty() || file.front() != '/') {
      return Status::InvalidArgument("partial file '" + file + "' is not an absolute path");
    }
    folders.insert(std::filesystem::path(file).parent_path().string());
  }
  for (const std::string& folder : folders) {
    // Sandbox mappings must not nest; a folder inside another is reached through the outer one.
    bool nested = false;
    for (const std::string& outer : folders) {
      nested = nested || (outer != folder && folder.rfind(outer + "/", 0) == 0);
    }
    if (!nested && folder != "/") session.path_mappings.push_back({folder, folder, true});
  }
  SHOAL_ASSIGN_OR_RETURN(auto merger, Session::Open(session));
  auto view = merger->Query(PartialsViewSql(plan, files));
  if (!view.ok()) return view.status().WithContext("reading the partial results");
  return merger->Query(plan.merge_sql);
}

Result<int64_t> CountParquetRows(const std::string& file) {
  SHOAL_ASSIGN_OR_RETURN(auto session, Session::Open({}));
  SHOAL_ASSIGN_OR_RETURN(
      auto counted, session->Query("SELECT count(*) FROM read_parquet(" + Literal(file) + ")"));
  return std::stoll(counted.Text(0, 0));
}

}  // namespace shoal::engine
