#include "query/table_inspector.h"

#include <algorithm>
#include <future>
#include <map>
#include <optional>
#include <utility>

#include "models/spec_config.h"
#include "models/text.h"
#include "query/job_waiter.h"
#include "query/table_sql.h"

namespace shoal::query {

namespace {

// What one region's inspection found.
struct RegionFinding {
  int64_t files = 0;
  int64_t bytes = 0;
  std::vector<models::TableColumn> columns;
};

bool HasReadyNode(const std::vector<models::Node>& nodes, const std::string& region) {
  for (const models::Node& node : nodes) {
    auto label = node.labels.find("region");
    if (label == node.labels.end() || label->second != region || !node.Schedulable()) continue;
    if (std::find(node.engines.begin(), node.engines.end(), models::kEngineDuckdb) !=
        node.engines.end()) {
      return true;
    }
  }
  return false;
}

Result<int64_t> CountCell(const nlohmann::json& cell, const char* what) {
  if (cell.is_null()) return int64_t{0};
  if (!cell.is_number_integer()) {
    return Status::Internal(std::string("the inspection's ") + what +
                            " is not an integer: " + cell.dump());
  }
  return cell.get<int64_t>();
}

Result<RegionFinding> InspectRegion(orchestrator::Orchestrator& orchestrator,
                                    const models::TableDefinition& table,
                                    const models::RegionLocation& location,
                                    std::chrono::milliseconds timeout,
                                    const std::atomic<bool>* cancel) {
  SHOAL_ASSIGN_OR_RETURN(
      FinishedJob finished,
      RunJobToCompletion(orchestrator, InspectionJob(table, location), timeout, cancel));
  if (finished.results.size() != 1) {
    return Status::Internal("the inspection job " + finished.job.id + " has " +
                            std::to_string(finished.results.size()) +
                            " completed executions, expected 1");
  }
  Result<ResultJson> result =
      ReadResultJson(orchestrator, finished.job.id, finished.results[0].execution_id);
  if (!result.ok()) {  // never kNotFound: that code means "no files" to callers
    return Status::Internal("the inspection job " + finished.job.id +
                            " left no readable result: " + result.status().message());
  }
  RegionFinding finding;
  if (result->rows.empty()) return finding;  // an empty glob: the partition read no files
  if (result->columns.size() < static_cast<size_t>(kInspectionStatsColumns)) {
    return Status::Internal("the inspection job " + finished.job.id + " returned " +
                            std::to_string(result->columns.size()) + " columns");
  }
  const nlohmann::json& row = result->rows[0];
  SHOAL_ASSIGN_OR_RETURN(finding.files, CountCell(row[0], "file count"));
  SHOAL_ASSIGN_OR_RETURN(finding.bytes, CountCell(row[1], "byte count"));
  for (size_t i = kInspectionStatsColumns; i < result->columns.size(); ++i) {
    finding.columns.push_back({result->columns[i].name, result->columns[i].type});
  }
  return finding;
}

// The first difference between two regions' schemas, or "" when they agree (by name: the order
// of the columns may differ, as JSON files may list their keys in another order).
std::string SchemaDifference(const std::string& region_a, const std::vector<models::TableColumn>& a,
                             const std::string& region_b,
                             const std::vector<models::TableColumn>& b) {
  std::map<std::string, std::string> types_b;
  for (const auto& column : b) types_b[column.name] = column.type;
  for (const auto& column : a) {
    auto it = types_b.find(column.name);
    if (it == types_b.end()) {
      return "column '" + column.name + "' (" + column.type + ") is in " + region_a +
             "'s files but not in " + region_b + "'s";
    }
    if (it->second != column.type) {
      return "column '" + column.name + "' is " + column.type + " in " + region_a + " but " +
             it->second + " in " + region_b;
    }
    types_b.erase(it);
  }
  for (const auto& column : b) {
    if (types_b.count(column.name) > 0) {
      return "column '" + column.name + "' (" + column.type + ") is in " + region_b +
             "'s files but not in " + region_a + "'s";
    }
  }
  return "";
}

// The user's ColumnTypes in place of DuckDB's inferred types; a name the files lack is an error.
Status ApplyColumnTypes(const models::TableDefinition& table,
                        std::vector<models::TableColumn>& columns) {
  for (const auto& [given, type] : table.column_types) {
    const std::string& name = given;  // clang lambdas cannot capture structured bindings
    auto column = std::find_if(columns.begin(), columns.end(),
                               [&](const models::TableColumn& c) { return c.name == name; });
    if (column == columns.end()) {
      std::vector<std::string> names;
      for (const auto& c : columns) names.push_back(c.name);
      return Status::InvalidArgument("ColumnTypes: the files have no column '" + name +
                                     "' (their columns: " + models::JoinComma(names) + ")");
    }
    column->type = type;
  }
  return Status::Ok();
}

std::string LocationsText(const models::TableDefinition& table) {
  std::string text;
  for (const auto& location : table.locations) {
    text += (text.empty() ? "" : ", ") + location.region + ": " + location.location;
  }
  return text;
}

}  // namespace

std::string InspectionJobName(const models::TableDefinition& table, const std::string& region) {
  return "shoal-table-inspect-" + table.name + "-" + region;
}

models::Job InspectionJob(const models::TableDefinition& table,
                          const models::RegionLocation& location) {
  models::Job job;
  job.name = InspectionJobName(table, location.region);
  job.type = models::JobType::kBatch;
  job.count = 1;
  job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {location.region}}};
  job.labels = {{"shoal-table", table.name}};
  job.task.engine = {std::string(models::kEngineDuckdb),
                     nlohmann::json{{"SQL", InspectionSql(table, location)}}};
  return job;
}

