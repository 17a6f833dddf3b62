// Input sources: how a task's InputSources reach its sandbox.
//
// `local`: SourcePath, after resolving symlinks and '..', must be inside one of the node's
// allowed_local_paths. It is mapped at its Target, not copied (regional data sets are large).
// ReadWrite false is read-only by convention only: the engine's path mappings cannot refuse
// writes yet, but the generator refuses to write into such an input. CreateAs `dir` / `file`
// creates a missing SourcePath (inside an allowed folder); `noCreate` (the default) needs it.
//
// `s3` (folder-backed stores): objects of Bucket matching Key (an object, a `prefix/`, or a
// trailing `*`) and the Filter regex (unanchored, on the full key) are copied into the Target,
// each at its path relative to the directory of the prefix (Key `transactions/*` puts
// `transactions/compute-us-1/data/x.jsonl` at `<Target>/compute-us-1/data/x.jsonl`). Endpoint
// names the store (see stores.h). Partition {Type: object|regex|substring} selects the
// execution's share with Bacalhau's FNV-1a hash; `date` is refused for now.
//
// Thread-safety: free functions; concurrent calls must use different targets.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/execution_runner.h"
#include "models/spec_config.h"

namespace shoal::compute {

struct LocalInput {
  std::string real_path;  // the resolved SourcePath
  bool read_only = true;
};

// Checks and resolves a `local` source. Errors name the field, e.g. "SourcePath '/etc' is not
// inside a folder this node allows (allowed: /srv/data)".
Result<LocalInput> ResolveLocalInput(const models::SpecConfig& source,
                                     const std::vector<std::string>& allowed_local_paths);

struct StagedObjects {
  int64_t objects = 0;
  int64_t bytes = 0;
};

// Copies the objects an `s3` source selects into `target_dir`. `partition_index` and
// `partition_count` are the execution's (used only with Params.Partition).
Result<StagedObjects> StageS3Input(const models::SpecConfig& source,
                                   const std::vector<StoreConfig>& stores,
                                   const std::string& target_dir, int64_t partition_index,
                                   int64_t partition_count, const std::atomic<bool>* stop);

// Bacalhau's S3 partition hash: FNV-1a, 32 bits.
uint32_t Fnv1a32(std::string_view text);

}  // namespace shoal::compute
