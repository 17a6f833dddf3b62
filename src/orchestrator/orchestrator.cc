#include "orchestrator/orchestrator.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "models/ids.h"
#include "models/json_codec.h"
#include "orchestrator/store_tasks.h"

namespace shoal::orchestrator {

namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;
using models::ExecutionDesiredState;
using models::JobStateType;

// The parts of a job a user writes; two submissions with equal specs are "no change".
nlohmann::json SpecOf(models::Job job) {
  job.id.clear();
  job.state = {};
  job.version = job.revision = job.create_time = job.modify_time = job.version_time = 0;
  return models::ToJson(job);
}

// A result path from a node or a user: relative, no '..', no empty segments.
Status CheckRelativePath(const std::string& path) {
  if (path.empty() || path[0] == '/' || path.find('\\') != std::string::npos) {
    return Status::InvalidArgument("result path '" + path + "' must be relative");
  }
  std::stringstream segments(path);
  for (std::string segment; std::getline(segments, segment, '/');) {
    if (segment.empty() || segment == "." || segment == "..") {
      return Status::InvalidArgument("result path '" + path + "' has a bad segment '" + segment +
                                     "'");
    }
  }
  return Status::Ok();
}

}  // namespace

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Result<std::unique_ptr<Orchestrator>> Orchestrator::Open(OrchestratorOptions options) {
  std::error_code ec;
  fs::create_directories(fs::path(options.data_dir) / "results", ec);
  // Fetches live in memory only: what a fetch staged before a restart is of no use.
  if (!ec) fs::remove_all(fs::path(options.data_dir) / "fetches", ec);
  if (ec) {
    return Status::IoError("cannot create data dir '" + options.data_dir + "': " + ec.message());
  }
  SHOAL_ASSIGN_OR_RETURN(auto store,
                         JobStore::Open((fs::path(options.data_dir) / "state.db").string()));
  // Nodes get a full timeout after a restart before they count as lost: while the orchestrator
  // was down they could not heartbeat, yet their executions may be running fine.
  SHOAL_ASSIGN_OR_RETURN(auto nodes, store->ListNodes());
  for (auto& node : nodes) {
    if (node.connection != models::NodeConnection::kConnected) continue;
    node.last_heartbeat = NowNanos();
    SHOAL_RETURN_IF_ERROR(store->PutNode(node));
  }
  auto orchestrator =
      std::unique_ptr<Orchestrator>(new Orchestrator(std::move(options), std::move(store)));
  {
    // Rebuilds what the orchestrator remembers about waiting and timed jobs; if it fails, the
    // ticker tries again.
    std::lock_guard lock(orchestrator->mu_);
    (void)orchestrator->FullPassLocked();
  }
  SHOAL_ASSIGN_OR_RETURN(auto store_tasks, orchestrator->store_->ListStoreTasks());
  {
    std::lock_guard lock(orchestrator->mu_);
    orchestrator->AdoptStoreTasksLocked(std::move(store_tasks));
  }
  orchestrator->ticker_ = std::thread([o = orchestrator.get()] { o->TickLoop(); });
  return orchestrator;
}

Orchestrator::Orchestrator(OrchestratorOptions options, std::unique_ptr<JobStore> store)
    : options_(std::move(options)),
      store_(std::move(store)),
      metrics_(metrics_registry_, *store_, kShoalVersion) {}

Orchestrator::~Orchestrator() { Shutdown(); }

void Orchestrator::Shutdown() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  work_changed_.notify_all();
  ticker_wake_.notify_all();
  if (ticker_.joinable()) ticker_.join();
}

void Orchestrator::NotifyChangedLocked() {
  ++changes_;
  work_changed_.notify_all();
}

uint64_t Orchestrator::ChangeCount() {
  std::lock_guard lock(mu_);
  return changes_;
}

void Orchestrator::WaitForChange(uint64_t seen, std::chrono::milliseconds wait) {
  std::unique_lock lock(mu_);
  work_changed_.wait_for(lock, wait, [&] { return changes_ != seen || stopping_; });
}

std::string Orchestrator::ResultDir(const std::string& job_id,
                                    const std::string& execution_id) const {
  return (fs::path(options_.data_dir) / "results" / job_id / execution_id).string();
}

