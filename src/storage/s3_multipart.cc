// S3Client's multipart upload: create, parts in parallel on a bounded set of threads, complete;
// abort on any failure.
#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "storage/s3_client.h"

namespace shoal::storage {
namespace {

constexpr uint64_t kMaxParts = 10000;  // S3's limit per upload

}  // namespace

void S3Client::AbortMultipart(const std::string& bucket, const std::string& key,
                              const std::string& upload_id) const {
  S3Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  request.query = {{"uploadId", upload_id}};
  // Best effort: the upload already failed, and that error is what the caller gets. s3rver does
  // not implement AbortMultipartUpload (it answers 405 MethodNotAllowed) and keeps the parts of
  // an abandoned upload; real S3 frees them here (and a bucket lifecycle rule for incomplete
  // uploads catches the cases where even the abort cannot get through).
  (void)Send("ABORT MULTIPART", request, RequestBody::None(), nullptr);
}

Result<std::string> S3Client::UploadParts(const std::string& bucket, const std::string& key,
                                          std::string_view data, const std::string& path,
                                          uint64_t size) const {
  const std::string op = "PUT";
  // Large objects get larger parts so they fit in S3's 10,000-part limit.
  uint64_t part_size =
      std::max<uint64_t>(config_.multipart_part_size, (size + kMaxParts - 1) / kMaxParts);
  uint64_t part_count = std::max<uint64_t>(1, (size + part_size - 1) / part_size);

  S3Request create;
  create.method = "POST";
  create.bucket = bucket;
  create.key = key;
  create.query = {{"uploads", ""}};
  SHOAL_ASSIGN_OR_RETURN(HttpResponse created, Send(op, create, RequestBody::None(), nullptr));
  if (!created.IsSuccess()) return ResponseError(op, bucket, key, created);
  auto upload_id = ParseInitiateMultipartUpload(created.body);
  if (!upload_id.ok()) return upload_id.status().WithContext(op + " " + S3Uri(bucket, key));

  std::vector<CompletedPart> parts(part_count);
  std::atomic<uint64_t> next_part{0};
  std::atomic<bool> failed{false};
  std::mutex error_mutex;
  Status first_error;

  auto worker = [&] {
    while (!failed.load()) {
      uint64_t index = next_part.fetch_add(1);
      if (index >= part_count) return;
      uint64_t offset = index * part_size;
      uint64_t length = std::min(part_size, size - offset);
      int number = static_cast<int>(index + 1);
      S3Request request;
      request.method = "PUT";
      request.bucket = bucket;
      request.key = key;
      request.query = {{"partNumber", std::to_string(number)}, {"uploadId", *upload_id}};
      RequestBody body;
      if (path.empty()) {
        body = RequestBody::Memory(data.substr(offset, length));
        request.payload_hash = Sha256Hex(body.data);
      } else {
        body = RequestBody::File(path, offset, length);
        request.payload_hash = std::string(kUnsignedPayload);
      }
      std::string part_op =
          op + " (part " + std::to_string(number) + " of " + std::to_string(part_count) + ")";
      auto response = Send(part_op, request, body, nullptr);
      Status status;
      if (!response.ok()) {
        status = response.status();
      } else if (!response->IsSuccess()) {
        status = ResponseError(part_op, bucket, key, *response);
      } else if (response->Header("etag").empty()) {
        status = Status::IoError(part_op + " " + S3Uri(bucket, key) + ": no ETag in the answer");
      } else {
        parts[index] = {number, response->Header("etag")};
        continue;
      }
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!failed.exchange(true)) first_error = status;
    }
  };

  uint64_t thread_count =
      std::min<uint64_t>(static_cast<uint64_t>(std::max(1, config_.multipart_threads)), part_count);
  std::vector<std::thread> threads;
  for (uint64_t i = 1; i < thread_count; ++i) threads.emplace_back(worker);
  worker();  // this thread works too
  for (std::thread& t : threads) t.join();

  if (failed.load()) {
    AbortMultipart(bucket, key, *upload_id);
    return first_error;
  }

  std::string body = CompleteMultipartUploadXml(parts);
  S3Request complete;
  complete.method = "POST";
  complete.bucket = bucket;
  complete.key = key;
  complete.query = {{"uploadId", *upload_id}};
  complete.payload_hash = Sha256Hex(body);
  complete.headers = {{"Content-Type", "application/xml"}};
  auto completed = Send(op, complete, RequestBody::Memory(body), nullptr);
  Status status;
  if (!completed.ok()) {
    status = completed.status();
  } else if (!completed->IsSuccess()) {
    status = ResponseError(op, bucket, key, *completed);
  } else {
    auto etag = ParseCompleteMultipartUpload(completed->body);
    if (etag.ok()) return etag;
    status = etag.status().WithContext(op + " " + S3Uri(bucket, key) + " (complete multipart)");
  }
  AbortMultipart(bucket, key, *upload_id);
  return status;
}

}  // namespace shoal::storage
