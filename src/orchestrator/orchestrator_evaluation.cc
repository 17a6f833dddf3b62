// Evaluation: planning jobs with the scheduler and writing the outcome, the state changes every
// path shares, and the ticker (queue and total timeouts, retries).
#include <filesystem>
#include <set>

#include "models/ids.h"
#include "orchestrator/orchestrator.h"
#include "orchestrator/store_tasks.h"

namespace shoal::orchestrator {

using models::ExecutionComputeState;
using models::ExecutionDesiredState;
using models::JobStateType;

Status Orchestrator::StopLiveExecutions(JobStore& store, std::vector<models::Execution>& executions,
                                        const std::string& reason, int64_t now) {
  for (auto& e : executions) {
    if (!IsLive(e)) continue;
    e.desired_state = {ExecutionDesiredState::kStopped, reason};
    e.modify_time = now;
    SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
  }
  return Status::Ok();
}

Status Orchestrator::ChangeJobStateLocked(JobStore& store, models::Job& job,
                                          models::State<JobStateType> state,
                                          const std::string& topic,
                                          const std::string& event_message,
                                          const std::vector<models::Execution>& executions,
                                          int64_t now, std::vector<models::StoreTask>* queued) {
  job.state = std::move(state);
  job.modify_time = now;
  ++job.revision;
  SHOAL_RETURN_IF_ERROR(store.PutJob(job));
  SHOAL_RETURN_IF_ERROR(AppendEventLocked(store, job, "", topic, event_message));
  if (!models::IsTerminal(job.state.state_type)) return Status::Ok();
  return QueueStoreTasksLocked(store, JobEndStoreTasks(job, executions, now), queued);
}

void Orchestrator::JobEndedLocked(const models::Job& job, int64_t now,
                                  std::vector<models::StoreTask> queued) {
  metrics_.JobEnded(job, now);
  AdoptStoreTasksLocked(std::move(queued));
  TrackLocked(job, false, false);
  NotifyChangedLocked();
}

Status Orchestrator::FailExecutionLocked(models::Execution e, const std::string& reason) {
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(e.job_id));
  e.compute_state = {ExecutionComputeState::kFailed, reason};
  e.desired_state = {ExecutionDesiredState::kStopped, reason};
  if (e.run_output.error_message.empty()) e.run_output.error_message = reason;
  e.modify_time = NowNanos();
  ++e.revision;
  std::error_code ec;
  std::filesystem::remove_all(ResultDir(e.job_id, e.id), ec);
  std::vector<models::StoreTask> clean;
  if (auto task = CleanTaskFor(e, e.modify_time)) clean.push_back(std::move(*task));
  std::vector<models::StoreTask> queued;
  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
    SHOAL_RETURN_IF_ERROR(QueueStoreTasksLocked(store, clean, &queued));
    return AppendEventLocked(store, job, e.id, "Execution", reason);
  }));
  metrics_.ExecutionEnded(e, e.modify_time);
  AdoptStoreTasksLocked(std::move(queued));
  return EvaluateLocked(e.job_id);
}

Status Orchestrator::FailNodeExecutionsLocked(const std::string& node_id,
                                              const std::string& reason) {
  SHOAL_ASSIGN_OR_RETURN(auto active, store_->ListActiveExecutionsOnNode(node_id));
  for (const auto& e : active) SHOAL_RETURN_IF_ERROR(FailExecutionLocked(e, reason));
  return Status::Ok();
}

int64_t Orchestrator::EvaluationsForTest() {
  std::lock_guard lock(mu_);
  return evaluations_;
}

Result<Orchestrator::ClusterView> Orchestrator::LoadClusterLocked() {
  ClusterView view;
  SHOAL_ASSIGN_OR_RETURN(view.nodes, store_->ListNodes());
  for (const auto& node : view.nodes) {
    SHOAL_ASSIGN_OR_RETURN(auto active, store_->ListActiveExecutionsOnNode(node.id));
    view.load[node.id] = static_cast<int64_t>(active.size());
  }
  return view;
}

