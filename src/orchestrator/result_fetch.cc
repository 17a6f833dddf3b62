// The Orchestrator's fetches of store-published results (see orchestrator.h): which node reads
// them back, and what becomes of its uploads.
#include <algorithm>
#include <filesystem>

#include "models/ids.h"
#include "models/spec_config.h"
#include "orchestrator/orchestrator.h"

namespace shoal::orchestrator {

using models::StringParam;

namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;

// "storage-local (http://10.0.0.5:9000)", for messages.
std::string StoreText(const models::SpecConfig& published) {
  std::string name = StringParam(published.params, "Store");
  if (name.empty()) name = StringParam(published.params, "Endpoint");
  if (name.empty()) name = "storage-local";
  const std::string location = StringParam(published.params, "StoreLocation");
  return location.empty() ? name : name + " (" + location + ")";
}

bool HasStoreAt(const models::Node& node, const std::string& location) {
  return std::any_of(node.stores.begin(), node.stores.end(),
                     [&](const models::NodeStore& store) { return store.location == location; });
}

}  // namespace

std::string Orchestrator::FetchDir(const std::string& fetch_id) const {
  return (fs::path(options_.data_dir) / "fetches" / fetch_id).string();
}

Result<std::vector<ResultFetchStatus>> Orchestrator::FetchResults(const std::string& job_id) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  SHOAL_ASSIGN_OR_RETURN(auto executions, store_->ListExecutions(job_id));
  SHOAL_ASSIGN_OR_RETURN(auto nodes, store_->ListNodes());
  ExpireFetchesLocked();  // so that a stuck fetch is retried even if the ticker is slow
  std::vector<ResultFetchStatus> statuses;
  bool assigned = false;
  for (const auto& e : executions) {
    if (e.job_version != job.version ||
        e.compute_state.state_type != ExecutionComputeState::kCompleted) {
      continue;
    }
    statuses.push_back(FetchStatusLocked(e, nodes, &assigned));
  }
  std::sort(statuses.begin(), statuses.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition_index, a.node_id) < std::tie(b.partition_index, b.node_id);
  });
  if (assigned) NotifyChangedLocked();
  return statuses;
}

ResultFetchStatus Orchestrator::FetchStatusLocked(const models::Execution& e,
                                                  const std::vector<models::Node>& nodes,
                                                  bool* assigned) {
  ResultFetchStatus status{e.id, e.node_id, e.partition_index, FetchState::kReady, "", ""};
  std::error_code ec;
  if (e.published_result.type != models::kPublisherS3 ||
      fs::exists(ResultDir(e.job_id, e.id), ec)) {
    return status;
  }
  if (auto it = execution_fetch_.find(e.id); it != execution_fetch_.end()) {
    const Fetch& fetch = fetches_.at(it->second);
    status.state = FetchState::kPending;
    status.fetch_node_id = fetch.node_id;
    status.message =
        (fetch.delivered ? "node " + fetch.node_id + " is fetching from store "
                         : "waiting for node " + fetch.node_id + " to fetch from store ") +
        StoreText(e.published_result);
    return status;
  }
  if (auto failure = fetch_failures_.find(e.id); failure != fetch_failures_.end()) {
    status.state = FetchState::kFailed;
    status.message = failure->second;
    fetch_failures_.erase(failure);  // reported: the next request tries again
    return status;
  }

  // The publishing node first: it reached the store moments ago. Then any node with a store at
  // the same location, the least busy with fetches first. Without a location (a node of an older
  // version published it) only the publishing node is known to reach the store.
  const std::string location = StringParam(e.published_result.params, "StoreLocation");
  std::map<std::string, int> busy;
  for (const auto& [id, fetch] : fetches_) ++busy[fetch.node_id];
  const models::Node* chosen = nullptr;
  for (const auto& node : nodes) {
    const bool reaches = location.empty() ? node.id == e.node_id : HasStoreAt(node, location);
    if (!node.Schedulable() || !reaches) continue;
    if (node.id == e.node_id) {
      chosen = &node;
      break;
    }
    if (chosen == nullptr || busy[node.id] < busy[chosen->id]) chosen = &node;
  }
  if (chosen == nullptr) {
    status.state = FetchState::kFailed;
    status.message = "no connected node can reach store " + StoreText(e.published_result);
    return status;
  }
  Fetch fetch;
  fetch.id = "f-" + models::NewUuid();
  fetch.execution_id = e.id;
  fetch.job_id = e.job_id;
  fetch.node_id = chosen->id;
  fetch.published = e.published_result;
  fetch.deadline = std::chrono::steady_clock::now() + options_.fetch_timeout;
  fs::remove_all(FetchDir(fetch.id), ec);
  execution_fetch_[e.id] = fetch.id;
  status.state = FetchState::kPending;
  status.fetch_node_id = fetch.node_id;
  status.message =
      "waiting for node " + fetch.node_id + " to fetch from store " + StoreText(e.published_result);
  fetches_.emplace(fetch.id, std::move(fetch));
  *assigned = true;
  return status;
}

