// Schema inference for logical tables: the columns of a table are DuckDB's own inference over
// the table's files, run on the nodes of each region (the files never leave it), never typed by
// hand. One single-partition batch job per region, pinned to the region's nodes, reports the
// files, their bytes and the inferred columns (query/table_sql.h InspectionSql); the regions'
// answers must agree.
//
// Thread-safety: InspectTable may be called concurrently (each call runs its own jobs); the
// caller keeps two inspections of one table apart (their jobs share a name: the second would
// replace the first).
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/job.h"
#include "models/table.h"
#include "orchestrator/orchestrator.h"

namespace shoal::query {

// "shoal-table-inspect-<table>-<region>": the name of a region's inspection job.
std::string InspectionJobName(const models::TableDefinition& table, const std::string& region);

// The batch job that inspects `location`'s region: Count 1, constraint `region == R`, engine
// duckdb with InspectionSql.
models::Job InspectionJob(const models::TableDefinition& table,
                          const models::RegionLocation& location);

// Runs the inspection in every region of `table` at once and returns `table` with Columns (the
// regions' common schema, in the order of the first region with files) and Regions (files and
// bytes of each, inferred time now). Errors:
// - kFailedPrecondition "region 'eu' has no connected compute node ..." before any job runs;
// - kNotFound "table t has no files in any region (locations us: ..., eu: ...)" when every
//   region's glob matches nothing (a region with no files alone is fine: it reports 0 files);
// - kInvalidArgument naming the column, both regions and both types when regions disagree
//   ("column 'amount' is DOUBLE in us but VARCHAR in eu"), or a column found in one only;
// - the region's job error (DuckDB's message, e.g. a bad reader option) with the region named;
// - kDeadlineExceeded / kCancelled as RunJobToCompletion gives them.
Result<models::TableDefinition> InspectTable(orchestrator::Orchestrator& orchestrator,
                                             models::TableDefinition table,
                                             std::chrono::milliseconds timeout,
                                             const std::atomic<bool>* cancel = nullptr);

}  // namespace shoal::query
