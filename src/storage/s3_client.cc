#include "storage/s3_client.h"

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>

#include <openssl/evp.h>
#include <openssl/md5.h>
#include <unistd.h>

#include "storage/retry.h"
#include "storage/xml_reader.h"

namespace shoal::storage {
namespace {

bool IsRetryableStatus(const Status& status) {
  return status.code() == ErrorCode::kUnavailable || status.code() == ErrorCode::kDeadlineExceeded;
}

ErrorCode CodeFor(long http_status, const std::string& s3_code) {
  if (s3_code == "NoSuchBucket" || s3_code == "NoSuchKey" || s3_code == "NoSuchUpload") {
    return ErrorCode::kNotFound;
  }
  if (s3_code == "ExpiredToken" || s3_code == "InvalidToken") return ErrorCode::kUnauthenticated;
  if (s3_code == "InvalidRange") return ErrorCode::kInvalidArgument;
  // Every 5xx is worth a retry (the retry policy retries kUnavailable and kDeadlineExceeded).
  const ErrorCode code = ErrorCodeForHttpStatus(static_cast<int>(http_status), ErrorCode::kIoError);
  if (http_status >= 500 && code == ErrorCode::kIoError) return ErrorCode::kUnavailable;
  return code;
}

std::string Md5Base64(std::string_view data) {
  unsigned char digest[MD5_DIGEST_LENGTH];
  EVP_Digest(data.data(), data.size(), digest, nullptr, EVP_md5(), nullptr);
  unsigned char encoded[4 * ((MD5_DIGEST_LENGTH + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, MD5_DIGEST_LENGTH);
  return std::string(reinterpret_cast<char*>(encoded), static_cast<size_t>(n));
}

// Keeps messages short and on one line when a server sends something other than S3 XML.
std::string Snippet(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (body.size() > 200) out += "...";
  return out;
}

void ReplaceAll(std::string* text, const std::string& secret) {
  if (secret.empty()) return;
  size_t pos = 0;
  while ((pos = text->find(secret, pos)) != std::string::npos) {
    text->replace(pos, secret.size(), "[redacted]");
    pos += 10;
  }
}

// The object size a GET response states: the total of "Content-Range: bytes a-b/TOTAL" for a 206,
// Content-Length for a 200.
std::optional<uint64_t> StatedObjectSize(const HttpResponse& response) {
  std::string text = response.Header("content-length");
  if (response.status == 206) {
    const std::string range = response.Header("content-range");
    const size_t slash = range.rfind('/');
    if (slash == std::string::npos) return std::nullopt;
    text = range.substr(slash + 1);
  }
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  try {
    return std::stoull(text);
  } catch (...) {
    return std::nullopt;
  }
}

// "<dir>/.<name>.<n>.shoal-tmp": hidden, and unique within the process.
std::string DownloadTemporaryPath(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  const std::filesystem::path target(path);
  return (target.parent_path() /
          ("." + target.filename().string() + "." + std::to_string(::getpid()) + "-" +
           std::to_string(counter.fetch_add(1)) + ".shoal-tmp"))
      .string();
}

struct TemporaryFileCloser {
  void operator()(std::FILE* file) const {
    if (file != nullptr) std::fclose(file);
  }
};

}  // namespace

S3Client::S3Client(S3Config config) : config_(std::move(config)) {
  http_options_.connect_timeout = config_.connect_timeout;
  http_options_.low_speed_time = config_.low_speed_time;
  http_options_.low_speed_bytes = config_.low_speed_bytes;
}

Result<std::unique_ptr<S3Client>> S3Client::Create(S3Config config) {
  SHOAL_RETURN_IF_ERROR(config.Validate());
  return std::unique_ptr<S3Client>(new S3Client(std::move(config)));
}

std::string S3Client::Redact(std::string text) const {
  ReplaceAll(&text, config_.credentials.secret_access_key);
  ReplaceAll(&text, config_.credentials.session_token);
  // A signature is no secret key, but it authorizes its request for minutes: drop it too.
  size_t pos = 0;
  while ((pos = text.find("Signature=", pos)) != std::string::npos) {
    size_t start = pos + 10;
    size_t end = start;
    while (end < text.size() && std::isxdigit(static_cast<unsigned char>(text[end]))) ++end;
    text.replace(start, end - start, "[redacted]");
    pos = start + 10;
  }
  return text;
}

Status S3Client::ResponseError(const std::string& op, const std::string& bucket,
                               const std::string& key, const HttpResponse& response) const {
  std::string where = op + " " + S3Uri(bucket, key) + ": ";
  std::string detail;
  std::string s3_code;
  if (!response.body.empty()) {
    auto parsed = ParseS3Error(response.body);
    if (parsed.ok()) {
      s3_code = parsed->code;
      detail = parsed->code + (parsed->message.empty() ? "" : ": " + parsed->message);
    } else {
      // Redact before cutting: a cut could otherwise leave a secret's prefix behind.
      detail = Snippet(Redact(response.body));
    }
  } else if (response.status == 404) {
    detail = "not found";
  } else if (response.status == 403) {
    detail = "access denied";
  }
  if (detail.empty()) detail = "request failed";
  detail += " (HTTP " + std::to_string(response.status) + ")";
  return Status(CodeFor(response.status, s3_code), Redact(where + detail));
}

Result<HttpResponse> S3Client::Send(const std::string& op, const S3Request& request,
                                    const RequestBody& body, BufferSink* sink) const {
  const int attempts = std::max(1, config_.retry.max_attempts);
  for (int attempt = 1;; ++attempt) {
    auto spec = BuildS3Request(config_, request, std::chrono::system_clock::now());
    if (!spec.ok()) return spec.status().WithContext(op + " " + S3Uri(request.bucket, request.key));
    auto response = PerformHttp(*spec, body, sink, http_options_);
    bool retry = response.ok() ? IsRetryableHttpStatus(response->status)
                               : IsRetryableStatus(response.status());
    std::string after = attempt > 1 ? ", after " + std::to_string(attempt) + " attempts" : "";
    if (response.ok() && (!retry || attempt >= attempts)) {
      if (!retry) return response;
      // Retries are spent on a 5xx or 429: say so in the error built from the body.
      Status error = ResponseError(op, request.bucket, request.key, *response);
      return Status(error.code(), error.message() + after);
    }
    if (!response.ok() && (!retry || attempt >= attempts)) {
      return Status(response.status().code(), Redact(op + " " + S3Uri(request.bucket, request.key) +
                                                     ": " + response.status().message() + after));
    }
    std::this_thread::sleep_for(BackoffDelay(config_.retry, attempt, DefaultJitter));
  }
}

Result<ListObjectsPage> S3Client::ListObjectsV2(const std::string& bucket,
                                                const ListOptions& options,
                                                const std::string& continuation_token) const {
  S3Request request;
  request.method = "GET";
  request.bucket = bucket;
  request.query = {{"list-type", "2"}};
  if (!options.prefix.empty()) request.query.emplace_back("prefix", options.prefix);
  if (!options.delimiter.empty()) request.query.emplace_back("delimiter", options.delimiter);
  if (!options.start_after.empty()) request.query.emplace_back("start-after", options.start_after);
  if (options.max_keys > 0 && options.max_keys != 1000) {
    request.query.emplace_back("max-keys", std::to_string(std::min(options.max_keys, 1000)));
  }
  if (!continuation_token.empty()) {
    request.query.emplace_back("continuation-token", continuation_token);
  }
  std::string target = options.prefix;
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("LIST", request, RequestBody::None(), nullptr));
  if (!response.IsSuccess()) return ResponseError("LIST", bucket, target, response);
  auto page = ParseListObjectsV2(response.body);
  if (!page.ok()) return page.status().WithContext("LIST " + S3Uri(bucket, target));
  return page;
}

Result<ListResult> S3Client::ListAllObjects(const std::string& bucket,
                                            const ListOptions& options) const {
  ListResult result;
  std::string token;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(ListObjectsPage page, ListObjectsV2(bucket, options, token));
    for (auto& object : page.objects) result.objects.push_back(std::move(object));
    for (auto& prefix : page.common_prefixes) result.common_prefixes.push_back(std::move(prefix));
    if (!page.is_truncated) break;
    if (page.next_continuation_token == token) {
      return Status::IoError("LIST " + S3Uri(bucket, options.prefix) +
                             ": the server repeated its continuation token");
    }
    token = page.next_continuation_token;
  }
  return result;
}

Result<ObjectMetadata> S3Client::HeadObject(const std::string& bucket,
                                            const std::string& key) const {
  S3Request request;
  request.method = "HEAD";
  request.bucket = bucket;
  request.key = key;
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("HEAD", request, RequestBody::None(), nullptr));
  if (!response.IsSuccess()) return ResponseError("HEAD", bucket, key, response);
  ObjectMetadata metadata;
  std::string length = response.Header("content-length");
  try {
    metadata.size = length.empty() ? 0 : std::stoull(length);
  } catch (...) {
    return Status::IoError("HEAD " + S3Uri(bucket, key) + ": bad Content-Length '" + length + "'");
  }
  metadata.etag = response.Header("etag");
  metadata.last_modified = response.Header("last-modified");
  metadata.content_type = response.Header("content-type");
  return metadata;
}

