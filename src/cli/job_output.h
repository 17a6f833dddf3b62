// What `shoal job run` prints once its job has completed: each completed execution of the
// current version with the node that ran it and its result table (from its published
// result.json), or the union of all partitions' rows with --merge. Executions that published no
// result.json (e.g. generator jobs) show their stdout instead.
//
// Thread-safety: each call is independent.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "api/api_client.h"
#include "cli/api_support.h"
#include "cli/result_table.h"
#include "common/status.h"
#include "models/job.h"

namespace shoal::cli {

struct ExecutionOutput {
  api::ExecutionResult result;
  std::optional<Table> table;  // from result.json, when it was published
  std::string stdout_text;     // otherwise: the execution's stdout
};

// Fetches the outputs of the job's completed executions, ordered by partition (then node).
Result<std::vector<ExecutionOutput>> FetchExecutionOutputs(const api::ApiClient& client,
                                                           const models::Job& job);

// "partition 0 on compute-us-1" (batch) or "node compute-us-1" (ops).
std::string ExecutionLabel(const models::Job& job, const api::ExecutionResult& result);

// Prints the outputs: per execution under a "<label>:" header (table, csv), or as
// {"JobID", "State", "Executions": [{"ExecutionID", "NodeID", "PartitionIndex", "Columns",
// "Rows"}]} (json; "Stdout" instead of Columns/Rows when there is no table). With `merge`, one
// table of every execution's rows (json: {"JobID", "State", "Columns", "Rows"}); an execution
// without a table, or with different columns, is an error.
Status PrintExecutionOutputs(const models::Job& job, const std::vector<ExecutionOutput>& outputs,
                             ListOutput output, bool merge, std::ostream& out);

}  // namespace shoal::cli