Status Orchestrator::EvaluateLocked(const std::string& job_id, ClusterView* view) {
  ++evaluations_;
  Status status = EvaluateJobLocked(job_id, view);
  if (status.ok()) {
    retry_.erase(job_id);
  } else {
    retry_.insert(job_id);
  }
  return status;
}

Status Orchestrator::EvaluateJobLocked(const std::string& job_id, ClusterView* view) {
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  if (models::IsTerminal(job.state.state_type)) {
    TrackLocked(job, false, false);
    return Status::Ok();
  }
  SHOAL_ASSIGN_OR_RETURN(auto all_executions, store_->ListExecutions(job_id));
  std::vector<models::Execution> executions;
  for (auto& e : all_executions) {
    if (e.job_version == job.version) executions.push_back(std::move(e));
  }
  ClusterView loaded;
  if (view == nullptr) {
    SHOAL_ASSIGN_OR_RETURN(loaded, LoadClusterLocked());
    view = &loaded;
  }
  const int64_t now = NowNanos();
  Plan plan = PlanJob({&job, &executions, &view->nodes, &view->load, now, options_.policy});

  // Whether the job will wait for a node once the plan is applied: some partition has neither a
  // completed nor a live execution. Only events about nodes or capacity (or time, for a
  // QueueTimeout) can change that, so the job is remembered for them.
  bool waiting = false;
  bool wants_nodes = false;
  if (job.type == models::JobType::kBatch) {
    std::set<int64_t> covered;
    for (const auto& e : executions) {
      if (IsLive(e) || e.compute_state.state_type == ExecutionComputeState::kCompleted) {
        covered.insert(e.partition_index);
      }
    }
    for (const auto& planned : plan.create) covered.insert(planned.partition_index);
    waiting = static_cast<int64_t>(covered.size()) < job.count;
    wants_nodes = waiting && executions.empty() && plan.create.empty() &&
                  static_cast<int64_t>(MatchingNodes(job, view->nodes).size()) < job.count;
  }
  if (plan.create.empty() && plan.stop.empty() && !plan.new_state) {
    TrackLocked(job, waiting, wants_nodes);
    return Status::Ok();
  }

  std::vector<models::StoreTask> queued;
  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    for (const auto& planned : plan.create) {
      models::Execution e;
      e.id = models::NewExecutionId();
      e.namespace_ = job.namespace_;
      e.job_id = job.id;
      e.job_version = job.version;
      e.node_id = planned.node_id;
      e.partition_index = planned.partition_index;
      e.attempt = planned.attempt;
      e.previous_execution = planned.previous_execution;
      e.desired_state = {ExecutionDesiredState::kRunning, "scheduled"};
      e.compute_state = {ExecutionComputeState::kNew, "waiting for the node"};
      e.create_time = e.modify_time = now;
      SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
      if (!planned.previous_execution.empty()) {
        SHOAL_ASSIGN_OR_RETURN(auto previous, store.GetExecution(planned.previous_execution));
        previous.next_execution = e.id;
        SHOAL_RETURN_IF_ERROR(store.PutExecution(previous));
      }
      std::string what =
          job.type == models::JobType::kOps
              ? "execution scheduled on " + e.node_id
              : "partition " + std::to_string(e.partition_index) + " scheduled on " + e.node_id +
                    (e.attempt > 1 ? " (attempt " + std::to_string(e.attempt) + ")" : "");
      SHOAL_RETURN_IF_ERROR(AppendEventLocked(store, job, e.id, "Scheduling", what));
    }
    std::vector<models::Execution> stopping;
    for (const auto& id : plan.stop) {
      SHOAL_ASSIGN_OR_RETURN(stopping.emplace_back(), store.GetExecution(id));
    }
    SHOAL_RETURN_IF_ERROR(StopLiveExecutions(store, stopping, plan.state_message, now));
    if (!plan.new_state) return Status::Ok();
    return ChangeJobStateLocked(
        store, job, {*plan.new_state, plan.state_message}, "State Update",
        std::string(models::ToString(*plan.new_state)) + ": " + plan.state_message, executions, now,
        &queued);
  }));
  AdoptStoreTasksLocked(std::move(queued));
  if (models::IsTerminal(job.state.state_type) && plan.new_state) metrics_.JobEnded(job, now);
  for (const auto& planned : plan.create) ++view->load[planned.node_id];
  TrackLocked(job, waiting, wants_nodes);
  NotifyChangedLocked();
  return Status::Ok();
}

