#include "models/job.h"

#include "models/text.h"

namespace shoal::models {

std::vector<std::string> NormalizeJob(Job& job) {
  if (job.namespace_.empty()) job.namespace_ = std::string(kDefaultNamespace);
  if (job.type == JobType::kOps && job.count == 1) job.count = 0;
  std::vector<std::string> dropped;
  for (auto it = job.meta.begin(); it != job.meta.end();) {
    if (StartsWith(it->first, kReservedMetaPrefix)) {
      dropped.push_back(it->first);
      it = job.meta.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

Status ValidateSupportedType(JobType type) {
  if (type == JobType::kBatch || type == JobType::kOps) return Status::Ok();
  return Status::InvalidArgument("Type '" + std::string(ToString(type)) +
                                 "' is not supported yet; use batch or ops");
}

Status ValidateCount(JobType type, int64_t count) {
  const std::string n = std::to_string(count);
  if (count < 0) return Status::InvalidArgument("Count " + n + " must not be negative");
  if (type == JobType::kOps && count > 1) {
    return Status::InvalidArgument("Count " + n +
                                   " is not allowed for ops jobs: an ops job runs once on every "
                                   "matching node; omit Count");
  }
  if (type == JobType::kBatch && count == 0) {
    return Status::InvalidArgument(
        "Count 0 would run nothing; a batch job needs Count >= 1 (use `shoal job stop` to stop "
        "a job)");
  }
  return Status::Ok();
}

Status ValidateJob(const Job& job) {
  SHOAL_RETURN_IF_ERROR(ValidateSupportedType(job.type).WithContext("Type"));
  SHOAL_RETURN_IF_ERROR(ValidateCount(job.type, job.count).WithContext("Count"));
  if (job.type == JobType::kOps && job.count != 0) {
    return Status::InvalidArgument("Count: ops jobs are normalised to Count 0");
  }
  if (job.priority < 0) {
    return Status::InvalidArgument("Priority: " + std::to_string(job.priority) +
                                   " must not be negative");
  }
  if (job.namespace_.empty()) return Status::InvalidArgument("Namespace: must not be empty");
  for (size_t i = 0; i < job.constraints.size(); ++i) {
    SHOAL_RETURN_IF_ERROR(
        job.constraints[i].Validate().WithContext("Constraints[" + std::to_string(i) + "]"));
  }
  for (const auto& [key, value] : job.labels) {
    if (key.empty()) return Status::InvalidArgument("Labels: keys must not be empty");
  }
  for (const auto& [key, value] : job.meta) {
    if (StartsWith(key, kReservedMetaPrefix)) {
      return Status::InvalidArgument("Meta: key '" + key + "' uses the reserved prefix " +
                                     std::string(kReservedMetaPrefix));
    }
  }
  SHOAL_RETURN_IF_ERROR(ValidateTask(job.task).WithContext("Tasks[0]"));
  // Partitions and their retries publishing to one key would write over each other's files, and
  // a tree left by a dead node could not be told from the committed one (docs/jobs.md, "Results
  // in a store"). Ops jobs run once per node: {nodeID} tells their trees apart.
  const SpecConfig& publisher = job.task.publisher;
  if (job.type != JobType::kOps && job.count > 1 && publisher.type == kPublisherS3 &&
      StringParam(publisher.params, "Key").find("{executionID}") == std::string::npos) {
    return Status::InvalidArgument(
        "Tasks[0].Publisher.Params.Key: '" + StringParam(publisher.params, "Key") +
        "' has no {executionID}, so the " + std::to_string(job.count) +
        " partitions (and their retries) would publish over each other; add {executionID} to "
        "the key, e.g. 'results/{jobID}/{executionID}/'");
  }
  return Status::Ok();
}

int64_t SecondsSinceSubmission(const Job& job, int64_t now_ns) {
  const int64_t since = job.version_time > 0 ? job.version_time : job.modify_time;
  return (now_ns - since) / 1000000000;
}

}  // namespace shoal::models
