#include "storage/s3_http.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>

#include <curl/curl.h>
#include <strings.h>

namespace shoal::storage {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread; curl_easy_reset() between requests keeps its connection cache, so
// keep-alive connections are reused by the next request of the same thread.
class ThreadHandle {
 public:
  ThreadHandle() {
    GlobalInit();
    handle_ = curl_easy_init();
  }
  ~ThreadHandle() {
    if (handle_ != nullptr) curl_easy_cleanup(handle_);
  }
  ThreadHandle(const ThreadHandle&) = delete;
  ThreadHandle& operator=(const ThreadHandle&) = delete;
  CURL* get() { return handle_; }

 private:
  CURL* handle_ = nullptr;
};

CURL* HandleForThisThread() {
  thread_local ThreadHandle handle;
  return handle.get();
}

struct SlistDeleter {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};

struct FileCloser {
  void operator()(FILE* f) const {
    if (f != nullptr) std::fclose(f);
  }
};

// State shared with the curl callbacks of one exchange.
struct Exchange {
  CURL* curl = nullptr;
  HttpResponse* response = nullptr;
  BufferSink* sink = nullptr;
  // Request body.
  const RequestBody* body = nullptr;
  std::unique_ptr<FILE, FileCloser> file;
  uint64_t sent = 0;
  // Response body bookkeeping.
  bool sink_decided = false;
  bool to_sink = false;
  uint64_t skipped = 0;
  bool sink_full = false;  // stopped on purpose: the buffer is full
  std::string local_error;
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  std::string_view line(data, n);
  while (!line.empty() && (line.back() == '\r' || line.back() == '\n')) line.remove_suffix(1);
  if (line.rfind("HTTP/", 0) == 0) {
    ex->response->headers.clear();  // a new response (after 100 Continue or a redirect)
    return n;
  }
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return n;
  std::string name(line.substr(0, colon));
  for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view value = line.substr(colon + 1);
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  ex->response->headers.emplace_back(std::move(name), std::string(value));
  return n;
}

size_t OnWrite(char* data, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t n = size * count;
  if (!ex->sink_decided) {
    ex->sink_decided = true;
    long status = 0;
    curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
    ex->to_sink = ex->sink != nullptr && status >= 200 && status < 300;
  }
  if (!ex->to_sink) {
    ex->response->body.append(data, n);
    ex->response->body_bytes += n;
    return n;
  }
  long status = 0;
  curl_easy_getinfo(ex->curl, CURLINFO_RESPONSE_CODE, &status);
  std::string_view chunk(data, n);
  if (status == 200 && ex->skipped < ex->sink->skip_on_200) {
    uint64_t drop = std::min<uint64_t>(ex->sink->skip_on_200 - ex->skipped, chunk.size());
    ex->skipped += drop;
    chunk.remove_prefix(drop);
  }
  uint64_t room = ex->sink->capacity - ex->response->body_bytes;
  if (chunk.size() > room) {
    if (status != 200) {
      ex->local_error = "the server sent more bytes than the requested range";
      return 0;
    }
    std::memcpy(ex->sink->buffer + ex->response->body_bytes, chunk.data(), room);
    ex->response->body_bytes += room;
    ex->sink_full = true;
    return 0;  // stop the transfer: we have what we asked for
  }
  std::memcpy(ex->sink->buffer + ex->response->body_bytes, chunk.data(), chunk.size());
  ex->response->body_bytes += chunk.size();
  return n;
}

size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* ex = static_cast<Exchange*>(user);
  size_t want = size * count;
  uint64_t left = ex->body->size() - ex->sent;
  size_t n = static_cast<size_t>(std::min<uint64_t>(want, left));
  if (n == 0) return 0;
  if (ex->body->is_file()) {
    size_t got = std::fread(buffer, 1, n, ex->file.get());
    if (got != n) {
      ex->local_error = "could not read " + ex->body->file_path + " (it shrank or failed)";
      return CURL_READFUNC_ABORT;
    }
  } else {
    std::memcpy(buffer, ex->body->data.data() + ex->sent, n);
  }
  ex->sent += n;
  return n;
}

