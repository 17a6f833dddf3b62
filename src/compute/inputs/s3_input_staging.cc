#include "compute/inputs/s3_input_staging.h"

#include <filesystem>
#include <map>
#include <optional>
#include <system_error>
#include <vector>

#include "compute/files.h"
#include "compute/s3_store_io.h"
#include "compute/stores.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

struct ListedObject {
  std::string key;
  std::optional<uint64_t> size;  // unknown for a version fetched without a listing
};

// The objects `selection` may take, before Filter and Partition: the Key's object, or the
// listing of the prefix.
Result<std::vector<ListedObject>> FindObjects(S3KeySelection& selection,
                                              const storage::S3Client& client,
                                              const StoreConfig& store) {
  const S3InputParams& params = selection.params();
  if (!params.version_id.empty()) {
    if (!selection.MayNameObject()) {
      return Status::InvalidArgument("VersionID: a version belongs to one object; Key '" +
                                     params.key + "' is a prefix");
    }
    // S3 says whether that version exists when it is fetched.
    return std::vector<ListedObject>{{params.key, std::nullopt}};
  }
  if (selection.MayNameObject()) {
    auto head = client.HeadObject(params.bucket, params.key);
    if (head.ok()) return std::vector<ListedObject>{{params.key, head->size}};
    // A HEAD has no body, so a missing bucket is only "not found" here; the listing says more.
    if (head.status().code() != ErrorCode::kNotFound) {
      return ExplainBucketError(head.status(), params.bucket, store);
    }
    selection.ReadAsFolder();
  }
  storage::ListOptions options;
  options.prefix = selection.prefix();
  auto listed = client.ListAllObjects(params.bucket, options);
  if (!listed.ok()) return ExplainBucketError(listed.status(), params.bucket, store);
  // A Key read as a folder must be one: some key below it, if only a directory marker.
  if (selection.MayNameObject() && listed->objects.empty()) {
    return selection.NothingMatches(store.name);
  }
  std::vector<ListedObject> objects;
  for (storage::ObjectInfo& object : listed->objects) {
    objects.push_back({std::move(object.key), object.size});
  }
  return objects;
}

}  // namespace

Result<StagedObjects> StageFromS3Store(S3KeySelection selection, const StoreConfig& store,
                                       const std::string& target_dir,
                                       const std::atomic<bool>* stop) {
  const S3InputParams& params = selection.params();
  SHOAL_RETURN_IF_ERROR(ValidateBucket(params.bucket));
  SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<storage::S3Client> client, OpenStoreClient(store));
  SHOAL_ASSIGN_OR_RETURN(std::vector<ListedObject> found, FindObjects(selection, *client, store));

  std::map<std::string, std::optional<uint64_t>> sizes;
  std::vector<std::string> keys;
  for (ListedObject& object : found) {
    sizes[object.key] = object.size;
    keys.push_back(std::move(object.key));
  }
  const std::vector<std::string> selected = selection.Select(std::move(keys));
  std::vector<std::string> targets;
  std::vector<std::optional<uint64_t>> listed_sizes;
  for (const std::string& key : selected) {
    listed_sizes.push_back(sizes[key]);
    const std::string relative = selection.RelativePath(key);
    // S3 keys are any text; folder keys never hold '..'. Refuse what would leave the Target.
    if (Status valid = ValidateKey(relative, "its path"); !valid.ok()) {
      return valid.WithContext("object '" + key + "' cannot be staged");
    }
    targets.push_back(target_dir + "/" + relative);
  }

  std::vector<uint64_t> bytes(selected.size(), 0);
  Status done = ForEachInParallel(
      selected.size(), kStoreTransferThreads, stop, "staging", [&](size_t i) -> Status {
        const std::string& key = selected[i];
        const std::string& to = targets[i];
        std::error_code error;
        fs::create_directories(fs::path(to).parent_path(), error);
        if (error) {
          return Status::IoError("cannot create the folder of " + to + ": " + error.message());
        }
        // An empty object needs no request (and s3rver mis-answers its ranged GET).
        if (listed_sizes[i] == uint64_t{0}) {
          SHOAL_RETURN_IF_ERROR(WriteFileAtomically(to, ""));
        } else {
          auto size = client->GetObjectToFile(params.bucket, key, to, params.version_id);
          if (!size.ok()) return ExplainBucketError(size.status(), params.bucket, store);
          bytes[i] = *size;
        }
        Status checked = CheckSha256(to, key, params.checksum_sha256);
        if (!checked.ok()) fs::remove(to, error);
        return checked;
      });
  SHOAL_RETURN_IF_ERROR(done);
  StagedObjects staged;
  staged.objects = static_cast<int64_t>(selected.size());
  for (uint64_t n : bytes) staged.bytes += static_cast<int64_t>(n);
  return staged;
}

}  // namespace shoal::compute
