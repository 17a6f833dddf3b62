// The `compact` engine: one region's compaction of a columnar table (models/table_state.h), run
// as a Count-1 job on a node of that region, so no row leaves it.
//
// It reads the table state from the warehouse, lists the landing glob, and converts the landing
// files the state does not list yet: their rows, plus the rows of the Parquet files of every
// partition (year/month/day of the event time) they touch, are written sorted by event time as
// one new Parquet file per touched partition, `<partition>/part-<unix seconds>-<execution>.parquet`
// (late data for a compacted month rewrites that month). The files are uploaded first; then the
// new state replaces the old whole — the commit point — listing the new files and the converted
// landing files, and retiring the replaced ones. A compaction killed before that leaves the state
// as it was (readers see the old files and the landing files, every row once); its uploads are
// orphans, removed by a later compaction once older than kOrphanAge. Retired files are removed
// once retired longer than the spec's RetainSeconds. Nothing new: nothing is written.
//
// Output: a summary line on stdout, and result.json with one row (Version, LandingFiles, Rows,
// ParquetFiles, ParquetBytes, RemovedFiles) describing this compaction.
//
// Thread-safety: see EngineContext. Two compactions of one warehouse must not run at once (the
// table service runs one per table and region); if they did, the state stays whole and each
// landing row is still read once, but one compaction's work is lost.
#pragma once

#include <chrono>
#include <memory>

#include "common/status.h"
#include "compute/engines/job_engine.h"

namespace shoal::compute {

inline constexpr std::chrono::minutes kOrphanAge{15};

// The `compact` engine, for the node's registry (compute/plugins.h).
std::unique_ptr<JobEngine> MakeCompactEngine();

}  // namespace shoal::compute
