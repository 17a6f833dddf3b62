#include "cli/wait.h"

#include <algorithm>
#include <map>
#include <thread>

#include <fmt/format.h>

#include "cli/api_support.h"
#include "cli/progress_line.h"

namespace shoal::cli {

namespace {

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

// The progress line of a job now (progress_line.h); `node_regions` is refreshed when an execution
// runs on a node it does not know.
Result<std::string> JobProgressLine(const api::ApiClient& client, const models::Job& job,
                                    std::chrono::milliseconds elapsed,
                                    std::map<std::string, std::string>* node_regions) {
  SHOAL_ASSIGN_OR_RETURN(auto executions, client.ListExecutions(job.id));
  const bool unknown_node =
      std::any_of(executions.begin(), executions.end(),
                  [&](const models::Execution& e) { return !node_regions->count(e.node_id); });
  if (unknown_node) {
    SHOAL_ASSIGN_OR_RETURN(auto nodes, client.ListNodes());
    *node_regions = NodeRegions(nodes);
  }
  RunProgress progress;
  progress.label = ShortId(job.id);
  progress.elapsed = elapsed;
  AddJobProgress(job, executions, *node_regions, "", &progress);
  return FormatProgressLine(progress);
}

}  // namespace

std::string EventLine(const models::Event& event) {
  std::string line = FormatTimeOfDay(event.time) + " " + event.topic;
  if (!event.execution_id.empty()) line += " " + ShortId(event.execution_id);
  return line + ": " + event.message;
}

Result<models::Job> WaitForJob(const api::ApiClient& client, const std::string& job_id,
                               const WaitOptions& options) {
  const auto deadline = std::chrono::steady_clock::now() + options.timeout;
  int64_t since = 0;
  ProgressDisplay display(*options.progress_out, StderrColumns());
  std::map<std::string, std::string> node_regions;
  auto clear_progress = [&] { display.Clear(); };
  std::ostream* events_out = options.follow_events ? options.events_out : nullptr;
  // The orchestrator unreachable: true (after a pause) while the wait should go on.
  bool reconnecting = false;
  auto backoff = std::chrono::milliseconds(200);
  auto retry_lost = [&](const Status& status) {
    const auto now = std::chrono::steady_clock::now();
    if (status.code() != ErrorCode::kUnavailable || now >= deadline) return false;
    clear_progress();
    if (!reconnecting) {
      *options.notice_out << "lost the orchestrator (" << status.message()
                          << "); reconnecting until the wait ends (--wait-timeout-secs)"
                          << std::endl;
      reconnecting = true;
    }
    std::this_thread::sleep_for(
        std::min(backoff, std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now)));
    backoff = std::min(backoff * 2, std::chrono::milliseconds(2000));
    return true;
  };
  // Running partitions' progress arrives with heartbeats, not as events: look twice a second.
  const auto poll_interval = options.show_progress
                                 ? std::min(options.poll_interval, std::chrono::milliseconds(500))
                                 : options.poll_interval;
  while (true) {
    Result<models::Job> job = client.GetJob(job_id);
    if (!job.ok()) {
      if (retry_lost(job.status())) continue;
      clear_progress();
      return job.status();
    }
    if (reconnecting) {
      *options.notice_out << "reconnected to the orchestrator" << std::endl;
      reconnecting = false;
      backoff = std::chrono::milliseconds(200);
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
    if (options.show_progress && display.Due()) {
      // A failed call leaves the last line up: the next long-poll reports a lost orchestrator.
      auto line = JobProgressLine(client, *job, display.Elapsed(), &node_regions);
      if (line.ok()) display.Draw(*line);
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
    Status waited = AwaitEvents(client, job_id, options.job_version,
                                std::clamp(left, std::chrono::milliseconds(1), poll_interval),
                                &since, events_out);
    if (!waited.ok()) {
      if (retry_lost(waited)) continue;
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
