// The public API's result wire types, defined once for the orchestrator that answers with them
// and the API client that reads them (docs/api.md, "Results"): the files of one completed
// execution's result tree, and where the orchestrator stands with fetching them from the store
// they were published to.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace shoal::models {

// One file of a result tree.
struct ResultFile {
  std::string path;  // relative to the tree, e.g. "stdout", "outputs/metrics.csv"
  int64_t size = 0;
};

// The result tree of one completed execution (GET .../jobs/{id}/results).
struct ExecutionResults {
  std::string execution_id;
  std::string node_id;
  int64_t partition_index = 0;
  std::vector<ResultFile> files;
};

// Where the orchestrator stands with the result files of one completed execution.
enum class FetchState {
  kReady,    // the orchestrator has them (uploaded by the node, or fetched from the store)
  kPending,  // a node is fetching them from the store they were published to
  kFailed,   // the last fetch failed, or no node can reach the store; asking again retries
};

std::string_view ToString(FetchState state);  // "ready", "pending", "failed"
Result<FetchState> ParseFetchState(std::string_view text);

// One execution's answer to POST .../jobs/{id}/results/fetch.
struct ResultFetchStatus {
  std::string execution_id;
  std::string node_id;  // the node that ran (and published) the execution
  int64_t partition_index = 0;
  FetchState state = FetchState::kReady;
  std::string fetch_node_id;  // pending: the node fetching
  std::string message;        // failed: why; pending: what is going on
};

nlohmann::json ToJson(const ExecutionResults& results);
nlohmann::json ToJson(const ResultFetchStatus& status);
Result<ExecutionResults> ExecutionResultsFromJson(const nlohmann::json& json);
Result<ResultFetchStatus> ResultFetchStatusFromJson(const nlohmann::json& json);

}  // namespace shoal::models
