// Stores: how a node's stores are configured, how job text names them, and how buckets and keys
// become paths inside the folder-backed ones.
//
// An endpoint names a store by its host: "storage-local", "http://storage-local:9000" and
// "storage-local:9000" all name the store "storage-local" (so the seed's job text, written for
// MinIO containers, keeps working); an empty endpoint means "storage-local", the region's own
// store. Buckets are the sub-folders of a store. Keys are '/'-separated paths inside a bucket.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "engine/engine.h"

namespace shoal::compute {

// The store s3:// paths, inputs and publishers use when no endpoint is given.
inline constexpr std::string_view kDefaultStoreName = "storage-local";

// Parses a node's store option: "NAME=DIR" is a folder store; "NAME=http[s]://HOST[:PORT]" an S3
// store, optionally followed by "?region=REGION&style=path|vhost" (defaults: us-east-1,
// path-style). An S3 store's credentials are the node's own AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN from `node_environment`; a store without them is an
// error here, not at the first job. Errors quote the option.
Result<StoreConfig> ParseStoreSpec(std::string_view spec,
                                   const std::map<std::string, std::string>& node_environment);

// A folder store's buckets (its sub-folders, sorted), read when a node starts so that a store it
// cannot serve is refused then, not at the first job: NotFound when the folder does not exist,
// InvalidArgument when it is not a folder.
Result<std::vector<std::string>> FolderStoreBuckets(const StoreConfig& store);

// "storage-local: folder /srv/us" or "storage: S3 http://10.0.0.5:9000 (path-style, ...)". No
// secrets.
std::string DescribeStore(const StoreConfig& store);

// Where a store really is, without secrets: "http://10.0.0.5:9000" (scheme, host and port of an
// S3 store) or "folder:/srv/us". Two nodes whose stores have the same location share that store,
// whatever name each gives it.
std::string StoreLocation(const StoreConfig& store);

// The S3 stores as endpoint aliases for engine::SessionOptions, by lower-case name.
std::map<std::string, storage::S3Config> S3EndpointAliases(const std::vector<StoreConfig>& stores);

// "http://storage-local:9000/" -> "storage-local"; "" -> "storage-local".
std::string EndpointStoreName(std::string_view endpoint);

// The store `endpoint` names, or a kNotFound error listing the node's stores.
Result<const StoreConfig*> FindStore(const std::vector<StoreConfig>& stores,
                                     std::string_view endpoint);

// A bucket name usable as one folder: not empty, no '/', not '.' or '..', no leading '.'.
Status ValidateBucket(std::string_view bucket);
// A relative key without '..' components and without a leading '/'. Empty is allowed.
Status ValidateKey(std::string_view key, std::string_view field);

// The folder of `bucket` in the folder store `store`; kNotFound when the bucket does not exist.
Result<std::string> BucketDirectory(const StoreConfig& store, std::string_view bucket);

// One mapping "s3://<bucket>" -> "<store>/<bucket>" per bucket folder that exists (nothing is
// created), so SQL reading s3://my-bucket/... reads the store's folder. None for an S3 store.
std::vector<engine::PathMapping> BucketMappings(const StoreConfig& store);

}  // namespace shoal::compute
