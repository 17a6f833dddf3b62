#include "cli/wait.h"

#include <algorithm>
#include <set>

#include <fmt/format.h>
#include <unistd.h>

#include "cli/api_support.h"

namespace shoal::cli {

namespace {

// ANSI "erase to the end of the line", so a shorter line leaves nothing of a longer one behind.
constexpr const char* kEraseLine = "\x1b[K";

// Asks for the events after *since, waiting up to `wait` for one (a long-poll), moves *since past
// them and prints them on `out`, when given (only version `version`'s, unless it is 0).
Status AwaitEvents(const api::ApiClient& client, const std::string& job_id, int64_t version,
                   std::chrono::milliseconds wait, int64_t* since, std::ostream* out) {
  SHOAL_ASSIGN_OR_RETURN(api::HistoryPage page, client.History(job_id, {*since, "", wait}));
  if (out != nullptr) {
    for (const models::Event& event : page.items) {
      if (version == 0 || event.job_version == version) *out << EventLine(event) << "\n";
    }
    out->flush();
  }
  *since = std::max(*since, page.last_seq);
  return Status::Ok();
}

}  // namespace

std::string ProgressLine(const models::Job& job, const std::vector<models::Execution>& executions) {
  std::set<int64_t> done_partitions;
  std::set<std::string> nodes;
  std::set<std::string> done_nodes;
  for (const models::Execution& execution : executions) {
    if (execution.job_version != job.version) continue;
    nodes.insert(execution.node_id);
    if (execution.compute_state.state_type == models::ExecutionComputeState::kCompleted) {
      done_partitions.insert(execution.partition_index);
      done_nodes.insert(execution.node_id);
    }
  }
  std::string state(models::ToString(job.state.state_type));
  if (job.type == models::JobType::kOps) {
    return fmt::format(" {} {}: {}/{} nodes done", ShortId(job.id), state, done_nodes.size(),
                       nodes.size());
  }
  return fmt::format(" {} {}: {}/{} partitions done", ShortId(job.id), state,
                     done_partitions.size(), job.count);
}

std::string EventLine(const models::Event& event) {
  std::string line = FormatTimeOfDay(event.time) + " " + event.topic;
  if (!event.execution_id.empty()) line += " " + ShortId(event.execution_id);
  return line + ": " + event.message;
}

bool StderrIsTerminal() { return ::isatty(STDERR_FILENO) == 1; }

Result<models::Job> WaitForJob(const api::ApiClient& client, const std::string& job_id,
                               const WaitOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int64_t since = 0;
  bool drew_progress = false;
  std::string last_line;
  auto clear_progress = [&] {
    if (drew_progress) *options.progress_out << "\r" << kEraseLine << std::flush;
    drew_progress = false;
  };
  std::ostream* events_out = options.follow_events ? options.events_out : nullptr;
  while (true) {
    Result<models::Job> job = client.GetJob(job_id);
    if (!job.ok()) {
      clear_progress();
      return job.status();
    }
    if (models::IsTerminal(job->state.state_type)) {
      clear_progress();
      // The events up to the end not printed yet.
      if (events_out != nullptr) {
        SHOAL_RETURN_IF_ERROR(AwaitEvents(client, job_id, options.job_version,
                                          std::chrono::milliseconds(0), &since, events_out));
      }
      return job;
    }
    if (options.show_progress) {
      Result<std::vector<models::Execution>> executions = client.ListExecutions(job->id);
      std::string line = executions.ok() ? ProgressLine(*job, *executions) : last_line;
      if (line != last_line) {  // redraw only on change
        *options.progress_out << "\r" << line << kEraseLine << std::flush;
        last_line = line;
        drew_progress = true;
      }
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      clear_progress();
      return Status(ErrorCode::kDeadlineExceeded,
                    fmt::format("job {} is still {} after {} s (--wait-timeout-secs); it keeps "
                                "running: see `shoal job describe {}`",
                                job->id, models::ToString(job->state.state_type),
                                options.timeout.count(), job->id));
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    Status waited = AwaitEvents(
        client, job_id, options.job_version,
        std::clamp(left, std::chrono::milliseconds(1), options.poll_interval), &since, events_out);
    if (!waited.ok()) {
      clear_progress();
      return waited;
    }
  }
}

Status JobEndedBadly(const models::Job& job) {
  std::string how =
      job.state.state_type == models::JobStateType::kStopped ? "was stopped" : "failed";
  std::string message = "job " + job.id + " " + how;
  if (!job.state.message.empty()) message += ": " + job.state.message;
  return Status(ErrorCode::kFailedPrecondition, message);
}

}  // namespace shoal::cli
