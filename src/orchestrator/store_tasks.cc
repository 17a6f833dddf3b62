#include "orchestrator/store_tasks.h"

#include <algorithm>
#include <map>

#include <nlohmann/json.hpp>

#include "models/spec_config.h"

namespace shoal::orchestrator {

namespace {

using models::StringParam;
using nlohmann::json;

bool PublishedToStore(const models::Execution& e) {
  return e.published_result.type == models::kPublisherS3 &&
         !StringParam(e.published_result.params, "StoreLocation").empty();
}

// The published objects of `published` as (s3 URL, size or -1): each file of a `plain` tree, or
// the one archive of `gzip`.
std::vector<std::pair<std::string, int64_t>> PublishedObjects(const models::SpecConfig& published) {
  const std::string bucket = StringParam(published.params, "Bucket");
  std::string key = StringParam(published.params, "Key");
  std::vector<std::pair<std::string, int64_t>> objects;
  if (StringParam(published.params, "Encoding") == "gzip") {
    objects.emplace_back("s3://" + bucket + "/" + key, -1);
    return objects;
  }
  if (!key.empty() && key.back() != '/') key += '/';
  for (const models::PublishedFile& file :
       models::PublishedFiles(published).value_or(std::vector<models::PublishedFile>{})) {
    objects.emplace_back("s3://" + bucket + "/" + key + file.path, file.size);
  }
  std::sort(objects.begin(), objects.end());
  return objects;
}

models::StoreTask CleanTask(const models::Execution& e, const models::SpecConfig& target,
                            int64_t now) {
  models::StoreTask task;
  task.id = "clean-" + e.id;
  task.kind = models::StoreTaskKind::kClean;
  task.job_id = e.job_id;
  task.execution_id = e.id;
  task.target = target;
  task.target.params.erase("Files");  // they travel as `paths`
  for (const models::PublishedFile& file :
       models::PublishedFiles(target).value_or(std::vector<models::PublishedFile>{})) {
    task.paths.push_back(file.path);
  }
  task.create_time = now;
  return task;
}

}  // namespace

std::string CommitManifest(const models::Job& job, int64_t partitions,
                           const std::vector<models::Execution>& committed) {
  std::vector<const models::Execution*> sorted;
  for (const auto& e : committed) sorted.push_back(&e);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) {
    return std::tie(a->partition_index, a->id) < std::tie(b->partition_index, b->id);
  });
  std::string text;
  for (const models::Execution* e : sorted) {
    for (const auto& [path, size] : PublishedObjects(e->published_result)) {
      json line = {{"job_id", job.id},
                   {"job_version", e->job_version},
                   {"partitions", partitions},
                   {"partition_index", e->partition_index},
                   {"execution_id", e->id},
                   {"node_id", e->node_id},
                   {"path", path},
                   {"size", size >= 0 ? json(size) : json(nullptr)}};
      text += line.dump(-1, ' ', false, json::error_handler_t::replace);
      text += '\n';
    }
  }
  return text;
}

std::optional<models::StoreTask> CleanTaskFor(const models::Execution& e, int64_t now) {
  if (e.publish_target.type != models::kPublisherS3 ||
      !models::KeyNamesExecution(e.publish_target, e.id) ||
      StringParam(e.publish_target.params, "StoreLocation").empty()) {
    return std::nullopt;
  }
  return CleanTask(e, e.publish_target, now);
}

std::vector<models::StoreTask> JobEndStoreTasks(const models::Job& job,
                                                const std::vector<models::Execution>& executions,
                                                int64_t now) {
  std::vector<models::StoreTask> tasks;
  const bool completed = job.state.state_type == models::JobStateType::kCompleted;
  std::map<std::string, std::vector<models::Execution>> by_location;
  int64_t completed_count = 0;
  for (const auto& e : executions) {
    if (e.job_version != job.version ||
        e.compute_state.state_type != models::ExecutionComputeState::kCompleted) {
      continue;
    }
    ++completed_count;
    if (!PublishedToStore(e)) continue;
    if (completed) {
      by_location[StringParam(e.published_result.params, "StoreLocation")].push_back(e);
    } else if (models::KeyNamesExecution(e.published_result, e.id)) {
      tasks.push_back(CleanTask(e, e.published_result, now));  // will never be committed
    }
  }
  // An ops job has one execution per node, not a fixed count.
  const int64_t partitions = job.type == models::JobType::kOps ? completed_count : job.count;
  for (const auto& [location, committed] : by_location) {
    models::StoreTask task;
    task.id = "commit-" + job.id + "-v" + std::to_string(job.version) + "-" +
              models::LocationHash(location);
    task.kind = models::StoreTaskKind::kCommit;
    task.job_id = job.id;
    task.target = committed.front().published_result;
    task.target.params.erase("Files");
    task.object_key = models::CommitManifestKey(job.id, job.version, location);
    task.content = CommitManifest(job, partitions, committed);
    task.create_time = now;
    tasks.push_back(std::move(task));
  }
  return tasks;
}

}  // namespace shoal::orchestrator
