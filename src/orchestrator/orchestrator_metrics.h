// OrchestratorMetrics: what the orchestrator tells Prometheus through GET /metrics
// (docs/api.md lists every metric). Events the orchestrator sees (a job submitted or ended, an
// execution started or ended, result bytes uploaded) update in-memory counters and histograms,
// which start from zero when the process does, as Prometheus expects of counters. State (jobs by
// state, live executions, nodes and their heartbeats) is read from the job store when scraped,
// so it cannot drift from what the API reports.
//
// Labels are a region, a state, a job type, and a node's name for per-node gauges: never a job
// or execution id. A node without a region label is region "none".
//
// Thread-safety: every method may be called from any thread; the collector runs on the scraping
// request's thread and reads the store without the orchestrator's lock.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "metrics/registry.h"

#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "orchestrator/job_store.h"

namespace shoal::orchestrator {

class OrchestratorMetrics {
 public:
  // Adds the orchestrator's families to `registry`. REQUIRES: `store` outlives the registry's
  // scrapes.
  OrchestratorMetrics(metrics::Registry& registry, JobStore& store, std::string version);

  void JobSubmitted(const models::Job& job);
  // `job` in the terminal state it just reached, `now` in ns.
  void JobEnded(const models::Job& job, int64_t now);
  // `e` leaves New (its node took it) for the first time: the wait from its creation.
  void ExecutionStarted(const models::Execution& e, int64_t now);
  // `e` in the terminal state it just reached, with the statistics its node reported.
  void ExecutionEnded(const models::Execution& e, int64_t now);
  // A node uploaded `bytes` of results (job results, query partials, fetched results).
  void ResultBytesUploaded(const std::string& node_id, uint64_t bytes);
  // Remembers the region of a node that registered.
  void NodeRegistered(const models::Node& node);

 private:
  std::string RegionOf(const std::string& node_id);
  void Collect(metrics::ExpositionWriter& writer);

  JobStore& store_;
  const std::string version_;
  metrics::CounterFamily& jobs_submitted_;
  metrics::CounterFamily& jobs_finished_;
  metrics::HistogramFamily& job_duration_;
  metrics::CounterFamily& executions_finished_;
  metrics::HistogramFamily& execution_duration_;
  metrics::HistogramFamily& dispatch_latency_;
  metrics::CounterFamily& upload_bytes_;
  metrics::CounterFamily& read_bytes_;
  metrics::CounterFamily& read_rows_;
  metrics::CounterFamily& published_bytes_;

  std::mutex mu_;
  std::map<std::string, std::string> regions_;  // node id -> region; guarded by mu_
};

// A node's region label, or "none".
std::string RegionLabel(const models::Node& node);

}  // namespace shoal::orchestrator