Status Orchestrator::FinishFetch(const std::string& fetch_id, const std::string& node_id,
                                 const std::string& error) {
  std::lock_guard lock(mu_);
  auto it = fetches_.find(fetch_id);
  if (it == fetches_.end() || it->second.node_id != node_id) {
    return Status::FailedPrecondition("fetch " + fetch_id + " is not in flight on node " + node_id +
                                      " (it timed out or was failed)");
  }
  if (!error.empty()) {
    FailFetchLocked(fetch_id, "node " + node_id + ": " + error);
    return Status::Ok();
  }
  const Fetch& fetch = it->second;
  // The staging folder becomes the result folder in one rename: readers see all files or none.
  const fs::path staged = FetchDir(fetch_id);
  const fs::path target = ResultDir(fetch.job_id, fetch.execution_id);
  std::error_code ec;
  fs::create_directories(staged, ec);  // a tree with no files is still a result
  fs::create_directories(target.parent_path(), ec);
  fs::remove_all(target, ec);
  fs::rename(staged, target, ec);
  if (ec) {
    std::string reason = "cannot keep the fetched files: " + ec.message();
    FailFetchLocked(fetch_id, reason);
    return Status::IoError(reason);
  }
  execution_fetch_.erase(fetch.execution_id);
  fetch_failures_.erase(fetch.execution_id);
  fetches_.erase(it);
  NotifyChangedLocked();
  return Status::Ok();
}

void Orchestrator::FailFetchLocked(const std::string& fetch_id, const std::string& reason) {
  auto it = fetches_.find(fetch_id);
  if (it == fetches_.end()) return;
  std::error_code ec;
  fs::remove_all(FetchDir(fetch_id), ec);
  execution_fetch_.erase(it->second.execution_id);
  fetch_failures_[it->second.execution_id] = reason;
  fetches_.erase(it);
}

void Orchestrator::FailNodeFetchesLocked(const std::string& node_id, const std::string& reason) {
  std::vector<std::string> ids;
  for (const auto& [id, fetch] : fetches_) {
    if (fetch.node_id == node_id) ids.push_back(id);
  }
  for (const auto& id : ids) FailFetchLocked(id, reason);
}

void Orchestrator::ExpireFetchesLocked() {
  const auto now = std::chrono::steady_clock::now();
  const auto ms = options_.fetch_timeout.count();
  const std::string limit =
      ms % 1000 == 0 ? std::to_string(ms / 1000) + " s" : std::to_string(ms) + " ms";
  std::vector<std::pair<std::string, std::string>> expired;
  for (const auto& [id, fetch] : fetches_) {
    if (now >= fetch.deadline) expired.emplace_back(id, fetch.node_id);
  }
  for (const auto& [id, node_id] : expired) {
    FailFetchLocked(id, "node " + node_id + " did not finish the fetch within " + limit);
  }
}

}  // namespace shoal::orchestrator
