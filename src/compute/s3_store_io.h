// Talking to a node's S3 stores (StoreConfig::s3) for `s3` InputSources and Publishers: opening
// a client with the store's endpoint and the node's credentials, turning S3's "no such bucket"
// into an error that names the bucket and the store, and running transfers a few at a time.
//
// Thread-safety: free functions. ForEachInParallel calls `work` from several threads at once.
#pragma once

#include <atomic>
#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

#include "common/status.h"
#include "compute/node_config.h"
#include "storage/s3_client.h"

namespace shoal::compute {

// Transfers in flight at once for one InputSource or Publisher.
inline constexpr int kStoreTransferThreads = 4;

// The client of the S3 store `store`. REQUIRES: store.is_s3().
Result<std::unique_ptr<storage::S3Client>> OpenStoreClient(const StoreConfig& store);

// `error` from a request to `bucket` of `store`; when S3 said NoSuchBucket, a kNotFound
// "bucket 'B' does not exist in store 'S' (<S3's message>)", as for folder stores.
Status ExplainBucketError(const Status& error, std::string_view bucket, const StoreConfig& store);

// Runs work(0) ... work(count - 1) on up to `threads` threads. Stops starting new items after a
// failure or when `stop` is set; returns the failure of the lowest index, or kCancelled
// ("<what> stopped") when stopped without a failure.
Status ForEachInParallel(size_t count, int threads, const std::atomic<bool>* stop,
                         std::string_view what, const std::function<Status(size_t)>& work);

}  // namespace shoal::compute