Status Orchestrator::AppendEventLocked(JobStore& store, const models::Job& job,
                                       const std::string& execution_id, const std::string& topic,
                                       const std::string& message) {
  models::Event event;
  event.type =
      execution_id.empty() ? models::EventType::kJobLevel : models::EventType::kExecutionLevel;
  event.job_id = job.id;
  event.job_version = job.version;
  event.execution_id = execution_id;
  event.topic = topic;
  event.message = message;
  event.time = NowNanos();
  auto seq = store.AppendEvent(event);
  return seq.ok() ? Status::Ok() : seq.status();
}

// --- Public API -------------------------------------------------------------------------------

Result<SubmitResult> Orchestrator::SubmitJob(models::Job job, bool force, bool dry_run) {
  SubmitResult result;
  result.warnings = models::NormalizeJob(job);
  for (auto& key : result.warnings) key = "dropped reserved Meta key '" + key + "'";
  SHOAL_RETURN_IF_ERROR(models::ValidateJob(job));

  std::lock_guard lock(mu_);
  std::optional<models::Job> existing;
  if (!job.name.empty()) {
    SHOAL_ASSIGN_OR_RETURN(existing, store_->FindJobByName(job.namespace_, job.name));
  }
  const int64_t now = NowNanos();
  if (existing) {
    if (SpecOf(*existing) == SpecOf(job) && !force) {
      return Status(ErrorCode::kAlreadyExists,
                    "job '" + job.name +
                        "' exists with the same spec (no changes detected); "
                        "submit it with Force to run it again");
    }
    result.changed = SpecOf(*existing) != SpecOf(job);  // false: re-run with --force
    job.id = existing->id;
    job.version = existing->version + 1;
    job.create_time = existing->create_time;
  } else {
    job.id = models::NewJobId();
    if (job.name.empty()) job.name = job.id;
    job.version = 1;
    job.create_time = now;
  }
  job.modify_time = job.version_time = now;
  job.revision = 1;
  job.state = {JobStateType::kPending, "submitted"};
  result.job_id = job.id;
  result.version = job.version;
  if (dry_run) return result;

  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    if (existing) {
      // The previous version's live executions stop: a new version starts from scratch.
      SHOAL_ASSIGN_OR_RETURN(auto executions, store.ListExecutions(job.id));
      for (auto& e : executions) {
        if (!IsLive(e)) continue;
        e.desired_state = {ExecutionDesiredState::kStopped, "job updated to a new version"};
        e.modify_time = now;
        SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
      }
    }
    SHOAL_RETURN_IF_ERROR(store.PutJob(job));
    return AppendEventLocked(store, job, "", "Submission",
                             "job submitted (version " + std::to_string(job.version) + ")");
  }));
  metrics_.JobSubmitted(job);
  SHOAL_RETURN_IF_ERROR(EvaluateLocked(job.id));
  NotifyChangedLocked();
  return result;
}

Result<models::Job> Orchestrator::FindJob(const std::string& id_or_name,
                                          const std::string& namespace_) {
  std::lock_guard lock(mu_);
  auto by_id = store_->GetJob(id_or_name);
  if (by_id.ok()) return by_id;
  if (by_id.status().code() != ErrorCode::kNotFound) return by_id.status();
  SHOAL_ASSIGN_OR_RETURN(
      auto by_name, store_->FindJobByName(namespace_.empty() ? "default" : namespace_, id_or_name));
  if (by_name) return *by_name;
  SHOAL_ASSIGN_OR_RETURN(auto by_prefix, store_->FindJobsByIdPrefix(id_or_name, 2));
  if (by_prefix.size() == 1) return by_prefix[0];
  if (by_prefix.size() > 1) {
    return Status::InvalidArgument("job id prefix '" + id_or_name +
                                   "' is ambiguous; give more characters");
  }
  return Status::NotFound("no job '" + id_or_name +
                          "' (looked for an id, an id prefix and a name)");
}

Result<JobPage> Orchestrator::ListJobs(const JobListOptions& options) {
  std::lock_guard lock(mu_);
  return store_->ListJobs(options);
}

Result<std::vector<models::Execution>> Orchestrator::ListExecutions(const std::string& job_id) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto executions, store_->ListExecutions(job_id));
  // A running or publishing execution's statistics are what its node's last heartbeat said.
  for (models::Execution& e : executions) {
    const auto state = e.compute_state.state_type;
    if (state != ExecutionComputeState::kRunning && state != ExecutionComputeState::kPublishing) {
      continue;
    }
    auto node = live_stats_.find(e.node_id);
    if (node == live_stats_.end()) continue;
    if (auto it = node->second.find(e.id); it != node->second.end()) {
      const int64_t queued_ms = e.stats.queued_ms;
      e.stats = it->second;
      e.stats.queued_ms = queued_ms;
    }
  }
  return executions;
}

