// Reading published results back: the files an `s3` publisher put into a store, fetched by a node
// that can reach the store so that it can hand them to the orchestrator (which holds no store
// credentials and cannot reach regional stores behind their firewalls).
//
// The published spec is what the publisher returned: {Type: s3, Params: {Bucket, Key, Endpoint,
// Encoding (plain|gzip), Store, StoreLocation, Files}}. `plain`: the objects under the Key prefix
// that Files ([{Path, Size}], what the execution published) names, each at its path relative to
// the prefix (every object under it when there is no Files: published by an older node); `gzip`:
// the regular files of the Key object (a .tar.gz).
// S3 stores are read through storage::S3Client with the node's own credentials, folder stores
// through their bucket folders. Object paths that are absolute or climb with '..' are refused.
//
// Thread-safety: free functions; concurrent calls must use different target folders.
#pragma once

#include <atomic>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "models/spec_config.h"

namespace shoal::compute {

// The store of `stores` that holds what `published` names: the one whose StoreLocation equals
// Params.StoreLocation (a node may call a shared store by another name than the publishing node
// did); without a StoreLocation, the one Params.Store (or else Params.Endpoint) names. kNotFound
// when this node has no such store.
Result<const StoreConfig*> FindPublishedStore(const models::SpecConfig& published,
                                              const std::vector<StoreConfig>& stores);

// Copies the published result tree into `target_dir` (created) and returns its files, sorted by
// path. Nothing published (no object under the prefix, no archive) is kNotFound. Stops early with
// kCancelled once `stop` is set.
Result<std::vector<ResultFile>> ReadPublishedResults(const models::SpecConfig& published,
                                                     const std::vector<StoreConfig>& stores,
                                                     const std::string& target_dir,
                                                     const std::atomic<bool>* stop = nullptr);

// Removes what a publisher put, or began to put, where `published` says (see ResolvePublishTarget
// in s3_publisher.h): `plain`, every object under the Key prefix and each of `paths` below it
// (an object whose upload was cut off may not be listed); `gzip`, the Key object. Temporary files
// a folder store's publish left are removed too. Nothing there is not an error.
Status DeletePublishedResults(const models::SpecConfig& published,
                              const std::vector<std::string>& paths,
                              const std::vector<StoreConfig>& stores);

}  // namespace shoal::compute
