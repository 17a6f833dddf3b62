// The `s3` input source: objects of a bucket of one of the node's stores, copied into the sandbox.
//
// `s3`: the objects of Bucket matching Key (an object, a `prefix/`, or a trailing `*`) and the
// Filter regex (unanchored, on the full key) are staged into the Target, each at its path
// relative to the directory of the prefix (Key `transactions/*` puts
// `transactions/compute-us-1/data/x.jsonl` at `<Target>/compute-us-1/data/x.jsonl`). Partition
// {Type: object|regex|substring} selects the execution's share with Bacalhau's FNV-1a hash;
// `date` is refused for now. ChecksumSHA256 (base64) must match every staged object. Endpoint
// names the store (see stores.h); Region is accepted and ignored, since the store's own
// configuration says where it is. The selection is one piece of code for both kinds of store
// (s3_input_selection.h):
//   - folder stores: the files are copied from <store>/<Bucket>/; VersionID is refused.
//   - S3 stores: objects are listed (ListObjectsV2) or, for a Key that may be one object, looked
//     up with a HEAD, and downloaded streamed to disk, 4 at a time; VersionID (a single-object
//     Key only) is sent with the GET. See s3_input_staging.h.
// Either way, a Key that names nothing is kNotFound naming Key, bucket and store, a missing
// bucket is "bucket 'B' does not exist in store 'S'", and the stop flag is checked between
// objects (kCancelled "staging stopped").
//
// Thread-safety: free functions; concurrent calls must use different targets. The storage is
// stateless.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/inputs/input_storage.h"
#include "compute/inputs/s3_input_selection.h"
#include "compute/node_config.h"
#include "models/spec_config.h"

namespace shoal::compute {

// Stages the objects an `s3` source selects into `target_dir`. `partition_index` and
// `partition_count` are the execution's (used only with Params.Partition). StagedObjects and
// Fnv1a32 are declared in s3_input_selection.h.
Result<StagedObjects> StageS3Input(const models::SpecConfig& source,
                                   const std::vector<StoreConfig>& stores,
                                   const std::string& target_dir, int64_t partition_index,
                                   int64_t partition_count, const std::atomic<bool>* stop);

// The `s3` storage, for the node's registry (compute/plugins.h).
std::unique_ptr<InputStorage> MakeS3InputStorage();

}  // namespace shoal::compute
