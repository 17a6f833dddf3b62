// The compute node's bookkeeping of what its publishers write to stores (see the publish
// record in compute_node.h) and the store tasks the orchestrator hands it (store_task_runner.h).
#include <filesystem>
#include <iostream>

#include "compute/compute_node.h"
#include "compute/files.h"
#include "compute/plugins.h"
#include "compute/store_task_runner.h"
#include "models/json_codec.h"
#include "models/spec_config.h"

namespace shoal::compute {

void ComputeNode::Log(const std::string& message) const {
  std::cerr << "[" << options_.runner.node_id << "] " << message << "\n";
}

std::string ComputeNode::PublishRecordPath(const std::string& execution_id) const {
  return options_.runner.work_dir + "/publishing/" + execution_id + ".json";
}

void ComputeNode::RecordPublish(const std::string& execution_id, const models::SpecConfig& target,
                                const std::vector<ResultFile>& files) {
  transport::Json paths = transport::Json::array();
  for (const ResultFile& file : files) paths.push_back(file.path);
  const transport::Json record = {{"Target", models::ToJson(target)}, {"Paths", paths}};
  std::error_code ec;
  std::filesystem::create_directories(options_.runner.work_dir + "/publishing", ec);
  Status written = WriteFileAtomically(PublishRecordPath(execution_id), record.dump());
  if (!written.ok()) {
    Log("cannot record the publish of " + execution_id + ": " + written.message() +
        " (a crash now may leave it behind)");
  }
}

void ComputeNode::ForgetPublish(const std::string& execution_id) {
  std::error_code ec;
  std::filesystem::remove(PublishRecordPath(execution_id), ec);
}

void ComputeNode::ClearPublish(const std::string& execution_id, const models::SpecConfig& target,
                               const std::vector<ResultFile>& files) {
  const ResultPublisher* publisher = PluginsOf(options_.runner).publishers.Find(target.type);
  if (publisher == nullptr) {
    // Kept on record: a node started again with that publisher removes them.
    Log("cannot remove the unwanted results of " + execution_id + ": this node has no '" +
        target.type + "' publisher");
    return;
  }
  if (!models::KeyNamesExecution(target, execution_id)) {
    Log("leaving " + publisher->Describe(target) + " of " + execution_id +
        " in place: its key does not name the execution, so it "
        "may hold another execution's results");
    ForgetPublish(execution_id);
    return;
  }
  std::vector<std::string> paths;
  for (const ResultFile& file : files) paths.push_back(file.path);
  Status removed = publisher->Remove(target, paths, options_.runner.stores);
  if (!removed.ok()) {
    // Kept on record: the next start tries again.
    Log("cannot remove the unwanted results of " + execution_id + ": " + removed.message());
    return;
  }
  Log("removed the unwanted results of " + execution_id + " from " + publisher->Describe(target));
  ForgetPublish(execution_id);
}

void ComputeNode::ClearAbandonedPublishes() {
  std::error_code ec;
  const std::string dir = options_.runner.work_dir + "/publishing";
  if (!std::filesystem::is_directory(dir, ec)) return;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    if (entry.path().extension() != ".json") continue;
    const std::string execution_id = entry.path().stem().string();
    {
      std::lock_guard lock(mu_);
      if (running_.count(execution_id)) continue;
    }
    auto text = ReadWholeFile(entry.path().string());
    auto record = text.ok() ? transport::Json::parse(*text, nullptr, false) : transport::Json();
    auto target = record.is_object() && record.contains("Target")
                      ? models::SpecConfigFromJson(record["Target"])
                      : Result<models::SpecConfig>(Status::InvalidArgument("unreadable"));
    if (!target.ok()) {
      Log("dropping the unreadable publish record " + entry.path().string());
      ForgetPublish(execution_id);
      continue;
    }
    // The orchestrator decides: results it took (Completed) stay; any other are unwanted.
    auto state = channel_.ExecutionState(execution_id);
    if (!state.ok() && state.status().code() != ErrorCode::kNotFound) {
      continue;  // asked again at the next start
    }
    if (state.ok() && *state == models::ExecutionComputeState::kCompleted) {
      ForgetPublish(execution_id);
      continue;
    }
    if (state.ok() && !models::IsDiscarded(*state)) continue;  // still live
    std::vector<ResultFile> files;
    for (const auto& path : record.value("Paths", transport::Json::array())) {
      if (path.is_string()) files.push_back({path.get<std::string>(), 0});
    }
    ClearPublish(execution_id, *target, files);
  }
}

void ComputeNode::RunStoreTaskAndReport(const models::StoreTask& task) {
  Status status = RunStoreTask(task, options_.runner.stores);
  if (!status.ok()) {
    Log("store task " + task.id + " (" + std::string(models::ToString(task.kind)) +
        ") failed: " + status.message());
  }
  // Once it arrives, the task is forgotten; a refusal means it is no longer in flight here. A
  // lost report costs only a second run after the task's timeout: tasks are idempotent.
  (void)channel_.EndStoreTask(task.id, status.ok() ? std::string() : status.message());
  std::lock_guard lock(mu_);
  fetching_.erase(task.id);
}

}  // namespace shoal::compute
