// The Orchestrator's store tasks (see orchestrator.h and store_tasks.h): queuing them with the
// state change that calls for them, handing them to nodes of the store's region, and their end.
#include <algorithm>

#include "orchestrator/orchestrator.h"

namespace shoal::orchestrator {

namespace {

// A failed task is handed out again after this pause, so a store that is down is not hammered.
constexpr std::chrono::seconds kStoreTaskRetryPause{2};

}  // namespace

Status Orchestrator::QueueStoreTasksLocked(JobStore& store, std::vector<models::StoreTask> tasks,
                                           std::vector<models::StoreTask>* queued) {
  for (auto& task : tasks) {
    SHOAL_RETURN_IF_ERROR(store.PutStoreTask(task));
    queued->push_back(std::move(task));
  }
  return Status::Ok();
}

void Orchestrator::AdoptStoreTasksLocked(std::vector<models::StoreTask> tasks) {
  if (tasks.empty()) return;
  // emplace keeps a task already known (same id: the same work).
  for (auto& task : tasks) store_tasks_.emplace(task.id, std::move(task));
  NotifyChangedLocked();
}

Result<std::vector<models::StoreTask>> Orchestrator::HandOutStoreTasksLocked(
    const std::string& node_id) {
  std::vector<models::StoreTask> handed;
  // Polls come often: the node is read only when some task could be handed out now.
  const auto now = std::chrono::steady_clock::now();
  std::vector<const models::StoreTask*> ready;
  for (const auto& [id, task] : store_tasks_) {
    if (store_flights_.count(id)) continue;
    auto retry = store_retry_at_.find(id);
    if (retry != store_retry_at_.end() && now < retry->second) continue;
    ready.push_back(&task);
  }
  if (ready.empty()) return handed;
  SHOAL_ASSIGN_OR_RETURN(auto node, store_->GetNode(node_id));
  if (!node.Schedulable()) return handed;
  for (const models::StoreTask* candidate : ready) {
    const models::StoreTask& task = *candidate;
    const std::string& id = task.id;
    const std::string location = task.store_location();
    const bool reachable =
        std::any_of(node.stores.begin(), node.stores.end(),
                    [&](const models::NodeStore& store) { return store.location == location; });
    if (!reachable) continue;
    store_flights_[id] = {node_id, now + options_.fetch_timeout};
    handed.push_back(task);
  }
  return handed;
}

Status Orchestrator::FinishStoreTask(const std::string& task_id, const std::string& node_id,
                                     const std::string& error) {
  std::lock_guard lock(mu_);
  auto flight = store_flights_.find(task_id);
  if (flight == store_flights_.end() || flight->second.node_id != node_id) {
    return Status::FailedPrecondition("store task " + task_id + " is not in flight on " + node_id);
  }
  store_flights_.erase(flight);
  auto task = store_tasks_.find(task_id);
  if (task == store_tasks_.end()) return Status::Ok();
  if (!error.empty()) {
    store_retry_at_[task_id] = std::chrono::steady_clock::now() + kStoreTaskRetryPause;
    // Said once per failure in the job's history, so an operator sees why a commit waits.
    auto job = store_->GetJob(task->second.job_id);
    if (job.ok()) {
      (void)AppendEventLocked(*store_, *job, task->second.execution_id, "Store",
                              std::string(models::ToString(task->second.kind)) + " on " + node_id +
                                  " failed (tried again): " + error);
    }
    NotifyChangedLocked();  // the history grew: wakes its long-polls
    return Status::Ok();
  }
  SHOAL_RETURN_IF_ERROR(store_->DeleteStoreTask(task_id));
  if (task->second.kind == models::StoreTaskKind::kCommit) {
    auto job = store_->GetJob(task->second.job_id);
    if (job.ok()) {
      (void)AppendEventLocked(*store_, *job, "", "Store",
                              "results committed: s3://" +
                                  models::StringParam(task->second.target.params, "Bucket") + "/" +
                                  task->second.object_key + " written by " + node_id);
    }
  }
  store_retry_at_.erase(task_id);
  store_tasks_.erase(task);
  NotifyChangedLocked();
  return Status::Ok();
}

std::vector<models::StoreTask> Orchestrator::PendingStoreTasks() {
  std::lock_guard lock(mu_);
  std::vector<models::StoreTask> tasks;
  for (const auto& [id, task] : store_tasks_) tasks.push_back(task);
  std::sort(tasks.begin(), tasks.end(), [](const auto& a, const auto& b) {
    return std::tie(a.create_time, a.id) < std::tie(b.create_time, b.id);
  });
  return tasks;
}

void Orchestrator::DropNodeStoreTasksLocked(const std::string& node_id) {
  bool dropped = false;
  for (auto it = store_flights_.begin(); it != store_flights_.end();) {
    if (it->second.node_id == node_id) {
      it = store_flights_.erase(it);
      dropped = true;
    } else {
      ++it;
    }
  }
  if (dropped) NotifyChangedLocked();
}

void Orchestrator::ExpireStoreTasksLocked() {
  const auto now = std::chrono::steady_clock::now();
  bool expired = false;
  for (auto it = store_flights_.begin(); it != store_flights_.end();) {
    if (now >= it->second.deadline) {
      it = store_flights_.erase(it);
      expired = true;
    } else {
      ++it;
    }
  }
  if (expired) NotifyChangedLocked();
}

}  // namespace shoal::orchestrator
