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

}  // namespace

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
  if (!models::NamesOnlyBuiltinPlugins(job.task)) {
    // A plug-in type Shoal does not have itself must be one a node has, or nothing could run it.
    SHOAL_ASSIGN_OR_RETURN(auto nodes, store_->ListNodes());
    if (Status offered = models::CheckPluginsOffered(job.task, nodes); !offered.ok()) {
      return Status(offered.code(), "Tasks[0]." + offered.message());
    }
  }
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
      SHOAL_RETURN_IF_ERROR(
          StopLiveExecutions(store, executions, "job updated to a new version", now));
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
    SHOAL_RETURN_IF_ERROR(StopLiveExecutions(store, executions, "job stopped", now));
    const std::string message = reason.empty() ? "stopped by the user" : "stopped: " + reason;
    return ChangeJobStateLocked(store, job, {JobStateType::kStopped, message}, "State Update",
                                message, executions, now, &queued);
  }));
  JobEndedLocked(job, now, std::move(queued));
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

}  // namespace shoal::orchestrator
