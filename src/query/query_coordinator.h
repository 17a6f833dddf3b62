// QueryCoordinator: runs `shoal query` inside the orchestrator process. It plans a query with
// the engine's planner against the catalog (TableService), runs the fragment in each region as an
// ordinary partitioned job pinned to that region's nodes (so retries and node loss are handled
// as for any job), takes each partition's Parquet partial from the results the nodes uploaded,
// merges them in a locked, memory-limited DuckDB, and records the query with its residency
// account: per region, files and bytes scanned and the rows and bytes of partials that left.
//
// Queries are kept in data_dir/queries.db (one JSON record each) and their answers in
// data_dir/queries/<id>/result.json, so both survive a restart; a query that was running when the
// orchestrator stopped is recorded as Failed when it opens again.
//
// Thread-safety: every method is safe to call concurrently. Each running query has its own
// thread; Shutdown (or the destructor) cancels them and waits for them.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "engine/query_plan.h"
#include "models/query.h"
#include "orchestrator/orchestrator.h"
#include "query/query_metrics.h"
#include "query/residency_report.h"
#include "query/table_service.h"

namespace shoal::query {

struct QueryCoordinatorOptions {
  std::string data_dir;  // the orchestrator's
  // How long a region's fragment job may take before the query fails.
  std::chrono::milliseconds fragment_timeout{std::chrono::minutes(10)};
  std::string merge_memory_limit = "2GB";
  int merge_threads = 2;
};

// The label a compute node carries when it runs with `--residency strict`: its region never
// ships table rows, whatever a query asks.
inline constexpr const char* kResidencyLabel = "shoal-residency";

class QueryStore;

class QueryCoordinator {
 public:
  static Result<std::unique_ptr<QueryCoordinator>> Open(orchestrator::Orchestrator& orchestrator,
                                                        TableService& tables,
                                                        QueryCoordinatorOptions options);
  ~QueryCoordinator();

  // Plans `request` at once (bad SQL and refusals are errors here, nothing recorded) and, unless
  // it is an explain, starts running it: the answer is Running (or Completed for an explain).
  Result<models::Query> Submit(const models::QueryRequest& request);
  // With `wait`, answers once the query is no longer Running or `wait` passed, whichever is
  // first (the API's long-poll: a waiting client learns of the end at once).
  Result<models::Query> Get(const std::string& id,
                            std::chrono::milliseconds wait = std::chrono::milliseconds(0));
  // Newest first, at most `limit`.
  Result<std::vector<models::Query>> List(int64_t limit);
  // The answer of a Completed query, as result.json text (exact numbers).
  Result<std::string> ResultJson(const std::string& id);
  // Stops a running query (its fragment jobs are stopped); a finished one is left as it is.
  Result<models::Query> Cancel(const std::string& id);
  // The residency report since `since_ns` (residency_report.h).
  Result<std::vector<RegionDay>> Residency(int64_t since_ns);

  void Shutdown();

 private:
  QueryCoordinator(orchestrator::Orchestrator& orchestrator, TableService& tables,
                   QueryCoordinatorOptions options, std::unique_ptr<QueryStore> store,
                   std::unique_ptr<engine::QueryPlanner> planner);

  // The tables a query reads: the partitioned one and the replicated ones joined to it.
  struct Sources {
    models::TableDefinition fact;
    std::vector<models::TableDefinition> joined;
  };
  struct Running {
    std::atomic<bool> cancel{false};
    std::thread thread;
  };
  // The regions `request` reads, each with its partitions (one per connected node unless the
  // request says fewer); refuses rows out of a strict region.
  Result<std::vector<models::RegionResidency>> PlanRegions(
      const models::QueryRequest& request, const models::TableDefinition& table,
      const std::vector<models::TableDefinition>& joined, engine::ShippingClass shipping);
  // The whole run of one query, on its own thread; ends by recording the outcome.
  void Run(models::Query query, engine::QueryPlan plan, Sources sources,
           std::shared_ptr<Running> running);
  Status Execute(models::Query& query, const engine::QueryPlan& plan, const Sources& sources,
                 const std::atomic<bool>& cancel);
  std::string QueryDir(const std::string& id) const;

  orchestrator::Orchestrator& orchestrator_;
  TableService& tables_;
  QueryCoordinatorOptions options_;
  std::unique_ptr<QueryStore> store_;
  std::unique_ptr<engine::QueryPlanner> planner_;
  QueryMetrics metrics_;
  // The merges' DuckDB, started ahead (one query's merge does not wait for DuckDB to start).
  std::shared_ptr<engine::DatabasePool> merge_databases_;
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Running>> running_;  // guarded by mu_
  bool stopping_ = false;                                    // guarded by mu_
  std::condition_variable query_ended_;                      // a query left running_, or Shutdown
};

}  // namespace shoal::query