Result<std::vector<models::Event>> Orchestrator::History(const std::string& job_id,
                                                         int64_t since_seq, int64_t limit) {
  std::lock_guard lock(mu_);
  return store_->ListEvents(job_id, since_seq, std::clamp<int64_t>(limit, 1, kMaxHistoryPage));
}

Result<std::vector<ExecutionResults>> Orchestrator::Results(const std::string& job_id) {
  std::vector<models::Execution> executions;
  int64_t version = 0;
  {
    std::lock_guard lock(mu_);
    SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
    version = job.version;
    SHOAL_ASSIGN_OR_RETURN(executions, store_->ListExecutions(job_id));
  }
  std::vector<ExecutionResults> results;
  for (const auto& e : executions) {
    if (e.job_version != version ||
        e.compute_state.state_type != ExecutionComputeState::kCompleted) {
      continue;
    }
    ExecutionResults item{e.id, e.node_id, e.partition_index, {}};
    fs::path dir = ResultDir(job_id, e.id);
    std::error_code ec;
    if (fs::exists(dir, ec)) {
      for (auto it = fs::recursive_directory_iterator(dir, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file()) {
          item.files.push_back(
              {fs::relative(it->path(), dir).string(), static_cast<int64_t>(it->file_size())});
        }
      }
    }
    std::sort(item.files.begin(), item.files.end(),
              [](const auto& a, const auto& b) { return a.path < b.path; });
    results.push_back(std::move(item));
  }
  std::sort(results.begin(), results.end(), [](const auto& a, const auto& b) {
    return std::tie(a.partition_index, a.node_id) < std::tie(b.partition_index, b.node_id);
  });
  return results;
}

Result<std::string> Orchestrator::ReadResultFile(const std::string& job_id,
                                                 const std::string& execution_id,
                                                 const std::string& path) {
  SHOAL_RETURN_IF_ERROR(CheckRelativePath(path));
  SHOAL_RETURN_IF_ERROR(CheckRelativePath(job_id));
  SHOAL_RETURN_IF_ERROR(CheckRelativePath(execution_id));
  std::ifstream in(fs::path(ResultDir(job_id, execution_id)) / path, std::ios::binary);
  if (!in) {
    return Status::NotFound("no result file '" + path + "' for execution " + execution_id);
  }
  std::stringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

Status Orchestrator::StopJob(const std::string& job_id, const std::string& reason) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(job_id));
  if (models::IsTerminal(job.state.state_type)) {
    return Status::FailedPrecondition("job " + job_id + " is already " +
                                      std::string(models::ToString(job.state.state_type)));
  }
  const int64_t now = NowNanos();
  std::vector<models::StoreTask> queued;
  SHOAL_RETURN_IF_ERROR(store_->Transaction([&](JobStore& store) -> Status {
    SHOAL_ASSIGN_OR_RETURN(auto executions, store.ListExecutions(job_id));
    for (auto& e : executions) {
      if (!IsLive(e)) continue;
      e.desired_state = {ExecutionDesiredState::kStopped, "job stopped"};
      e.modify_time = now;
      SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
    }
    std::string message = reason.empty() ? "stopped by the user" : "stopped: " + reason;
    job.state = {JobStateType::kStopped, message};
    job.modify_time = now;
    ++job.revision;
    SHOAL_RETURN_IF_ERROR(store.PutJob(job));
    SHOAL_RETURN_IF_ERROR(
        QueueStoreTasksLocked(store, JobEndStoreTasks(job, executions, now), &queued));
    return AppendEventLocked(store, job, "", "State Update", message);
  }));
  metrics_.JobEnded(job, now);
  AdoptStoreTasksLocked(std::move(queued));
  TrackLocked(job, false, false);
  NotifyChangedLocked();
  return Status::Ok();
}

Result<std::vector<models::Node>> Orchestrator::ListNodes() {
  std::lock_guard lock(mu_);
  return store_->ListNodes();
}

Result<std::map<std::string, int64_t>> Orchestrator::ActiveExecutionsByNode() {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto counts, store_->CountActiveExecutions());
  std::map<std::string, int64_t> by_node;
  for (const auto& count : counts) by_node[count.node_id] += count.count;
  return by_node;
}