Result<models::TableDefinition> InspectTable(orchestrator::Orchestrator& orchestrator,
                                             models::TableDefinition table,
                                             std::chrono::milliseconds timeout,
                                             const std::atomic<bool>* cancel) {
  SHOAL_RETURN_IF_ERROR(models::ValidateTableDefinition(table));
  SHOAL_ASSIGN_OR_RETURN(std::vector<models::Node> nodes, orchestrator.ListNodes());
  for (const auto& location : table.locations) {
    if (!HasReadyNode(nodes, location.region)) {
      return Status::FailedPrecondition(
          "region '" + location.region +
          "' has no connected, approved compute node with the duckdb engine (label region=" +
          location.region + "): table " + table.name + " cannot be inspected there");
    }
  }

  // Every region at once: each waits on its own nodes.
  std::vector<std::future<Result<RegionFinding>>> pending;
  for (const auto& location : table.locations) {
    pending.push_back(std::async(std::launch::async, [&, location] {
      return InspectRegion(orchestrator, table, location, timeout, cancel);
    }));
  }
  std::vector<RegionFinding> findings;
  Status first_error;
  for (size_t i = 0; i < pending.size(); ++i) {
    Result<RegionFinding> finding = pending[i].get();
    if (finding.ok() && finding->files > 0) {
      Status typed = ApplyColumnTypes(table, finding->columns);
      if (!typed.ok()) finding = typed;
    }
    if (!finding.ok() && first_error.ok()) {
      first_error = finding.status().WithContext("inspecting table " + table.name + " in region " +
                                                 table.locations[i].region);
    }
    findings.push_back(finding.ok() ? std::move(finding).value() : RegionFinding{});
  }
  SHOAL_RETURN_IF_ERROR(first_error);

  std::optional<size_t> reference;  // the first region with files
  for (size_t i = 0; i < findings.size(); ++i) {
    if (findings[i].files == 0) continue;
    if (!reference) {
      reference = i;
      continue;
    }
    const std::string difference =
        SchemaDifference(table.locations[*reference].region, findings[*reference].columns,
                         table.locations[i].region, findings[i].columns);
    if (!difference.empty()) {
      return Status::InvalidArgument("table " + table.name +
                                     ": the regions' files disagree: " + difference);
    }
  }
  if (!reference) {
    return Status::NotFound("table " + table.name + " has no files in any region (locations " +
                            LocationsText(table) + ")");
  }
  const int64_t now = orchestrator::NowNanos();
  table.columns = findings[*reference].columns;
  table.region_stats.clear();
  for (size_t i = 0; i < findings.size(); ++i) {
    table.region_stats[table.locations[i].region] = {findings[i].files, findings[i].bytes, now};
  }
  return table;
}

}  // namespace shoal::query