void Orchestrator::TrackLocked(const models::Job& job, bool waiting, bool wants_nodes) {
  const auto key = std::make_pair(job.create_time, job.id);
  const auto& timeouts = job.task.timeouts;
  const bool timed = timeouts.total_timeout > 0 || (wants_nodes && timeouts.queue_timeout > 0);
  if (models::IsTerminal(job.state.state_type) || (!waiting && !timed)) {
    tracked_.erase(job.id);
    waiting_.erase(key);
    timed_.erase(job.id);
    return;
  }
  tracked_[job.id] = {job, waiting, wants_nodes};
  if (waiting) {
    waiting_.insert(key);
  } else {
    waiting_.erase(key);
  }
  if (timed) {
    timed_.insert(job.id);
  } else {
    timed_.erase(job.id);
  }
}

Status Orchestrator::ScheduleWaitingLocked(bool nodes_changed) {
  if (waiting_.empty()) return Status::Ok();
  auto loaded = LoadClusterLocked();
  if (!loaded.ok()) {
    reoffer_ = true;  // the ticker offers the cluster again
    return loaded.status();
  }
  ClusterView view = std::move(loaded).value();
  // Schedulable nodes that can take one more execution (the scheduler's capacity rule).
  auto with_room = [&view] {
    std::vector<models::Node> room;
    for (const auto& node : view.nodes) {
      if (node.Schedulable() && (node.capacity.max_executions <= 0 ||
                                 view.load[node.id] < node.capacity.max_executions)) {
        room.push_back(node);
      }
    }
    return room;
  };
  std::vector<models::Node> room = with_room();
  Status first_error = Status::Ok();
  // Evaluations change waiting_, so the walk resumes after the last key it saw.
  for (auto it = waiting_.begin(); it != waiting_.end();) {
    if (!nodes_changed && room.empty()) break;
    const auto key = *it;
    auto tracked = tracked_.find(key.second);
    const bool relevant = tracked != tracked_.end() &&
                          (nodes_changed || (!tracked->second.wants_nodes &&
                                             !MatchingNodes(tracked->second.job, room).empty()));
    if (relevant) {
      Status status = EvaluateLocked(key.second, &view);  // on failure the ticker retries it
      if (!status.ok() && first_error.ok()) first_error = status;
      room = with_room();
    }
    it = waiting_.upper_bound(key);
  }
  return first_error;
}

Status Orchestrator::FullPassLocked() {
  SHOAL_ASSIGN_OR_RETURN(auto jobs, store_->ListActiveJobs());
  SHOAL_ASSIGN_OR_RETURN(ClusterView view, LoadClusterLocked());
  Status first_error = Status::Ok();
  for (const auto& job : jobs) {
    Status status = EvaluateLocked(job.id, &view);
    if (!status.ok() && first_error.ok()) first_error = status;
  }
  full_pass_pending_ = !first_error.ok();
  return first_error;
}

void Orchestrator::TickLoop() {
  std::unique_lock lock(mu_);
  while (!stopping_) {
    // Only the timer (or Shutdown) wakes the ticker: events do their own, smaller, work.
    ticker_wake_.wait_for(lock, options_.tick, [this] { return stopping_; });
    if (stopping_) break;
    Status status = TickLocked();
    (void)status;  // a failed tick is retried at the next one
  }
}