Result<size_t> S3Client::GetRange(const std::string& bucket, const std::string& key,
                                  uint64_t offset, size_t length, char* buffer) const {
  if (length == 0) return size_t{0};
  // The last byte of the range must not wrap around.
  length = static_cast<size_t>(std::min<uint64_t>(length, UINT64_MAX - offset));
  if (length == 0) return size_t{0};
  S3Request request;
  request.method = "GET";
  request.bucket = bucket;
  request.key = key;
  request.headers = {
      {"Range", "bytes=" + std::to_string(offset) + "-" + std::to_string(offset + length - 1)}};
  BufferSink sink{buffer, length, offset};
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response, Send("GET", request, RequestBody::None(), &sink));
  // 416: the range starts at or past the end (or the object is empty): nothing to read there.
  if (response.status == 416) return size_t{0};
  if (!response.IsSuccess()) return ResponseError("GET", bucket, key, response);
  return static_cast<size_t>(response.body_bytes);
}

Result<std::string> S3Client::GetRange(const std::string& bucket, const std::string& key,
                                       uint64_t offset, size_t length) const {
  std::string out(length, '\0');
  SHOAL_ASSIGN_OR_RETURN(size_t n, GetRange(bucket, key, offset, length, out.data()));
  out.resize(n);
  return out;
}

