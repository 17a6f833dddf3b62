// Running one job through the orchestrator to its end, in-process: what the table inspector
// and the query coordinator use to run work next to the data and collect what it returned.
//
// RunJobToCompletion submits a job (forced, so a named job runs again even when its spec is
// unchanged), looks at it after each change the orchestrator records until it is terminal and
// answers with its results, or stops it when the caller's deadline passes or the caller cancels. A
// job submitted again under the same name by someone else while it runs (a new version) ends the
// wait with an error: the results would be the other version's.
//
// Thread-safety: the functions are safe to call concurrently (the Orchestrator is thread-safe);
// each call blocks its caller's thread while it waits.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/job.h"
#include "orchestrator/orchestrator.h"

namespace shoal::query {

struct FinishedJob {
  models::Job job;  // as it ended (Completed)
  // One per completed execution of the job's version, by partition index.
  std::vector<orchestrator::ExecutionResults> results;
};

// How often RunJobToCompletion looks at the cancel flag and the deadline; it looks at the job
// whenever the orchestrator records a change (Orchestrator::WaitForChange).
inline constexpr std::chrono::milliseconds kJobPollInterval{50};

// Submits `job` and waits until it is terminal.
// - Completed: the job and its executions' results.
// - Failed or Stopped: kFailedPrecondition "job NAME (ID) failed: <job state message>", followed
//   by the failed executions' errors that message does not already give ("; partition 0 on
//   compute-us-1: <message>"), each distinct one once.
// - `timeout` passed: the job is stopped, kDeadlineExceeded.
// - `*cancel` became true: the job is stopped, kCancelled.
// A job without Timeouts gets TotalTimeout = `timeout` (rounded up to seconds) + 10 s, so the
// orchestrator ends it even if this process stops waiting (an orchestrator restart).
// Submission errors (an invalid job) are returned as the orchestrator gives them.
Result<FinishedJob> RunJobToCompletion(orchestrator::Orchestrator& orchestrator, models::Job job,
                                       std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancel = nullptr);

// A parsed result.json: the last row-returning statement of a duckdb execution.
struct ResultColumn {
  std::string name;
  std::string type;  // DuckDB's type text
  bool numeric = false;
};
struct ResultJson {
  std::vector<ResultColumn> columns;  // empty when the statement read an empty partition
  std::vector<nlohmann::json> rows;   // each an array of one JSON value per column
};
// Parses `{"Columns": [{"Name", "Type", "Numeric"}], "Rows": [[...]]}`; a malformed file is
// kInternal naming the problem.
Result<ResultJson> ParseResultJson(std::string_view text);
// ParseResultJson of the execution's result.json (Orchestrator::ReadResultFile).
Result<ResultJson> ReadResultJson(orchestrator::Orchestrator& orchestrator,
                                  const std::string& job_id, const std::string& execution_id);

}  // namespace shoal::query
