#include "compute/store_task_runner.h"

#include <filesystem>

#include "compute/files.h"
#include "compute/published_results.h"
#include "compute/s3_store_io.h"
#include "compute/stores.h"

namespace shoal::compute {

namespace {

Status WriteStoreObject(const StoreConfig& store, const std::string& bucket, const std::string& key,
                        const std::string& content) {
  SHOAL_RETURN_IF_ERROR(ValidateBucket(bucket));
  SHOAL_RETURN_IF_ERROR(ValidateKey(key, "manifest key"));
  if (key.empty() || key.back() == '/') {
    return Status::InvalidArgument("manifest key '" + key + "' does not name an object");
  }
  if (store.is_s3()) {
    SHOAL_ASSIGN_OR_RETURN(auto client, OpenStoreClient(store));
    auto put = client->PutObject(bucket, key, content, "application/x-ndjson");
    if (!put.ok()) return ExplainBucketError(put.status(), bucket, store);
    return Status::Ok();
  }
  SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(store, bucket));
  const std::filesystem::path path = std::filesystem::path(bucket_dir) / key;
  std::error_code error;
  std::filesystem::create_directories(path.parent_path(), error);
  if (error) {
    return Status::IoError("cannot create the folder of s3://" + bucket + "/" + key + ": " +
                           error.message());
  }
  return WriteFileAtomically(path.string(), content);
}

}  // namespace

Status RunStoreTask(const models::StoreTask& task, const std::vector<StoreConfig>& stores) {
  if (task.kind == models::StoreTaskKind::kClean) {
    return DeletePublishedResults(task.target, task.paths, stores);
  }
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store, FindPublishedStore(task.target, stores));
  const std::string bucket = models::StringParam(task.target.params, "Bucket");
  return WriteStoreObject(*store, bucket, task.object_key, task.content)
      .WithContext("committing s3://" + bucket + "/" + task.object_key);
}

}  // namespace shoal::compute
