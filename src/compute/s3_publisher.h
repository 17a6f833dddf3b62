// The `s3` publisher for folder-backed stores: puts an execution's result tree into a bucket.
//
// Key placeholders {jobID}, {executionID}, {nodeID}, {date} (YYYYMMDD) and {time} (HHMMSS, the
// node's local clock at publish time) are filled in first; the key must then be relative and free
// of '..'. Encoding `plain` copies every file to <bucket>/<key>/<path> (the key gets a trailing
// '/'); `gzip` (the default) writes one <key>.tar.gz object (".tar.gz" appended when missing).
// Objects appear whole: each is written under a hidden temporary name and renamed. The bucket
// must exist, as with S3.
//
// Thread-safety: free functions; concurrent calls must publish to different keys.
#pragma once

#include <ctime>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/execution_runner.h"
#include "models/spec_config.h"

namespace shoal::compute {

struct PublishContext {
  std::string job_id;
  std::string execution_id;
  std::string node_id;
  std::time_t now = 0;  // for {date} and {time}
};

// Fills the placeholders of `key`; other {...} text stays as written.
std::string ExpandKeyPlaceholders(const std::string& key, const PublishContext& context);

// Publishes the files of `result_dir` (paths relative to it). Returns where they went:
// {Type: s3, Params: {Bucket, Key (final), Endpoint, Encoding}}.
Result<models::SpecConfig> PublishToStore(const models::SpecConfig& publisher,
                                          const std::string& result_dir,
                                          const std::vector<ResultFile>& files,
                                          const PublishContext& context,
                                          const std::vector<StoreConfig>& stores);

}  // namespace shoal::compute
