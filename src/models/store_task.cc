#include "models/store_task.h"

#include "models/json_codec.h"
#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

std::string_view ToString(StoreTaskKind kind) {
  return kind == StoreTaskKind::kCommit ? "commit" : "clean";
}

json ToJson(const StoreTask& task) {
  return json{{"ID", task.id},
              {"Kind", ToString(task.kind)},
              {"JobID", task.job_id},
              {"ExecutionID", task.execution_id},
              {"Target", ToJson(task.target)},
              {"Paths", task.paths},
              {"ObjectKey", task.object_key},
              {"Content", task.content},
              {"CreateTime", task.create_time}};
}

Result<StoreTask> StoreTaskFromJson(const json& j) {
  StoreTask task;
  JsonReader r(j, "");
  std::string kind;
  r.String("ID", &task.id);
  r.String("Kind", &kind);
  r.String("JobID", &task.job_id);
  r.String("ExecutionID", &task.execution_id);
  r.Nested("Target", [&](const json& v, const std::string& p) {
    return DecodeSpecConfig(v, p, &task.target);
  });
  r.StringList("Paths", &task.paths);
  r.String("ObjectKey", &task.object_key);
  r.String("Content", &task.content);
  r.Int("CreateTime", &task.create_time);
  SHOAL_RETURN_IF_ERROR(r.status());
  if (kind == "commit") {
    task.kind = StoreTaskKind::kCommit;
  } else if (kind == "clean") {
    task.kind = StoreTaskKind::kClean;
  } else {
    return Status::InvalidArgument("Kind: '" + kind + "' is not one of commit, clean");
  }
  if (task.id.empty()) return Status::InvalidArgument("ID: a store task needs an id");
  return task;
}

std::optional<std::vector<PublishedFile>> PublishedFiles(const SpecConfig& published) {
  auto files = published.params.find("Files");
  if (files == published.params.end() || !files->is_array()) return std::nullopt;
  std::vector<PublishedFile> list;
  for (const json& file : *files) {
    if (!file.is_object() || !file.contains("Path") || !file["Path"].is_string()) continue;
    PublishedFile entry{file["Path"].get<std::string>()};
    if (file.contains("Size") && file["Size"].is_number_integer()) {
      entry.size = file["Size"].get<int64_t>();
    }
    list.push_back(std::move(entry));
  }
  return list;
}

std::string LocationHash(const std::string& location) {
  uint64_t hash = 1469598103934665603ULL;  // FNV-1a: short, and stable across builds
  for (unsigned char c : location) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  for (int shift = 60; shift >= 0; shift -= 4) text += kHex[(hash >> shift) & 0xf];
  return text;
}

std::string CommitManifestKey(const std::string& job_id, int64_t version,
                              const std::string& location) {
  return "_shoal/commits/" + job_id + "/v" + std::to_string(version) + "-" +
         LocationHash(location) + ".ndjson";
}

bool KeyNamesExecution(const SpecConfig& published, const std::string& execution_id) {
  return !execution_id.empty() &&
         StringParam(published.params, "Key").find(execution_id) != std::string::npos;
}

}  // namespace shoal::models
