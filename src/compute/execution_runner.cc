#include "compute/execution_runner.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <optional>
#include <system_error>

#include "compute/engines/engine_context.h"
#include "compute/execution_env.h"
#include "compute/files.h"
#include "compute/plugins.h"
#include "compute/run_control.h"
#include "compute/sandbox.h"
#include "compute/stores.h"
#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

// The duckdb engine writes this file into the result tree; a ResultPath must not take its name.
constexpr std::string_view kResultJson = "result.json";

// An execution id names a folder: one path component, nothing that climbs out.
Status ValidateExecutionId(const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos ||
      id.find('\0') != std::string::npos) {
    return Status::InvalidArgument("execution id '" + id + "' cannot name a folder");
  }
  return Status::Ok();
}

int64_t TimeoutSeconds(const models::TimeoutConfig& timeouts) {
  // Bacalhau: ExecutionTimeout, falling back to TotalTimeout.
  return timeouts.execution_timeout > 0 ? timeouts.execution_timeout : timeouts.total_timeout;
}

struct Reporter {
  const ProgressFn& progress;
  void operator()(const std::string& topic, const std::string& message) const {
    if (progress) progress(topic, message);
  }
};

// Each InputSource with its storage (compute/inputs/), its field name and its normalized Target.
struct PlannedInput {
  const models::InputSource* input;
  const InputStorage* storage;
  std::string field;
  std::string target;
};

Result<std::vector<PlannedInput>> PlanInputs(const models::Task& task, const NodePlugins& plugins) {
  std::vector<PlannedInput> planned;
  for (size_t i = 0; i < task.input_sources.size(); ++i) {
    const models::InputSource& input = task.input_sources[i];
    const std::string field = "InputSources[" + std::to_string(i) + "]";
    const InputStorage* storage = plugins.inputs.Find(input.source.type);
    if (storage == nullptr) {
      return Status::InvalidArgument(field + ".Source.Type: input source '" + input.source.type +
                                     "' is not supported by this node (it has: " +
                                     models::JoinComma(plugins.inputs.Types()) + ")");
    }
    SHOAL_ASSIGN_OR_RETURN(std::string target,
                           NormalizeSandboxPath(input.target, field + ".Target"));
    planned.push_back({&input, storage, field, std::move(target)});
  }
  return planned;
}

// Runs one step (Mount or Stage) of every input. A failure is the source's, named by its field,
// unless the execution was stopped meanwhile.
template <typename Step>
Status ForEachInput(const std::vector<PlannedInput>& inputs, const engine::Partition& partition,
                    const NodeConfig& config, Sandbox& sandbox, RunControl& control,
                    const Step& step) {
  for (const PlannedInput& planned : inputs) {
    InputContext context{*planned.input, planned.field, planned.target, config,
                         sandbox,        partition,     control};
    if (Status done = step(*planned.storage, context); !done.ok()) {
      Status stopped = control.StopStatus();
      return stopped.ok() ? done.WithContext(planned.field + ".Source.Params") : stopped;
    }
  }
  return Status::Ok();
}

// Moves (or copies, when the folder is not the sandbox's own or is collected twice) each
// ResultPath's folder to <result>/<Name>.
Status CollectResultPaths(const models::Task& task, const Sandbox& sandbox) {
  std::map<std::string, int> uses;
  std::vector<std::string> paths;
  for (size_t i = 0; i < task.result_paths.size(); ++i) {
    SHOAL_ASSIGN_OR_RETURN(
        std::string path,
        NormalizeSandboxPath(task.result_paths[i].path, "ResultPaths[" + std::to_string(i) + "]"));
    uses[path] += 1;
    paths.push_back(path);
  }
  for (size_t i = 0; i < task.result_paths.size(); ++i) {
    const SandboxFolder* folder = sandbox.FolderOf(paths[i]);
    if (folder == nullptr) continue;  // cannot happen: every ResultPath was planned
    const std::string target = sandbox.result_dir() + "/" + task.result_paths[i].name;
    std::error_code error;
    if (folder->owned && uses[paths[i]] == 1 && !fs::exists(target, error)) {
      fs::rename(folder->real_path, target, error);
      if (!error) continue;
    }
    Status copied = CopyInto(folder->real_path, target);
    if (!copied.ok()) {
      return copied.WithContext("collecting ResultPaths[" + std::to_string(i) + "] (" +
                                task.result_paths[i].name + ")");
    }
  }
  return Status::Ok();
}

Status CheckResultNames(const models::Task& task) {
  for (size_t i = 0; i < task.result_paths.size(); ++i) {
    SHOAL_RETURN_IF_ERROR(models::ValidateResultName(task.result_paths[i].name)
                              .WithContext("ResultPaths[" + std::to_string(i) + "]"));
    if (models::EqualsIgnoreCase(task.result_paths[i].name, kResultJson)) {
      return Status::InvalidArgument("ResultPaths[" + std::to_string(i) + "]: Name '" +
                                     task.result_paths[i].name +
                                     "' is reserved for the result tree's own file");
    }
  }
  return Status::Ok();
}

}  // namespace

