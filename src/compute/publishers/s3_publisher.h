// The `s3` publisher: puts an execution's result tree into a bucket of one of the node's stores,
// a folder store or an S3 store (Endpoint names it, see stores.h).
//
// Key placeholders {jobID}, {executionID}, {nodeID}, {date} (YYYYMMDD) and {time} (HHMMSS, the
// node's local clock at publish time) are filled in first; the key must then be relative and free
// of '..'. Encoding `plain` puts every file at <bucket>/<key>/<path> (the key gets a trailing
// '/'); `gzip` (the default) writes one <key>.tar.gz object (".tar.gz" appended when missing).
// The bucket must exist, as with S3; a missing one is "bucket 'B' does not exist in store 'S'".
// Region is accepted and ignored: the store's own configuration decides where it is and which
// region signs its requests.
//   - folder stores: each object is written under a hidden temporary name and renamed.
//   - S3 stores: `plain` uploads each file with PutObjectFromFile, 4 at a time (multipart above
//     the client's threshold); `gzip` builds the archive in a temporary file in the result
//     tree's parent folder, uploads it and deletes it. S3 makes each object appear whole.
//
// Thread-safety: free functions; concurrent calls must publish to different keys. The publisher
// is stateless.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "compute/publishers/result_publisher.h"
#include "models/spec_config.h"

namespace shoal::compute {

// Fills the placeholders of `key`; other {...} text stays as written.
std::string ExpandKeyPlaceholders(const std::string& key, const PublishContext& context);

// Where PublishToStore would put the result tree, without touching the store: the spec it
// returns (below). Lets a caller record the target before the upload starts.
Result<models::SpecConfig> ResolvePublishTarget(const models::SpecConfig& publisher,
                                                const PublishContext& context,
                                                const std::vector<StoreConfig>& stores);

// Publishes the files of `result_dir` to `target`, a spec from ResolvePublishTarget.
Status PublishToTarget(const models::SpecConfig& target, const std::string& result_dir,
                       const std::vector<ResultFile>& files,
                       const std::vector<StoreConfig>& stores);

// "s3://bucket/key in store S", for messages about a publish target.
std::string DescribeTarget(const models::SpecConfig& target);

// Publishes the files of `result_dir` (paths relative to it). Returns where they went:
// {Type: s3, Params: {Bucket, Key (final), Endpoint (as the job wrote it, or the store's name when
// empty), Encoding, Store (the store's name), StoreLocation (StoreLocation() of the store, which
// tells another node whether it can read the result back)}}.
Result<models::SpecConfig> PublishToStore(const models::SpecConfig& publisher,
                                          const std::string& result_dir,
                                          const std::vector<ResultFile>& files,
                                          const PublishContext& context,
                                          const std::vector<StoreConfig>& stores);

// The `s3` publisher, for the node's registry (compute/plugins.h).
std::unique_ptr<ResultPublisher> MakeS3Publisher();

}  // namespace shoal::compute
