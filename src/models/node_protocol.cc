#include "models/node_protocol.h"

#include "models/json_codec.h"
#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

namespace {

std::string Under(std::string_view rest) {
  return std::string(kComputeApiPath) + "/" + std::string(rest);
}

// The request must be an object: a body of another shape says so instead of "NodeID: required".
Status CheckObject(const json& j, std::string_view what) {
  if (j.is_object()) return Status::Ok();
  return Status::InvalidArgument(std::string(what) + " must be a JSON object");
}

}  // namespace

std::string RegisterPath() { return Under("register"); }
std::string HeartbeatPath() { return Under("heartbeat"); }
std::string WorkPath() { return Under("work"); }
std::string NodeExecutionPath(std::string_view execution_id) {
  return Under("executions/" + std::string(execution_id));
}
std::string ExecutionStatusPath(std::string_view execution_id) {
  return NodeExecutionPath(execution_id) + "/status";
}
std::string ResultFilePath(std::string_view execution_id, std::string_view file_path) {
  return NodeExecutionPath(execution_id) + "/files/" + std::string(file_path);
}
std::string FetchEndPath(std::string_view fetch_id) {
  return Under("fetches/" + std::string(fetch_id));
}
std::string StoreTaskEndPath(std::string_view task_id) {
  return Under("store-tasks/" + std::string(task_id));
}

json ToJson(const RegisterRequest& request) { return json{{"Node", ToJson(request.node)}}; }

json ToJson(const RegisterAnswer& answer) {
  return json{{"Node", ToJson(answer.node)}, {"HeartbeatIntervalMs", answer.heartbeat_interval_ms}};
}

json ToJson(const HeartbeatRequest& request) {
  json progress = json::object();
  for (const auto& [id, stats] : request.progress) progress[id] = ToJson(stats);
  return json{{"NodeID", request.node_id}, {"Running", request.running}, {"Progress", progress}};
}

json ToJson(const HeartbeatAnswer& answer) { return json{{"Known", answer.known}}; }

json ToJson(const Work& work) {
  json executions = json::array();
  for (const auto& [execution, job] : work.assigned) {
    executions.push_back({{"Execution", ToJson(execution)}, {"Job", ToJson(job)}});
  }
  json fetches = json::array();
  for (const FetchAssignment& fetch : work.fetches) {
    fetches.push_back({{"FetchID", fetch.fetch_id},
                       {"ExecutionID", fetch.execution_id},
                       {"JobID", fetch.job_id},
                       {"Published", ToJson(fetch.published)}});
  }
  json store_tasks = json::array();
  for (const StoreTask& task : work.store_tasks) store_tasks.push_back(ToJson(task));
  json out{{"Executions", executions},
           {"Cancel", work.cancel},
           {"Fetches", fetches},
           {"StoreTasks", store_tasks}};
  if (work.retry_after_ms > 0) out["RetryAfterMs"] = work.retry_after_ms;
  return out;
}

json ToJson(const StatusReport& report) {
  json out{{"NodeID", report.node_id},
           {"ComputeState", std::string(ToString(report.state))},
           {"Topic", report.topic},
           {"Message", report.message}};
  if (report.run_output) out["RunOutput"] = ToJson(*report.run_output);
  if (report.published && !report.published->empty()) {
    out["PublishedResult"] = ToJson(*report.published);
  }
  if (report.stats) out["Stats"] = ToJson(*report.stats);
  return out;
}

json ToJson(const NodeExecutionAnswer& answer) {
  return json{{"ExecutionID", answer.execution_id},
              {"ComputeState", std::string(ToString(answer.state))}};
}

json ToJson(const TaskEnd& end) { return json{{"NodeID", end.node_id}, {"Error", end.error}}; }

Result<RegisterRequest> RegisterRequestFromJson(const json& j) {
  if (!j.is_object() || !j.contains("Node")) {
    return Status::InvalidArgument("request needs a 'Node' object");
  }
  SHOAL_ASSIGN_OR_RETURN(Node node, NodeFromJson(j["Node"]));
  return RegisterRequest{std::move(node)};
}

Result<RegisterAnswer> RegisterAnswerFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a registration answer"));
  RegisterAnswer answer;
  if (j.contains("Node")) {
    SHOAL_ASSIGN_OR_RETURN(answer.node, NodeFromJson(j["Node"]));
  }
  JsonReader r(j, "");
  r.Int("HeartbeatIntervalMs", &answer.heartbeat_interval_ms);
  SHOAL_RETURN_IF_ERROR(r.status());
  return answer;
}

