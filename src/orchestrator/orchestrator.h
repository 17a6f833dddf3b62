// Orchestrator: accepts jobs, schedules their executions onto compute nodes, tracks nodes'
// heartbeats, reschedules lost work, and stores published results. All state lives in the
// JobStore (SQLite); an orchestrator killed at any point and reopened on the same data dir
// carries on where it stopped.
//
// Every change goes through one mutex: a call loads what it needs, asks the Scheduler for a plan
// and writes the outcome in one store transaction, then wakes long-polling nodes. Work is
// proportional to what changed: a submission or an execution update evaluates its own job, and
// freed capacity or a node change is offered to the jobs that wait for a node (oldest first),
// which the orchestrator remembers in memory (rebuilt by one pass over the active jobs at Open).
// A background thread, on its own timer only, notices silent nodes and the queue and total
// timeouts of the jobs that have them.
//
// A store's results become the job's through a commit (store_tasks.h): when a job ends, the
// orchestrator queues tasks for the regions' nodes, durably (they survive a restart): write the
// job's manifest into each store its results went to, remove trees that will never be committed.
// Each task is handed to one connected node with a store at the task's location at a time; one
// that is not reported done within fetch_timeout, or whose node is lost, is handed out again.
//
// Results an `s3` publisher put into a store reach the orchestrator on demand: the orchestrator
// cannot reach stores (they sit behind regional firewalls, and it holds no store credentials), so
// FetchResults asks a node that reports a store at the same location to read them back and
// upload them. Fetches in flight live in memory only (after a restart the CLI simply asks again);
// the fetched files land, whole, where a `local` publisher's uploads do.
//
// Thread-safety: all public methods are safe to call concurrently (HTTP handler threads).
#pragma once

#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "metrics/registry.h"

#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "models/node_protocol.h"
#include "models/results.h"
#include "models/store_task.h"
#include "orchestrator/job_store.h"
#include "orchestrator/orchestrator_metrics.h"
#include "orchestrator/scheduler.h"

namespace shoal::orchestrator {

inline constexpr const char* kShoalVersion = "0.1.0";

struct OrchestratorOptions {
  std::string data_dir;
  std::chrono::milliseconds heartbeat_interval{1000};  // asked of nodes
  std::chrono::milliseconds node_timeout{10000};       // silence after which a node is lost
  std::chrono::milliseconds tick{200};                 // background checks
  // A fetch of published results that a node has not finished by then is failed (and the next
  // FetchResults call assigns a new one).
  std::chrono::milliseconds fetch_timeout{std::chrono::minutes(10)};
  bool auto_approve_nodes = true;
  SchedulerPolicy policy;
};

struct SubmitResult {
  std::string job_id;
  int64_t version = 0;
  bool changed = true;
  std::vector<std::string> warnings;
};

// The public API's result wire types (models/results.h).
using models::ExecutionResults;
using models::FetchState;
using models::ResultFetchStatus;

// What PollWork hands a node (models/node_protocol.h).
using FetchAssignment = models::FetchAssignment;
using Work = models::Work;

class Orchestrator {
 public:
  static Result<std::unique_ptr<Orchestrator>> Open(OrchestratorOptions options);
  ~Orchestrator();

