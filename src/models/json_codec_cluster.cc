// JSON codec for the orchestrator's side of the model: Execution, Node, Event.
#include "models/json_codec.h"
#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

namespace {

template <typename T>
json StateJson(const State<T>& state) {
  return json{{"StateType", std::string(ToString(state.state_type))}, {"Message", state.message}};
}

template <typename T>
JsonReader::NestedFn StateReader(State<T>* out, Result<T> (*parse)(std::string_view)) {
  return [out, parse](const json& v, const std::string& path) {
    JsonReader r(v, path);
    r.Enum("StateType", &out->state_type, parse);
    r.String("Message", &out->message);
    return r.status();
  };
}

}  // namespace

json ToJson(const RunOutput& o) {
  json out{{"Stdout", o.stdout_text}, {"StdoutTruncated", o.stdout_truncated},
           {"Stderr", o.stderr_text}, {"StderrTruncated", o.stderr_truncated},
           {"ExitCode", o.exit_code}, {"ErrorMsg", o.error_message}};
  // Only a failure no retry can fix says so; older nodes never send it (retryable).
  if (!o.retryable) out["Retryable"] = false;
  return out;
}

namespace {

Status ReadRunOutput(const json& v, const std::string& path, RunOutput* out) {
  JsonReader o(v, path);
  o.String("Stdout", &out->stdout_text);
  o.Bool("StdoutTruncated", &out->stdout_truncated);
  o.String("Stderr", &out->stderr_text);
  o.Bool("StderrTruncated", &out->stderr_truncated);
  o.Int("ExitCode", &out->exit_code);
  o.String("ErrorMsg", &out->error_message);
  o.Bool("Retryable", &out->retryable);
  return o.status();
}

}  // namespace

json ToJson(const ExecutionStats& s) {
  json out{{"RowsRead", s.rows_read},        {"BytesRead", s.bytes_read},
           {"FilesRead", s.files_read},      {"ResultRows", s.result_rows},
           {"ResultBytes", s.result_bytes},  {"PublishedBytes", s.published_bytes},
           {"PublishedTo", s.published_to},  {"QueuedMs", s.queued_ms},
           {"StagingMs", s.staging_ms},      {"RunningMs", s.running_ms},
           {"PublishingMs", s.publishing_ms}};
  if (s.progress >= 0) out["Progress"] = s.progress;
  return out;
}

namespace {

Status ReadExecutionStats(const json& v, const std::string& path, ExecutionStats* out) {
  JsonReader r(v, path);
  r.Int("RowsRead", &out->rows_read);
  r.Int("BytesRead", &out->bytes_read);
  r.Int("FilesRead", &out->files_read);
  r.Int("ResultRows", &out->result_rows);
  r.Int("ResultBytes", &out->result_bytes);
  r.Int("PublishedBytes", &out->published_bytes);
  r.String("PublishedTo", &out->published_to);
  r.Int("QueuedMs", &out->queued_ms);
  r.Int("StagingMs", &out->staging_ms);
  r.Int("RunningMs", &out->running_ms);
  r.Int("PublishingMs", &out->publishing_ms);
  r.Double("Progress", &out->progress);
  return r.status();
}

}  // namespace

Result<ExecutionStats> ExecutionStatsFromJson(const json& j) {
  ExecutionStats out;
  SHOAL_RETURN_IF_ERROR(ReadExecutionStats(j, "Stats", &out));
  return out;
}

Result<RunOutput> RunOutputFromJson(const json& j) {
  RunOutput out;
  SHOAL_RETURN_IF_ERROR(ReadRunOutput(j, "RunOutput", &out));
  return out;
}

json ToJson(const Execution& e) {
  json j{
      {"ID", e.id},
      {"Namespace", e.namespace_},
      {"JobID", e.job_id},
      {"JobVersion", e.job_version},
      {"NodeID", e.node_id},
      {"PartitionIndex", e.partition_index},
      {"Attempt", e.attempt},
      {"DesiredState", StateJson(e.desired_state)},
      {"ComputeState", StateJson(e.compute_state)},
      {"PreviousExecution", e.previous_execution},
      {"NextExecution", e.next_execution},
      {"RunOutput", ToJson(e.run_output)},
      {"Stats", ToJson(e.stats)},
      {"Revision", e.revision},
      {"CreateTime", e.create_time},
      {"ModifyTime", e.modify_time},
  };
  if (!e.published_result.empty()) j["PublishedResult"] = ToJson(e.published_result);
  if (!e.publish_target.empty()) j["PublishTarget"] = ToJson(e.publish_target);
  return j;
}

