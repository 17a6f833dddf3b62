// MergePartials (query_plan.h): the partial files become the view __shoal_partials, each column
// cast back to the type the merge expects, and the merge runs over it in a locked session that
// reaches only the partials' folders.
#include <filesystem>
#include <map>
#include <set>

#include "duckdb.hpp"

#include "engine/engine.h"
#include "engine/parse_tree.h"
#include "engine/query_plan.h"
#include "models/text.h"

namespace shoal::engine {

std::string PartialsViewSql(const QueryPlan& plan, const std::vector<std::string>& files) {
  std::string columns;
  for (const Column& column : plan.partial_columns) {
    columns += (columns.empty() ? "" : ", ") + QuoteIdentifier(column.name) + " " + column.type;
  }
  if (files.empty()) {
    return std::string("CREATE OR REPLACE TABLE ") + kPartialsTable + " (" + columns + ")";
  }
  std::string select;
  for (const Column& column : plan.partial_columns) {
    select += (select.empty() ? "" : ", ") + std::string("CAST(") + QuoteIdentifier(column.name) +
              " AS " + column.type + ") AS " + QuoteIdentifier(column.name);
  }
  return std::string("CREATE OR REPLACE VIEW ") + kPartialsTable + " AS SELECT " + select +
         " FROM read_parquet(" + models::SqlStringList(files) + ")";
}

namespace {

// The rows of each Parquet file, read from the footers in `session`.
Result<std::vector<int64_t>> CountParquetRows(Session& session,
                                              const std::vector<std::string>& files) {
  std::vector<int64_t> rows(files.size(), 0);
  if (files.empty()) return rows;
  SHOAL_ASSIGN_OR_RETURN(auto counted,
                         session.Query("SELECT file_name, num_rows FROM parquet_file_metadata(" +
                                       models::SqlStringList(files) + ")"));
  std::map<std::string, int64_t> by_file;
  for (size_t r = 0; r < counted.rows().size(); ++r) {
    by_file[counted.Text(r, 0)] = std::stoll(counted.Text(r, 1));
  }
  for (size_t i = 0; i < files.size(); ++i) rows[i] = by_file[files[i]];
  return rows;
}

}  // namespace

Result<ResultTable> MergePartials(const QueryPlan& plan, const std::vector<std::string>& files,
                                  const MergeOptions& options, std::vector<int64_t>* partial_rows) {
  SessionOptions session;
  session.sandboxed = true;
  session.threads = options.threads;
  session.memory_limit = options.memory_limit;
  session.temp_directory = options.temp_directory;
  session.pool = options.pool;
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
  if (partial_rows != nullptr) {
    // In the merge's own session: opening a DuckDB costs more than reading a few footers.
    SHOAL_ASSIGN_OR_RETURN(*partial_rows, CountParquetRows(*merger, files));
  }
  auto view = merger->Query(PartialsViewSql(plan, files));
  if (!view.ok()) return view.status().WithContext("reading the partial results");
  return merger->Query(plan.merge_sql);
}

Result<std::vector<int64_t>> CountParquetRows(const std::vector<std::string>& files) {
  if (files.empty()) return std::vector<int64_t>();
  SHOAL_ASSIGN_OR_RETURN(auto session, Session::Open({}));
  return CountParquetRows(*session, files);
}

}  // namespace shoal::engine