Result<std::vector<JobStore::JobTraffic>> Orchestrator::JobTrafficSince(int64_t since_ns) {
  std::lock_guard lock(mu_);
  return store_->SumJobTraffic(since_ns);
}

Result<models::Node> Orchestrator::GetNode(const std::string& node_id) {
  std::lock_guard lock(mu_);
  return store_->GetNode(node_id);
}

Result<models::Node> Orchestrator::SetNodeMembership(const std::string& node_id,
                                                     models::NodeMembership membership) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto node, store_->GetNode(node_id));
  node.membership = membership;
  SHOAL_RETURN_IF_ERROR(store_->PutNode(node));
  if (membership == models::NodeMembership::kRejected) {
    FailNodeFetchesLocked(node_id, "node " + node_id + " was rejected");
    DropNodeStoreTasksLocked(node_id);
    SHOAL_RETURN_IF_ERROR(FailNodeExecutionsLocked(node_id, "node " + node_id + " was rejected"));
  }
  SHOAL_RETURN_IF_ERROR(ScheduleWaitingLocked(/*nodes_changed=*/true));
  NotifyChangedLocked();
  return node;
}

// --- Compute channel --------------------------------------------------------------------------

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
  if (published != nullptr && !published->empty() && published->type != models::kPublisherS3 &&
      published->type != models::kPublisherLocal) {
    return Status::InvalidArgument("unknown published result type '" + published->type + "'");
  }
  if (state == ExecutionComputeState::kPublishing && published != nullptr && !published->empty() &&
      published->type != models::kPublisherS3) {
    return Status::InvalidArgument("a publish target must be an s3 spec, not '" + published->type +
                                   "'");
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
    if (published != nullptr && published->type == models::kPublisherS3) {
      e.published_result = *published;  // fetched from the store when someone asks for it
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

// --- Scheduling -------------------------------------------------------------------------------

Status Orchestrator::FailExecutionLocked(models::Execution e, const std::string& reason) {
  SHOAL_ASSIGN_OR_RETURN(auto job, store_->GetJob(e.job_id));
  e.compute_state = {ExecutionComputeState::kFailed, reason};
  e.desired_state = {ExecutionDesiredState::kStopped, reason};
  if (e.run_output.error_message.empty()) e.run_output.error_message = reason;
  e.modify_time = NowNanos();
  ++e.revision;
  std::error_code ec;
  fs::remove_all(ResultDir(e.job_id, e.id), ec);
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
    for (const auto& id : plan.stop) {
      SHOAL_ASSIGN_OR_RETURN(auto e, store.GetExecution(id));
      e.desired_state = {ExecutionDesiredState::kStopped, plan.state_message};
      e.modify_time = now;
      SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
    }
    if (plan.new_state) {
      job.state = {*plan.new_state, plan.state_message};
      job.modify_time = now;
      ++job.revision;
      SHOAL_RETURN_IF_ERROR(store.PutJob(job));
      SHOAL_RETURN_IF_ERROR(AppendEventLocked(
          store, job, "", "State Update",
          std::string(models::ToString(*plan.new_state)) + ": " + plan.state_message));
      if (models::IsTerminal(job.state.state_type)) {
        SHOAL_RETURN_IF_ERROR(
            QueueStoreTasksLocked(store, JobEndStoreTasks(job, executions, now), &queued));
      }
    }
    return Status::Ok();
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
    for (auto& e : executions) {
      if (!IsLive(e)) continue;
      e.desired_state = {ExecutionDesiredState::kStopped, "job timed out"};
      SHOAL_RETURN_IF_ERROR(store.PutExecution(e));
    }
    std::string message = "job exceeded its TotalTimeout of " + std::to_string(total) + " s";
    job.state = {JobStateType::kFailed, message};
    job.modify_time = now;
    ++job.revision;
    SHOAL_RETURN_IF_ERROR(store.PutJob(job));
    SHOAL_RETURN_IF_ERROR(
        QueueStoreTasksLocked(store, JobEndStoreTasks(job, executions, now), &queued));
    return AppendEventLocked(store, job, "", "Job Timeout", message);
  }));
  metrics_.JobEnded(job, now);
  AdoptStoreTasksLocked(std::move(queued));
  TrackLocked(job, false, false);
  NotifyChangedLocked();
  return Status::Ok();
}

}  // namespace shoal::orchestrator
