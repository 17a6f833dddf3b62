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

// Calls made again while the orchestrator cannot be reached, until a deadline: the loss said once
// on `notice`, pauses from 200 ms doubling to 2 s, and the return said when it answers again.
class Reconnection {
 public:
  Reconnection(std::chrono::steady_clock::time_point deadline, std::ostream& notice)
      : deadline_(deadline), notice_(notice) {}

  // Whether a call that failed with `status` may be made again: the orchestrator did not answer
  // (kUnavailable) and the deadline has not passed.
  bool MayRetry(const Status& status) const {
    return status.code() == ErrorCode::kUnavailable && std::chrono::steady_clock::now() < deadline_;
  }
  // Says the loss (once) with what happens meanwhile (`plan`), then pauses.
  void Pause(const Status& status, const std::string& plan) {
    if (!lost_) {
      notice_ << "lost the orchestrator (" << status.message() << "); " << plan << std::endl;
      lost_ = true;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    std::this_thread::sleep_for(std::max(std::chrono::milliseconds(0), std::min(backoff_, left)));
    backoff_ = std::min(backoff_ * 2, std::chrono::milliseconds(2000));
  }
  // The orchestrator answered: said once after a loss.
  void Answered() {
    if (!lost_) return;
    notice_ << "reconnected to the orchestrator" << std::endl;
    lost_ = false;
    backoff_ = std::chrono::milliseconds(200);
  }
  bool lost() const { return lost_; }

 private:
  const std::chrono::steady_clock::time_point deadline_;
  std::ostream& notice_;
  bool lost_ = false;
  std::chrono::milliseconds backoff_{200};
};

}  // namespace

Result<api::SubmitResponse> SubmitForWait(const api::ApiClient& client, const models::Job& job,
                                          bool force, const WaitOptions& options) {
  Reconnection reconnection(std::chrono::steady_clock::now() + options.timeout,
                            *options.notice_out);
  while (true) {
    Result<api::SubmitResponse> submitted = client.SubmitJob(job, {force, /*dry_run=*/false});
    if (submitted.ok()) {
      reconnection.Answered();
      return submitted;
    }
    const Status& status = submitted.status();
    if (reconnection.lost() && status.code() == ErrorCode::kAlreadyExists) {
      // "No changes": the submission whose answer was lost had been taken. That job is the one.
      reconnection.Answered();
      SHOAL_ASSIGN_OR_RETURN(models::Job taken, client.GetJob(job.name, job.namespace_));
      *options.notice_out << "the orchestrator had taken job " << taken.id
                          << " before it went away; waiting for it" << std::endl;
      return api::SubmitResponse{taken.id, taken.version, false, {}};
    }
    // Not reached at all on the first try: nothing was sent, so it fails as any call does.
    const bool unreached = status.message().rfind("cannot reach", 0) == 0;
    if ((!reconnection.lost() && unreached) || !reconnection.MayRetry(status)) return status;
    reconnection.Pause(status, "submitting again until the wait ends (--wait-timeout-secs)");
  }
}

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
  Reconnection reconnection(deadline, *options.notice_out);
  auto retry_lost = [&](const Status& status) {
    if (!reconnection.MayRetry(status)) return false;
    clear_progress();
    reconnection.Pause(status, "reconnecting until the wait ends (--wait-timeout-secs)");
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
    reconnection.Answered();
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
