// One HTTP exchange over libcurl, for the S3 client: sends an HttpRequestSpec with a body from
// memory or from a file range, and collects the status, headers and body (into a string, or into
// a caller's buffer). No retries and no S3 semantics here; transport failures come back as
// kUnavailable (connection refused, reset, truncated) or kDeadlineExceeded (connect or
// low-speed timeout), which the caller may retry, and anything else as a non-retryable code.
//
// Each thread keeps one curl handle and reuses it, so keep-alive connections carry successive
// requests of that thread. Messages name the method and URL, never a header (the Authorization
// header carries the signature).
//
// Thread-safety: PerformHttp may be called from any number of threads at once.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/s3_request.h"
#include "storage/sigv4.h"

namespace shoal::storage {

struct HttpResponse {
  long status = 0;
  NameValueList headers;    // names lowercased, in the order received
  std::string body;         // the body, unless it went to a BufferSink (then the error body only)
  uint64_t body_bytes = 0;  // bytes delivered to the sink or body

  // The value of the first header named `name` (lowercase), or "".
  std::string Header(std::string_view name) const;
  // A 2xx status.
  bool IsSuccess() const { return status >= 200 && status < 300; }
};

// A request body: nothing, bytes in memory, or `length` bytes of a file from `offset`.
struct RequestBody {
  std::string_view data;
  std::string file_path;
  uint64_t file_offset = 0;
  uint64_t file_length = 0;

  static RequestBody None() { return {}; }
  static RequestBody Memory(std::string_view bytes) {
    RequestBody body;
    body.data = bytes;
    return body;
  }
  static RequestBody File(std::string path, uint64_t offset, uint64_t length) {
    RequestBody body;
    body.file_path = std::move(path);
    body.file_offset = offset;
    body.file_length = length;
    return body;
  }
  bool is_file() const { return !file_path.empty(); }
  uint64_t size() const { return is_file() ? file_length : data.size(); }
};

// Where a successful (2xx) response body goes when not into HttpResponse::body: `capacity` bytes
// at `buffer`. When the server answers 200 with the whole object to a ranged request, the first
// `skip_on_200` bytes are dropped and the transfer stops once the buffer is full.
struct BufferSink {
  char* buffer = nullptr;
  size_t capacity = 0;
  uint64_t skip_on_200 = 0;
};

struct HttpOptions {
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::seconds low_speed_time{30};
  long low_speed_bytes = 1;
};

// Sends `request` with `body`; a non-null `sink` receives a 2xx body.
Result<HttpResponse> PerformHttp(const HttpRequestSpec& request, const RequestBody& body,
                                 BufferSink* sink, const HttpOptions& options);

}  // namespace shoal::storage
