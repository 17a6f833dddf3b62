#include "compute/execution_env.h"

#include <memory>
#include <vector>

#include <re2/re2.h>

#include "models/task.h"
#include "models/text.h"

namespace shoal::compute {

engine::Partition ExecutionPartition(const models::Job& job, const models::Execution& execution) {
  return {execution.partition_index, job.type == models::JobType::kOps ? 0 : job.count};
}

Result<Environment> ResolveExecutionEnv(const NodeConfig& config, const models::Job& job,
                                        const models::Execution& execution) {
  std::vector<std::unique_ptr<RE2>> allow_list;
  for (const std::string& pattern : config.env_allow_list) {
    auto re = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!re->ok()) {
      return Status::FailedPrecondition("this node's env allow-list pattern '" + pattern +
                                        "' is not a valid regular expression: " + re->error());
    }
    allow_list.push_back(std::move(re));
  }
  Environment env;
  for (const auto& [name, value] : job.task.env) {
    if (!models::StartsWith(value, models::kEnvReferencePrefix)) {
      env[name] = value;
      continue;
    }
    const std::string host_name = value.substr(models::kEnvReferencePrefix.size());
    bool allowed = false;
    for (const auto& re : allow_list) allowed = allowed || RE2::PartialMatch(host_name, *re);
    if (!allowed) {
      return Status::PermissionDenied("Env." + name + ": " + value +
                                      " is not allowed by this node's allow-list");
    }
    auto host_value = config.host_environment.find(host_name);
    if (host_value == config.host_environment.end()) {
      return Status::NotFound("Env." + name + ": " + value + " is not set on this node");
    }
    env[name] = host_value->second;
  }
  env["BACALHAU_EXECUTION_ID"] = execution.id;
  env["BACALHAU_JOB_ID"] = job.id;
  env["BACALHAU_JOB_TYPE"] = std::string(models::ToString(job.type));
  const engine::Partition partition = ExecutionPartition(job, execution);
  env["BACALHAU_PARTITION_INDEX"] = std::to_string(partition.index);
  env["BACALHAU_PARTITION_COUNT"] = std::to_string(partition.count);
  env["SHOAL_JOB_VERSION"] = std::to_string(execution.job_version);
  return env;
}

}  // namespace shoal::compute