Result<Execution> ExecutionFromJson(const json& j) {
  Execution e;
  JsonReader r(j, "");
  r.String("ID", &e.id);
  r.String("Namespace", &e.namespace_);
  r.String("JobID", &e.job_id);
  r.Int("JobVersion", &e.job_version);
  r.String("NodeID", &e.node_id);
  r.Int("PartitionIndex", &e.partition_index);
  r.Int("Attempt", &e.attempt);
  r.Nested("DesiredState", StateReader(&e.desired_state, &ParseExecutionDesiredState));
  r.Nested("ComputeState", StateReader(&e.compute_state, &ParseExecutionComputeState));
  r.String("PreviousExecution", &e.previous_execution);
  r.String("NextExecution", &e.next_execution);
  r.Nested("RunOutput",
           [&](const json& v, const std::string& p) { return ReadRunOutput(v, p, &e.run_output); });
  r.Nested("Stats",
           [&](const json& v, const std::string& p) { return ReadExecutionStats(v, p, &e.stats); });
  r.Nested("PublishedResult", [&](const json& v, const std::string& p) {
    return DecodeSpecConfig(v, p, &e.published_result);
  });
  r.Nested("PublishTarget", [&](const json& v, const std::string& p) {
    return DecodeSpecConfig(v, p, &e.publish_target);
  });
  r.Int("Revision", &e.revision);
  r.Int("CreateTime", &e.create_time);
  r.Int("ModifyTime", &e.modify_time);
  SHOAL_RETURN_IF_ERROR(r.status());
  return e;
}

json ToJson(const Node& n) {
  json stores = json::array();
  for (const auto& store : n.stores) {
    stores.push_back(json{{"Name", store.name}, {"Location", store.location}});
  }
  return json{
      {"ID", n.id},
      {"Labels", n.labels},
      {"Capacity", json{{"CPUMillis", n.capacity.cpu_millis},
                        {"MemoryBytes", n.capacity.memory_bytes},
                        {"DiskBytes", n.capacity.disk_bytes},
                        {"GPU", n.capacity.gpu},
                        {"MaxExecutions", n.capacity.max_executions}}},
      {"Engines", n.engines},
      {"InputSources", n.input_sources},
      {"Publishers", n.publishers},
      {"Stores", stores},
      {"Membership", std::string(ToString(n.membership))},
      {"Connection", std::string(ToString(n.connection))},
      {"LastHeartbeat", n.last_heartbeat},
      {"Version", n.version},
  };
}

Result<Node> NodeFromJson(const json& j) {
  Node n;
  JsonReader r(j, "");
  r.String("ID", &n.id);
  r.StringMap("Labels", &n.labels);
  r.Nested("Capacity", [&](const json& v, const std::string& p) {
    JsonReader c(v, p);
    c.Int("CPUMillis", &n.capacity.cpu_millis);
    c.Int("MemoryBytes", &n.capacity.memory_bytes);
    c.Int("DiskBytes", &n.capacity.disk_bytes);
    c.Int("GPU", &n.capacity.gpu);
    c.Int("MaxExecutions", &n.capacity.max_executions);
    return c.status();
  });
  r.StringList("Engines", &n.engines);
  r.StringList("InputSources", &n.input_sources);
  r.StringList("Publishers", &n.publishers);
  r.List("Stores", [&](const json& v, const std::string& p) {
    JsonReader s(v, p);
    NodeStore& store = n.stores.emplace_back();
    s.String("Name", &store.name);
    s.String("Location", &store.location);
    return s.status();
  });
  r.Enum("Membership", &n.membership, &ParseNodeMembership);
  r.Enum("Connection", &n.connection, &ParseNodeConnection);
  r.Int("LastHeartbeat", &n.last_heartbeat);
  r.String("Version", &n.version);
  SHOAL_RETURN_IF_ERROR(r.status());
  return n;
}

json ToJson(const Event& e) {
  json j{
      {"SeqNum", e.seq_num},  {"Type", std::string(ToString(e.type))},
      {"JobID", e.job_id},    {"JobVersion", e.job_version},
      {"Topic", e.topic},     {"Message", e.message},
      {"Details", e.details}, {"Time", e.time},
  };
  if (!e.execution_id.empty()) j["ExecutionID"] = e.execution_id;
  return j;
}

Result<Event> EventFromJson(const json& j) {
  Event e;
  JsonReader r(j, "");
  r.Int("SeqNum", &e.seq_num);
  r.Enum("Type", &e.type, &ParseEventType);
  r.String("JobID", &e.job_id);
  r.Int("JobVersion", &e.job_version);
  r.String("ExecutionID", &e.execution_id);
  r.String("Topic", &e.topic);
  r.String("Message", &e.message);
  r.StringMap("Details", &e.details);
  r.Int("Time", &e.time);
  SHOAL_RETURN_IF_ERROR(r.status());
  return e;
}

}  // namespace shoal::models
