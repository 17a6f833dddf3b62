// FakeNode: a compute node for in-process tests of code that runs jobs through an Orchestrator
// (job_waiter, table_inspector) without DuckDB: it registers with labels, long-polls for work and
// answers each execution with what the test's handler decides (a result.json, a failure, or
// nothing at all).
//
// Thread-safety: the handler runs on the node's own thread; Stop() (or the destructor) joins it.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "models/execution.h"
#include "models/job.h"
#include "orchestrator/orchestrator.h"

namespace shoal::query::testing {

struct FakeOutcome {
  enum class Kind { kComplete, kFail, kIgnore } kind = Kind::kComplete;
  std::string result_json;  // kComplete
  std::string error;        // kFail
};

class FakeNode {
 public:
  using Handler = std::function<FakeOutcome(const models::Execution&, const models::Job&)>;

  FakeNode(orchestrator::Orchestrator& orchestrator, std::string id, std::string region,
           Handler handler)
      : orchestrator_(orchestrator), id_(std::move(id)), handler_(std::move(handler)) {
    models::Node node;
    node.id = id_;
    node.labels = {{"region", std::move(region)}};
    node.engines = {"duckdb"};
    node.capacity.max_executions = 4;
    registered_ = orchestrator_.RegisterNode(node).ok();
    thread_ = std::thread([this] { Loop(); });
  }
  ~FakeNode() { Stop(); }

  bool registered() const { return registered_; }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    while (!stop_) {
      (void)orchestrator_.Heartbeat(id_, {});
      auto work = orchestrator_.PollWork(id_, std::chrono::milliseconds(50));
      if (!work.ok()) continue;
      for (const auto& [execution, job] : work->assigned) Answer(execution, job);
    }
  }

  void Answer(const models::Execution& e, const models::Job& job) {
    FakeOutcome outcome = handler_(e, job);
    if (outcome.kind == FakeOutcome::Kind::kIgnore) return;
    (void)orchestrator_.UpdateExecution(e.id, id_, models::ExecutionComputeState::kRunning, "",
                                        "running", nullptr);
    models::RunOutput output;
    if (outcome.kind == FakeOutcome::Kind::kFail) {
      output.exit_code = 1;
      output.error_message = outcome.error;
      (void)orchestrator_.UpdateExecution(e.id, id_, models::ExecutionComputeState::kFailed, "",
                                          outcome.error, &output);
      return;
    }
    (void)orchestrator_.StoreResultFile(e.id, id_, "result.json", outcome.result_json);
    (void)orchestrator_.UpdateExecution(e.id, id_, models::ExecutionComputeState::kCompleted, "",
                                        "done", &output);
  }

  orchestrator::Orchestrator& orchestrator_;
  const std::string id_;
  Handler handler_;
  bool registered_ = false;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace shoal::query::testing