Result<HeartbeatRequest> HeartbeatRequestFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a heartbeat"));
  HeartbeatRequest request;
  JsonReader r(j, "");
  r.RequiredString("NodeID", &request.node_id);
  SHOAL_RETURN_IF_ERROR(r.status());
  if (j.contains("Running") && j["Running"].is_array()) {
    for (const auto& id : j["Running"]) {
      if (id.is_string()) request.running.push_back(id.get<std::string>());
    }
  }
  // A malformed entry is left out, never a reason to refuse the heartbeat that keeps the node
  // alive.
  if (j.contains("Progress") && j["Progress"].is_object()) {
    for (const auto& [id, stats] : j["Progress"].items()) {
      auto parsed = ExecutionStatsFromJson(stats);
      if (parsed.ok()) request.progress[id] = *parsed;
    }
  }
  return request;
}

Result<HeartbeatAnswer> HeartbeatAnswerFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a heartbeat answer"));
  HeartbeatAnswer answer;
  JsonReader r(j, "");
  r.Bool("Known", &answer.known);
  SHOAL_RETURN_IF_ERROR(r.status());
  return answer;
}

Result<Work> WorkFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a work answer"));
  Work work;
  auto items = [&j](const char* field) {
    auto it = j.find(field);
    return it != j.end() && it->is_array() ? *it : json::array();
  };
  for (const auto& item : items("Executions")) {
    auto execution = ExecutionFromJson(item.value("Execution", json()));
    auto job = JobFromJson(item.value("Job", json()));
    if (!execution.ok() || !job.ok()) {
      work.skipped.push_back("an execution: " + (execution.ok() ? job.status().message()
                                                                : execution.status().message()));
      continue;
    }
    work.assigned.emplace_back(std::move(*execution), std::move(*job));
  }
  for (const auto& id : items("Cancel")) {
    if (id.is_string()) work.cancel.push_back(id.get<std::string>());
  }
  for (const auto& item : items("Fetches")) {
    auto published = SpecConfigFromJson(item.value("Published", json()));
    FetchAssignment fetch{
        item.value("FetchID", ""), item.value("ExecutionID", ""), item.value("JobID", ""), {}};
    if (!published.ok() || fetch.fetch_id.empty() || fetch.execution_id.empty()) {
      work.skipped.push_back("a fetch without FetchID, ExecutionID or a readable Published");
      continue;
    }
    fetch.published = std::move(*published);
    work.fetches.push_back(std::move(fetch));
  }
  for (const auto& item : items("StoreTasks")) {
    auto task = StoreTaskFromJson(item);
    if (!task.ok()) {
      work.skipped.push_back("a store task: " + task.status().message());
      continue;
    }
    work.store_tasks.push_back(std::move(*task));
  }
  JsonReader r(j, "");
  r.Int("RetryAfterMs", &work.retry_after_ms);
  SHOAL_RETURN_IF_ERROR(r.status());
  return work;
}

Result<StatusReport> StatusReportFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a status report"));
  StatusReport report;
  JsonReader r(j, "");
  r.RequiredString("NodeID", &report.node_id);
  r.RequiredEnum("ComputeState", &report.state, &ParseExecutionComputeState);
  r.String("Topic", &report.topic);
  r.String("Message", &report.message);
  SHOAL_RETURN_IF_ERROR(r.status());
  if (j.contains("RunOutput")) {
    SHOAL_ASSIGN_OR_RETURN(report.run_output, RunOutputFromJson(j["RunOutput"]));
  }
  if (j.contains("PublishedResult")) {
    SHOAL_ASSIGN_OR_RETURN(report.published, SpecConfigFromJson(j["PublishedResult"]));
  }
  if (j.contains("Stats")) {
    SHOAL_ASSIGN_OR_RETURN(report.stats, ExecutionStatsFromJson(j["Stats"]));
  }
  return report;
}

Result<NodeExecutionAnswer> NodeExecutionAnswerFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "an execution's state"));
  NodeExecutionAnswer answer;
  JsonReader r(j, "");
  r.RequiredEnum("ComputeState", &answer.state, &ParseExecutionComputeState);
  r.String("ExecutionID", &answer.execution_id);
  SHOAL_RETURN_IF_ERROR(r.status());
  return answer;
}

Result<TaskEnd> TaskEndFromJson(const json& j) {
  SHOAL_RETURN_IF_ERROR(CheckObject(j, "a task's end"));
  TaskEnd end;
  JsonReader r(j, "");
  r.RequiredString("NodeID", &end.node_id);
  r.String("Error", &end.error);
  SHOAL_RETURN_IF_ERROR(r.status());
  return end;
}

}  // namespace shoal::models
