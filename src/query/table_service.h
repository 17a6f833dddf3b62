// TableService: the logical tables as the API and the query coordinator see them. It owns the
// catalog (query/table_catalog.h) and runs inspections (query/table_inspector.h) through the
// orchestrator it is given, storing what they find.
//
// When tables are inspected:
// - Create: before storing, unless the caller says not to. A table whose files do not exist yet
//   (no region has any) is still created, without columns, with a warning; any other failure
//   (a schema conflict between regions, a region without nodes, a reader option DuckDB refuses)
//   refuses the creation.
// - Describe: with `refresh`, or when the table has no columns yet. A failed automatic
//   inspection still describes the table, with a warning; a failed refresh is an error.
// - Resolve: when the table has no columns yet; errors are returned.
// Two inspections of one table never run at once (their jobs share a name): a second caller
// waits for the first, and Resolve then uses what the first stored.
//
// Thread-safety: every method is safe to call concurrently. The orchestrator must outlive the
// service.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/table.h"
#include "orchestrator/orchestrator.h"
#include "query/table_catalog.h"

namespace shoal::query {

struct TableServiceOptions {
  std::string data_dir;  // the orchestrator's: the catalog is data_dir/catalog.db
  // How long one inspection (all regions at once) may take before its jobs are stopped.
  std::chrono::milliseconds inspect_timeout{std::chrono::minutes(2)};
};

// A compaction job started for one region of a table.
struct CompactionStart {
  std::string region;
  std::string job_id;
};

// A table and what the caller should be told about it.
struct TableAnswer {
  TableDefinition table;
  std::vector<std::string> warnings;
};

class TableService {
 public:
  static Result<std::unique_ptr<TableService>> Open(orchestrator::Orchestrator& orchestrator,
                                                    TableServiceOptions options);

  // Validates and stores `table` (user-written fields only; Columns and Regions are Shoal's and
  // ignored), inspecting it first when `inspect`. kAlreadyExists for a taken name.
  Result<TableAnswer> Create(TableDefinition table, bool inspect);
  // Creates `table` without inspecting it when no table has its name; otherwise changes
  // nothing. True when it was created.
  Result<bool> CreateIfMissing(TableDefinition table);
  Result<std::vector<TableDefinition>> List();
  Result<TableAnswer> Describe(const std::string& name, bool refresh);
  Status Drop(const std::string& name);
  // Starts one compaction job per region (`regions`, or every region of the table) and returns
  // at once; the jobs (query/table_compaction.h) run like any job. Refused, before anything
  // runs: a table without an EventTime (kFailedPrecondition), a region the table has not
  // (kInvalidArgument), a region whose previous compaction job is still running
  // (kFailedPrecondition naming the job).
  Result<std::vector<CompactionStart>> Compact(const std::string& name,
                                               const std::vector<std::string>& regions,
                                               int64_t retain_seconds);
  // The table with its columns, inspecting it first when it has none: what a query plans with.
  // kNotFound when there is no such table, or when none of its regions has files yet.
  Result<TableDefinition> Resolve(const std::string& name);

  TableCatalog& catalog() { return *catalog_; }

  // Stops waiting for inspections (their jobs are stopped); later calls fail fast with
  // kCancelled. Call before shutting the orchestrator down.
  void Shutdown() { stopping_ = true; }

 private:
  TableService(orchestrator::Orchestrator& orchestrator, TableServiceOptions options,
               std::unique_ptr<TableCatalog> catalog)
      : orchestrator_(orchestrator), options_(std::move(options)), catalog_(std::move(catalog)) {}

  // Holds the inspection slot of one table name (lower case) while it lives.
  class InspectionSlot {
   public:
    InspectionSlot(TableService& service, std::string key);
    ~InspectionSlot();
    InspectionSlot(const InspectionSlot&) = delete;
    InspectionSlot& operator=(const InspectionSlot&) = delete;

   private:
    TableService& service_;
    std::string key_;
  };

  Result<TableDefinition> Inspect(const TableDefinition& table);
  // Inspects the stored table `name` and stores the outcome. With `only_without_columns`, a
  // table that has columns by the time the slot is ours (another caller inspected it) is
  // returned as stored.
  Result<TableDefinition> InspectAndStore(const std::string& name, bool only_without_columns);

  orchestrator::Orchestrator& orchestrator_;
  const TableServiceOptions options_;
  std::unique_ptr<TableCatalog> catalog_;
  std::atomic<bool> stopping_{false};

  std::mutex slots_mu_;
  std::condition_variable slot_freed_;
  std::set<std::string> inspecting_;  // lower-case names; guarded by slots_mu_
};

}  // namespace shoal::query