ExecutionRunner::ExecutionRunner(NodeConfig config) : config_(std::move(config)) {}

ExecutionOutcome ExecutionRunner::Run(const models::Job& job, const models::Execution& execution,
                                      const ProgressFn& progress, const PublishGate& may_publish) {
  ExecutionOutcome outcome;
  const Reporter report{progress};
  if (Status valid = ValidateExecutionId(execution.id); !valid.ok()) {
    outcome.run_output.exit_code = 1;
    outcome.run_output.error_message = valid.message();
    return outcome;
  }
  const models::Task& task = job.task;
  const std::string root = config_.work_dir + "/executions/" + execution.id;
  models::ExecutionStats& stats = outcome.stats;
  auto phase_start = std::chrono::steady_clock::now();
  // Milliseconds since the last call (or the start): each phase's duration.
  auto phase_ms = [&phase_start] {
    const auto now = std::chrono::steady_clock::now();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now - phase_start);
    phase_start = now;
    return static_cast<int64_t>(ms.count());
  };
  RunControl control(TimeoutSeconds(task.timeouts));
  RunningExecution live{&control, phase_start, {-1}, std::nullopt};
  {
    std::lock_guard<std::mutex> lock(mutex_);
    running_[execution.id] = &live;
  }
  struct Unregister {
    ExecutionRunner* runner;
    const std::string& id;
    ~Unregister() {
      std::lock_guard<std::mutex> lock(runner->mutex_);
      runner->running_.erase(id);
    }
  } unregister{this, execution.id};

  // A retried execution id starts from nothing.
  std::error_code error;
  fs::remove_all(root, error);
  outcome.result_dir = root + "/result";
  fs::create_directories(outcome.result_dir, error);
  Status status =
      error ? Status::IoError("cannot create " + outcome.result_dir + ": " + error.message())
            : Status::Ok();
  std::ofstream out(outcome.result_dir + "/stdout", std::ios::binary);
  std::ofstream err(outcome.result_dir + "/stderr", std::ios::binary);

  // Set when the failure would recur on any node: the spec's own problems, a variable the node
  // lacks, SQL that cannot be parsed or bound. The orchestrator does not retry those.
  bool recurs = false;
  std::optional<Sandbox> sandbox;
  if (status.ok()) {
    status = CheckResultNames(task);
    recurs = !status.ok();
  }
  if (status.ok()) {
    auto planned = Sandbox::Plan(task, root);
    if (planned.ok()) {
      sandbox = std::move(*planned);
    } else {
      status = planned.status();
      recurs = true;
    }
  }
  std::optional<Environment> env;
  if (status.ok()) {
    auto resolved = ResolveExecutionEnv(config_, job, execution);
    if (resolved.ok()) {
      env = std::move(*resolved);
    } else {
      status = resolved.status();
      recurs = true;
    }
  }
  const NodePlugins& plugins = PluginsOf(config_);
  const engine::Partition partition = ExecutionPartition(job, execution);
  std::vector<PlannedInput> inputs;
  if (status.ok()) {
    auto planned = PlanInputs(task, plugins);
    if (planned.ok()) {
      inputs = std::move(*planned);
    } else {
      status = planned.status();  // a type this node lacks: another node may have it
    }
  }
  // Sources mapped onto host paths first: no folder is made for them.
  if (status.ok()) {
    status = ForEachInput(
        inputs, partition, config_, *sandbox, control,
        [](const InputStorage& storage, InputContext& context) { return storage.Mount(context); });
  }
  if (status.ok()) {
    status = sandbox->CreateFolders();
    if (status.ok()) report("Preparing Environment", "sandbox folders " + sandbox->FolderList());
  }
  if (status.ok()) {
    status = ForEachInput(inputs, partition, config_, *sandbox, control,
                          [&report](const InputStorage& storage, InputContext& context) {
                            auto staged = storage.Stage(context);
                            if (!staged.ok()) return staged.status();
                            if (!staged->empty()) report("Downloading Inputs", *staged);
                            return Status::Ok();
                          });
  }
  if (status.ok()) status = control.StopStatus();
  stats.staging_ms = phase_ms();
  live.staging_ms = stats.staging_ms;
  if (status.ok()) {
    report("Running Execution", "engine " + task.engine.type + ", partition " +
                                    std::to_string(partition.index) + " of " +
                                    std::to_string(partition.count));
    EngineContext context{job,  execution, partition, config_, *sandbox,
                          *env, out,       err,       control, stats};
    if (const JobEngine* engine = plugins.engines.Find(task.engine.type)) {
      status = engine->Run(context);
      // A stopped run's failure is the stop's, never the spec's.
      recurs = !status.ok() && control.StopStatus().ok() && engine->FailureRecurs(status);
    } else {
      status = Status::InvalidArgument("Engine.Type: engine '" + task.engine.type +
                                       "' is not supported by this node (it runs " +
                                       models::JoinComma(plugins.engines.Types()) + ")");
    }
  }
  if (status.ok()) status = CollectResultPaths(task, *sandbox);
  stats.running_ms = phase_ms();
  {
    std::lock_guard<std::mutex> lock(mutex_);
    live.after_engine = stats;
  }

  if (!status.ok()) err << status.message() << "\n";
  out.close();
  err.close();
  const int exit_code = status.ok() ? 0 : 1;
  if (Status written =
          WriteFileAtomically(outcome.result_dir + "/exitCode", std::to_string(exit_code));
      !written.ok() && status.ok()) {
    status = written;
  }
  auto files = ListFilesRecursive(outcome.result_dir);
  if (files.ok()) {
    for (const FileEntry& file : *files) {
      outcome.files.push_back({file.path, file.size});
      stats.result_bytes += file.size;
    }
  } else if (status.ok()) {
    status = files.status();
  }

  // A task without a Publisher is published as with `local`: the node uploads its tree.
  const std::string_view publisher_type =
      task.publisher.empty() ? models::kPublisherLocal : std::string_view(task.publisher.type);
  const ResultPublisher* publisher = plugins.publishers.Find(publisher_type);
  std::optional<models::SpecConfig> target;
  if (status.ok() && publisher == nullptr) {
    status = Status::InvalidArgument("Publisher.Type: publisher '" + task.publisher.type +
                                     "' is not supported by this node (it has: " +
                                     models::JoinComma(plugins.publishers.Types()) + ")");
  } else if (status.ok()) {
    PublishContext context{job.id, execution.id, config_.node_id, std::time(nullptr)};
    auto resolved = publisher->Target(task.publisher, context, config_.stores);
    if (resolved.ok()) {
      target = std::move(*resolved);
    } else {
      status = resolved.status().WithContext("publishing the results");
    }
  }
  if (status.ok() && target) {
    if (!may_publish) {
      report("Publishing Results", "publishing to " + publisher->Describe(*target));
    } else if (!may_publish(*target, outcome.files)) {
      status = Status(ErrorCode::kCancelled,
                      "not published: the results of this execution are no longer wanted");
    }
  }
  if (status.ok() && target) {
    outcome.publish_target = *target;
    phase_ms();  // the wait for the orchestrator's go-ahead is not publishing
    status = publisher->Publish(*target, outcome.result_dir, outcome.files, config_.stores)
                 .WithContext("publishing the results");
    stats.publishing_ms = phase_ms();
    if (status.ok()) {
      outcome.published_result = *target;
      stats.published_bytes = stats.result_bytes;
      stats.published_to = target->params.value("Endpoint", std::string());
    }
  }

  outcome.succeeded = status.ok();
  models::RunOutput& run = outcome.run_output;
  // One byte past the limit, so TruncateOutput can tell a cut and keep UTF-8 whole.
  const size_t head = models::kRunOutputLimitBytes + 1;
  run.stdout_text =
      models::TruncateOutput(ReadHead(outcome.result_dir + "/stdout", head), &run.stdout_truncated);
  run.stderr_text =
      models::TruncateOutput(ReadHead(outcome.result_dir + "/stderr", head), &run.stderr_truncated);
  run.exit_code = exit_code;  // the task's; a failed publish fails the execution, not the task
  run.error_message = status.ok() ? "" : status.message();
  run.retryable = status.ok() || !recurs;
  return outcome;
}

