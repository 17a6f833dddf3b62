// Execution: one attempt at running one partition of one job version on one node, with the
// orchestrator's desired state kept apart from the state the node reports, and the run's output.
//
// Desired state is written only by the scheduler; ComputeState only from node reports. A
// retried partition gets a new Execution with the same PartitionIndex, Attempt + 1, and
// PreviousExecution pointing at the one it replaces.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "models/spec_config.h"
#include "models/states.h"

namespace shoal::models {

// Bacalhau keeps this much of each stream in RunOutput; the full logs live with the result.
inline constexpr size_t kRunOutputLimitBytes = 2048;

struct RunOutput {
  std::string stdout_text;
  bool stdout_truncated = false;
  std::string stderr_text;
  bool stderr_truncated = false;
  int exit_code = 0;
  std::string error_message;  // why the run failed, if it did; empty on success
  // False when the failure would recur on any node (the SQL cannot be parsed or bound, a file
  // pattern matches nothing, a variable the node lacks): the orchestrator then fails the job
  // instead of retrying the partition. True on success and for failures another try may pass.
  bool retryable = true;

  bool operator==(const RunOutput&) const = default;
};

// Keeps the first kRunOutputLimitBytes of `text` (never splitting a UTF-8 sequence) and
// reports whether anything was cut.
std::string TruncateOutput(std::string_view text, bool* truncated);

// What an execution did, measured on its node and reported with its end (docs/api.md,
// "Execution statistics"). Zeros for an execution that reported none (it ran before nodes
// reported statistics, or its node died).
struct ExecutionStats {
  int64_t rows_read = 0;        // rows its SQL's sources delivered (DuckDB's count; engine duckdb)
  int64_t bytes_read = 0;       // bytes read from files, folder stores and S3 objects
  int64_t files_read = 0;       // distinct files and objects opened for reading
  int64_t result_rows = 0;      // rows of its result table (result.json)
  int64_t result_bytes = 0;     // bytes of its result tree
  int64_t published_bytes = 0;  // bytes its publisher wrote (to a store, or to the orchestrator)
  std::string published_to;     // "orchestrator", or the name of the store it published to
  int64_t queued_ms = 0;        // from its creation until its node took it (the orchestrator's)
  int64_t staging_ms = 0;       // preparing the sandbox and staging inputs
  int64_t running_ms = 0;       // the engine's run
  int64_t publishing_ms = 0;    // publishing the results
  // While the engine runs: how far its statement is, 0..1 (DuckDB's query progress, as the node's
  // last heartbeat reported it); -1 when unknown and once the execution has ended.
  double progress = -1;

  bool operator==(const ExecutionStats&) const = default;
};

struct Execution {
  std::string id;  // "e-<uuid>"
  std::string namespace_;
  std::string job_id;
  int64_t job_version = 0;
  std::string node_id;
  int64_t partition_index = 0;
  int64_t attempt = 1;  // 1 for the first try of a partition
  State<ExecutionDesiredState> desired_state;
  State<ExecutionComputeState> compute_state;
  std::string previous_execution;  // the execution this one retries, if any
  std::string next_execution;      // the execution that retried this one, if any
  RunOutput run_output;
  ExecutionStats stats;
  SpecConfig published_result;  // where the publisher put the results; empty until published
  // Where an `s3` publisher said, before its upload started, that it would put the results (with
  // the paths it meant to write): lets the orchestrator have an abandoned tree removed.
  SpecConfig publish_target;
  int64_t revision = 0;
  int64_t create_time = 0;  // ns since the Unix epoch
  int64_t modify_time = 0;

  bool operator==(const Execution&) const = default;
};

}  // namespace shoal::models
