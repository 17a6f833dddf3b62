// Compaction jobs of columnar tables (models/table_state.h): one Count-1 job per region, run by
// the `compact` engine on a node of that region (compute/engines/compact_engine.h), named
// `shoal-compact-<table>-<region>`.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include "models/job.h"
#include "models/table.h"

namespace shoal::query {

std::string CompactionJobName(const std::string& table, const std::string& region);

// The job compacting `where` of `table`. REQUIRES: table.columnar() and its columns are known.
models::Job CompactionJob(const models::TableDefinition& table, const models::RegionLocation& where,
                          int64_t retain_seconds);

}  // namespace shoal::query
