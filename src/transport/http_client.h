// HttpClient: calls a Shoal server over HTTP/JSON.
//
// Each call opens its own connection (loopback connects cost well under a millisecond), so one
// client may be shared by threads. A non-2xx answer becomes a Status with the code matching the
// HTTP status and the server's error message; an unreachable server becomes kUnavailable naming
// the address.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace shoal::transport {

using Json = nlohmann::json;

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 1234;
  std::string ToString() const { return host + ":" + std::to_string(port); }
};

// Parses "host:port", "http://host:port" or "host" (port 1234).
Result<Endpoint> ParseEndpoint(const std::string& text);

class HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds read_timeout{30000};  // above any long-poll wait
  };

  explicit HttpClient(Endpoint endpoint) : HttpClient(std::move(endpoint), Options{}) {}
  HttpClient(Endpoint endpoint, Options options);

  Result<Json> Get(const std::string& path) const;
  Result<Json> Post(const std::string& path, const Json& body) const;
  Result<Json> Put(const std::string& path, const Json& body) const;
  Result<Json> Delete(const std::string& path) const;

  // Raw bytes, for result files.
  Result<std::string> GetBytes(const std::string& path) const;
  Status PutBytes(const std::string& path, const std::string& bytes) const;

  const Endpoint& endpoint() const { return endpoint_; }

 private:
  Result<std::string> Call(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type) const;

  Endpoint endpoint_;
  Options options_;
};

// Percent-encodes a path segment or query value.
std::string UrlEncode(const std::string& text);

}  // namespace shoal::transport