Status Orchestrator::TickLocked() {
  const int64_t now = NowNanos();
  const int64_t timeout_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(options_.node_timeout).count();
  SHOAL_ASSIGN_OR_RETURN(auto nodes, store_->ListNodes());
  bool lost = false;
  for (auto& node : nodes) {
    if (node.connection == models::NodeConnection::kConnected &&
        now - node.last_heartbeat > timeout_ns) {
      node.connection = models::NodeConnection::kDisconnected;
      SHOAL_RETURN_IF_ERROR(store_->PutNode(node));
      FailNodeFetchesLocked(node.id, "node " + node.id + " was lost during the fetch");
      DropNodeStoreTasksLocked(node.id);
      SHOAL_RETURN_IF_ERROR(FailNodeExecutionsLocked(
          node.id, "node " + node.id + " lost: no heartbeat for " +
                       std::to_string((now - node.last_heartbeat) / 1000000000) + " s"));
      lost = true;
    }
  }
  if (lost) NotifyChangedLocked();
  ExpireFetchesLocked();
  ExpireStoreTasksLocked();
  // A job whose check fails is tried again at the next tick; the others go on.
  Status first_error = Status::Ok();
  auto note = [&first_error](Status status) {
    if (!status.ok() && first_error.ok()) first_error = std::move(status);
  };
  if (full_pass_pending_) note(FullPassLocked());
  if (reoffer_) {
    reoffer_ = false;
    note(ScheduleWaitingLocked(/*nodes_changed=*/true));
  }
  const std::vector<std::string> retry(retry_.begin(), retry_.end());
  for (const auto& job_id : retry) note(EvaluateLocked(job_id));

  // Only jobs with a timeout can change with time alone. The deadlines come from the job as last
  // written; a passed one is checked again against the stored job.
  const std::vector<std::string> timed(timed_.begin(), timed_.end());
  for (const auto& job_id : timed) {
    auto it = tracked_.find(job_id);
    if (it == tracked_.end()) continue;
    const models::Job& job = it->second.job;
    const auto& timeouts = job.task.timeouts;
    if (timeouts.total_timeout > 0 && job.state.state_type != JobStateType::kPending &&
        models::SecondsSinceSubmission(job, now) >= timeouts.total_timeout) {
      note(CheckTotalTimeoutLocked(job_id, now));
    } else if (it->second.wants_nodes && timeouts.queue_timeout > 0 &&
               models::SecondsSinceSubmission(job, now) >= timeouts.queue_timeout) {
      note(EvaluateLocked(job_id));
    }
  }
  return first_error;
}

Status Orchestrator::CheckTotalTimeoutLocked(const std::string& job_id, int64_t now) {
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  int64_t total = job.task.timeouts.total_timeout;
  if (models::IsTerminal(job.state.state_type) || total <= 0 ||
      models::SecondsSinceSubmission(job, now) < total ||
      job.state.state_type == JobStateType::kPending) {
    return EvaluateLocked(job_id);  // refreshes what is remembered about it
  }
  // Past TotalTimeout the job fails and its executions stop.
  std::vector<models::StoreTask> queued;
  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    SHOAL_ASSIGN_OR_RETURN(auto executions, store.ListExecutions(job.id));
    SHOAL_RETURN_IF_ERROR(StopLiveExecutions(store, executions, "job timed out", now));
    const std::string message = "job exceeded its TotalTimeout of " + std::to_string(total) + " s";
    return ChangeJobStateLocked(store, job, {JobStateType::kFailed, message}, "Job Timeout",
                                message, executions, now, &queued);
  }));
  JobEndedLocked(job, now, std::move(queued));
  return Status::Ok();
}

}  // namespace shoal::orchestrator
