// The environment of an execution: the task's Env with `env:NAME` references resolved against
// the node, plus the variables every execution gets.
//
// `env:NAME` reads NAME from NodeConfig::host_environment, and only when NAME matches one of
// NodeConfig::env_allow_list. The patterns are unanchored regular expressions, as in Bacalhau
// (so "AWS_.*" also admits "MY_AWS_KEY"; anchor with ^...$ to be strict). Values without the
// prefix are literals. The system variables (kSystemVariables: BACALHAU_EXECUTION_ID,
// BACALHAU_JOB_ID, BACALHAU_JOB_TYPE, BACALHAU_PARTITION_INDEX, BACALHAU_PARTITION_COUNT = the
// job's Count or 0 for ops jobs, and Shoal's SHOAL_JOB_VERSION) override task variables of the
// same name.
//
// Executions share the node's process, so this environment is never the process environment:
// the runner reads it (DUCKDB_S3_ENDPOINT picks the store behind s3:// paths in SQL).
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"
#include "compute/node_config.h"
#include "engine/partition.h"
#include "models/execution.h"
#include "models/job.h"

namespace shoal::compute {

using Environment = std::map<std::string, std::string>;

// The variables every execution gets, whatever its task's Env says.
inline constexpr std::array<std::string_view, 6> kSystemVariables = {
    "BACALHAU_EXECUTION_ID",    "BACALHAU_JOB_ID",          "BACALHAU_JOB_TYPE",
    "BACALHAU_PARTITION_INDEX", "BACALHAU_PARTITION_COUNT", "SHOAL_JOB_VERSION"};

// The partition an execution computes: its index, and the job's Count (0 for ops jobs, as in
// Bacalhau). Worked out here only; the runner hands it on to the inputs and the engine.
engine::Partition ExecutionPartition(const models::Job& job, const models::Execution& execution);

// Errors: kPermissionDenied "Env.KEY: env:NAME is not allowed by this node's allow-list";
// kNotFound "Env.KEY: env:NAME is not set on this node"; kFailedPrecondition for an allow-list
// pattern that is not a valid regular expression.
Result<Environment> ResolveExecutionEnv(const NodeConfig& config, const models::Job& job,
                                        const models::Execution& execution);

}  // namespace shoal::compute
