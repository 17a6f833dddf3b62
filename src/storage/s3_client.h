// S3Client: the S3 operations Shoal needs (listing, HEAD, whole and ranged GET, GET into a file,
// PUT from memory or a file, parallel multipart upload, DeleteObjects, CreateBucket) against AWS
// or any S3-compatible store, over libcurl with SigV4 signing.
//
// Every request is retried with exponential backoff and full jitter on 5xx, 429, connection
// failures and timeouts (see retry.h), never on other 4xx. Failures come back as Status values
// whose message names the operation, the object (s3://bucket/key) and S3's error code and message,
// e.g. "GET s3://bucket/key: NoSuchBucket: The specified bucket does not exist (HTTP 404)". The
// secret key, the session token and request signatures never appear in a message: anything a
// server echoes back is scrubbed of them.
//
// Thread-safety: an S3Client is immutable after Create(); every method may be called from any
// number of threads at once. Each thread reuses its own keep-alive connection.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "storage/s3_config.h"
#include "storage/s3_http.h"
#include "storage/s3_request.h"
#include "storage/s3_xml.h"

namespace shoal::storage {

struct ListOptions {
  std::string prefix;
  std::string delimiter;    // "/" groups keys below the prefix into common_prefixes
  int max_keys = 1000;      // page size (S3 caps it at 1000)
  std::string start_after;  // list keys after this one
};

struct ListResult {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
};

struct ObjectMetadata {
  uint64_t size = 0;
  std::string etag;           // quotes included, as S3 sends it
  std::string last_modified;  // the Last-Modified header (an HTTP date)
  std::string content_type;
};

class S3Client {
 public:
  // Checks `config` (endpoint, credentials, sizes) and returns a client, or the reason it cannot
  // work, e.g. missing credentials naming the variables to set.
  static Result<std::unique_ptr<S3Client>> Create(S3Config config);

  S3Client(const S3Client&) = delete;
  S3Client& operator=(const S3Client&) = delete;

  const S3Config& config() const { return config_; }

  // One page of ListObjectsV2; pass the previous page's next_continuation_token to continue.
  Result<ListObjectsPage> ListObjectsV2(const std::string& bucket, const ListOptions& options,
                                        const std::string& continuation_token = "") const;
  // Every page: all keys under options.prefix (and common prefixes, with a delimiter).
  Result<ListResult> ListAllObjects(const std::string& bucket, const ListOptions& options) const;

  // Size, ETag, Last-Modified, Content-Type. A missing object is kNotFound.
  Result<ObjectMetadata> HeadObject(const std::string& bucket, const std::string& key) const;

  // Reads up to `length` bytes from `offset` into `buffer` and returns how many arrived: fewer
  // than asked when the object ends first, 0 when `offset` is at or past its end.
  Result<size_t> GetRange(const std::string& bucket, const std::string& key, uint64_t offset,
                          size_t length, char* buffer) const;
  Result<std::string> GetRange(const std::string& bucket, const std::string& key, uint64_t offset,
                               size_t length) const;
  Result<std::string> GetObject(const std::string& bucket, const std::string& key) const;
  // Downloads the object (its version `version_id`, sent as the versionId query parameter, when
  // not empty) to `path` and returns its size. Streamed: ranged GETs of kDownloadChunkBytes pass
  // through one buffer into a temporary file beside `path`, renamed into place once complete, so
  // memory stays bounded and a failed download leaves neither `path` nor the temporary file.
  // Each range is retried like any request. An object that changes between ranges (another ETag
  // or size) fails the download instead of mixing two versions. An empty object, which S3
  // answers 416 to a ranged GET, becomes an empty file (s3rver answers that GET with a
  // Content-Length of 1 and no body: callers that know from a listing that an object is empty
  // need not download it). The folder of `path` must exist.
  Result<uint64_t> GetObjectToFile(const std::string& bucket, const std::string& key,
                                   const std::string& path,
                                   const std::string& version_id = "") const;
  static constexpr size_t kDownloadChunkBytes = 8u << 20;

  // Single-request PUT of `data` (signed with its SHA-256). Returns the ETag.
  Result<std::string> PutObject(const std::string& bucket, const std::string& key,
                                std::string_view data, const std::string& content_type = "") const;
  // Uploads a local file: streamed in one PUT (UNSIGNED-PAYLOAD) up to
  // config().multipart_threshold, multipart above it. Returns the ETag.
  Result<std::string> PutObjectFromFile(const std::string& bucket, const std::string& key,
                                        const std::string& path,
                                        const std::string& content_type = "") const;
  // Multipart upload: parts of config().multipart_part_size sent by up to
  // config().multipart_threads threads, then completed; any failure aborts the upload. Returns
  // the ETag.
  Result<std::string> MultipartUpload(const std::string& bucket, const std::string& key,
                                      std::string_view data) const;
  Result<std::string> MultipartUploadFromFile(const std::string& bucket, const std::string& key,
                                              const std::string& path) const;

  // Deletes `keys` in DeleteObjects batches of 1000. Missing keys count as deleted (as in S3).
  // Fails if any key could not be deleted, naming the first few.
  Status DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys) const;
  Status DeleteObject(const std::string& bucket, const std::string& key) const;

  // Creates `bucket` in the configured region. An existing bucket we own is not an error.
  Status CreateBucket(const std::string& bucket) const;

 private:
  explicit S3Client(S3Config config);

  // One operation with retries. `op` names it in messages ("GET", "LIST", ...). A response
  // that is not 2xx comes back as a response too; ResponseError() turns it into a Status.
  Result<HttpResponse> Send(const std::string& op, const S3Request& request,
                            const RequestBody& body, BufferSink* sink) const;
  // "<op> s3://bucket/key: Code: Message (HTTP n)" with the fitting ErrorCode.
  Status ResponseError(const std::string& op, const std::string& bucket, const std::string& key,
                       const HttpResponse& response) const;
  // `text` with every secret of the config replaced by "[redacted]".
  std::string Redact(std::string text) const;

  // Multipart upload of `size` bytes from memory (`data`) or from `path`.
  Result<std::string> UploadParts(const std::string& bucket, const std::string& key,
                                  std::string_view data, const std::string& path,
                                  uint64_t size) const;
  void AbortMultipart(const std::string& bucket, const std::string& key,
                      const std::string& upload_id) const;

  S3Config config_;
  HttpOptions http_options_;
};

}  // namespace shoal::storage