int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* ex = static_cast<Exchange*>(user);
  if (origin != SEEK_SET || offset < 0 || static_cast<uint64_t>(offset) > ex->body->size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  if (ex->body->is_file() &&
      fseeko(ex->file.get(), static_cast<off_t>(ex->body->file_offset + offset), SEEK_SET) != 0) {
    return CURL_SEEKFUNC_FAIL;
  }
  ex->sent = static_cast<uint64_t>(offset);
  return CURL_SEEKFUNC_OK;
}

Status TransportError(CURLcode code, const char* detail, const HttpRequestSpec& request) {
  std::string what = request.method + " " + request.url + ": ";
  what += (detail != nullptr && detail[0] != '\0') ? detail : curl_easy_strerror(code);
  // A TLS handshake answered in plain HTTP fails the same way every time: no retries.
  if (code == CURLE_SSL_CONNECT_ERROR && what.find("wrong version number") != std::string::npos) {
    return Status::InvalidArgument(what +
                                   " (the endpoint does not speak TLS: use an http:// endpoint, "
                                   "SET s3_use_ssl = false or DUCKDB_S3_USE_SSL=false)");
  }
  switch (code) {
    case CURLE_OPERATION_TIMEDOUT:
      return Status(ErrorCode::kDeadlineExceeded, what);
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return Status::Unavailable(what);
    default:
      return Status::IoError(what);
  }
}

}  // namespace

std::string HttpResponse::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return "";
}

Result<HttpResponse> PerformHttp(const HttpRequestSpec& request, const RequestBody& body,
                                 BufferSink* sink, const HttpOptions& options) {
  CURL* curl = HandleForThisThread();
  if (curl == nullptr) return Status::Internal("curl_easy_init failed");
  curl_easy_reset(curl);

  HttpResponse response;
  Exchange ex;
  ex.curl = curl;
  ex.response = &response;
  ex.sink = sink;
  ex.body = &body;
  if (body.is_file()) {
    ex.file.reset(std::fopen(body.file_path.c_str(), "rb"));
    if (ex.file == nullptr) {
      return Status::IoError("cannot open " + body.file_path + ": " + std::strerror(errno));
    }
    if (fseeko(ex.file.get(), static_cast<off_t>(body.file_offset), SEEK_SET) != 0) {
      return Status::IoError("cannot seek in " + body.file_path);
    }
  }

  std::unique_ptr<curl_slist, SlistDeleter> headers;
  auto add_header = [&](const std::string& line) {
    curl_slist* next = curl_slist_append(headers.get(), line.c_str());
    if (next != nullptr) {
      (void)headers.release();
      headers.reset(next);
    }
  };
  for (const auto& [name, value] : request.headers) add_header(name + ": " + value);
  // No "Expect: 100-continue" round trip (S3 servers on loopback answer at once), and no
  // default Content-Type that nobody signed.
  add_header("Expect:");
  if (request.headers.end() ==
      std::find_if(request.headers.begin(), request.headers.end(), [](const auto& h) {
        return strcasecmp(h.first.c_str(), "content-type") == 0;
      })) {
    add_header("Content-Type:");
  }

  char error_buffer[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers.get());
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS,
                   static_cast<long>(options.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, options.low_speed_bytes);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options.low_speed_time.count()));
  curl_easy_setopt(curl, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, OnHeader);
  curl_easy_setopt(curl, CURLOPT_HEADERDATA, &ex);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, OnWrite);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &ex);

  const std::string& method = request.method;
  if (method == "HEAD") {
    curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  } else if (method == "PUT") {
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method == "POST") {
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  } else if (method != "GET") {
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  }
  if (method == "PUT" || method == "POST") {
    curl_easy_setopt(curl, CURLOPT_READFUNCTION, OnRead);
    curl_easy_setopt(curl, CURLOPT_READDATA, &ex);
    curl_easy_setopt(curl, CURLOPT_SEEKFUNCTION, OnSeek);
    curl_easy_setopt(curl, CURLOPT_SEEKDATA, &ex);
  }

  CURLcode code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &response.status);
  // The handle outlives this call; leave no pointers to our stack behind.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, nullptr);

  if (code == CURLE_WRITE_ERROR && ex.sink_full) code = CURLE_OK;
  if (code != CURLE_OK) {
    if (!ex.local_error.empty()) {
      return Status::IoError(request.method + " " + request.url + ": " + ex.local_error);
    }
    return TransportError(code, error_buffer, request);
  }
  return response;
}

}  // namespace shoal::storage
