#include "compute/publishers/s3_publisher.h"

#include <filesystem>
#include <memory>
#include <system_error>

#include "compute/files.h"
#include "compute/published_results.h"
#include "compute/s3_store_io.h"
#include "compute/stores.h"
#include "compute/tar_gz.h"
#include "models/spec_config.h"
#include "models/text.h"

namespace shoal::compute {

using models::StringParam;

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kArchiveSuffix = ".tar.gz";

std::string FormatTime(std::time_t now, const char* format) {
  std::tm local{};
  localtime_r(&now, &local);
  char text[32];
  return std::string(text, std::strftime(text, sizeof text, format, &local));
}

// Copies the result tree into <store>/<bucket>/: every file at <key><path>, or one archive at
// <key>, each written under a temporary name and renamed.
Status PublishToFolderStore(const std::string& bucket, const std::string& key,
                            const std::string& encoding, const std::string& result_dir,
                            const std::vector<ResultFile>& files, const StoreConfig& store) {
  SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(store, bucket));
  if (encoding == "plain") {
    for (const ResultFile& file : files) {
      SHOAL_RETURN_IF_ERROR(
          CopyFileAtomically(result_dir + "/" + file.path, bucket_dir + "/" + key + file.path));
    }
    return Status::Ok();
  }
  const std::string object = bucket_dir + "/" + key;
  std::error_code error;
  fs::create_directories(fs::path(object).parent_path(), error);
  if (error) return Status::IoError("cannot create the folder of " + key + ": " + error.message());
  const std::string temporary = TemporaryPathFor(object);
  Status written = WriteTarGz(result_dir, temporary);
  if (written.ok()) fs::rename(temporary, object, error);
  if (!written.ok() || error) {
    fs::remove(temporary, error);
    return written.ok() ? Status::IoError("cannot rename into " + key) : written;
  }
  return Status::Ok();
}

// Uploads the result tree to `bucket` of an S3 store: every file as <key><path> (a few at a
// time; the client goes multipart above its threshold), or one archive as <key>, built in the
// result tree's parent folder (not inside the tree it archives) and deleted after the upload.
Status PublishToS3Store(const std::string& bucket, const std::string& key,
                        const std::string& encoding, const std::string& result_dir,
                        const std::vector<ResultFile>& files, const StoreConfig& store) {
  SHOAL_RETURN_IF_ERROR(ValidateBucket(bucket));
  SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<storage::S3Client> client, OpenStoreClient(store));
  if (encoding == "plain") {
    return ForEachInParallel(
        files.size(), kStoreTransferThreads, nullptr, "publishing", [&](size_t i) -> Status {
          auto put = client->PutObjectFromFile(bucket, key + files[i].path,
                                               result_dir + "/" + files[i].path);
          return put.ok() ? Status::Ok() : ExplainBucketError(put.status(), bucket, store);
        });
  }
  fs::path tree(result_dir);
  if (!tree.has_filename()) tree = tree.parent_path();  // "result/"
  const std::string archive = TemporaryPathFor((tree.parent_path() / "published.tar.gz").string());
  Status status = WriteTarGz(result_dir, archive);
  if (status.ok()) {
    auto put = client->PutObjectFromFile(bucket, key, archive, "application/gzip");
    if (!put.ok()) status = ExplainBucketError(put.status(), bucket, store);
  }
  std::error_code error;
  fs::remove(archive, error);
  return status;
}

}  // namespace

std::string ExpandKeyPlaceholders(const std::string& key, const PublishContext& context) {
  std::string expanded = key;
  models::ReplaceAll(expanded, "{jobID}", context.job_id);
  models::ReplaceAll(expanded, "{executionID}", context.execution_id);
  models::ReplaceAll(expanded, "{nodeID}", context.node_id);
  models::ReplaceAll(expanded, "{date}", FormatTime(context.now, "%Y%m%d"));
  models::ReplaceAll(expanded, "{time}", FormatTime(context.now, "%H%M%S"));
  return expanded;
}

