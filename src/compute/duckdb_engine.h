// The `duckdb` engine of an execution: Params.SQL run in an engine::Session of its own.
//
// The session computes partition {execution's index, job's Count} (Count is 0 for ops jobs, so
// the partition functions fail with a clear message there, while other SQL runs), uses
// ceil(Resources.CPU) threads and Resources.Memory as memory_limit, and sees the sandbox's
// folders plus one `s3://<bucket>` prefix per bucket of the store named by the execution's
// DUCKDB_S3_ENDPOINT (default storage-local).
//
// Output: every row-returning statement printed as a table on stdout; notes (an empty
// partition) on stderr; `result.json` in the result tree holding the last row-returning
// statement as {"Columns": [{"Name", "Type", "Numeric"}], "Rows": [[typed values]]}. A last
// statement that read an empty partition gives {"Columns": [], "Rows": []}. On failure the
// message is the engine's ("statement 2 of 3 failed: ...") and no result.json is left.
//
// Thread-safety: see EngineContext.
#pragma once

#include "common/status.h"
#include "compute/engine_context.h"

namespace shoal::compute {

Status RunDuckdbEngine(const EngineContext& context);

}  // namespace shoal::compute