Result<std::string> S3Client::GetObject(const std::string& bucket, const std::string& key) const {
  S3Request request;
  request.method = "GET";
  request.bucket = bucket;
  request.key = key;
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response, Send("GET", request, RequestBody::None(), nullptr));
  if (!response.IsSuccess()) return ResponseError("GET", bucket, key, response);
  return std::move(response.body);
}

Result<uint64_t> S3Client::GetObjectToFile(const std::string& bucket, const std::string& key,
                                           const std::string& path,
                                           const std::string& version_id) const {
  const std::string where = "GET " + S3Uri(bucket, key);
  const std::string temporary = DownloadTemporaryPath(path);
  std::unique_ptr<std::FILE, TemporaryFileCloser> file(std::fopen(temporary.c_str(), "wb"));
  if (file == nullptr) {
    return Status::IoError(where + ": cannot create " + temporary + ": " + std::strerror(errno));
  }
  auto fail = [&](const Status& status) {
    file.reset();
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return status;
  };
  auto buffer = std::make_unique<char[]>(kDownloadChunkBytes);
  uint64_t offset = 0;
  std::optional<uint64_t> size;  // known after the first range
  std::string etag;
  while (!size.has_value() || offset < *size) {
    S3Request request;
    request.method = "GET";
    request.bucket = bucket;
    request.key = key;
    if (!version_id.empty()) request.query = {{"versionId", version_id}};
    request.headers = {{"Range", "bytes=" + std::to_string(offset) + "-" +
                                     std::to_string(offset + kDownloadChunkBytes - 1)}};
    // A version never changes; without one, S3 refuses (412) a range of a newer object.
    if (version_id.empty() && !etag.empty()) request.headers.emplace_back("If-Match", etag);
    // A server that ignores Range answers 200 with the whole object: the sink then skips to
    // `offset` and stops when the buffer is full (correct, if wasteful, for such servers).
    BufferSink sink{buffer.get(), kDownloadChunkBytes, offset};
    auto response = Send("GET", request, RequestBody::None(), &sink);
    if (!response.ok()) return fail(response.status());
    // 416 for the first range: the object is empty.
    if (response->status == 416 && offset == 0) break;
    if (response->status == 412) {
      return fail(Status::IoError(where + ": the object changed during the download (HTTP 412)"));
    }
    if (!response->IsSuccess()) return fail(ResponseError("GET", bucket, key, *response));
    const std::optional<uint64_t> stated = StatedObjectSize(*response);
    if (!stated.has_value()) {
      return fail(Status::IoError(where + ": the answer states no object size (HTTP " +
                                  std::to_string(response->status) + ")"));
    }
    const std::string this_etag = response->Header("etag");
    if ((size.has_value() && *stated != *size) ||
        (!etag.empty() && !this_etag.empty() && this_etag != etag)) {
      return fail(Status::IoError(where + ": the object changed during the download"));
    }
    size = stated;
    if (etag.empty()) etag = this_etag;
    const uint64_t got = response->body_bytes;
    if ((got == 0 && offset < *size) || offset + got > *size) {
      return fail(Status::IoError(where + ": the server sent " + std::to_string(got) +
                                  " bytes at offset " + std::to_string(offset) + " of " +
                                  std::to_string(*size)));
    }
    if (got > 0 && std::fwrite(buffer.get(), 1, got, file.get()) != got) {
      return fail(
          Status::IoError(where + ": cannot write " + temporary + ": " + std::strerror(errno)));
    }
    offset += got;
  }
  // No fsync: the file is whole for readers once renamed; a crash loses the execution anyway.
  if (std::fclose(file.release()) != 0) {
    const std::string reason = std::strerror(errno);
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Status::IoError(where + ": cannot write " + temporary + ": " + reason);
  }
  std::error_code error;
  std::filesystem::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    std::filesystem::remove(temporary, ignored);
    return Status::IoError(where + ": cannot rename into " + path + ": " + error.message());
  }
  return offset;
}

