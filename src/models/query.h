// Query: one `shoal query` as the orchestrator records it and the API returns it — the SQL, how
// it was planned (fragment and merge SQL, shipping class), its state and timings, and the
// residency account: per region, what was scanned there and what left it.
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace shoal::models {

enum class QueryState { kRunning, kCompleted, kFailed, kCancelled };
std::string_view ToString(QueryState state);  // "Running", "Completed", "Failed", "Cancelled"
Result<QueryState> ParseQueryState(std::string_view text);
inline bool IsTerminal(QueryState state) { return state != QueryState::kRunning; }

// What a client asks.
struct QueryRequest {
  std::string sql;
  std::vector<std::string> regions;            // empty: every region of the table
  int64_t partitions = 0;                      // per region; 0: one per node of the region
  bool allow_rows = false;                     // let an aggregate-free query ship its rows
  int64_t max_ship_bytes = int64_t{64} << 20;  // budget of classes values and rows
  bool explain = false;                        // plan only
};

// One region's share of a query.
struct RegionResidency {
  std::string region;
  std::string job_id;
  int64_t partitions = 0;
  int64_t files = 0;
  int64_t bytes_scanned = 0;  // the files the region's partitions read
  int64_t partial_rows = 0;   // rows of partial results that left the region
  int64_t partial_bytes = 0;  // their bytes (Parquet)
};

struct Query {
  std::string id;  // "q-<uuid>"
  QueryRequest request;
  std::string table;
  std::string shipping;  // "aggregates", "values" or "rows"
  std::string fragment_sql;
  std::string merge_sql;
  QueryState state = QueryState::kRunning;
  std::string message;  // failed or cancelled: why
  std::vector<RegionResidency> residency;
  int64_t result_rows = 0;
  int64_t create_time = 0;  // ns since the Unix epoch
  int64_t end_time = 0;
  double plan_ms = 0;
  double fragments_ms = 0;  // from submitting the fragment jobs to having every partial
  double merge_ms = 0;
};

nlohmann::ordered_json ToJson(const RegionResidency& residency);
nlohmann::ordered_json ToJson(const QueryRequest& request);
nlohmann::ordered_json ToJson(const Query& query);
// Errors name the field ("Residency[1].Files: must be an integer").
Result<QueryRequest> QueryRequestFromJson(const nlohmann::json& json);
Result<Query> QueryFromJson(const nlohmann::json& json);

}  // namespace shoal::models
