// What `shoal job run` and `shoal job results` print for a completed job: each completed
// execution of the current version with the node that ran it and its result table (from its
// published result.json), or the union of all partitions' rows with --merge. Executions that
// published no result.json (e.g. generator jobs) show their stdout instead. Results an `s3`
// publisher put into a regional store stay there: they are not copied to the orchestrator to be
// printed; the output says where they are and how to fetch them.
//
// Thread-safety: each call is independent.
#pragma once

#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "api/api_client.h"
#include "cli/api_support.h"
#include "cli/result_table.h"
#include "common/status.h"
#include "models/job.h"

namespace shoal::cli {

struct ExecutionOutput {
  models::ExecutionResults result;
  std::optional<Table> table;  // from result.json, when it was published
  std::string stdout_text;     // otherwise: the execution's stdout
  // Published to a store the orchestrator holds no copy of: "s3://bucket/key (store us-store,
  // region us)"; empty when the results are here.
  std::string stored_at;
  nlohmann::ordered_json stored_json;  // the same as {"Bucket", "Key", "Store", "Region"}
};

// Fetches the outputs of the job's completed executions, ordered by partition (then node).
Result<std::vector<ExecutionOutput>> FetchExecutionOutputs(const api::ApiClient& client,
                                                           const models::Job& job);

// "partition 0 on compute-us-1" (batch) or "node compute-us-1" (ops).
std::string ExecutionLabel(const models::Job& job, const models::ExecutionResults& result);

// Prints the outputs: per execution under a "<label>:" header (table, csv), or as
// {"JobID", "State", "Executions": [{"ExecutionID", "NodeID", "PartitionIndex", "Columns",
// "Rows"}]} (json; "Stdout" instead of Columns/Rows when there is no table, "PublishedTo" when
// the results stayed in their store). With `merge`, one table of every execution's rows (json:
// {"JobID", "State", "Columns", "Rows"}); an execution without a table, or with different
// columns, is an error, as is one without a table in csv (csv never falls back to text).
Status PrintExecutionOutputs(const models::Job& job, const std::vector<ExecutionOutput>& outputs,
                             ListOutput output, bool merge, std::ostream& out);

// Fetches and prints a completed job's results to stdout as above, under a "job ... completed"
// line for the table format. Returns the exit code after reporting any error as `command`.
int PrintCompletedJob(std::string_view command, const api::ApiClient& client,
                      const models::Job& job, ListOutput output, bool merge);

}  // namespace shoal::cli
