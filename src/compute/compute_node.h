// ComputeNode: the agent of a compute node. It registers with the orchestrator (labels, engines,
// capacity, the locations of its stores), heartbeats, long-polls for work, runs each execution on
// its own thread through the ExecutionRunner, uploads the result tree (the `local` publisher) or
// reports where an `s3` publisher put it, and reports the outcome.
//
// The orchestrator cannot reach stores, so it asks nodes to fetch results published to one
// (`shoal job get`): each fetch runs on its own thread, beside the executions, reads the published
// objects back (published_results.h) and uploads them as a `local` publisher would.
//
// Every connection is outbound: a node behind a firewall needs no open port. When the
// orchestrator is unreachable the node keeps retrying; when the orchestrator says it does not
// know the node (it was declared lost), the node registers again.
//
// The node authenticates with its own node token (sent as a bearer token) and reaches an https
// orchestrator over TLS, verifying its certificate against the given CA. A refused token (401),
// a token that is another node's (403), or a certificate that does not verify does not stop the
// node: it logs why and tries again every auth_retry_delay, so fixing the orchestrator's side needs
// no restart of the nodes, and a misconfigured node neither spins nor floods the orchestrator's
// audit log.
//
// Thread-safety: Start/Stop from one thread; everything else runs on the node's own threads.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "common/status.h"
#include "compute/execution_runner.h"
#include "compute/node_channel.h"
#include "models/store_task.h"

namespace shoal::compute {

struct ComputeNodeOptions {
  transport::Endpoint orchestrator;
  NodeConfig runner;  // runner.node_id is the node's name
  std::map<std::string, std::string> labels;
  int64_t max_executions = 4;
  std::chrono::milliseconds poll_wait{10000};
  std::chrono::milliseconds retry_delay{500};  // after a failed call to the orchestrator
  std::string node_token;                      // sent as `Authorization: Bearer`; empty: none
  std::string ca_cert_file;                    // https orchestrator: the CA (PEM) to verify it with
  // After the orchestrator refused the token, or its certificate did not verify.
  std::chrono::milliseconds auth_retry_delay{15000};
};

class ComputeNode {
 public:
  // Starts the node's threads. Registration happens on them (and is retried until it works).
  static Result<std::unique_ptr<ComputeNode>> Start(ComputeNodeOptions options);
  ~ComputeNode();
  ComputeNode(const ComputeNode&) = delete;
  ComputeNode& operator=(const ComputeNode&) = delete;

  // Stops polling and heartbeating, interrupts running executions and waits for the threads.
  void Stop();
  // The first half of Stop(), without waiting: lets a caller stop many nodes in parallel.
  void RequestStop();

  // True once the orchestrator has accepted the node's registration.
  bool registered() const { return registered_.load(); }

 private:
  explicit ComputeNode(ComputeNodeOptions options);
  Status Register();
  void HeartbeatLoop();
  void PollLoop();
  void RunExecution(const models::Job& job, const models::Execution& execution);
  // Reports a status (retried while the orchestrator is unreachable); false when the orchestrator
  // refuses it (the execution is no longer ours) or the node is stopping.
  bool PostStatus(const std::string& execution_id, models::ExecutionComputeState state,
                  const std::string& topic, const std::string& message,
                  const models::RunOutput* run_output,
                  const models::SpecConfig* published = nullptr,
                  const models::ExecutionStats* stats = nullptr);
  // Uploads `files` (relative to `dir`) as results of `execution_id`; with `fetch_id`, as the
  // files of that fetch.
  Status UploadFiles(const std::string& execution_id, const std::string& dir,
                     const std::vector<ResultFile>& files, const std::string& fetch_id = "");
  // Reads the published results of one execution back from a store, uploads them and reports
  // the fetch's end.
  void RunFetch(const std::string& fetch_id, const std::string& execution_id,
                const models::SpecConfig& published);
  // Publishes of `s3` publishers are recorded (target and files) in <work_dir>/publishing/ from
  // just before the upload until the orchestrator has taken the result, so that what a failed,
  // superseded or killed execution wrote to a store can be removed.
  std::string PublishRecordPath(const std::string& execution_id) const;
  void RecordPublish(const std::string& execution_id, const models::SpecConfig& target,
                     const std::vector<ResultFile>& files);
  void ForgetPublish(const std::string& execution_id);
  // Removes what execution_id wrote to `target`, when its key names the execution (otherwise it
  // may be another execution's), and forgets the record; on failure the record stays.
  void ClearPublish(const std::string& execution_id, const models::SpecConfig& target,
                    const std::vector<ResultFile>& files);
  // After the first registration: clears each recorded publish whose execution the orchestrator
  // does not hold as Completed (the node was killed mid-upload or before its report).
  void ClearAbandonedPublishes();
  // Does one store task (store_task_runner.h) and reports its end to the orchestrator.
  void RunStoreTaskAndReport(const models::StoreTask& task);
  void SleepFor(std::chrono::milliseconds delay);
  void Log(const std::string& message) const;
  // True when `status` says this node cannot talk to the orchestrator until someone fixes a
  // token or a certificate: it is logged, registration starts over, and the caller waits
  // auth_retry_delay before trying again.
  bool RefusedForGood(const Status& status);
  // REQUIRES: mu_ held. Joins workers whose execution or fetch has finished.
  void ReapWorkersLocked();

  ComputeNodeOptions options_;
  std::atomic<bool> stopping_{false};
  // Stop shuts its long-poll down, so that a stopping node does not wait out the poll (up to
  // poll_wait), while reports still go out.
  NodeChannel channel_;
  ExecutionRunner runner_;
  std::atomic<bool> registered_{false};
  std::atomic<int64_t> heartbeat_ms_{1000};
  // Held across a heartbeat (its snapshot of running_ and its POST) and across an execution's
  // first "Running" report, so the orchestrator never reads a heartbeat taken before an
  // execution started after that execution's Running report: it would fail the execution as
  // one the node "no longer runs". Never held with mu_ waiting on it.
  std::mutex report_mu_;
  std::mutex mu_;
  std::condition_variable wake_;
  std::set<std::string> running_;  // execution ids accepted and not yet reported terminal
  // What an execution's run did, from the end of ExecutionRunner::Run until its report: the
  // heartbeats' statistics while the `local` publisher uploads (the runner has let it go).
  std::map<std::string, models::ExecutionStats> uploading_stats_;
  std::map<std::string, std::thread> workers_;  // by execution id; reaped when done
  // Fetches and store tasks accepted and not yet reported, by fetch or task id (the two never
  // share an id), and their threads, reaped when done.
  std::set<std::string> fetching_;
  std::map<std::string, std::thread> fetch_workers_;
  std::thread heartbeat_thread_;
  std::thread poll_thread_;
};

}  // namespace shoal::compute
