// Fuzz target: `shoal query`'s planner (engine/query_plan.h) over arbitrary SQL text, against a
// fixed catalog: a partitioned table `t` (numbers, DECIMAL money, text, a timestamp, a struct)
// and a replicated `d`. Besides "no crash": a refused or bad statement says why, and an accepted
// one has a fragment, a merge, the answer's columns, and partial columns the merge reads.
//
// Input: the SQL text, as `shoal query` receives it.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "engine/query_plan.h"

namespace {

[[noreturn]] void Fail(const std::string& what, const std::string& sql) {
  std::fprintf(stderr, "%s\nSQL: %s\n", what.c_str(), sql.c_str());
  std::abort();
}

std::vector<shoal::engine::PlannerTable> Catalog() {
  shoal::engine::PlannerTable t;
  t.name = "t";
  t.columns = {{"id", "BIGINT"},
               {"k", "INTEGER"},
               {"amount", "DECIMAL(18,2)"},
               {"price", "DOUBLE"},
               {"name", "VARCHAR"},
               {"ts", "TIMESTAMP"},
               {"flag", "BOOLEAN"},
               {"addr", "STRUCT(state VARCHAR, zip VARCHAR)"}};
  t.reader_sql = "read_parquet(getvariable('shoal_files'))";
  t.whole_reader_sql = "read_parquet(getvariable('shoal_files_t'))";
  shoal::engine::PlannerTable d;
  d.name = "d";
  d.columns = {{"k", "INTEGER"}, {"label", "VARCHAR"}};
  d.replicated = true;
  d.reader_sql = "read_parquet(getvariable('shoal_files'))";
  d.whole_reader_sql = "read_parquet(getvariable('shoal_files_d'))";
  return {t, d};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static std::unique_ptr<shoal::engine::QueryPlanner> planner = [] {
    auto created = shoal::engine::QueryPlanner::Create();
    if (!created.ok()) Fail("the planner does not start: " + created.status().message(), "");
    return std::move(created).value();
  }();
  static const std::vector<shoal::engine::PlannerTable> catalog = Catalog();
  const std::string sql(reinterpret_cast<const char*>(data), size);
  for (bool allow_rows : {false, true}) {
    auto plan = planner->Plan({sql, catalog, allow_rows});
    if (!plan.ok()) {
      if (plan.status().message().empty()) Fail("a refusal without a message", sql);
      // Refusals and bad SQL are the user's input; a planner bug is an internal error.
      if (plan.status().code() == shoal::ErrorCode::kInternal) {
        Fail("internal error: " + plan.status().message(), sql);
      }
      continue;
    }
    if (plan->fragment_sql.empty() || plan->merge_sql.empty() || plan->output_columns.empty() ||
        plan->partial_columns.empty()) {
      Fail("an accepted query without fragment, merge or columns", sql);
    }
    if (plan->table != "t" && plan->table != "d") Fail("a plan over an unknown table", sql);
  }
  return 0;
}
