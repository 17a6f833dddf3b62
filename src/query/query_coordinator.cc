#include "query/query_coordinator.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "engine/engine.h"
#include "format/output_format.h"
#include "models/ids.h"
#include "models/text.h"
#include "query/job_waiter.h"
#include "query/query_store.h"
#include "query/table_sql.h"

namespace shoal::query {

namespace fs = std::filesystem;

namespace {

constexpr const char* kPartialPath = "outputs/partial.parquet";

double MillisSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

// The table as the planner sees it. REQUIRES: its columns are known.
engine::PlannerTable PlannerTableOf(const models::TableDefinition& table) {
  engine::PlannerTable planner;
  planner.name = table.name;
  for (const auto& column : table.columns) planner.columns.push_back({column.name, column.type});
  // A columnar table reads its Parquet files and its uncompacted landing files (shoal_table);
  // any other table the files of the partition's list.
  planner.reader_sql = table.columnar()
                           ? ColumnarReaderCall(table, "shoal_table", engine::kTimeBoundsMarker)
                           : TypedReaderCall(table, "getvariable('shoal_files')");
  // Partitions hold UTC calendar spans; a TIMESTAMP WITH TIME ZONE bound would need the
  // session's zone to map, so only plain timestamps and dates prune.
  for (const auto& column : table.columns) {
    if (table.columnar() && column.name == table.event_time &&
        (column.type == "TIMESTAMP" || column.type == "DATE")) {
      planner.event_time = table.event_time;
    }
  }
  planner.replicated = table.replicated;
  planner.whole_reader_sql =
      TypedReaderCall(table, "getvariable('" + engine::JoinedFilesVariable(table.name) + "')");
  return planner;
}

// What each partition of a region runs: pick its files, write its partial, report what it read.
// Replicated tables joined in the fragment are read whole: every file of the region's location.
std::string FragmentScript(const engine::QueryPlan& plan, const models::TableDefinition& table,
                           const models::RegionLocation& where,
                           const std::vector<models::TableDefinition>& joined) {
  std::string script;
  for (const models::TableDefinition& table : joined) {
    script += "SET VARIABLE " + engine::JoinedFilesVariable(table.name) +
              " = (SELECT list(file ORDER BY file) FROM glob(" +
              SqlStringLiteral(table.LocationOf(where.region)->location) + "));\n";
  }
  if (table.columnar()) {
    script += ColumnarVariablesSql(table, where) +
              "SET VARIABLE shoal_files = (SELECT list(file) FROM " +
              ColumnarReaderCall(table, "shoal_table_files", plan.fact_time_bounds) + ");\n";
  } else {
    script += "SET VARIABLE shoal_files = (SELECT list(file) FROM partition_by_hash(" +
              SqlStringLiteral(where.location) + "));\n";
  }
  return script + "COPY (" + plan.fragment_sql + ") TO '/" + kPartialPath +
         "' (FORMAT parquet);\n" +
         "SELECT len(getvariable('shoal_files')) AS files, (SELECT coalesce(sum(size), 0) "
         "FROM read_blob(getvariable('shoal_files')))::BIGINT AS bytes;\n";
}

models::Job FragmentJob(const models::Query& query, const engine::QueryPlan& plan,
                        const models::TableDefinition& table, const models::RegionLocation& where,
                        int64_t partitions, const std::vector<models::TableDefinition>& joined) {
  models::Job job;
  job.name = "shoal-query-" + query.id + "-" + where.region;
  job.type = models::JobType::kBatch;
  job.count = partitions;
  job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {where.region}}};
  job.labels = {{"shoal-query", query.id}};
  job.task.engine = {std::string(models::kEngineDuckdb),
                     {{"SQL", FragmentScript(plan, table, where, joined)}}};
  job.task.result_paths = {{"outputs", "/outputs"}};
  return job;
}

// Files and bytes a partition read (the last statement of FragmentScript); none when it read
// an empty partition, whose result.json has no row.
std::pair<int64_t, int64_t> ScanStats(const ResultJson& result) {
  if (result.rows.size() != 1 || result.columns.size() != 2 || result.columns[0].name != "files") {
    return {0, 0};
  }
  const nlohmann::json& row = result.rows[0];
  return {row[0].is_number_integer() ? row[0].get<int64_t>() : 0,
          row[1].is_number_integer() ? row[1].get<int64_t>() : 0};
}

// The answer as result.json, as a duckdb execution publishes it.
std::string ResultJsonText(const engine::ResultTable& table) {
  std::string text = format::ResultJsonStart(table.columns());
  for (size_t r = 0; r < table.rows().size(); ++r) {
    text += (r ? ",\n" : "\n") + format::ResultJsonRow(table.rows()[r]);
  }
  return text + format::kResultJsonEnd;
}

