// HttpClient: calls a Shoal server over HTTP/JSON.
//
// Each call opens its own connection (loopback connects cost well under a millisecond), so one
// client may be shared by threads. A non-2xx answer becomes a Status with the code matching the
// HTTP status and the server's error message; an unreachable server becomes kUnavailable naming
// the address.
//
// An https endpoint is reached over TLS, its certificate verified against Options::ca_cert_file
// (or the system's CA certificates) and its host name. A certificate that does not verify (or a
// CA file that cannot be loaded) is kFailedPrecondition; a TLS client against a plain-HTTP
// server and a plain client against a TLS server are kUnavailable; each message says which. With
// Options::bearer_token every request carries `Authorization: Bearer <token>`; a 401 answer is
// kUnauthenticated with the server's reason. No message ever holds the token.
//
// Thread-safety: all methods are safe to call concurrently.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace shoal::transport {

using Json = nlohmann::json;

struct Endpoint {
  std::string host = "127.0.0.1";
  int port = 1234;
  bool tls = false;  // https
  std::string ToString() const { return host + ":" + std::to_string(port); }
  // "http://host:port" or "https://host:port".
  std::string Url() const { return (tls ? "https://" : "http://") + ToString(); }
};

// Parses "host:port", "http://host:port", "https://host:port" (tls) or "host" (port 1234).
Result<Endpoint> ParseEndpoint(const std::string& text);

class HttpClient {
 public:
  struct Options {
    std::chrono::milliseconds connect_timeout{3000};
    std::chrono::milliseconds read_timeout{30000};  // above any long-poll wait
    std::string bearer_token;                       // sent with every request when not empty
    std::string ca_cert_file;  // https: the CA (PEM) to verify the server with; empty: system's
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

  // Ends the calls in flight on this client (each fails with kCancelled) and fails every later
  // call at once: for a thread blocked in a long-poll that must stop now. Copies of a client
  // share this.
  void Shutdown() const;

 private:
  Result<std::string> Call(const std::string& method, const std::string& path,
                           const std::string& body, const std::string& content_type) const;

  Endpoint endpoint_;
  Options options_;
  struct Calls;  // the calls in flight, for Shutdown
  std::shared_ptr<Calls> calls_;
};

// Percent-encodes a path segment or query value.
std::string UrlEncode(const std::string& text);
// Percent-encodes each segment of a relative path, keeping the '/' between them (result files
// may have any name: an S3 key read back by a fetch, say).
std::string UrlEncodePath(const std::string& path);

}  // namespace shoal::transport
