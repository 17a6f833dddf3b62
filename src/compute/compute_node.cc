#include "compute/compute_node.h"

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <sched.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "compute/files.h"
#include "compute/plugins.h"
#include "compute/published_results.h"
#include "compute/publishers/s3_publisher.h"
#include "compute/stores.h"
#include "models/json_codec.h"
#include "models/spec_config.h"

namespace shoal::compute {

namespace {

// What the machine offers, as `node list --show capacity` shows it: the CPUs this process may run
// on (a cpuset narrows them), the physical memory, and the disk space free under `work_dir`
// (where sandboxes spill). Informational: placement counts executions, not these.
models::NodeCapacity MachineCapacity(const std::string& work_dir) {
  models::NodeCapacity capacity;
  cpu_set_t cpus;
  const int64_t usable = sched_getaffinity(0, sizeof(cpus), &cpus) == 0
                             ? CPU_COUNT(&cpus)
                             : static_cast<int64_t>(std::thread::hardware_concurrency());
  capacity.cpu_millis = usable * 1000;
  const long pages = sysconf(_SC_PHYS_PAGES);
  const long page_size = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page_size > 0) capacity.memory_bytes = int64_t{pages} * page_size;
  struct statvfs disk {};
  if (statvfs(work_dir.c_str(), &disk) == 0) {
    capacity.disk_bytes = static_cast<int64_t>(disk.f_bavail) * static_cast<int64_t>(disk.f_frsize);
  }
  return capacity;
}

// `files` as the Files param of a published spec: [{Path, Size}], what the tree holds.
transport::Json FilesParam(const std::vector<ResultFile>& files) {
  transport::Json list = transport::Json::array();
  for (const ResultFile& file : files) list.push_back({{"Path", file.path}, {"Size", file.size}});
  return list;
}

}  // namespace

Result<std::unique_ptr<ComputeNode>> ComputeNode::Start(ComputeNodeOptions options) {
  if (options.runner.node_id.empty()) return Status::InvalidArgument("a node needs a --name");
  std::error_code ec;
  std::filesystem::create_directories(options.runner.work_dir, ec);
  if (ec) {
    return Status::IoError("cannot create data dir '" + options.runner.work_dir +
                           "': " + ec.message());
  }
  if (!options.runner.databases) {
    // Two DuckDB instances started ahead: a burst of small executions (a query's fragments)
    // starts without waiting for DuckDB, and two idle instances cost a few MB.
    options.runner.databases = std::make_shared<engine::DatabasePool>(
        static_cast<int>(std::clamp<int64_t>(options.max_executions, 1, 2)));
  }
  auto node = std::unique_ptr<ComputeNode>(new ComputeNode(std::move(options)));
  node->heartbeat_thread_ = std::thread([n = node.get()] { n->HeartbeatLoop(); });
  node->poll_thread_ = std::thread([n = node.get()] { n->PollLoop(); });
  return node;
}

// The client's options: long enough reads for the long-poll, the node's token and CA.
transport::HttpClient::Options ClientOptions(const ComputeNodeOptions& options) {
  transport::HttpClient::Options client;
  client.connect_timeout = std::chrono::milliseconds(3000);
  client.read_timeout = options.poll_wait + std::chrono::milliseconds(20000);
  client.bearer_token = options.node_token;
  client.ca_cert_file = options.ca_cert_file;
  return client;
}

ComputeNode::ComputeNode(ComputeNodeOptions options)
    : options_(std::move(options)),
      channel_(options_.orchestrator, ClientOptions(options_), options_.runner.node_id,
               options_.retry_delay, stopping_),
      runner_(options_.runner) {}

ComputeNode::~ComputeNode() { Stop(); }

void ComputeNode::RequestStop() {
  stopping_ = true;
  wake_.notify_all();
  std::lock_guard lock(mu_);
  for (const auto& id : running_) runner_.Cancel(id);
}

void ComputeNode::Stop() {
  RequestStop();
  channel_.Shutdown();  // a long-poll in flight ends now
  if (heartbeat_thread_.joinable()) heartbeat_thread_.join();
  if (poll_thread_.joinable()) poll_thread_.join();
  std::map<std::string, std::thread> workers;
  std::map<std::string, std::thread> fetch_workers;
  {
    std::lock_guard lock(mu_);
    workers.swap(workers_);
    fetch_workers.swap(fetch_workers_);
  }
  for (auto& [id, worker] : workers) worker.join();
  for (auto& [id, worker] : fetch_workers) worker.join();
}

void ComputeNode::SleepFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