  // --- Public API (orchestrator.cc) ---------------------------------------------------------
  Result<SubmitResult> SubmitJob(models::Job job, bool force, bool dry_run);
  // By full id, unique id prefix, or name within `namespace_`.
  Result<models::Job> FindJob(const std::string& id_or_name, const std::string& namespace_);
  Result<JobPage> ListJobs(const JobListOptions& options);
  Result<std::vector<models::Execution>> ListExecutions(const std::string& job_id);
  // The job's events after `since_seq`, oldest first, at most `limit` (1..kMaxHistoryPage).
  Result<std::vector<models::Event>> History(const std::string& job_id, int64_t since_seq,
                                             int64_t limit = kMaxHistoryPage);
  static constexpr int64_t kMaxHistoryPage = 1000;
  Result<std::vector<ExecutionResults>> Results(const std::string& job_id);
  Result<std::string> ReadResultFile(const std::string& job_id, const std::string& execution_id,
                                     const std::string& path);
  Status StopJob(const std::string& job_id, const std::string& reason);
  // One status per completed execution of the job's current version. Results published to a
  // store that the orchestrator does not have yet are fetched: each one without a fetch in flight
  // is assigned to a connected, approved node with a store at the published StoreLocation (the
  // publishing node first). Idempotent: calling again reports progress and assigns nothing new
  // while a fetch is in flight. A failed fetch is reported once, and the next call retries.
  Result<std::vector<ResultFetchStatus>> FetchResults(const std::string& job_id);
  Result<std::vector<models::Node>> ListNodes();
  // Executions assigned to each node and not yet ended (any state from New to Publishing).
  Result<std::map<std::string, int64_t>> ActiveExecutionsByNode();
  // What jobs that are not query fragments read and uploaded here since `since_ns`, per node and
  // UTC day (JobStore::SumJobTraffic).
  Result<std::vector<JobStore::JobTraffic>> JobTrafficSince(int64_t since_ns);
  Result<models::Node> GetNode(const std::string& node_id);
  Result<models::Node> SetNodeMembership(const std::string& node_id,
                                         models::NodeMembership membership);
  // --- Versions, re-runs and forgetting nodes (orchestrator_admin.cc) ----------------------
  // Every version of the job as submitted, oldest first.
  Result<std::vector<models::Job>> JobVersions(const std::string& job_id);
  // One version of the job (`job describe --version`).
  Result<models::Job> JobVersion(const std::string& job_id, int64_t version);
  // Submits the job's current spec again as a new version (as `job run --force` with the same
  // file): its executions start from scratch, the earlier version's stop.
  Result<SubmitResult> RerunJob(const std::string& job_id);
  // Forgets a node that is not connected (its executions and their history stay). A connected
  // node is refused: it would register again at its next heartbeat, undoing a rejection.
  Status DeleteNode(const std::string& node_id);

  // --- Compute channel (orchestrator_compute_channel.cc) -----------------------------------
  Result<models::Node> RegisterNode(models::Node node);
  // False when the node is unknown (it should register again). `progress` is what the node's
  // running executions have done so far, by execution id: kept in memory (the next heartbeat
  // brings it back after a restart) and shown by ListExecutions until the execution ends.
  Result<bool> Heartbeat(const std::string& node_id, const std::vector<std::string>& running,
                         const std::map<std::string, models::ExecutionStats>& progress = {});
  // Waits up to `wait` for work for `node_id`. Each fetch is handed out once.
  Result<Work> PollWork(const std::string& node_id, std::chrono::milliseconds wait);
  // A result file of a live execution on `node_id`, or, with `fetch_id` (or when `node_id` has
  // the execution's fetch in flight), of a fetch assigned to `node_id`.
  Status StoreResultFile(const std::string& execution_id, const std::string& node_id,
                         const std::string& path, const std::string& bytes,
                         const std::string& fetch_id = "");
  // Execution `execution_id` as its node `node_id` may see it (FailedPrecondition when it runs
  // elsewhere): lets a restarted node learn whether the orchestrator took what it published.
  Result<models::Execution> NodeExecution(const std::string& execution_id,
                                          const std::string& node_id);
  // `published`, on kCompleted, is where the node's publisher put the results (an `s3` spec);
  // null or empty means the node uploaded them (the `local` publisher). A report of the terminal
  // state the execution already has is accepted again, changing nothing: a node retries a report
  // whose answer it did not get, and must not take the retry's refusal for a rejection.
  Status UpdateExecution(const std::string& execution_id, const std::string& node_id,
                         models::ExecutionComputeState state, const std::string& topic,
                         const std::string& message, const models::RunOutput* run_output,
                         const models::SpecConfig* published = nullptr,
                         const models::ExecutionStats* stats = nullptr);
  // The end of fetch `fetch_id` on `node_id`: `error` empty means every file was uploaded, and
  // they become the execution's results at once; otherwise the fetch failed with that reason.
  // FailedPrecondition when the fetch is not in flight on that node (it timed out, say).
  Status FinishFetch(const std::string& fetch_id, const std::string& node_id,
                     const std::string& error);

  // The end of store task `task_id` on `node_id`: `error` empty means it is done (and forgotten);
  // otherwise it is handed out again after a pause. FailedPrecondition when the task is not in
  // flight on that node.
  Status FinishStoreTask(const std::string& task_id, const std::string& node_id,
                         const std::string& error);
  // The store tasks not yet done, oldest first.
  std::vector<models::StoreTask> PendingStoreTasks();