Status WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << bytes;
  out.close();
  return out ? Status::Ok() : Status::IoError("cannot write " + path);
}

}  // namespace

Result<std::vector<models::RegionResidency>> QueryCoordinator::PlanRegions(
    const models::QueryRequest& request, const models::TableDefinition& table,
    const std::vector<models::TableDefinition>& joined, engine::ShippingClass shipping) {
  for (const std::string& region : request.regions) {
    if (!table.LocationOf(region)) {
      return Status::InvalidArgument("table " + table.name + " has no location in region '" +
                                     region + "'");
    }
  }
  SHOAL_ASSIGN_OR_RETURN(auto nodes, orchestrator_.ListNodes());
  std::vector<models::RegionResidency> regions;
  for (const models::RegionLocation& where : table.locations) {
    const auto& wanted = request.regions;
    if (!wanted.empty() && std::find(wanted.begin(), wanted.end(), where.region) == wanted.end()) {
      continue;
    }
    // A replicated table holds the same rows in every region: read one region's copy only.
    if (table.replicated && !regions.empty()) break;
    for (const models::TableDefinition& dimension : joined) {
      const models::RegionLocation* there = dimension.LocationOf(where.region);
      auto stats = dimension.region_stats.find(where.region);
      if (!there || (stats != dimension.region_stats.end() && stats->second.files == 0)) {
        return Status::InvalidArgument("cannot answer: the replicated table " + dimension.name +
                                       " has no files in region " + where.region +
                                       ", where the join runs");
      }
    }
    int64_t region_nodes = 0;
    bool strict = false;
    for (const models::Node& node : nodes) {
      auto label = node.labels.find("region");
      if (label == node.labels.end() || label->second != where.region) continue;
      if (node.Schedulable()) ++region_nodes;
      auto residency = node.labels.find(kResidencyLabel);
      strict = strict || (residency != node.labels.end() && residency->second == "strict");
    }
    if (strict && shipping == engine::ShippingClass::kRows) {
      return Status::InvalidArgument("cannot answer: region " + where.region +
                                     " runs with --residency strict and this query would ship "
                                     "table rows out of it; aggregate them instead");
    }
    if (region_nodes == 0) {
      return Status::Unavailable("region " + where.region + " has no connected node to run on");
    }
    // Each partition runs on its own node, as a job's executions do.
    if (request.partitions > region_nodes) {
      return Status::InvalidArgument("region " + where.region + " has " +
                                     std::to_string(region_nodes) +
                                     " connected nodes: --partitions can be at most that");
    }
    const int64_t partitions = request.partitions > 0 ? request.partitions : region_nodes;
    regions.push_back({where.region, "", partitions, 0, 0, 0, 0});
  }
  return regions;
}

QueryCoordinator::QueryCoordinator(orchestrator::Orchestrator& orchestrator, TableService& tables,
                                   QueryCoordinatorOptions options,
                                   std::unique_ptr<QueryStore> store,
                                   std::unique_ptr<engine::QueryPlanner> planner)
    : orchestrator_(orchestrator),
      tables_(tables),
      options_(std::move(options)),
      store_(std::move(store)),
      planner_(std::move(planner)),
      metrics_(orchestrator.metrics()),
      merge_databases_(std::make_shared<engine::DatabasePool>(1)) {}

Result<std::unique_ptr<QueryCoordinator>> QueryCoordinator::Open(
    orchestrator::Orchestrator& orchestrator, TableService& tables,
    QueryCoordinatorOptions options) {
  SHOAL_ASSIGN_OR_RETURN(auto store, QueryStore::Open(options.data_dir));
  SHOAL_ASSIGN_OR_RETURN(auto planner, engine::QueryPlanner::Create());
  // Queries that were running when the orchestrator stopped have lost their thread.
  SHOAL_ASSIGN_OR_RETURN(auto interrupted, store->ListRunning());
  for (models::Query& query : interrupted) {
    query.state = models::QueryState::kFailed;
    query.message = "the orchestrator stopped while the query ran; run it again";
    query.end_time = orchestrator::NowNanos();
    SHOAL_RETURN_IF_ERROR(store->Put(query));
  }
  return std::unique_ptr<QueryCoordinator>(new QueryCoordinator(
      orchestrator, tables, std::move(options), std::move(store), std::move(planner)));
}

QueryCoordinator::~QueryCoordinator() { Shutdown(); }

void QueryCoordinator::Shutdown() {
  std::map<std::string, std::shared_ptr<Running>> running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
    running = running_;
  }
  query_ended_.notify_all();
  for (auto& [id, run] : running) run->cancel = true;
  for (auto& [id, run] : running) {
    if (run->thread.joinable()) run->thread.join();
  }
}

std::string QueryCoordinator::QueryDir(const std::string& id) const {
  return (fs::path(options_.data_dir) / "queries" / id).string();
}