bool ComputeNode::RefusedForGood(const Status& status) {
  std::string why;
  if (status.code() == ErrorCode::kUnauthenticated) {
    why = "the orchestrator refused this node's token (" + status.message() +
          "): give --node-token-file this node's own token (shoal node token issue NAME)";
  } else if (status.code() == ErrorCode::kPermissionDenied) {
    // The token is valid but another node's: --name and --node-token-file do not match.
    why = "the orchestrator refused this node (" + status.message() +
          "): its token must be the one issued to --name";
  } else if (status.code() == ErrorCode::kFailedPrecondition) {
    why = status.message();  // the orchestrator's certificate did not verify (check --ca-cert)
  } else {
    return false;
  }
  const auto seconds =
      std::chrono::duration_cast<std::chrono::seconds>(options_.auth_retry_delay).count();
  Log(why + "; trying again in " + std::to_string(seconds) + "s");
  registered_ = false;
  return true;
}

Status ComputeNode::Register() {
  models::Node node;
  node.id = options_.runner.node_id;
  node.labels = options_.labels;
  const NodePlugins& plugins = PluginsOf(options_.runner);
  node.engines = plugins.engines.Types();
  node.input_sources = plugins.inputs.Types();
  node.publishers = plugins.publishers.Types();
  node.capacity = MachineCapacity(options_.runner.work_dir);
  node.capacity.max_executions = options_.max_executions;
  for (const StoreConfig& store : options_.runner.stores) {
    node.stores.push_back({store.name, StoreLocation(store)});
  }
  node.version = "0.1.0";
  SHOAL_ASSIGN_OR_RETURN(models::RegisterAnswer answer, channel_.Register(node));
  heartbeat_ms_ = answer.heartbeat_interval_ms;
  registered_ = true;
  return Status::Ok();
}

void ComputeNode::HeartbeatLoop() {
  while (!stopping_) {
    if (!registered_) {
      Status status = Register();
      if (RefusedForGood(status)) {
        SleepFor(options_.auth_retry_delay);
        continue;
      }
      if (!status.ok()) {
        Log("cannot register: " + status.message());
        SleepFor(options_.retry_delay);
        continue;
      }
      Log("registered with " + options_.orchestrator.ToString());
    }
    auto answer = [&] {
      std::lock_guard report(report_mu_);
      std::vector<std::string> running;
      std::map<std::string, models::ExecutionStats> uploading;
      {
        std::lock_guard lock(mu_);
        running.assign(running_.begin(), running_.end());
        uploading = uploading_stats_;
      }
      // What each execution has done so far, for `job describe`, the console and progress lines.
      std::map<std::string, models::ExecutionStats> progress;
      for (const std::string& execution_id : running) {
        if (auto stats = runner_.LiveStats(execution_id)) {
          progress[execution_id] = *stats;
        } else if (auto done = uploading.find(execution_id); done != uploading.end()) {
          progress[execution_id] = done->second;
        }
      }
      return channel_.Heartbeat(running, progress);
    }();
    if (answer.ok() && !*answer) {
      // Declared lost while we were away: our executions were rescheduled elsewhere.
      Log("the orchestrator lost track of this node; registering again");
      std::lock_guard lock(mu_);
      for (const auto& id : running_) runner_.Cancel(id);
      registered_ = false;
      continue;
    }
    // A refusal after registering (the orchestrator restarted with other tokens): register
    // again, slowly, from the top of the loop.
    if (!answer.ok() && RefusedForGood(answer.status())) {
      SleepFor(options_.auth_retry_delay);
      continue;
    }
    SleepFor(std::chrono::milliseconds(heartbeat_ms_.load()));
  }
}

