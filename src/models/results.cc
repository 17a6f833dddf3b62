#include "models/results.h"

#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

std::string_view ToString(FetchState state) {
  switch (state) {
    case FetchState::kReady:
      return "ready";
    case FetchState::kPending:
      return "pending";
    case FetchState::kFailed:
      return "failed";
  }
  return "unknown";
}

Result<FetchState> ParseFetchState(std::string_view text) {
  for (FetchState state : {FetchState::kReady, FetchState::kPending, FetchState::kFailed}) {
    if (text == ToString(state)) return state;
  }
  return Status::InvalidArgument("expected ready, pending or failed, got '" + std::string(text) +
                                 "'");
}

json ToJson(const ExecutionResults& results) {
  json files = json::array();
  for (const ResultFile& file : results.files) {
    files.push_back({{"Path", file.path}, {"Size", file.size}});
  }
  return json{{"ExecutionID", results.execution_id},
              {"NodeID", results.node_id},
              {"PartitionIndex", results.partition_index},
              {"Files", files}};
}

json ToJson(const ResultFetchStatus& status) {
  return json{
      {"ExecutionID", status.execution_id},       {"NodeID", status.node_id},
      {"PartitionIndex", status.partition_index}, {"State", std::string(ToString(status.state))},
      {"FetchNodeID", status.fetch_node_id},      {"Message", status.message}};
}

Result<ExecutionResults> ExecutionResultsFromJson(const json& j) {
  ExecutionResults results;
  JsonReader r(j, "");
  r.RequiredString("ExecutionID", &results.execution_id);
  r.String("NodeID", &results.node_id);
  r.Int("PartitionIndex", &results.partition_index);
  r.List("Files", [&](const json& value, const std::string& path) {
    JsonReader f(value, path);
    ResultFile& file = results.files.emplace_back();
    f.String("Path", &file.path);
    f.Int("Size", &file.size);
    if (f.status().ok() && file.path.empty()) {
      return Status::InvalidArgument(path + ".Path: required (a string)");
    }
    return f.status();
  });
  SHOAL_RETURN_IF_ERROR(r.status());
  return results;
}

Result<ResultFetchStatus> ResultFetchStatusFromJson(const json& j) {
  ResultFetchStatus status;
  JsonReader r(j, "");
  r.RequiredString("ExecutionID", &status.execution_id);
  r.RequiredEnum("State", &status.state, &ParseFetchState);
  r.String("NodeID", &status.node_id);
  r.Int("PartitionIndex", &status.partition_index);
  r.String("FetchNodeID", &status.fetch_node_id);
  r.String("Message", &status.message);
  SHOAL_RETURN_IF_ERROR(r.status());
  return status;
}

}  // namespace shoal::models
