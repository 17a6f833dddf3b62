// NodeChannel: the compute node's typed client of the orchestrator's compute channel, one method
// per call the orchestrator serves (orchestrator.h, "Compute channel"), over the wire defined in
// models/node_protocol.h. It owns the retry loop: the reports that must arrive (an execution's
// status, a result file, a fetch's or store task's end) are sent again while the orchestrator is
// unreachable, until it answers or the node stops; the others fail at once and the caller
// decides.
//
// The long-poll for work goes over a client of its own, so Shutdown() can end a poll in flight
// while reports still go out.
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/node_protocol.h"
#include "transport/http_client.h"

namespace shoal::compute {

class NodeChannel {
 public:
  // `node_id` is the node's name, sent with every call; `stopping` ends the retries.
  NodeChannel(const transport::Endpoint& orchestrator, transport::HttpClient::Options options,
              std::string node_id, std::chrono::milliseconds retry_delay,
              const std::atomic<bool>& stopping);

  Result<models::RegisterAnswer> Register(const models::Node& node);
  // False: the orchestrator does not know the node (declared lost); it must register again.
  Result<bool> Heartbeat(const std::vector<std::string>& running,
                         const std::map<std::string, models::ExecutionStats>& progress);
  // Waits up to `wait` for work.
  Result<models::Work> PollWork(std::chrono::milliseconds wait);
  // The execution's compute state as the orchestrator holds it; kNotFound when it holds none.
  Result<models::ExecutionComputeState> ExecutionState(const std::string& execution_id);

  // Retried while the orchestrator is unreachable; any other error is its refusal (the
  // execution is no longer the node's), returned as it is.
  Status ReportStatus(const std::string& execution_id, models::StatusReport report);
  // Once, best effort: a lost note changes nothing, the final report settles the execution.
  void ReportProgress(const std::string& execution_id, const std::string& topic,
                      const std::string& message);
  // One file of `execution_id`'s result tree (with `fetch_id`: of that fetch), retried.
  Status UploadResultFile(const std::string& execution_id, const std::string& path,
                          const std::string& bytes, const std::string& fetch_id = "");
  // Retried: otherwise the fetch or task waits for its timeout.
  Status EndFetch(const std::string& fetch_id, const std::string& error);
  Status EndStoreTask(const std::string& task_id, const std::string& error);

  // Ends a long-poll in flight and every later one at once.
  void Shutdown();

 private:
  // Calls `send` until it returns anything but kUnavailable, or the node stops.
  template <typename Send>
  auto Retrying(const Send& send) -> decltype(send());
  void Pause() const;
  // POSTs `body` to `path`, Retrying; the answer's body is not needed.
  Status PostRetrying(const std::string& path, const transport::Json& body);

  std::string node_id_;
  std::chrono::milliseconds retry_delay_;
  const std::atomic<bool>& stopping_;
  transport::HttpClient client_;
  transport::HttpClient poll_client_;
};

}  // namespace shoal::compute