void ComputeNode::PollLoop() {
  bool cleared = false;
  while (!stopping_) {
    if (!registered_) {
      SleepFor(std::chrono::milliseconds(50));
      continue;
    }
    if (!cleared) {
      // Registering failed whatever this node ran before it restarted, so the orchestrator can
      // now tell which of its recorded publishes were abandoned.
      ClearAbandonedPublishes();
      cleared = true;
    }
    auto work = channel_.PollWork(options_.poll_wait);
    if (!work.ok()) {
      // A refused token also stops the heartbeats, which register again; wait for that.
      if (work.status().code() == ErrorCode::kUnauthenticated) registered_ = false;
      if (!stopping_) SleepFor(options_.retry_delay);
      continue;
    }
    for (const std::string& skipped : work->skipped) Log("ignoring " + skipped);
    for (const std::string& execution_id : work->cancel) {
      bool known;
      {
        std::lock_guard lock(mu_);
        known = running_.count(execution_id) > 0;
      }
      if (known) {
        runner_.Cancel(execution_id);
      } else {
        PostStatus(execution_id, models::ExecutionComputeState::kCancelled, "Execution",
                   "cancelled before it started", nullptr);
      }
    }
    for (auto& [execution, job] : work->assigned) {
      std::lock_guard lock(mu_);
      ReapWorkersLocked();
      if (running_.count(execution.id) || workers_.count(execution.id) || stopping_) {
        continue;  // already accepted
      }
      // The id is copied first: the assignment's right side (which moves `execution` into the
      // thread) is evaluated before its left.
      const std::string id = execution.id;
      running_.insert(id);
      workers_[id] = std::thread([this, job = std::move(job), execution = std::move(execution)] {
        RunExecution(job, execution);
      });
    }
    // The orchestrator had no free slot for this poll to wait in (every one held by other
    // nodes' polls): it answered at once and says when to come back.
    const int64_t retry_after_ms = work->retry_after_ms;
    for (models::FetchAssignment& fetch : work->fetches) {
      std::lock_guard lock(mu_);
      ReapWorkersLocked();
      if (fetching_.count(fetch.fetch_id) || fetch_workers_.count(fetch.fetch_id) || stopping_) {
        continue;
      }
      const std::string id = fetch.fetch_id;  // copied before the move, as above
      fetching_.insert(id);
      fetch_workers_[id] = std::thread([this, fetch = std::move(fetch)] {
        RunFetch(fetch.fetch_id, fetch.execution_id, fetch.published);
      });
    }
    for (models::StoreTask& task : work->store_tasks) {
      std::lock_guard lock(mu_);
      ReapWorkersLocked();
      if (fetching_.count(task.id) || fetch_workers_.count(task.id) || stopping_) continue;
      const std::string id = task.id;  // copied before the move, as above
      fetching_.insert(id);
      fetch_workers_[id] =
          std::thread([this, task = std::move(task)] { RunStoreTaskAndReport(task); });
    }
    if (retry_after_ms > 0 && !stopping_) {
      SleepFor(std::chrono::milliseconds(std::min(retry_after_ms, options_.poll_wait.count())));
    }
  }
}

