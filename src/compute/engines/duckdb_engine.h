// The `duckdb` engine of an execution: Params.SQL run in an engine::Session of its own.
//
// The session computes partition {execution's index, job's Count} (Count is 0 for ops jobs, so
// the partition functions fail with a clear message there, while other SQL runs), uses
// ceil(Resources.CPU) threads and Resources.Memory as memory_limit, and sees the sandbox's
// folders plus one `s3://<bucket>` prefix per bucket of the store named by the execution's
// DUCKDB_S3_ENDPOINT (default storage-local), and the node's S3 stores through their aliases.
//
// The session is always locked to that (engine::SessionOptions::sandboxed): any other path,
// writes outside the writable folders and to s3://, SET (but for the s3_* settings, and
// s3_endpoint only to the node's stores), extensions and getenv() fail the execution with a
// message naming what was refused. A query over memory_limit spills into the sandbox's temp
// folder (at most Resources.Disk when given); one that still does not fit fails with DuckDB's
// out-of-memory error and a note naming Resources.Memory.
//
// Output: every row-returning statement printed as a table on stdout; notes (an empty
// partition) on stderr; `result.json` in the result tree holding the last row-returning
// statement as {"Columns": [{"Name", "Type", "Numeric"}], "Rows": [[typed values]]}. A last
// statement that read an empty partition gives {"Columns": [], "Rows": []}. On failure the
// message is the engine's ("statement 2 of 3 failed: ...") and no result.json is left.
//
// Thread-safety: see EngineContext.
#pragma once

#include <memory>

#include "common/status.h"
#include "compute/engines/job_engine.h"
#include "engine/engine.h"

namespace shoal::compute {

// The `duckdb` engine, for the node's registry (compute/plugins.h).
std::unique_ptr<JobEngine> MakeDuckdbEngine();

// The locked session options of an execution, as described above (the compaction engine opens
// its sessions with them too).
Result<engine::SessionOptions> ExecutionSessionOptions(const EngineContext& context);

}  // namespace shoal::compute