  // --- Waiting for a change -----------------------------------------------------------------
  // A count that grows whenever a job, an execution, a node, a fetch or a store task changes.
  uint64_t ChangeCount();
  // Blocks until ChangeCount() is no longer `seen`, `wait` passed, or Shutdown. A waiter reads
  // ChangeCount() first, then looks at what it waits for, then waits with that count, so a
  // change in between is not missed: in-process waiters (the query coordinator) and the API's
  // long-polls see a job end at once instead of at their next poll.
  void WaitForChange(uint64_t seen, std::chrono::milliseconds wait);

  const OrchestratorOptions& options() const { return options_; }
  // What GET /metrics exposes: the orchestrator's own metrics (orchestrator_metrics.h), and
  // those the HTTP server and the query coordinator add to it.
  metrics::Registry& metrics() { return metrics_registry_; }

  // How many times a job was evaluated (planned) since Open: lets tests check that an event
  // costs work for the jobs it concerns, not for every active job.
  int64_t EvaluationsForTest();

  // Wakes every long-poll and stops background work; call before stopping the HTTP server so
  // shutdown does not wait for polls to time out. The object stays usable for reads.
  void Shutdown();

 private:
  Orchestrator(OrchestratorOptions options, std::unique_ptr<JobStore> store);

  // The nodes and their live executions, as the scheduler sees them.
  struct ClusterView {
    std::vector<models::Node> nodes;
    std::map<std::string, int64_t> load;  // executions not yet terminal, by node id
  };

  // An active job that can change without an event of its own: it waits for a node (capacity or
  // more matching nodes) or has a queue or total timeout. `job` is the job as last written.
  struct TrackedJob {
    models::Job job;
    bool waiting = false;      // some partition has neither a live nor a completed execution
    bool wants_nodes = false;  // queued: fewer matching nodes than partitions, nothing placed
  };

  // --- Evaluation (orchestrator_evaluation.cc) ----------------------------------------------
  // REQUIRES: mu_ held (for every *Locked method).
  Result<ClusterView> LoadClusterLocked();
  // Plans `job_id` and writes the outcome. `view`, when given, is used instead of loading the
  // cluster and is kept up to date with the executions created. A failed evaluation is retried
  // by the ticker.
  Status EvaluateLocked(const std::string& job_id, ClusterView* view = nullptr);
  Status EvaluateJobLocked(const std::string& job_id, ClusterView* view);
  // Records what the ticker and ScheduleWaitingLocked need to know about `job` after a write.
  void TrackLocked(const models::Job& job, bool waiting, bool wants_nodes);
  // Offers the cluster to waiting jobs, oldest first. After capacity was freed only the jobs that
  // match a node with room are evaluated, until no node has room; after a node joined or changed
  // (`nodes_changed`), every waiting job is.
  Status ScheduleWaitingLocked(bool nodes_changed);
  // Evaluates every active job (at Open, and by the ticker until it has succeeded once).
  Status FullPassLocked();
  Status AppendEventLocked(JobStore& store, const models::Job& job, const std::string& execution_id,
                           const std::string& topic, const std::string& message);
  // The state changes every path shares, written in `store`'s transaction. Asks each live
  // execution of `executions` to stop for `reason` (the node cancels it at its next poll).
  static Status StopLiveExecutions(JobStore& store, std::vector<models::Execution>& executions,
                                   const std::string& reason, int64_t now);
  // Moves `job` to `state`, recording an event (`topic`, `event_message`); a terminal state also
  // queues the job's end-of-job store tasks into `queued`.
  Status ChangeJobStateLocked(JobStore& store, models::Job& job,
                              models::State<models::JobStateType> state, const std::string& topic,
                              const std::string& event_message,
                              const std::vector<models::Execution>& executions, int64_t now,
                              std::vector<models::StoreTask>* queued);
  // After the transaction that ended `job` (stopped or timed out) has committed.
  void JobEndedLocked(const models::Job& job, int64_t now, std::vector<models::StoreTask> queued);
  Status FailExecutionLocked(models::Execution execution, const std::string& reason);
  Status FailNodeExecutionsLocked(const std::string& node_id, const std::string& reason);
  // Counts a change and wakes every waiter (long-polls, WaitForChange).
  void NotifyChangedLocked();
  void TickLoop();
  Status TickLocked();
  Status CheckTotalTimeoutLocked(const std::string& job_id, int64_t now);
  std::string ResultDir(const std::string& job_id, const std::string& execution_id) const;