Result<models::Query> QueryCoordinator::Submit(const models::QueryRequest& request) {
  const auto start = std::chrono::steady_clock::now();
  // Plan against every table whose columns are known; a table that has none yet is inspected
  // when the query names it.
  SHOAL_ASSIGN_OR_RETURN(auto tables, tables_.List());
  std::vector<engine::PlannerTable> planner_tables;
  for (const models::TableDefinition& table : tables) {
    if (!table.columns.empty()) planner_tables.push_back(PlannerTableOf(table));
  }
  engine::PlanRequest plan_request{request.sql, planner_tables, request.allow_rows};
  auto plan = planner_->Plan(plan_request);
  if (!plan.ok() && plan.status().code() == ErrorCode::kNotFound) {
    // Perhaps a table without columns yet: resolve each such table and plan again.
    bool resolved = false;
    for (const models::TableDefinition& table : tables) {
      if (!table.columns.empty()) continue;
      if (models::ToLowerAscii(plan.status().message())
              .find("'" + models::ToLowerAscii(table.name) + "'") == std::string::npos) {
        continue;
      }
      SHOAL_ASSIGN_OR_RETURN(auto full, tables_.Resolve(table.name));
      plan_request.tables.push_back(PlannerTableOf(full));
      resolved = true;
    }
    if (resolved) plan = planner_->Plan(plan_request);
  }
  SHOAL_RETURN_IF_ERROR(plan.status());
  SHOAL_ASSIGN_OR_RETURN(auto table, tables_.Resolve(plan->table));
  std::vector<models::TableDefinition> joined;
  for (const std::string& name : plan->joined_tables) {
    SHOAL_ASSIGN_OR_RETURN(auto dimension, tables_.Resolve(name));
    joined.push_back(std::move(dimension));
  }

  models::Query query;
  query.id = "q-" + models::NewUuid();
  query.request = request;
  query.table = table.name;
  query.shipping = std::string(engine::ToString(plan->shipping));
  query.fragment_sql = plan->fragment_sql;
  query.merge_sql = plan->merge_sql;
  query.create_time = orchestrator::NowNanos();
  query.plan_ms = MillisSince(start);
  SHOAL_ASSIGN_OR_RETURN(query.residency, PlanRegions(request, table, joined, plan->shipping));
  if (request.explain) {
    query.state = models::QueryState::kCompleted;
    query.end_time = orchestrator::NowNanos();
    return query;
  }
  SHOAL_RETURN_IF_ERROR(store_->Put(query));
  auto running = std::make_shared<Running>();
  std::lock_guard<std::mutex> lock(mu_);
  if (stopping_) return Status::Unavailable("the orchestrator is stopping");
  running_[query.id] = running;
  running->thread = std::thread(&QueryCoordinator::Run, this, query, *plan,
                                Sources{std::move(table), std::move(joined)}, running);
  return query;
}

Result<std::vector<RegionDay>> QueryCoordinator::Residency(int64_t since_ns) {
  return ResidencyReport(orchestrator_, *store_, since_ns);
}

void QueryCoordinator::Run(models::Query query, engine::QueryPlan plan, Sources sources,
                           std::shared_ptr<Running> running) {
  Status status = Execute(query, plan, sources, running->cancel);
  if (status.ok()) {
    query.state = models::QueryState::kCompleted;
  } else {
    query.state = running->cancel ? models::QueryState::kCancelled : models::QueryState::kFailed;
    query.message = status.message();
  }
  query.end_time = orchestrator::NowNanos();
  metrics_.QueryEnded(query);
  Status stored = store_->Put(query);
  if (!stored.ok()) {
    std::fprintf(stderr, "query %s: %s\n", query.id.c_str(), stored.message().c_str());
  }
  std::lock_guard<std::mutex> lock(mu_);
  if (!stopping_) {
    running->thread.detach();
    running_.erase(query.id);
  }
  query_ended_.notify_all();
}