void ComputeNode::ReapWorkersLocked() {
  for (auto it = workers_.begin(); it != workers_.end();) {
    if (running_.count(it->first) == 0) {
      it->second.join();  // it has left running_, so only its last statements remain
      it = workers_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto it = fetch_workers_.begin(); it != fetch_workers_.end();) {
    if (fetching_.count(it->first) == 0) {
      it->second.join();  // likewise, it has left fetching_
      it = fetch_workers_.erase(it);
    } else {
      ++it;
    }
  }
}

bool ComputeNode::PostStatus(const std::string& execution_id, models::ExecutionComputeState state,
                             const std::string& topic, const std::string& message,
                             const models::RunOutput* run_output,
                             const models::SpecConfig* published,
                             const models::ExecutionStats* stats) {
  models::StatusReport report;
  report.state = state;
  report.topic = topic;
  report.message = message;
  if (run_output != nullptr) report.run_output = *run_output;
  if (published != nullptr && !published->empty()) report.published = *published;
  if (stats != nullptr) report.stats = *stats;
  return channel_.ReportStatus(execution_id, std::move(report)).ok();
}

Status ComputeNode::UploadFiles(const std::string& execution_id, const std::string& dir,
                                const std::vector<ResultFile>& files, const std::string& fetch_id) {
  for (const auto& file : files) {
    if (stopping_) return Status(ErrorCode::kCancelled, "the node is stopping");
    SHOAL_ASSIGN_OR_RETURN(std::string bytes, ReadWholeFile(dir + "/" + file.path));
    SHOAL_RETURN_IF_ERROR(channel_.UploadResultFile(execution_id, file.path, bytes, fetch_id)
                              .WithContext("uploading " + file.path));
  }
  return Status::Ok();
}

void ComputeNode::RunExecution(const models::Job& job, const models::Execution& execution) {
  const std::string& id = execution.id;
  auto finish = [&] {
    runner_.Cleanup(id);
    std::lock_guard lock(mu_);
    running_.erase(id);
    uploading_stats_.erase(id);
  };
  bool accepted;
  {
    std::lock_guard report(report_mu_);
    accepted = PostStatus(id, models::ExecutionComputeState::kRunning, "Running Execution",
                          "started on " + options_.runner.node_id, nullptr);
  }
  if (!accepted) {
    finish();
    return;
  }
  // A publisher writes only once the orchestrator has taken the Publishing report: an
  // execution failed while the node was cut off (or superseded) publishes nothing when the link
  // comes back. Its target is recorded first, so a node killed mid-upload removes what it wrote
  // when it starts again (ClearAbandonedPublishes).
  auto may_publish = [&](const models::SpecConfig& target, const std::vector<ResultFile>& files) {
    RecordPublish(id, target, files);
    models::SpecConfig announced = target;  // lets the orchestrator have it removed if abandoned
    announced.params["Files"] = FilesParam(files);
    const ResultPublisher* publisher = PluginsOf(options_.runner).publishers.Find(target.type);
    const std::string where = publisher != nullptr ? publisher->Describe(target) : target.type;
    const bool wanted =
        PostStatus(id, models::ExecutionComputeState::kPublishing, "Publishing Results",
                   "publishing to " + where, nullptr, &announced);
    if (!wanted || stopping_) {
      if (!stopping_) {
        Log("not publishing the results of " + id + ": the orchestrator no longer wants them");
      }
      ForgetPublish(id);
      return false;
    }
    return true;
  };
  ExecutionOutcome outcome = runner_.Run(
      job, execution,
      [&](const std::string& topic, const std::string& message) {
        channel_.ReportProgress(id, topic, message);
      },
      may_publish);
  {
    std::lock_guard lock(mu_);
    uploading_stats_[id] = outcome.stats;
  }
  if (outcome.succeeded && !stopping_) {
    // The publisher left the tree to the node (`local`): it goes to the orchestrator.
    if (outcome.published_result.empty()) {
      PostStatus(id, models::ExecutionComputeState::kPublishing, "Publishing Results",
                 "uploading " + std::to_string(outcome.files.size()) + " file(s)", nullptr);
      const auto upload_start = std::chrono::steady_clock::now();
      Status uploaded = UploadFiles(id, outcome.result_dir, outcome.files);
      outcome.stats.publishing_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                        std::chrono::steady_clock::now() - upload_start)
                                        .count();
      if (uploaded.ok()) {
        outcome.stats.published_bytes = outcome.stats.result_bytes;
        outcome.stats.published_to = "orchestrator";
      }
      if (!uploaded.ok()) {
        outcome.succeeded = false;
        outcome.run_output.error_message = uploaded.message();
      }
    }
  }
  if (stopping_) {
    // A stopping node reports nothing: the orchestrator reschedules its work, and what was
    // published stays recorded for ClearAbandonedPublishes at the next start.
    finish();
    return;
  }
  if (outcome.succeeded) {
    // The commit manifest names exactly these files (a Key shared with other executions may
    // hold more).
    if (!outcome.published_result.empty()) {
      outcome.published_result.params["Files"] = FilesParam(outcome.files);
    }
    const bool recorded =
        PostStatus(id, models::ExecutionComputeState::kCompleted, "Execution", "completed",
                   &outcome.run_output, &outcome.published_result, &outcome.stats);
    if (recorded) {
      ForgetPublish(id);
    } else if (!stopping_ && !outcome.publish_target.empty()) {
      // Refused: the execution was failed or superseded while it published (the node was cut
      // off, say), and another execution publishes the partition. These results would be a
      // duplicate in the store.
      ClearPublish(id, outcome.publish_target, outcome.files);
    }
  } else {
    // A publish that failed midway leaves no partial tree for the retry to sit beside.
    if (!outcome.publish_target.empty()) ClearPublish(id, outcome.publish_target, outcome.files);
    PostStatus(id, models::ExecutionComputeState::kFailed, "Execution",
               outcome.run_output.error_message, &outcome.run_output, nullptr, &outcome.stats);
  }
  finish();
}

void ComputeNode::RunFetch(const std::string& fetch_id, const std::string& execution_id,
                           const models::SpecConfig& published) {
  // Inside the work dir, beside the executions' sandboxes, so it is on the node's own disk.
  const std::string dir = options_.runner.work_dir + "/fetches/" + fetch_id;
  Status status = [&]() -> Status {
    SHOAL_ASSIGN_OR_RETURN(
        std::vector<ResultFile> files,
        ReadPublishedResults(published, options_.runner.stores, dir, &stopping_));
    return UploadFiles(execution_id, dir, files, fetch_id);
  }();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  if (!status.ok()) {
    Log("cannot fetch the results of " + execution_id + ": " + status.message());
  }
  // A refusal means the fetch is no longer in flight here (it timed out): nothing to do.
  (void)channel_.EndFetch(fetch_id, status.ok() ? std::string() : status.message());
  std::lock_guard lock(mu_);
  fetching_.erase(fetch_id);
}

}  // namespace shoal::compute
