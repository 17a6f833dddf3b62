// Stores: how job text names the node's folder-backed object stores, and how buckets and keys
// become paths inside them.
//
// An endpoint names a store by its host: "storage-local", "http://storage-local:9000" and
// "storage-local:9000" all name the store "storage-local" (so the seed's job text, written for
// MinIO containers, keeps working); an empty endpoint means "storage-local", the region's own
// store. Buckets are the sub-folders of a store. Keys are '/'-separated paths inside a bucket.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "compute/execution_runner.h"
#include "engine/engine.h"

namespace shoal::compute {

// The store s3:// paths, inputs and publishers use when no endpoint is given.
inline constexpr std::string_view kDefaultStoreName = "storage-local";

// "http://storage-local:9000/" -> "storage-local"; "" -> "storage-local".
std::string EndpointStoreName(std::string_view endpoint);

// The store `endpoint` names, or a kNotFound error listing the node's stores.
Result<const StoreConfig*> FindStore(const std::vector<StoreConfig>& stores,
                                     std::string_view endpoint);

// A bucket name usable as one folder: not empty, no '/', not '.' or '..', no leading '.'.
Status ValidateBucket(std::string_view bucket);
// A relative key without '..' components and without a leading '/'. Empty is allowed.
Status ValidateKey(std::string_view key, std::string_view field);

// The folder of `bucket` in `store`; kNotFound when the bucket does not exist.
Result<std::string> BucketDirectory(const StoreConfig& store, std::string_view bucket);

// One mapping "s3://<bucket>" -> "<store>/<bucket>" per bucket folder that exists (nothing is
// created), so SQL reading s3://my-bucket/... reads the store's folder.
std::vector<engine::PathMapping> BucketMappings(const StoreConfig& store);

}  // namespace shoal::compute
