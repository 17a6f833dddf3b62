// WarehouseStore: the objects of one columnar table's warehouse folder (`s3://BUCKET/PREFIX`) in
// a node's store, folder-backed or S3 alike, for the compaction engine
// (compute/engines/compact_engine.h). Paths are relative to the folder ("_shoal_table.json",
// "year=2024/month=1/part-....parquet").
//
// Writes are whole-object: a folder store writes a hidden temporary file and renames it; an S3
// PUT makes the object appear whole. A reader never sees half an object.
//
// Thread-safety: Read, Upload and Remove may run concurrently on one WarehouseStore; the S3
// client is shared and thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "storage/s3_client.h"

namespace shoal::compute {

class WarehouseStore {
 public:
  // The warehouse `warehouse` (s3://BUCKET/PREFIX) in the store named `endpoint` ("" = the
  // region's storage-local). Errors name the warehouse and the bucket.
  static Result<WarehouseStore> Open(const std::vector<StoreConfig>& stores,
                                     const std::string& endpoint, const std::string& warehouse);

  // The object's bytes, or nullopt when it does not exist.
  Result<std::optional<std::string>> Read(const std::string& path) const;
  Status Write(const std::string& path, const std::string& content) const;
  Status Upload(const std::string& path, const std::string& local_file) const;
  // Every object below the folder, relative, sorted.
  Result<std::vector<std::string>> List() const;
  // Removes the objects; ones already gone are fine.
  Status Remove(const std::vector<std::string>& paths) const;

  const std::string& warehouse() const { return warehouse_; }

 private:
  std::string Key(const std::string& path) const { return prefix_ + "/" + path; }

  std::string warehouse_;
  const StoreConfig* store_ = nullptr;
  std::string bucket_;
  std::string prefix_;                         // the key prefix of the folder, no trailing '/'
  std::string folder_;                         // folder stores: the real folder of the warehouse
  std::shared_ptr<storage::S3Client> client_;  // S3 stores
};

}  // namespace shoal::compute
