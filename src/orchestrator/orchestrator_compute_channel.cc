// The orchestrator's side of the compute channel: what nodes call (orchestrator.h, "Compute
// channel").
#include <filesystem>
#include <map>
#include <set>

#include "orchestrator/orchestrator.h"
#include "orchestrator/store_tasks.h"

namespace shoal::orchestrator {

namespace {
namespace fs = std::filesystem;
}  // namespace

using models::ExecutionComputeState;
using models::ExecutionDesiredState;

Result<models::Node> Orchestrator::RegisterNode(models::Node node) {
  if (node.id.empty()) return Status::InvalidArgument("a node must register with a name (ID)");
  std::lock_guard lock(mu_);
  auto existing = store_->GetNode(node.id);
  if (existing.ok()) {
    node.membership = existing->membership;
  } else if (existing.status().code() == ErrorCode::kNotFound) {
    node.membership = options_.auto_approve_nodes ? models::NodeMembership::kApproved
                                                  : models::NodeMembership::kPending;
  } else {
    return existing.status();
  }
  node.connection = models::NodeConnection::kConnected;
  node.last_heartbeat = NowNanos();
  SHOAL_RETURN_IF_ERROR(store_->PutNode(node));
  metrics_.NodeRegistered(node);
  // A node that registers runs nothing: whatever it ran before (it restarted) is lost.
  FailNodeFetchesLocked(node.id, "node " + node.id + " restarted during the fetch");
  DropNodeStoreTasksLocked(node.id);
  SHOAL_RETURN_IF_ERROR(
      FailNodeExecutionsLocked(node.id, "node " + node.id + " restarted during the execution"));
  SHOAL_RETURN_IF_ERROR(ScheduleWaitingLocked(/*nodes_changed=*/true));
  NotifyChangedLocked();
  return node;
}

Result<bool> Orchestrator::Heartbeat(
    const std::string& node_id, const std::vector<std::string>& running,
    const std::map<std::string, models::ExecutionStats>& progress) {
  std::lock_guard lock(mu_);
  auto node = store_->GetNode(node_id);
  if (!node.ok()) {
    if (node.status().code() == ErrorCode::kNotFound) return false;
    return node.status();
  }
  // A node declared lost must register again: its executions were failed and rescheduled.
  if (node->connection == models::NodeConnection::kDisconnected) return false;
  node->last_heartbeat = NowNanos();
  SHOAL_RETURN_IF_ERROR(store_->PutNode(*node));
  // Executions the node says it no longer runs (it lost them) fail now, not at a timeout.
  std::set<std::string> reported(running.begin(), running.end());
  SHOAL_ASSIGN_OR_RETURN(auto active, store_->ListActiveExecutionsOnNode(node_id));
  bool failed = false;
  std::map<std::string, models::ExecutionStats>& live = live_stats_[node_id];
  live.clear();
  for (const auto& e : active) {
    auto state = e.compute_state.state_type;
    if (state == ExecutionComputeState::kRunning || state == ExecutionComputeState::kPublishing) {
      if (auto it = progress.find(e.id); it != progress.end()) live[e.id] = it->second;
    }
    if ((state == ExecutionComputeState::kRunning || state == ExecutionComputeState::kPublishing) &&
        !reported.count(e.id)) {
      SHOAL_RETURN_IF_ERROR(FailExecutionLocked(e, "node " + node_id + " no longer runs it"));
      failed = true;
    }
  }
  if (failed) {
    SHOAL_RETURN_IF_ERROR(ScheduleWaitingLocked(/*nodes_changed=*/false));
    NotifyChangedLocked();
  }
  return true;
}

Result<Work> Orchestrator::PollWork(const std::string& node_id, std::chrono::milliseconds wait) {
  auto deadline = std::chrono::steady_clock::now() + wait;
  std::unique_lock lock(mu_);
  while (true) {
    Work work;
    SHOAL_ASSIGN_OR_RETURN(auto active, store_->ListActiveExecutionsOnNode(node_id));
    for (const auto& e : active) {
      if (e.desired_state.state_type == ExecutionDesiredState::kStopped) {
        work.cancel.push_back(e.id);
      } else if (e.compute_state.state_type == ExecutionComputeState::kNew) {
        SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJobVersion(e.job_id, e.job_version));
        work.assigned.emplace_back(e, std::move(job));
      }
    }
    for (auto& [id, fetch] : fetches_) {
      if (fetch.node_id != node_id || fetch.delivered) continue;
      fetch.delivered = true;
      work.fetches.push_back({fetch.id, fetch.execution_id, fetch.job_id, fetch.published});
    }
    SHOAL_ASSIGN_OR_RETURN(work.store_tasks, HandOutStoreTasksLocked(node_id));
    if (!work.assigned.empty() || !work.cancel.empty() || !work.fetches.empty() ||
        !work.store_tasks.empty() || stopping_ || std::chrono::steady_clock::now() >= deadline) {
      return work;
    }
    work_changed_.wait_until(lock, deadline);
  }
}