Result<std::string> S3Client::PutObject(const std::string& bucket, const std::string& key,
                                        std::string_view data,
                                        const std::string& content_type) const {
  S3Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.payload_hash = Sha256Hex(data);
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("PUT", request, RequestBody::Memory(data), nullptr));
  if (!response.IsSuccess()) return ResponseError("PUT", bucket, key, response);
  return response.Header("etag");
}

Result<std::string> S3Client::PutObjectFromFile(const std::string& bucket, const std::string& key,
                                                const std::string& path,
                                                const std::string& content_type) const {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return Status::IoError("PUT " + S3Uri(bucket, key) + ": cannot read " + path + ": " +
                           ec.message());
  if (size > config_.multipart_threshold) return UploadParts(bucket, key, {}, path, size);
  S3Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.key = key;
  request.payload_hash = std::string(kUnsignedPayload);
  if (!content_type.empty()) request.headers.emplace_back("Content-Type", content_type);
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("PUT", request, RequestBody::File(path, 0, size), nullptr));
  if (!response.IsSuccess()) return ResponseError("PUT", bucket, key, response);
  return response.Header("etag");
}

Result<std::string> S3Client::MultipartUpload(const std::string& bucket, const std::string& key,
                                              std::string_view data) const {
  return UploadParts(bucket, key, data, "", data.size());
}

