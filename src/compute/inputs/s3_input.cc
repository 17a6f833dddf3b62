#include "compute/inputs/s3_input.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "compute/files.h"
#include "compute/inputs/s3_input_staging.h"
#include "compute/stores.h"
#include "models/spec_config.h"

namespace shoal::compute {

using models::StringParam;

namespace fs = std::filesystem;

namespace {

// Keys of every regular file below `bucket_dir`/`dir_prefix` (a '/'-terminated key or "").
Result<std::vector<std::string>> ListKeys(const std::string& bucket_dir,
                                          const std::string& dir_prefix) {
  std::vector<std::string> keys;
  const fs::path start = fs::path(bucket_dir) / dir_prefix;
  std::error_code error;
  if (!fs::is_directory(start, error)) return keys;
  fs::recursive_directory_iterator it(start, error), end;
  for (; !error && it != end; it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (error || !fs::is_regular_file(status)) continue;
    const std::string name = it->path().filename().string();
    if (name.size() > 10 && name.compare(name.size() - 10, 10, ".shoal-tmp") == 0) continue;
    keys.push_back(fs::relative(it->path(), bucket_dir).generic_string());
  }
  if (error) return Status::IoError("cannot list the bucket: " + error.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

// Copies what `selection` selects from the bucket folder of the folder store `store`.
Result<StagedObjects> StageFromFolderStore(S3KeySelection selection, const StoreConfig& store,
                                           const std::string& target_dir,
                                           const std::atomic<bool>* stop) {
  const S3InputParams& params = selection.params();
  if (!params.version_id.empty()) {
    return Status::InvalidArgument("VersionID: folder-backed stores keep no object versions");
  }
  SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(store, params.bucket));
  std::vector<std::string> keys;
  std::error_code error;
  if (selection.MayNameObject()) {
    const fs::path object = fs::path(bucket_dir) / params.key;
    if (fs::is_regular_file(fs::symlink_status(object, error))) {
      keys.push_back(params.key);
    } else if (fs::is_directory(object, error)) {
      selection.ReadAsFolder();
    } else {
      return selection.NothingMatches(store.name);
    }
  }
  if (keys.empty()) {
    SHOAL_ASSIGN_OR_RETURN(keys, ListKeys(bucket_dir, selection.Base()));
  }
  StagedObjects staged;
  for (const std::string& key : selection.Select(std::move(keys))) {
    if (stop != nullptr && stop->load()) return Status(ErrorCode::kCancelled, "staging stopped");
    const std::string from = bucket_dir + "/" + key;
    SHOAL_RETURN_IF_ERROR(CheckSha256(from, key, params.checksum_sha256));
    SHOAL_RETURN_IF_ERROR(CopyFileAtomically(from, target_dir + "/" + selection.RelativePath(key)));
    staged.objects += 1;
    staged.bytes += static_cast<int64_t>(fs::file_size(from, error));
  }
  return staged;
}

}  // namespace

Result<StagedObjects> StageS3Input(const models::SpecConfig& source,
                                   const std::vector<StoreConfig>& stores,
                                   const std::string& target_dir, int64_t partition_index,
                                   int64_t partition_count, const std::atomic<bool>* stop) {
  SHOAL_ASSIGN_OR_RETURN(S3KeySelection selection,
                         S3KeySelection::Make(source.params, partition_index, partition_count));
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store, FindStore(stores, selection.params().endpoint));
  if (store->is_s3()) return StageFromS3Store(std::move(selection), *store, target_dir, stop);
  return StageFromFolderStore(std::move(selection), *store, target_dir, stop);
}

namespace {

class S3InputStorage final : public InputStorage {
 public:
  std::string_view type() const override { return models::kSourceS3; }

  Result<std::string> Stage(InputContext& context) const override {
    SHOAL_ASSIGN_OR_RETURN(std::string real, context.sandbox.ToReal(context.target));
    SHOAL_ASSIGN_OR_RETURN(
        StagedObjects staged,
        StageS3Input(context.input.source, context.config.stores, real, context.partition.index,
                     context.partition.count, &context.control.stop_flag()));
    return "staged " + std::to_string(staged.objects) + " object(s), " +
           std::to_string(staged.bytes) + " bytes at " + context.target;
  }
};

}  // namespace

std::unique_ptr<InputStorage> MakeS3InputStorage() { return std::make_unique<S3InputStorage>(); }

}  // namespace shoal::compute
