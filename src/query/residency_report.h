// The residency report: per region and UTC day, what was scanned there and what left the region,
// by class, from the orchestrator's own records: the `shoal query` records (each region's files
// scanned and its partials shipped as aggregates, values or rows) and the executions of every
// other job (bytes they read, and results they uploaded to the orchestrator: class `results`).
// Results an `s3` publisher wrote to the region's own store never left it and are not counted.
// GET /api/v1/residency serves it; the console's Residency page shows it.
//
// Thread-safety: a pure function over thread-safe stores.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "orchestrator/orchestrator.h"
#include "query/query_store.h"

namespace shoal::query {

// The classes of what left a region: query partials by shipping class, and job results.
inline constexpr const char* kResidencyClasses[] = {"aggregates", "values", "rows", "results"};

struct RegionDay {
  std::string day;     // "2026-12-07" (UTC)
  std::string region;  // "none" for a node without a region label
  int64_t queries = 0;
  int64_t job_executions = 0;
  int64_t bytes_scanned = 0;                  // queries' files plus jobs' reads
  std::map<std::string, int64_t> left_bytes;  // by class (kResidencyClasses), every class present
  int64_t left_rows = 0;                      // rows of query partials
};

// The days since `since_ns` (ns since the Unix epoch), newest first, regions by name.
Result<std::vector<RegionDay>> ResidencyReport(orchestrator::Orchestrator& orchestrator,
                                               QueryStore& queries, int64_t since_ns);

nlohmann::ordered_json ToJson(const RegionDay& day);

}  // namespace shoal::query
