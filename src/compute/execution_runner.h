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
#include "engine/database_pool.h"
#include "models/execution.h"
#include "models/job.h"
#include "storage/s3_config.h"

namespace shoal::compute {

class RunControl;

// A storage location the node offers, reached by name from job text: `s3://BUCKET/KEY` inside
// DuckDB (through DUCKDB_S3_ENDPOINT or s3_endpoint), an `s3` InputSource or an `s3` Publisher
// with Endpoint `NAME` (or `http://NAME:9000`). A store is either a folder whose sub-folders are
// buckets (`<directory>/BUCKET/KEY`) or a real S3 endpoint: the name is then an endpoint alias,
// the seed's DNS trick without DNS, and `s3` carries the endpoint and the node's credentials.
struct StoreConfig {
  std::string name;       // endpoint alias, e.g. "storage-local" (the region's) or "storage"
  std::string directory;  // folder-backed store; empty for an S3 store
  std::optional<storage::S3Config> s3 = std::nullopt;  // S3 store

  bool is_s3() const { return s3.has_value(); }
};

struct NodeConfig {
  std::string node_id;
  std::string work_dir;  // executions' sandboxes are created under <work_dir>/executions/
  // Folders a `localDirectory` InputSource may mount (its SourcePath must be inside one).
  std::vector<std::string> allowed_local_paths;
  // Regexes of host environment variable names a task's `env:NAME` may read.
  std::vector<std::string> env_allow_list;
  // Named stores; the one named "storage-local" is the default for s3:// paths in SQL.
  std::vector<StoreConfig> stores;
  // The node's own environment, for env:NAME (injected so tests need no real environment).
  std::map<std::string, std::string> host_environment;
  // DuckDB instances started ahead for the executions' sessions (engine/database_pool.h); null:
  // each execution starts its own.
  std::shared_ptr<engine::DatabasePool> databases;
};

struct ResultFile {
  std::string path;  // relative to the result tree, e.g. "stdout", "outputs/metrics.csv"
  int64_t size = 0;
};

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