Status Orchestrator::StoreResultFile(const std::string& execution_id, const std::string& node_id,
                                     const std::string& path, const std::string& bytes,
                                     const std::string& fetch_id) {
  SHOAL_RETURN_IF_ERROR(CheckRelativePath(path));
  std::string dir;
  {
    std::lock_guard lock(mu_);
    SHOAL_ASSIGN_OR_RETURN(auto e, store_->GetExecution(execution_id));
    auto fetch = execution_fetch_.find(execution_id);
    if (fetch_id.empty() && e.node_id == node_id && IsLive(e)) {
      dir = ResultDir(e.job_id, e.id);
    } else if (fetch != execution_fetch_.end() && fetches_.at(fetch->second).node_id == node_id &&
               (fetch_id.empty() || fetch_id == fetch->second)) {
      dir = FetchDir(fetch->second);
    } else if (!fetch_id.empty()) {
      return Status::FailedPrecondition("fetch " + fetch_id + " of execution " + execution_id +
                                        " is not in flight on " + node_id);
    } else {
      return Status::FailedPrecondition("execution " + execution_id + " is not running on " +
                                        node_id);
    }
  }
  fs::path target = fs::path(dir) / path;
  std::error_code ec;
  fs::create_directories(target.parent_path(), ec);
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  if (!out) return Status::IoError("cannot write result file " + target.string());
  metrics_.ResultBytesUploaded(node_id, bytes.size());
  return Status::Ok();
}

Result<models::Execution> Orchestrator::NodeExecution(const std::string& execution_id,
                                                      const std::string& node_id) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto e, store_->GetExecution(execution_id));
  if (e.node_id != node_id) {
    return Status::FailedPrecondition("execution " + execution_id + " belongs to " + e.node_id);
  }
  return e;
}

Status Orchestrator::UpdateExecution(const std::string& execution_id, const std::string& node_id,
                                     ExecutionComputeState state, const std::string& topic,
                                     const std::string& message,
                                     const models::RunOutput* run_output,
                                     const models::SpecConfig* published,
                                     const models::ExecutionStats* stats) {
  if (published != nullptr && !published->empty()) {
    // Besides s3 and local, a plug-in publisher's (compute/plugins.h): recorded as it is.
    SHOAL_RETURN_IF_ERROR(
        models::ValidatePluginType(published->type).WithContext("published result type"));
  }
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto e, store_->GetExecution(execution_id));
  if (e.node_id != node_id) {
    return Status::FailedPrecondition("execution " + execution_id + " belongs to " + e.node_id);
  }
  if (models::IsTerminal(e.compute_state.state_type) && e.compute_state.state_type == state) {
    return Status::Ok();  // a retried report whose first answer was lost
  }
  if (models::IsTerminal(e.compute_state.state_type)) {
    return Status::FailedPrecondition("execution " + execution_id + " is already " +
                                      std::string(models::ToString(e.compute_state.state_type)));
  }
  // Once asked to stop, only the news that it stopped is accepted.
  if (e.desired_state.state_type == ExecutionDesiredState::kStopped && !models::IsTerminal(state)) {
    return Status::FailedPrecondition("execution " + execution_id + " was asked to stop");
  }
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(e.job_id));
  const bool taken_now = e.compute_state.state_type == ExecutionComputeState::kNew &&
                         state != ExecutionComputeState::kNew;
  e.compute_state = {state, message};
  e.modify_time = NowNanos();
  ++e.revision;
  if (run_output != nullptr) e.run_output = *run_output;
  // The node measures the phases it sees; the wait before it took the execution is ours.
  const int64_t queued_ms =
      taken_now ? (e.modify_time - e.create_time) / 1000000 : e.stats.queued_ms;
  if (stats != nullptr) e.stats = *stats;
  e.stats.queued_ms = queued_ms;
  if (state == ExecutionComputeState::kPublishing && published != nullptr && !published->empty()) {
    e.publish_target = *published;  // what a clean task removes if this execution never commits
  }
  if (state == ExecutionComputeState::kCompleted) {
    if (published != nullptr && !published->empty() && published->type != models::kPublisherLocal) {
      // s3: fetched from the store when someone asks for it; a plug-in publisher's: recorded.
      e.published_result = *published;
    } else {
      e.published_result.type = "local";
      e.published_result.params = {{"JobID", e.job_id}, {"ExecutionID", e.id}};
    }
  }
  std::vector<models::StoreTask> clean;
  if (models::IsDiscarded(state)) {
    std::error_code ec;
    fs::remove_all(ResultDir(e.job_id, e.id), ec);
    if (auto task = CleanTaskFor(e, e.modify_time)) clean.push_back(std::move(*task));
  }
  std::vector<models::StoreTask> queued;
  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
    SHOAL_RETURN_IF_ERROR(QueueStoreTasksLocked(store, clean, &queued));
    std::string text = message.empty() ? std::string(models::ToString(state)) : message;
    return AppendEventLocked(store, job, e.id, topic.empty() ? "Execution" : topic, text);
  }));
  if (taken_now) metrics_.ExecutionStarted(e, e.modify_time);
  if (models::IsTerminal(state)) metrics_.ExecutionEnded(e, e.modify_time);
  AdoptStoreTasksLocked(std::move(queued));
  if (models::IsTerminal(state)) {
    // The job may be done or need a retry, and the node has room for a job that waits.
    Status evaluated = EvaluateLocked(e.job_id);
    Status offered = ScheduleWaitingLocked(/*nodes_changed=*/false);
    SHOAL_RETURN_IF_ERROR(evaluated);
    SHOAL_RETURN_IF_ERROR(offered);
  }
  NotifyChangedLocked();
  return Status::Ok();
}

}  // namespace shoal::orchestrator
