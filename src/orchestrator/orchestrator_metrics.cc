#include "orchestrator/orchestrator_metrics.h"

#include <set>
#include <tuple>

namespace shoal::orchestrator {
namespace {

using metrics::MetricType;

double Seconds(int64_t from_ns, int64_t to_ns) {
  return to_ns > from_ns ? static_cast<double>(to_ns - from_ns) / 1e9 : 0;
}

std::string Type(const models::Job& job) { return std::string(models::ToString(job.type)); }

}  // namespace

std::string RegionLabel(const models::Node& node) {
  auto it = node.labels.find("region");
  return it == node.labels.end() || it->second.empty() ? "none" : it->second;
}

OrchestratorMetrics::OrchestratorMetrics(metrics::Registry& registry, JobStore& store,
                                         std::string version)
    : store_(store),
      version_(std::move(version)),
      jobs_submitted_(registry.AddCounter("shoal_jobs_submitted_total",
                                          "Job versions submitted (a re-run counts again).",
                                          {"type"})),
      jobs_finished_(registry.AddCounter("shoal_jobs_finished_total",
                                         "Jobs that reached a terminal state, by that state.",
                                         {"type", "state"})),
      job_duration_(registry.AddHistogram("shoal_job_duration_seconds",
                                          "From a job version's submission to its terminal state.",
                                          {"type"})),
      executions_finished_(registry.AddCounter(
          "shoal_executions_finished_total",
          "Executions that reached a terminal state, by the region of their node and that state.",
          {"region", "state"})),
      execution_duration_(registry.AddHistogram(
          "shoal_execution_duration_seconds",
          "From an execution's creation to its terminal state, by the region of its node.",
          {"region"})),
      dispatch_latency_(registry.AddHistogram(
          "shoal_dispatch_latency_seconds",
          "From an execution's creation to its node's first report that it took it.", {"region"})),
      upload_bytes_(registry.AddCounter(
          "shoal_result_upload_bytes_total",
          "Result bytes nodes uploaded to the orchestrator (job results, query partials, results "
          "fetched from a store), by the region they came from.",
          {"region"})),
      read_bytes_(registry.AddCounter(
          "shoal_read_bytes_total",
          "Bytes executions read from files and stores, by the region of their node (as each "
          "execution's node reported at its end).",
          {"region"})),
      read_rows_(registry.AddCounter(
          "shoal_read_rows_total",
          "Rows executions' SQL sources delivered, by the region of their node.", {"region"})),
      published_bytes_(registry.AddCounter(
          "shoal_published_bytes_total",
          "Result bytes executions published, by the region of their node and where to (a "
          "store's name, or orchestrator).",
          {"region", "destination"})) {
  registry.AddCollector({"shoal_build_info", "shoal_jobs", "shoal_executions", "shoal_nodes",
                         "shoal_node_last_heartbeat_timestamp_seconds",
                         "shoal_node_running_executions", "shoal_node_capacity_executions"},
                        [this](metrics::ExpositionWriter& writer) { Collect(writer); });
}

void OrchestratorMetrics::JobSubmitted(const models::Job& job) {
  jobs_submitted_.With({Type(job)}).Increment();
}

void OrchestratorMetrics::JobEnded(const models::Job& job, int64_t now) {
  jobs_finished_.With({Type(job), std::string(models::ToString(job.state.state_type))}).Increment();
  job_duration_.With({Type(job)}).Observe(Seconds(job.version_time, now));
}

void OrchestratorMetrics::ExecutionStarted(const models::Execution& e, int64_t now) {
  dispatch_latency_.With({RegionOf(e.node_id)}).Observe(Seconds(e.create_time, now));
}

void OrchestratorMetrics::ExecutionEnded(const models::Execution& e, int64_t now) {
  const std::string region = RegionOf(e.node_id);
  executions_finished_.With({region, std::string(models::ToString(e.compute_state.state_type))})
      .Increment();
  execution_duration_.With({region}).Observe(Seconds(e.create_time, now));
  read_bytes_.With({region}).Increment(static_cast<double>(e.stats.bytes_read));
  read_rows_.With({region}).Increment(static_cast<double>(e.stats.rows_read));
  if (e.stats.published_bytes > 0) {
    published_bytes_.With({region, e.stats.published_to})
        .Increment(static_cast<double>(e.stats.published_bytes));
  }
}

void OrchestratorMetrics::ResultBytesUploaded(const std::string& node_id, uint64_t bytes) {
  upload_bytes_.With({RegionOf(node_id)}).Increment(static_cast<double>(bytes));
}

void OrchestratorMetrics::NodeRegistered(const models::Node& node) {
  std::lock_guard lock(mu_);
  regions_[node.id] = RegionLabel(node);
}

std::string OrchestratorMetrics::RegionOf(const std::string& node_id) {
  {
    std::lock_guard lock(mu_);
    auto it = regions_.find(node_id);
    if (it != regions_.end()) return it->second;
  }
  // A node registered before a restart: its record has the labels.
  auto node = store_.GetNode(node_id);
  const std::string region = node.ok() ? RegionLabel(*node) : "none";
  std::lock_guard lock(mu_);
  regions_[node_id] = region;
  return region;
}

void OrchestratorMetrics::Collect(metrics::ExpositionWriter& writer) {
  writer.Family("shoal_build_info", MetricType::kGauge, "The running Shoal's version (always 1).");
  writer.Sample({{"version", version_}}, 1);

  // A store that cannot answer leaves its families without samples rather than failing the
  // scrape: the other metrics still tell what is going on.
  writer.Family("shoal_jobs", MetricType::kGauge, "Jobs by state.");
  if (auto jobs = store_.CountJobsByState(); jobs.ok()) {
    for (auto state : {models::JobStateType::kPending, models::JobStateType::kQueued,
                       models::JobStateType::kRunning, models::JobStateType::kCompleted,
                       models::JobStateType::kFailed, models::JobStateType::kStopped}) {
      const std::string name(models::ToString(state));
      auto it = jobs->find(name);
      writer.Sample({{"state", name}}, it == jobs->end() ? 0 : static_cast<double>(it->second));
    }
  }

  auto nodes = store_.ListNodes();
  std::map<std::string, std::string> region_of;
  if (nodes.ok()) {
    for (const auto& node : *nodes) region_of[node.id] = RegionLabel(node);
  }
  auto executions = store_.CountActiveExecutions();
  std::map<std::string, int64_t> running_on;  // node id -> live executions
  writer.Family("shoal_executions", MetricType::kGauge,
                "Executions not yet terminal, by the region of their node and compute state.");
  if (executions.ok()) {
    std::map<std::pair<std::string, std::string>, int64_t> by_region;
    for (const auto& c : *executions) {
      auto region = region_of.find(c.node_id);
      by_region[{region == region_of.end() ? "none" : region->second, c.compute_state}] += c.count;
      running_on[c.node_id] += c.count;
    }
    for (const auto& [key, count] : by_region) {
      writer.Sample({{"region", key.first}, {"state", key.second}}, static_cast<double>(count));
    }
  }
  if (!nodes.ok()) return;
  writer.Family("shoal_nodes", MetricType::kGauge, "Nodes by region, membership and connection.");
  std::map<std::tuple<std::string, std::string, std::string>, int64_t> counts;
  for (const auto& node : *nodes) {
    ++counts[{RegionLabel(node), std::string(models::ToString(node.membership)),
              std::string(models::ToString(node.connection))}];
  }
  for (const auto& [key, count] : counts) {
    writer.Sample({{"region", std::get<0>(key)},
                   {"membership", std::get<1>(key)},
                   {"connection", std::get<2>(key)}},
                  static_cast<double>(count));
  }
  writer.Family("shoal_node_last_heartbeat_timestamp_seconds", MetricType::kGauge,
                "When each node last sent a heartbeat (Unix time; time() minus it is the age).");
  for (const auto& node : *nodes) {
    if (node.last_heartbeat == 0) continue;
    writer.Sample({{"node", node.id}, {"region", RegionLabel(node)}},
                  static_cast<double>(node.last_heartbeat) / 1e9);
  }
  writer.Family("shoal_node_running_executions", MetricType::kGauge,
                "Executions not yet terminal on each node.");
  for (const auto& node : *nodes) {
    auto it = running_on.find(node.id);
    writer.Sample({{"node", node.id}, {"region", RegionLabel(node)}},
                  it == running_on.end() ? 0 : static_cast<double>(it->second));
  }
  writer.Family("shoal_node_capacity_executions", MetricType::kGauge,
                "Executions each node accepts at once.");
  for (const auto& node : *nodes) {
    writer.Sample({{"node", node.id}, {"region", RegionLabel(node)}},
                  static_cast<double>(node.capacity.max_executions));
  }
}

}  // namespace shoal::orchestrator