void ExecutionRunner::Cancel(const std::string& execution_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = running_.find(execution_id);
  if (it != running_.end() && !it->second->after_engine) it->second->control->Cancel();
}

std::optional<models::ExecutionStats> ExecutionRunner::LiveStats(const std::string& execution_id) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto it = running_.find(execution_id);
  if (it == running_.end()) return std::nullopt;
  const RunningExecution& live = *it->second;
  const int64_t elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - live.start)
                                 .count();
  if (live.after_engine) {
    models::ExecutionStats stats = *live.after_engine;
    stats.publishing_ms = std::max<int64_t>(0, elapsed_ms - stats.staging_ms - stats.running_ms);
    return stats;
  }
  models::ExecutionStats stats;
  const int64_t staging_ms = live.staging_ms.load();
  if (staging_ms < 0) {
    stats.staging_ms = elapsed_ms;
    return stats;
  }
  stats.staging_ms = staging_ms;
  stats.running_ms = std::max<int64_t>(0, elapsed_ms - staging_ms);
  if (auto session = live.control->AttachedSessionStats()) {
    stats.rows_read = session->rows_read;
    stats.bytes_read = session->bytes_read;
    stats.files_read = session->files_read;
    stats.progress = session->progress;
  }
  return stats;
}

void ExecutionRunner::Cleanup(const std::string& execution_id) {
  if (!ValidateExecutionId(execution_id).ok()) return;
  std::error_code error;
  fs::remove_all(config_.work_dir + "/executions/" + execution_id, error);
}

}  // namespace shoal::compute
