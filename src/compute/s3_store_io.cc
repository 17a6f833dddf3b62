#include "compute/s3_store_io.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

namespace shoal::compute {

Result<std::unique_ptr<storage::S3Client>> OpenStoreClient(const StoreConfig& store) {
  if (!store.is_s3()) {
    return Status::Internal("store '" + store.name + "' is a folder, not an S3 store");
  }
  auto client = storage::S3Client::Create(*store.s3);
  if (!client.ok()) return client.status().WithContext("store '" + store.name + "'");
  return client;
}

Status ExplainBucketError(const Status& error, std::string_view bucket, const StoreConfig& store) {
  // The client maps S3's code to kNotFound and keeps it in the message ("...: NoSuchBucket: ...").
  if (error.code() != ErrorCode::kNotFound ||
      error.message().find(": NoSuchBucket") == std::string::npos) {
    return error;
  }
  return Status::NotFound("bucket '" + std::string(bucket) + "' does not exist in store '" +
                          store.name + "' (" + error.message() + ")");
}

Status ForEachInParallel(size_t count, int threads, const std::atomic<bool>* stop,
                         std::string_view what, const std::function<Status(size_t)>& work) {
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  std::atomic<bool> stopped{false};
  std::mutex mutex;
  size_t failed_index = count;  // guarded by mutex
  Status failure;               // guarded by mutex
  auto worker = [&] {
    while (!failed.load()) {
      if (stop != nullptr && stop->load()) {
        stopped = true;
        return;
      }
      const size_t index = next.fetch_add(1);
      if (index >= count) return;
      Status status = work(index);
      if (status.ok()) continue;
      std::lock_guard<std::mutex> lock(mutex);
      if (index < failed_index) {
        failed_index = index;
        failure = std::move(status);
      }
      failed = true;
    }
  };
  const size_t thread_count = std::min(count, static_cast<size_t>(std::max(1, threads)));
  std::vector<std::thread> pool;
  for (size_t i = 1; i < thread_count; ++i) pool.emplace_back(worker);
  if (thread_count > 0) worker();  // this thread works too
  for (std::thread& thread : pool) thread.join();
  if (failed.load()) return failure;
  if (stopped.load()) return Status(ErrorCode::kCancelled, std::string(what) + " stopped");
  return Status::Ok();
}

}  // namespace shoal::compute