Status QueryCoordinator::Execute(models::Query& query, const engine::QueryPlan& plan,
                                 const Sources& sources, const std::atomic<bool>& cancel) {
  const models::TableDefinition& table = sources.fact;
  std::vector<const models::RegionLocation*> regions;
  for (const models::RegionResidency& planned : query.residency) {
    regions.push_back(table.LocationOf(planned.region));
  }
  // Each region runs its fragment as one job; the jobs run at once.
  std::vector<Result<FinishedJob>> finished(regions.size(), Status::Internal("not run"));
  std::vector<std::thread> threads;
  const auto fragments_start = std::chrono::steady_clock::now();
  for (size_t i = 0; i < regions.size(); ++i) {
    const models::RegionLocation& where = *regions[i];
    const int64_t partitions = query.residency[i].partitions;
    models::Job job = FragmentJob(query, plan, table, where, partitions, sources.joined);
    threads.emplace_back([&, i, job = std::move(job)]() mutable {
      finished[i] =
          RunJobToCompletion(orchestrator_, std::move(job), options_.fragment_timeout, &cancel);
    });
  }
  for (std::thread& thread : threads) thread.join();

  // Take each partition's partial; count what left its region.
  const std::string dir = QueryDir(query.id);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status::IoError("cannot create " + dir + ": " + ec.message());
  std::vector<std::string> partials;
  std::vector<size_t> partial_region;  // index into query.residency, per partial
  int64_t shipped = 0;
  for (size_t i = 0; i < regions.size(); ++i) {
    models::RegionResidency& residency = query.residency[i];
    if (!finished[i].ok()) {
      return finished[i].status().WithContext("region " + regions[i]->region);
    }
    residency.job_id = finished[i]->job.id;
    for (const orchestrator::ExecutionResults& execution : finished[i]->results) {
      auto stats = ReadResultJson(orchestrator_, residency.job_id, execution.execution_id);
      if (stats.ok()) {
        auto [files, bytes] = ScanStats(*stats);
        residency.files += files;
        residency.bytes_scanned += bytes;
      }
      auto partial =
          orchestrator_.ReadResultFile(residency.job_id, execution.execution_id, kPartialPath);
      if (!partial.ok()) continue;  // an empty partition: no files, no partial
      std::string path = dir + "/" + residency.region + "-" +
                         std::to_string(execution.partition_index) + ".parquet";
      SHOAL_RETURN_IF_ERROR(WriteFile(path, *partial));
      residency.partial_bytes += static_cast<int64_t>(partial->size());
      shipped += static_cast<int64_t>(partial->size());
      partials.push_back(path);
      partial_region.push_back(i);
    }
  }
  query.fragments_ms = MillisSince(fragments_start);
  auto count_partial_rows = [&](const std::vector<int64_t>& rows) {
    for (size_t p = 0; p < rows.size(); ++p) {
      query.residency[partial_region[p]].partial_rows += rows[p];
    }
  };
  if (plan.shipping != engine::ShippingClass::kAggregates &&
      shipped > query.request.max_ship_bytes) {
    // The refused query's record still says what would have left each region.
    auto rows = engine::CountParquetRows(partials);
    if (rows.ok()) count_partial_rows(*rows);
    return Status(ErrorCode::kResourceExhausted,
                  "the partials of this " + query.shipping + "-class query are " +
                      std::to_string(shipped) + " bytes, over the budget of " +
                      std::to_string(query.request.max_ship_bytes) + " (--max-ship-bytes)");
  }
  if (cancel) return Status(ErrorCode::kCancelled, "the query was cancelled");

  const auto merge_start = std::chrono::steady_clock::now();
  engine::MergeOptions merge;
  merge.memory_limit = options_.merge_memory_limit;
  merge.threads = options_.merge_threads;
  merge.pool = merge_databases_;
  merge.temp_directory = dir + "/spill";
  std::vector<int64_t> partial_rows;
  SHOAL_ASSIGN_OR_RETURN(auto answer, engine::MergePartials(plan, partials, merge, &partial_rows));
  query.merge_ms = MillisSince(merge_start);
  count_partial_rows(partial_rows);
  query.result_rows = static_cast<int64_t>(answer.rows().size());
  SHOAL_RETURN_IF_ERROR(WriteFile(dir + "/result.json", ResultJsonText(answer)));
  for (const std::string& path : partials) fs::remove(path, ec);
  return Status::Ok();
}

Result<models::Query> QueryCoordinator::Get(const std::string& id, std::chrono::milliseconds wait) {
  if (wait.count() > 0) {
    std::unique_lock<std::mutex> lock(mu_);
    query_ended_.wait_for(lock, wait, [&] { return stopping_ || running_.count(id) == 0; });
  }
  return store_->Get(id);
}

Result<std::vector<models::Query>> QueryCoordinator::List(int64_t limit) {
  return store_->List(limit);
}

Result<std::string> QueryCoordinator::ResultJson(const std::string& id) {
  SHOAL_ASSIGN_OR_RETURN(auto query, store_->Get(id));
  if (query.state != models::QueryState::kCompleted) {
    return Status::FailedPrecondition("query " + id + " is " +
                                      std::string(models::ToString(query.state)) +
                                      (query.message.empty() ? "" : ": " + query.message));
  }
  std::ifstream in(QueryDir(id) + "/result.json", std::ios::binary);
  if (!in) return Status::NotFound("the answer of query " + id + " is gone");
  return std::string(std::istreambuf_iterator<char>(in), {});
}

Result<models::Query> QueryCoordinator::Cancel(const std::string& id) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(id);
    if (it != running_.end()) it->second->cancel = true;
  }
  return store_->Get(id);
}

}  // namespace shoal::query
