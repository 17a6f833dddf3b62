#include "compute/warehouse_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "compute/files.h"
#include "compute/s3_store_io.h"
#include "compute/stores.h"
#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

Result<WarehouseStore> WarehouseStore::Open(const std::vector<StoreConfig>& stores,
                                            const std::string& endpoint,
                                            const std::string& warehouse) {
  WarehouseStore store;
  store.warehouse_ = warehouse;
  if (!models::StartsWith(warehouse, "s3://")) {
    return Status::InvalidArgument("warehouse '" + warehouse + "' is not an s3:// folder");
  }
  const std::string rest = warehouse.substr(5);
  const size_t slash = rest.find('/');
  if (slash == std::string::npos || slash + 1 >= rest.size()) {
    return Status::InvalidArgument("warehouse '" + warehouse +
                                   "' names no folder inside its bucket");
  }
  store.bucket_ = rest.substr(0, slash);
  store.prefix_ = rest.substr(slash + 1);
  while (!store.prefix_.empty() && store.prefix_.back() == '/') store.prefix_.pop_back();
  SHOAL_RETURN_IF_ERROR(ValidateBucket(store.bucket_));
  SHOAL_RETURN_IF_ERROR(ValidateKey(store.prefix_, "warehouse"));
  SHOAL_ASSIGN_OR_RETURN(store.store_, FindStore(stores, endpoint));
  if (store.store_->is_s3()) {
    SHOAL_ASSIGN_OR_RETURN(auto client, OpenStoreClient(*store.store_));
    store.client_ = std::move(client);
  } else {
    SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir,
                           BucketDirectory(*store.store_, store.bucket_));
    store.folder_ = (fs::path(bucket_dir) / store.prefix_).string();
  }
  return store;
}

Result<std::optional<std::string>> WarehouseStore::Read(const std::string& path) const {
  if (client_) {
    auto bytes = client_->GetObject(bucket_, Key(path));
    if (bytes.ok()) return std::optional<std::string>(std::move(*bytes));
    if (bytes.status().code() == ErrorCode::kNotFound &&
        bytes.status().message().find("NoSuchBucket") == std::string::npos) {
      return std::optional<std::string>();
    }
    return ExplainBucketError(bytes.status(), bucket_, *store_);
  }
  std::ifstream in(fs::path(folder_) / path, std::ios::binary);
  if (!in) return std::optional<std::string>();
  std::ostringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + warehouse_ + "/" + path);
  return std::optional<std::string>(bytes.str());
}

Status WarehouseStore::Write(const std::string& path, const std::string& content) const {
  if (client_) {
    auto put = client_->PutObject(bucket_, Key(path), content, "application/json");
    return put.ok() ? Status::Ok() : ExplainBucketError(put.status(), bucket_, *store_);
  }
  const fs::path target = fs::path(folder_) / path;
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) return Status::IoError("cannot create " + target.parent_path().string());
  return WriteFileAtomically(target.string(), content);
}

Status WarehouseStore::Upload(const std::string& path, const std::string& local_file) const {
  if (client_) {
    auto put = client_->PutObjectFromFile(bucket_, Key(path), local_file,
                                          "application/vnd.apache.parquet");
    return put.ok() ? Status::Ok() : ExplainBucketError(put.status(), bucket_, *store_);
  }
  const fs::path target = fs::path(folder_) / path;
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) return Status::IoError("cannot create " + target.parent_path().string());
  return CopyFileAtomically(local_file, target.string());
}

Result<std::vector<std::string>> WarehouseStore::List() const {
  std::vector<std::string> paths;
  if (client_) {
    storage::ListOptions options;
    options.prefix = prefix_ + "/";
    auto listed = client_->ListAllObjects(bucket_, options);
    if (!listed.ok()) return ExplainBucketError(listed.status(), bucket_, *store_);
    for (const auto& object : listed->objects)
      paths.push_back(object.key.substr(options.prefix.size()));
  } else {
    std::error_code error;
    if (fs::is_directory(folder_, error)) {
      for (auto it = fs::recursive_directory_iterator(folder_, error);
           !error && it != fs::recursive_directory_iterator(); it.increment(error)) {
        if (it->is_regular_file()) paths.push_back(fs::relative(it->path(), folder_).string());
      }
    }
    if (error) return Status::IoError("cannot list " + warehouse_ + ": " + error.message());
  }
  std::sort(paths.begin(), paths.end());
  return paths;
}

Status WarehouseStore::Remove(const std::vector<std::string>& paths) const {
  if (paths.empty()) return Status::Ok();
  if (client_) {
    std::vector<std::string> keys;
    for (const std::string& path : paths) keys.push_back(Key(path));
    Status removed = client_->DeleteObjects(bucket_, keys);
    return removed.ok() ? removed : ExplainBucketError(removed, bucket_, *store_);
  }
  for (const std::string& path : paths) {
    std::error_code error;
    fs::remove(fs::path(folder_) / path, error);
    if (error) return Status::IoError("cannot remove " + warehouse_ + "/" + path);
  }
  return Status::Ok();
}

}  // namespace shoal::compute
