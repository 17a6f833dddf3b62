#include "query/table_service.h"

#include <utility>

#include "models/text.h"
#include "query/table_compaction.h"
#include "query/table_inspector.h"

namespace shoal::query {

TableService::InspectionSlot::InspectionSlot(TableService& service, std::string key)
    : service_(service), key_(std::move(key)) {
  std::unique_lock<std::mutex> lock(service_.slots_mu_);
  service_.slot_freed_.wait(lock, [&] { return service_.inspecting_.count(key_) == 0; });
  service_.inspecting_.insert(key_);
}

TableService::InspectionSlot::~InspectionSlot() {
  {
    std::lock_guard<std::mutex> lock(service_.slots_mu_);
    service_.inspecting_.erase(key_);
  }
  service_.slot_freed_.notify_all();
}

Result<std::unique_ptr<TableService>> TableService::Open(orchestrator::Orchestrator& orchestrator,
                                                         TableServiceOptions options) {
  SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<TableCatalog> catalog,
                         TableCatalog::Open(options.data_dir));
  return std::unique_ptr<TableService>(
      new TableService(orchestrator, std::move(options), std::move(catalog)));
}

Result<TableDefinition> TableService::Inspect(const TableDefinition& table) {
  if (stopping_) return Status(ErrorCode::kCancelled, "the orchestrator is shutting down");
  return InspectTable(orchestrator_, table, options_.inspect_timeout, &stopping_);
}

Result<TableAnswer> TableService::Create(TableDefinition table, bool inspect) {
  table.columns.clear();
  table.region_stats.clear();
  SHOAL_RETURN_IF_ERROR(models::ValidateTableDefinition(table));
  TableAnswer answer;
  if (inspect) {
    InspectionSlot slot(*this, models::ToLowerAscii(table.name));
    // Refuse a taken name before running jobs for it (Create below still decides a race).
    Result<TableDefinition> existing = catalog_->Get(table.name);
    if (existing.ok()) {
      return Status(ErrorCode::kAlreadyExists, "table '" + existing->name + "' already exists");
    }
    Result<TableDefinition> inspected = Inspect(table);
    if (inspected.ok()) {
      table = std::move(inspected).value();
    } else if (inspected.status().code() == ErrorCode::kNotFound) {
      answer.warnings.push_back(inspected.status().message() +
                                "; its columns will be inferred when it is described or "
                                "queried after files arrive");
    } else {
      return inspected.status();
    }
    SHOAL_ASSIGN_OR_RETURN(answer.table, catalog_->Create(std::move(table)));
    return answer;
  }
  SHOAL_ASSIGN_OR_RETURN(answer.table, catalog_->Create(std::move(table)));
  return answer;
}

Result<bool> TableService::CreateIfMissing(TableDefinition table) {
  Result<TableAnswer> created = Create(std::move(table), /*inspect=*/false);
  if (created.ok()) return true;
  if (created.status().code() == ErrorCode::kAlreadyExists) return false;
  return created.status();
}

Result<std::vector<TableDefinition>> TableService::List() { return catalog_->List(); }

Status TableService::Drop(const std::string& name) { return catalog_->Drop(name); }

Result<TableDefinition> TableService::InspectAndStore(const std::string& name,
                                                      bool only_without_columns) {
  InspectionSlot slot(*this, models::ToLowerAscii(name));
  SHOAL_ASSIGN_OR_RETURN(TableDefinition table, catalog_->Get(name));
  if (only_without_columns && !table.columns.empty()) return table;
  SHOAL_ASSIGN_OR_RETURN(TableDefinition inspected, Inspect(table));
  return catalog_->Update(std::move(inspected));
}

Result<TableAnswer> TableService::Describe(const std::string& name, bool refresh) {
  SHOAL_ASSIGN_OR_RETURN(TableDefinition table, catalog_->Get(name));
  TableAnswer answer;
  if (refresh) {
    SHOAL_ASSIGN_OR_RETURN(answer.table, InspectAndStore(name, /*only_without_columns=*/false));
    return answer;
  }
  if (!table.columns.empty()) {
    answer.table = std::move(table);
    return answer;
  }
  Result<TableDefinition> inspected = InspectAndStore(name, /*only_without_columns=*/true);
  if (inspected.ok()) {
    answer.table = std::move(inspected).value();
  } else {
    answer.table = std::move(table);
    answer.warnings.push_back("the columns are not known yet: " + inspected.status().message());
  }
  return answer;
}

Result<TableDefinition> TableService::Resolve(const std::string& name) {
  SHOAL_ASSIGN_OR_RETURN(TableDefinition table, catalog_->Get(name));
  if (!table.columns.empty()) return table;
  return InspectAndStore(name, /*only_without_columns=*/true);
}

Result<std::vector<CompactionStart>> TableService::Compact(const std::string& name,
                                                           const std::vector<std::string>& regions,
                                                           int64_t retain_seconds) {
  SHOAL_ASSIGN_OR_RETURN(TableDefinition table, Resolve(name));
  if (!table.columnar()) {
    return Status::FailedPrecondition(
        "table " + table.name +
        " has no event time, so it has no columnar storage: create it with --event-time COLUMN "
        "(the TIMESTAMP or DATE column whose month partitions the Parquet files)");
  }
  std::vector<const models::RegionLocation*> chosen;
  for (const std::string& region : regions) {
    const models::RegionLocation* where = table.LocationOf(region);
    if (!where) {
      return Status::InvalidArgument("table " + table.name + " has no location in region '" +
                                     region + "'");
    }
    chosen.push_back(where);
  }
  if (regions.empty()) {
    for (const models::RegionLocation& where : table.locations) chosen.push_back(&where);
  }
  // One compaction per table and region at a time: the slot orders callers, the job state
  // refuses a compaction while the previous one still runs.
  InspectionSlot slot(*this, "compact:" + models::ToLowerAscii(table.name));
  for (const models::RegionLocation* where : chosen) {
    auto previous = orchestrator_.FindJob(CompactionJobName(table.name, where->region), "");
    if (previous.ok() && !models::IsTerminal(previous->state.state_type)) {
      return Status::FailedPrecondition("the compaction of " + table.name + " in " + where->region +
                                        " is still running (job " + previous->id +
                                        "); wait for it or stop it");
    }
  }
  std::vector<CompactionStart> started;
  for (const models::RegionLocation* where : chosen) {
    SHOAL_ASSIGN_OR_RETURN(
        orchestrator::SubmitResult submitted,
        orchestrator_.SubmitJob(CompactionJob(table, *where, retain_seconds), /*force=*/true,
                                /*dry_run=*/false));
    started.push_back({where->region, submitted.job_id});
  }
  return started;
}

}  // namespace shoal::query
