// ExecutionRunner: runs one execution of a job on this node, start to finish, in-process.
//
// It prepares the execution's sandbox folder (inputs staged or mapped, empty outputs and result
// folders), resolves the task's Env against the node's allow-list, runs the engine (`duckdb`:
// an engine::Session whose paths resolve inside the sandbox; `generator`: datagen writing into
// the sandbox), and lays out the result tree (stdout, stderr, exitCode, result.json and one
// folder per ResultPath, see docs/api.md). Publishing the tree is the caller's job (the agent
// uploads it for the `local` publisher); `s3` publishers are done here.
//
// Thread-safety: Run() may be called concurrently for different executions; Cancel() from any
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "models/execution.h"
#include "models/job.h"

namespace shoal::compute {

class RunControl;

struct ExecutionOutcome {
  bool succeeded = false;
  models::RunOutput run_output;  // stdout/stderr truncated, exit code, error message
  models::ExecutionStats stats;  // what the run read and produced, and its phases' durations
  std::string result_dir;        // the result tree on this node
  std::vector<ResultFile> files;
  models::SpecConfig published_result;  // set when an s3 publisher published the tree
  // Set once an s3 publisher started writing to its store, even if it failed midway: where
  // whatever it wrote is (ResolvePublishTarget).
  models::SpecConfig publish_target;
};

// Progress callback: (topic, message), e.g. ("Downloading Inputs", "staged 12 objects").
using ProgressFn = std::function<void(const std::string&, const std::string&)>;

// Asked right before an s3 publisher writes `files` to its store, with where: false means
// the results are no longer wanted (the execution was failed or superseded while it ran), and
// nothing is written. Without a gate, the runner reports "Publishing Results" and publishes.
using PublishGate =
    std::function<bool(const models::SpecConfig& target, const std::vector<ResultFile>& files)>;

class ExecutionRunner {
 public:
  explicit ExecutionRunner(NodeConfig config);

  // Runs `execution` of `job` (its partition index is execution.partition_index; the partition
  // count is job.count). Never throws; failures of the job itself (bad SQL, missing input) are
  // an outcome with succeeded=false and a clear run_output.error_message, not a Status error.
  ExecutionOutcome Run(const models::Job& job, const models::Execution& execution,
                       const ProgressFn& progress, const PublishGate& may_publish = nullptr);

  // Interrupts the execution if it is running; it then ends with succeeded=false ("execution
  // was cancelled"). Does nothing for an execution that is not running (not yet started, or
  // finished): the caller simply does not start a cancelled execution.
  void Cancel(const std::string& execution_id);

  // What `execution_id` has done so far: the staging time (or the time staging has taken yet),
  // the running time yet, what its session has read and its progress; once the engine has
  // finished, what it did and the time publishing has taken yet. Nullopt when Run() is not
  // running it (not started, or ended).
  std::optional<models::ExecutionStats> LiveStats(const std::string& execution_id);

  // Deletes the sandbox and result tree of `execution_id` (after publishing).
  void Cleanup(const std::string& execution_id);

  const NodeConfig& config() const { return config_; }

 private:
  // An execution in Run(), from its start until Run() returns.
  struct RunningExecution {
    RunControl* control;
    std::chrono::steady_clock::time_point start;
    std::atomic<int64_t> staging_ms{-1};  // set when staging ends, so LiveStats can tell phases
    // Once the engine has finished (guarded by mutex_): its statistics; Cancel does nothing then.
    std::optional<models::ExecutionStats> after_engine;
  };

  NodeConfig config_;
  std::mutex mutex_;
  // The executions Run() is running now, by execution id.
  std::map<std::string, RunningExecution*> running_;  // guarded by mutex_
};

}  // namespace shoal::compute