Result<models::SpecConfig> ResolvePublishTarget(const models::SpecConfig& publisher,
                                                const PublishContext& context,
                                                const std::vector<StoreConfig>& stores) {
  const nlohmann::json& params = publisher.params;
  const std::string bucket = StringParam(params, "Bucket");
  const std::string endpoint = StringParam(params, "Endpoint");
  std::string encoding = models::ToLowerAscii(StringParam(params, "Encoding"));
  if (encoding.empty()) encoding = "gzip";
  if (encoding != "gzip" && encoding != "plain") {
    return Status::InvalidArgument("Publisher.Params.Encoding: '" + encoding +
                                   "' is not one of gzip, plain");
  }
  std::string key = ExpandKeyPlaceholders(StringParam(params, "Key"), context);
  SHOAL_RETURN_IF_ERROR(ValidateKey(key, "Publisher.Params.Key"));
  if (encoding == "plain") {
    if (!key.empty() && key.back() != '/') key += '/';
  } else {
    if (key.empty() || key.back() == '/') {
      return Status::InvalidArgument("Publisher.Params.Key '" + key +
                                     "' must name an object for the gzip encoding");
    }
    if (!key.ends_with(kArchiveSuffix)) key += kArchiveSuffix;
  }
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store, FindStore(stores, endpoint));
  models::SpecConfig published;
  published.type = std::string(models::kPublisherS3);
  published.params = {{"Bucket", bucket},
                      {"Key", key},
                      {"Endpoint", endpoint.empty() ? store->name : endpoint},
                      {"Encoding", encoding},
                      {"Store", store->name},
                      {"StoreLocation", StoreLocation(*store)}};
  return published;
}

Status PublishToTarget(const models::SpecConfig& target, const std::string& result_dir,
                       const std::vector<ResultFile>& files,
                       const std::vector<StoreConfig>& stores) {
  const std::string bucket = StringParam(target.params, "Bucket");
  const std::string key = StringParam(target.params, "Key");
  const std::string encoding = StringParam(target.params, "Encoding");
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store,
                         FindStore(stores, StringParam(target.params, "Store")));
  if (store->is_s3()) return PublishToS3Store(bucket, key, encoding, result_dir, files, *store);
  return PublishToFolderStore(bucket, key, encoding, result_dir, files, *store);
}

Result<models::SpecConfig> PublishToStore(const models::SpecConfig& publisher,
                                          const std::string& result_dir,
                                          const std::vector<ResultFile>& files,
                                          const PublishContext& context,
                                          const std::vector<StoreConfig>& stores) {
  SHOAL_ASSIGN_OR_RETURN(models::SpecConfig target,
                         ResolvePublishTarget(publisher, context, stores));
  SHOAL_RETURN_IF_ERROR(PublishToTarget(target, result_dir, files, stores));
  return target;
}

std::string DescribeTarget(const models::SpecConfig& target) {
  return "s3://" + models::StringParam(target.params, "Bucket") + "/" +
         models::StringParam(target.params, "Key") + " in store " +
         models::StringParam(target.params, "Store");
}

namespace {

class S3Publisher final : public ResultPublisher {
 public:
  std::string_view type() const override { return models::kPublisherS3; }

  Result<std::optional<models::SpecConfig>> Target(
      const models::SpecConfig& publisher, const PublishContext& context,
      const std::vector<StoreConfig>& stores) const override {
    SHOAL_ASSIGN_OR_RETURN(models::SpecConfig target,
                           ResolvePublishTarget(publisher, context, stores));
    return std::optional<models::SpecConfig>(std::move(target));
  }

  Status Publish(const models::SpecConfig& target, const std::string& result_dir,
                 const std::vector<ResultFile>& files,
                 const std::vector<StoreConfig>& stores) const override {
    return PublishToTarget(target, result_dir, files, stores);
  }

  Status Remove(const models::SpecConfig& target, const std::vector<std::string>& paths,
                const std::vector<StoreConfig>& stores) const override {
    return DeletePublishedResults(target, paths, stores);
  }

  std::string Describe(const models::SpecConfig& target) const override {
    return DescribeTarget(target);
  }
};

}  // namespace

std::unique_ptr<ResultPublisher> MakeS3Publisher() { return std::make_unique<S3Publisher>(); }

}  // namespace shoal::compute
