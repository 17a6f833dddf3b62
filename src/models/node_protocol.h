// The compute channel's wire, defined once for both ends: the node's client
// (compute/node_channel.h) and the orchestrator's routes (orchestrator/compute_channel_api.cc).
// Every path is below kComputeApiPath; docs/api.md ("Compute channel") is the reference.
//
// A path function takes its ids already URL-encoded: the node passes encoded ids, and the
// orchestrator passes the regular expression its router matches ("([^/]+)"), so a route and the
// requests sent to it cannot drift apart.
//
// Readers are lenient where the channel's liveness depends on it: a heartbeat's malformed
// progress entry is left out rather than refusing the heartbeat, and a malformed item of a work
// answer is skipped (and named in Work::skipped) rather than losing the rest.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "models/spec_config.h"
#include "models/states.h"
#include "models/store_task.h"

namespace shoal::models {

inline constexpr std::string_view kComputeApiPath = "/api/v1/compute";

// POST RegisterRequest{Node} -> RegisterAnswer.
std::string RegisterPath();
// POST HeartbeatRequest -> HeartbeatAnswer.
std::string HeartbeatPath();
// GET ?node_id=&wait_ms= -> Work (a long-poll).
std::string WorkPath();
// GET ?node_id= -> NodeExecutionAnswer: how the orchestrator holds one of the node's executions
// (a restarted node asks which of its publishes were taken).
std::string NodeExecutionPath(std::string_view execution_id);
// POST StatusReport -> {}.
std::string ExecutionStatusPath(std::string_view execution_id);
// PUT raw bytes ?node_id=[&fetch_id=] -> {}: one file of an execution's result tree.
std::string ResultFilePath(std::string_view execution_id, std::string_view file_path);
// POST TaskEnd -> {}: a fetch of published results, or a store task, has ended.
std::string FetchEndPath(std::string_view fetch_id);
std::string StoreTaskEndPath(std::string_view task_id);

struct RegisterRequest {
  Node node;
};

struct RegisterAnswer {
  Node node;
  int64_t heartbeat_interval_ms = 1000;
};

struct HeartbeatRequest {
  std::string node_id;
  std::vector<std::string> running;  // execution ids the node runs (or still reports)
  // What those executions have done so far, by execution id.
  std::map<std::string, ExecutionStats> progress;
};

struct HeartbeatAnswer {
  bool known = true;  // false: the orchestrator declared the node lost; it registers again
};

// A request to a node: read the published results of `execution_id` back from the store that
// `published` names, upload them (ResultFilePath with fetch_id), then end the fetch.
struct FetchAssignment {
  std::string fetch_id;
  std::string execution_id;
  std::string job_id;
  SpecConfig published;
};

// What a long-poll for work brings a node.
struct Work {
  std::vector<std::pair<Execution, Job>> assigned;
  std::vector<std::string> cancel;  // execution ids to stop
  std::vector<FetchAssignment> fetches;
  std::vector<StoreTask> store_tasks;
  // > 0: the orchestrator had no slot for this poll to wait in; come back after this long.
  int64_t retry_after_ms = 0;
  // Reading only: items left out as malformed, each with why.
  std::vector<std::string> skipped;
};

// An execution's state as its node reports it; `published` names where its publisher put (or,
// with Publishing, is about to put) the result tree.
struct StatusReport {
  std::string node_id;
  ExecutionComputeState state = ExecutionComputeState::kRunning;
  std::string topic;
  std::string message;
  std::optional<RunOutput> run_output;
  std::optional<SpecConfig> published;
  std::optional<ExecutionStats> stats;
};

struct NodeExecutionAnswer {
  std::string execution_id;
  ExecutionComputeState state = ExecutionComputeState::kNew;
};

// The end of a fetch or a store task: `error` empty means it succeeded.
struct TaskEnd {
  std::string node_id;
  std::string error;
};

nlohmann::json ToJson(const RegisterRequest& request);
nlohmann::json ToJson(const RegisterAnswer& answer);
nlohmann::json ToJson(const HeartbeatRequest& request);
nlohmann::json ToJson(const HeartbeatAnswer& answer);
nlohmann::json ToJson(const Work& work);
nlohmann::json ToJson(const StatusReport& report);
nlohmann::json ToJson(const NodeExecutionAnswer& answer);
nlohmann::json ToJson(const TaskEnd& end);

Result<RegisterRequest> RegisterRequestFromJson(const nlohmann::json& json);
Result<RegisterAnswer> RegisterAnswerFromJson(const nlohmann::json& json);
Result<HeartbeatRequest> HeartbeatRequestFromJson(const nlohmann::json& json);
Result<HeartbeatAnswer> HeartbeatAnswerFromJson(const nlohmann::json& json);
Result<Work> WorkFromJson(const nlohmann::json& json);
Result<StatusReport> StatusReportFromJson(const nlohmann::json& json);
Result<NodeExecutionAnswer> NodeExecutionAnswerFromJson(const nlohmann::json& json);
Result<TaskEnd> TaskEndFromJson(const nlohmann::json& json);

}  // namespace shoal::models
