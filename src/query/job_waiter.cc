#include "query/job_waiter.h"

#include <set>
#include <thread>
#include <utility>

#include "models/states.h"

namespace shoal::query {

namespace {

using models::ExecutionComputeState;
using models::JobStateType;

constexpr int64_t kTotalTimeoutMarginSeconds = 10;

std::string JobLabel(const models::Job& job) {
  return job.name.empty() || job.name == job.id ? "job " + job.id
                                                : "job " + job.name + " (" + job.id + ")";
}

// "; partition 0 on compute-us-1: <error>" for each failed execution of the job's version whose
// error the job's own state message does not already give (it holds the last one), each
// distinct error once.
std::string ExecutionErrors(orchestrator::Orchestrator& orchestrator, const models::Job& job) {
  Result<std::vector<models::Execution>> executions = orchestrator.ListExecutions(job.id);
  if (!executions.ok()) return "";
  std::set<std::string> seen;
  std::string text;
  for (const models::Execution& e : *executions) {
    if (e.job_version != job.version) continue;
    if (e.compute_state.state_type != ExecutionComputeState::kFailed) continue;
    std::string error = e.run_output.error_message;
    if (error.empty()) error = e.compute_state.message;
    if (error.empty() || job.state.message.find(error) != std::string::npos) continue;
    if (!seen.insert(error).second) continue;
    text += "; partition " + std::to_string(e.partition_index) + " on " + e.node_id + ": " + error;
  }
  return text;
}

// Stops the job after the caller gave up on it. A job that ended meanwhile stays as it is.
void StopQuietly(orchestrator::Orchestrator& orchestrator, const std::string& job_id,
                 const std::string& reason) {
  (void)orchestrator.StopJob(job_id, reason);
}

}  // namespace

Result<FinishedJob> RunJobToCompletion(orchestrator::Orchestrator& orchestrator, models::Job job,
                                       std::chrono::milliseconds timeout,
                                       const std::atomic<bool>* cancel) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  models::TimeoutConfig& timeouts = job.task.timeouts;
  if (timeouts.execution_timeout == 0 && timeouts.queue_timeout == 0 &&
      timeouts.total_timeout == 0) {
    const int64_t seconds = (timeout.count() + 999) / 1000;
    timeouts.total_timeout = seconds + kTotalTimeoutMarginSeconds;
  }
  SHOAL_ASSIGN_OR_RETURN(orchestrator::SubmitResult submitted,
                         orchestrator.SubmitJob(std::move(job), /*force=*/true, /*dry_run=*/false));
  const std::string& id = submitted.job_id;
  while (true) {
    const uint64_t seen = orchestrator.ChangeCount();
    SHOAL_ASSIGN_OR_RETURN(models::Job current, orchestrator.FindJob(id, ""));
    if (current.version != submitted.version) {
      return Status::FailedPrecondition(JobLabel(current) + " was submitted again (version " +
                                        std::to_string(current.version) + ") while version " +
                                        std::to_string(submitted.version) + " ran");
    }
    const JobStateType state = current.state.state_type;
    if (state == JobStateType::kCompleted) {
      SHOAL_ASSIGN_OR_RETURN(std::vector<orchestrator::ExecutionResults> results,
                             orchestrator.Results(id));
      return FinishedJob{std::move(current), std::move(results)};
    }
    if (models::IsTerminal(state)) {
      std::string message =
          JobLabel(current) + " " + (state == JobStateType::kStopped ? "was stopped" : "failed");
      if (!current.state.message.empty()) message += ": " + current.state.message;
      return Status::FailedPrecondition(message + ExecutionErrors(orchestrator, current));
    }
    if (cancel != nullptr && cancel->load()) {
      StopQuietly(orchestrator, id, "cancelled");
      return Status(ErrorCode::kCancelled, JobLabel(current) + " was cancelled");
    }
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) {
      const std::string waited = std::to_string(timeout.count()) + " ms";
      StopQuietly(orchestrator, id, "not finished within " + waited);
      return Status(ErrorCode::kDeadlineExceeded,
                    JobLabel(current) + " did not finish within " + waited + " (it was " +
                        std::string(models::ToString(state)) +
                        (current.state.message.empty() ? "" : ": " + current.state.message) +
                        "); it was stopped");
    }
    // A change wakes the wait; the interval bounds it for the cancel flag and the deadline.
    orchestrator.WaitForChange(
        seen, std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::min<std::chrono::steady_clock::duration>(kJobPollInterval, deadline - now)) +
                  std::chrono::milliseconds(1));
  }
}

Result<ResultJson> ParseResultJson(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    return Status::Internal("result.json is not a JSON object");
  }
  ResultJson result;
  auto columns = json.find("Columns");
  auto rows = json.find("Rows");
  if (columns == json.end() || !columns->is_array()) {
    return Status::Internal("result.json: Columns: expected a list");
  }
  if (rows == json.end() || !rows->is_array()) {
    return Status::Internal("result.json: Rows: expected a list");
  }
  for (size_t i = 0; i < columns->size(); ++i) {
    const nlohmann::json& column = (*columns)[i];
    const std::string path = "result.json: Columns[" + std::to_string(i) + "]";
    if (!column.is_object()) return Status::Internal(path + ": expected an object");
    auto name = column.find("Name");
    auto type = column.find("Type");
    if (name == column.end() || !name->is_string() || type == column.end() || !type->is_string()) {
      return Status::Internal(path + ": needs string Name and Type");
    }
    auto numeric = column.find("Numeric");
    result.columns.push_back(
        {name->get<std::string>(), type->get<std::string>(),
         numeric != column.end() && numeric->is_boolean() && numeric->get<bool>()});
  }
  for (size_t i = 0; i < rows->size(); ++i) {
    const nlohmann::json& row = (*rows)[i];
    if (!row.is_array() || row.size() != result.columns.size()) {
      return Status::Internal("result.json: Rows[" + std::to_string(i) + "]: expected " +
                              std::to_string(result.columns.size()) + " values");
    }
    result.rows.push_back(row);
  }
  return result;
}

Result<ResultJson> ReadResultJson(orchestrator::Orchestrator& orchestrator,
                                  const std::string& job_id, const std::string& execution_id) {
  SHOAL_ASSIGN_OR_RETURN(std::string text,
                         orchestrator.ReadResultFile(job_id, execution_id, "result.json"));
  return ParseResultJson(text);
}

}  // namespace shoal::query
