// JobStore: the orchestrator's durable state — jobs and their versions, executions, history
// events and nodes — in one SQLite database (WAL) under the orchestrator's --data-dir.
//
// Every method is atomic on its own; Transaction() groups several into one atomic unit (the
// scheduler uses it so a crash never leaves half a decision). A process killed at any moment and
// reopened sees every committed write and nothing else.
//
// Thread-safety: safe for concurrent use; calls are serialized internally. Inside a
// Transaction callback, use only the JobStore& passed to the callback.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "models/selector.h"
#include "models/store_task.h"

namespace shoal::orchestrator {

struct JobListOptions {
  std::string namespace_;  // empty: every namespace
  int64_t limit = 100;
  std::string next_token;  // from a previous page; empty for the first
  // Only jobs whose labels match every selector (`job list --labels`); empty: every job.
  std::vector<models::LabelSelector> labels;
  std::string state;          // only jobs in this state ("Running"); empty: every state
  std::string name_contains;  // only jobs whose name contains this text; empty: every job
  // The order of the pages: by create time (newest first) or by ID (ascending); `reverse`
  // turns either around. A next_token is valid for the order it was issued in only.
  enum class Order { kCreateTime, kId };
  Order order = Order::kCreateTime;
  bool reverse = false;
};

struct JobPage {
  std::vector<models::Job> items;  // in the options' order
  std::string next_token;          // empty when this is the last page
};

class JobStore {
 public:
  // Opens (creating if needed) the database at `path`. Schema upgrades happen here.
  static Result<std::unique_ptr<JobStore>> Open(const std::string& path);

  virtual ~JobStore() = default;

  // Runs `body` in one SQLite transaction; commits when it returns OK, rolls back otherwise.
  virtual Status Transaction(const std::function<Status(JobStore&)>& body) = 0;

  // Jobs. PutJob inserts or replaces the job's current state and also records the spec of
  // job.version in the version history (kept for `job describe --version`).
  virtual Status PutJob(const models::Job& job) = 0;
  virtual Result<models::Job> GetJob(const std::string& id) = 0;  // kNotFound if absent
  virtual Result<std::optional<models::Job>> FindJobByName(const std::string& namespace_,
                                                           const std::string& name) = 0;
  // Jobs whose ID starts with `prefix` (for short IDs in the CLI), at most `limit`.
  virtual Result<std::vector<models::Job>> FindJobsByIdPrefix(const std::string& prefix,
                                                              int64_t limit) = 0;
  virtual Result<models::Job> GetJobVersion(const std::string& id, int64_t version) = 0;
  virtual Result<JobPage> ListJobs(const JobListOptions& options) = 0;
  // Jobs not in a terminal state (the scheduler re-evaluates them after a restart).
  virtual Result<std::vector<models::Job>> ListActiveJobs() = 0;

  // Executions.
  virtual Status PutExecution(const models::Execution& execution) = 0;
  virtual Result<models::Execution> GetExecution(const std::string& id) = 0;
  virtual Result<std::vector<models::Execution>> ListExecutions(const std::string& job_id) = 0;
  // Executions on `node_id` whose compute state is not terminal.
  virtual Result<std::vector<models::Execution>> ListActiveExecutionsOnNode(
      const std::string& node_id) = 0;

  // History. AppendEvent assigns and returns the next sequence number of that job (1, 2, ...).
  virtual Result<int64_t> AppendEvent(const models::Event& event) = 0;
  // Events of `job_id` with seq_num > since_seq, oldest first, at most `limit`.
  virtual Result<std::vector<models::Event>> ListEvents(const std::string& job_id,
                                                        int64_t since_seq, int64_t limit) = 0;

  // Nodes.
  virtual Status PutNode(const models::Node& node) = 0;
  virtual Result<models::Node> GetNode(const std::string& id) = 0;
  virtual Result<std::vector<models::Node>> ListNodes() = 0;
  // Forgets the node (its executions and events stay); NotFound when there is none.
  virtual Status DeleteNode(const std::string& id) = 0;

  // Counts for /metrics, made by SQLite over its indexes (cheap with many jobs): jobs by state,
  // and executions not yet terminal by node and compute state.
  struct ActiveExecutionCount {
    std::string node_id;
    std::string compute_state;
    int64_t count = 0;
  };
  virtual Result<std::map<std::string, int64_t>> CountJobsByState() = 0;
  // What the executions of jobs that are not query fragments (no `shoal-query` label) created at
  // or after `since_ns` read and uploaded to the orchestrator, per node and UTC day.
  struct JobTraffic {
    std::string node_id;
    std::string day;  // "2026-12-07"
    int64_t executions = 0;
    int64_t bytes_read = 0;      // every execution's Stats.BytesRead
    int64_t uploaded_bytes = 0;  // completed executions' results published to the orchestrator
  };
  virtual Result<std::vector<JobTraffic>> SumJobTraffic(int64_t since_ns) = 0;
  virtual Result<std::vector<ActiveExecutionCount>> CountActiveExecutions() = 0;

  // Store tasks. PutStoreTask keeps a task already stored under the same id as it is (ids are
  // deterministic, so queuing twice is harmless); DeleteStoreTask of an unknown id is OK.
  virtual Status PutStoreTask(const models::StoreTask& task) = 0;
  virtual Status DeleteStoreTask(const std::string& id) = 0;
  // Oldest first.
  virtual Result<std::vector<models::StoreTask>> ListStoreTasks() = 0;
};

}  // namespace shoal::orchestrator
