// Orchestrator: accepts jobs, schedules their executions onto compute nodes, tracks nodes'
// heartbeats, reschedules lost work, and stores published results. All state lives in the
// JobStore (SQLite); an orchestrator killed at any point and reopened on the same data dir
// carries on where it stopped.
//
// Every change goes through one mutex: a call loads what it needs, asks the Scheduler for a plan
// and writes the outcome in one store transaction, then wakes long-polling nodes. A background
// thread notices silent nodes, queue and total timeouts.
//
// Thread-safety: all public methods are safe to call concurrently (HTTP handler threads).
#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "orchestrator/job_store.h"
#include "orchestrator/scheduler.h"

namespace shoal::orchestrator {

struct OrchestratorOptions {
  std::string data_dir;
  std::chrono::milliseconds heartbeat_interval{1000};  // asked of nodes
  std::chrono::milliseconds node_timeout{10000};       // silence after which a node is lost
  std::chrono::milliseconds tick{200};                 // background checks
  bool auto_approve_nodes = true;
  SchedulerPolicy policy;
};

struct SubmitResult {
  std::string job_id;
  int64_t version = 0;
  bool changed = true;
  std::vector<std::string> warnings;
};

struct ResultFileInfo {
  std::string path;
  int64_t size = 0;
};

struct ExecutionResults {
  std::string execution_id;
  std::string node_id;
  int64_t partition_index = 0;
  std::vector<ResultFileInfo> files;
};

struct Work {
  std::vector<std::pair<models::Execution, models::Job>> assigned;
  std::vector<std::string> cancel;
};

class Orchestrator {
 public:
  static Result<std::unique_ptr<Orchestrator>> Open(OrchestratorOptions options);
  ~Orchestrator();

  // --- Public API -------------------------------------------------------------------------
  Result<SubmitResult> SubmitJob(models::Job job, bool force, bool dry_run);
  // By full id, unique id prefix, or name within `namespace_`.
  Result<models::Job> FindJob(const std::string& id_or_name, const std::string& namespace_);
  Result<JobPage> ListJobs(const JobListOptions& options);
  Result<std::vector<models::Execution>> ListExecutions(const std::string& job_id);
  Result<std::vector<models::Event>> History(const std::string& job_id, int64_t since_seq);
  Result<std::vector<ExecutionResults>> Results(const std::string& job_id);
  Result<std::string> ReadResultFile(const std::string& job_id, const std::string& execution_id,
                                     const std::string& path);
  Status StopJob(const std::string& job_id, const std::string& reason);
  Result<std::vector<models::Node>> ListNodes();
  Result<models::Node> GetNode(const std::string& node_id);
  Result<models::Node> SetNodeMembership(const std::string& node_id,
                                         models::NodeMembership membership);

  // --- Compute channel --------------------------------------------------------------------
  Result<models::Node> RegisterNode(models::Node node);
  // False when the node is unknown (it should register again).
  Result<bool> Heartbeat(const std::string& node_id, const std::vector<std::string>& running);
  // Waits up to `wait` for work for `node_id`.
  Result<Work> PollWork(const std::string& node_id, std::chrono::milliseconds wait);
  Status StoreResultFile(const std::string& execution_id, const std::string& node_id,
                         const std::string& path, const std::string& bytes);
  Status UpdateExecution(const std::string& execution_id, const std::string& node_id,
                         models::ExecutionComputeState state, const std::string& topic,
                         const std::string& message, const models::RunOutput* run_output);

  const OrchestratorOptions& options() const { return options_; }

  // Wakes every long-poll and stops background work; call before stopping the HTTP server so
  // shutdown does not wait for polls to time out. The object stays usable for reads.
  void Shutdown();

 private:
  Orchestrator(OrchestratorOptions options, std::unique_ptr<JobStore> store);

  // REQUIRES: mu_ held. Plans `job_id` and writes the outcome.
  Status EvaluateLocked(const std::string& job_id);
  Status AppendEventLocked(JobStore& store, const models::Job& job, const std::string& execution_id,
                           const std::string& topic, const std::string& message);
  Status FailExecutionLocked(models::Execution execution, const std::string& reason);
  Status FailNodeExecutionsLocked(const std::string& node_id, const std::string& reason);
  void TickLoop();
  Status TickLocked();
  std::string ResultDir(const std::string& job_id, const std::string& execution_id) const;

  OrchestratorOptions options_;
  std::unique_ptr<JobStore> store_;
  std::mutex mu_;
  std::condition_variable work_changed_;
  bool stopping_ = false;
  std::thread ticker_;
};

// Now, in ns since the Unix epoch (the time unit of every model timestamp).
int64_t NowNanos();

}  // namespace shoal::orchestrator