  // Fetches of published results (result_fetch.cc). A fetch's uploads go to a staging folder
  // that becomes the execution's result folder when the node reports success, so the result
  // folder of a store-published execution exists exactly when its files are all there.
  struct Fetch {
    std::string id;
    std::string execution_id;
    std::string job_id;
    std::string node_id;
    models::SpecConfig published;
    bool delivered = false;  // handed to the node by PollWork
    std::chrono::steady_clock::time_point deadline;
  };
  std::string FetchDir(const std::string& fetch_id) const;
  // The status of completed execution `e`, assigning a fetch when one is needed. `nodes` are
  // loaded by the caller once per request.
  ResultFetchStatus FetchStatusLocked(const models::Execution& e,
                                      const std::vector<models::Node>& nodes, bool* assigned);
  // Ends a fetch in flight as failed; the reason is reported by the next FetchResults.
  void FailFetchLocked(const std::string& fetch_id, const std::string& reason);
  void FailNodeFetchesLocked(const std::string& node_id, const std::string& reason);
  void ExpireFetchesLocked();

  // Store tasks (orchestrator_store_tasks.cc). Queue* write them in `store`'s transaction and
  // return them; Adopt* makes them known once that transaction has committed.
  Status QueueStoreTasksLocked(JobStore& store, std::vector<models::StoreTask> tasks,
                               std::vector<models::StoreTask>* queued);
  void AdoptStoreTasksLocked(std::vector<models::StoreTask> tasks);
  // The tasks of `store_tasks_` that `node_id` can do now, marked in flight on it.
  Result<std::vector<models::StoreTask>> HandOutStoreTasksLocked(const std::string& node_id);
  void DropNodeStoreTasksLocked(const std::string& node_id);
  void ExpireStoreTasksLocked();

  struct StoreTaskFlight {
    std::string node_id;
    std::chrono::steady_clock::time_point deadline;
  };

  OrchestratorOptions options_;
  std::unique_ptr<JobStore> store_;
  metrics::Registry metrics_registry_;
  OrchestratorMetrics metrics_;
  std::mutex mu_;
  std::condition_variable work_changed_;  // wakes long-polls
  std::condition_variable ticker_wake_;   // wakes the ticker, only to stop it
  bool stopping_ = false;
  uint64_t changes_ = 0;  // ChangeCount()
  std::thread ticker_;

  // Guarded by mu_.
  std::map<std::string, TrackedJob> tracked_;          // by job id
  std::set<std::pair<int64_t, std::string>> waiting_;  // (create time, job id)
  std::set<std::string> timed_;                        // tracked jobs with a deadline
  std::set<std::string> retry_;                        // last evaluation failed
  bool full_pass_pending_ = true;
  bool reoffer_ = false;  // an offer to waiting jobs failed: the ticker makes it again
  int64_t evaluations_ = 0;
  std::map<std::string, Fetch> fetches_;                  // in flight, by fetch id
  std::map<std::string, std::string> execution_fetch_;    // execution id -> its fetch in flight
  std::map<std::string, std::string> fetch_failures_;     // execution id -> unreported failure
  std::map<std::string, models::StoreTask> store_tasks_;  // not yet done, by id
  std::map<std::string, StoreTaskFlight> store_flights_;  // handed out, by task id
  std::map<std::string, std::chrono::steady_clock::time_point> store_retry_at_;  // after a failure
  // Node id -> execution id -> what the node's last heartbeat said the execution has done so
  // far; only Running and Publishing executions of that node.
  std::map<std::string, std::map<std::string, models::ExecutionStats>> live_stats_;
};

// Now, in ns since the Unix epoch (the time unit of every model timestamp).
int64_t NowNanos();

// A result path from a node or a user: relative, no '..', no empty segments.
Status CheckRelativePath(const std::string& path);

}  // namespace shoal::orchestrator