Result<std::string> S3Client::MultipartUploadFromFile(const std::string& bucket,
                                                      const std::string& key,
                                                      const std::string& path) const {
  std::error_code ec;
  uint64_t size = std::filesystem::file_size(path, ec);
  if (ec)
    return Status::IoError("PUT " + S3Uri(bucket, key) + ": cannot read " + path + ": " +
                           ec.message());
  return UploadParts(bucket, key, {}, path, size);
}

Status S3Client::DeleteObjects(const std::string& bucket,
                               const std::vector<std::string>& keys) const {
  constexpr size_t kBatch = 1000;  // the DeleteObjects limit
  std::vector<DeleteObjectError> errors;
  for (size_t start = 0; start < keys.size(); start += kBatch) {
    std::vector<std::string> batch(
        keys.begin() + static_cast<std::ptrdiff_t>(start),
        keys.begin() + static_cast<std::ptrdiff_t>(std::min(keys.size(), start + kBatch)));
    for (const std::string& key : batch) {
      Status valid = ValidateObjectKey(key);
      if (!valid.ok()) return valid.WithContext("DELETE " + S3Uri(bucket, ""));
    }
    std::string body = DeleteObjectsXml(batch, /*quiet=*/true);
    S3Request request;
    request.method = "POST";
    request.bucket = bucket;
    request.query = {{"delete", ""}};
    request.payload_hash = Sha256Hex(body);
    // S3 requires an integrity header on DeleteObjects.
    request.headers = {{"Content-MD5", Md5Base64(body)}, {"Content-Type", "application/xml"}};
    SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                           Send("DELETE", request, RequestBody::Memory(body), nullptr));
    if (!response.IsSuccess()) return ResponseError("DELETE", bucket, "", response);
    auto result = ParseDeleteObjectsResult(response.body);
    if (!result.ok()) return result.status().WithContext("DELETE " + S3Uri(bucket, ""));
    for (auto& error : result->errors) errors.push_back(std::move(error));
  }
  if (errors.empty()) return Status::Ok();
  std::string message = "DELETE " + S3Uri(bucket, "") + ": " + std::to_string(errors.size()) +
                        " of " + std::to_string(keys.size()) + " keys were not deleted: ";
  for (size_t i = 0; i < errors.size() && i < 3; ++i) {
    if (i > 0) message += "; ";
    message += errors[i].key + ": " + errors[i].code + ": " + errors[i].message;
  }
  if (errors.size() > 3) message += "; ...";
  return Status::IoError(Redact(message));
}

Status S3Client::DeleteObject(const std::string& bucket, const std::string& key) const {
  S3Request request;
  request.method = "DELETE";
  request.bucket = bucket;
  request.key = key;
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("DELETE", request, RequestBody::None(), nullptr));
  if (!response.IsSuccess()) return ResponseError("DELETE", bucket, key, response);
  return Status::Ok();
}

Status S3Client::CreateBucket(const std::string& bucket) const {
  std::string body;
  if (config_.region != "us-east-1") {
    body = "<CreateBucketConfiguration><LocationConstraint>" + XmlEscape(config_.region) +
           "</LocationConstraint></CreateBucketConfiguration>";
  }
  S3Request request;
  request.method = "PUT";
  request.bucket = bucket;
  request.payload_hash = Sha256Hex(body);
  SHOAL_ASSIGN_OR_RETURN(HttpResponse response,
                         Send("CREATE BUCKET", request, RequestBody::Memory(body), nullptr));
  if (response.IsSuccess()) return Status::Ok();
  auto error = ParseS3Error(response.body);
  if (error.ok() && error->code == "BucketAlreadyOwnedByYou") return Status::Ok();
  return ResponseError("CREATE BUCKET", bucket, "", response);
}

}  // namespace shoal::storage
