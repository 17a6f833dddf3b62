// HttpServer: Shoal's HTTP/JSON server, a thin layer over cpp-httplib.
//
// Handlers are registered per method and path pattern (a std::regex; capture groups arrive in
// Request::matches). A JSON handler returns a JSON value (200) or a Status, which becomes the
// status's HTTP code and the body {"Error": {"Code": "...", "Message": "..."}}. Raw handlers
// serve or accept bytes (result files). A request body is limited to Options::max_json_body_bytes,
// except on upload routes (HandleUpload), which take up to Options::max_body_bytes; a larger one
// gets 413 naming the limit, before the body is read when the request announces its length.
//
// With Options::tls_cert_file and tls_key_file the server speaks HTTPS only. With a BearerAuth
// (SetAuth) every request is checked before any handler runs: a refused one gets 401 with a
// WWW-Authenticate header and the error body ("missing bearer token" / "invalid token"), and an
// audit line (transport/auth.h) goes to the audit sink. Unknown paths are refused the same way,
// so a caller without a token learns nothing about the routes. A request that passed gets the
// caller's name (Request::identity), and the authorizers of its path (Authorize) then decide
// whether that caller may make it: a refusal gets its status (403 for kPermissionDenied) and an
// audit line too, and the handler does not run. A refused request's body is not
// read, except one of up to 1 MiB: a client still sending it would otherwise see the connection
// break instead of the 401.
//
// With SetMetrics, every request is counted by route (its pattern with each group shown as {}) and
// HTTP status, and timed.
//
// Thread-safety: register every handler before Start(). Handlers run concurrently on the
// server's pool (size it for the long-polls it must hold at once). Stop() may be called from
// any thread and waits for the listener to finish.
#pragma once

#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <regex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "metrics/registry.h"
#include <nlohmann/json.hpp>

#include "common/status.h"
#include "transport/auth.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace shoal::transport {

using Json = nlohmann::json;

struct Request {
  std::string method;
  std::string path;
  std::vector<std::string> matches;  // regex capture groups of the path pattern, [0] is the path
  std::multimap<std::string, std::string> params;  // query string
  std::multimap<std::string, std::string> headers;
  std::string body;
  std::string remote_address;
  // Who the bearer token says the caller is (BearerAuth::Authenticate): a node's name for a
  // per-node token; empty for an anonymous one (a token shared by its realm) or an open path.
  std::string identity;
  bool upload = false;  // an upload route's request (HandleUpload): the body is bytes, not JSON

  // The query parameter `name`, or `fallback` when absent.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
  // The query parameter `name` as an integer in [low, high], or `fallback` when absent; otherwise
  // an InvalidArgument naming it ("query parameter 'limit' must be 1..1000, got '0'").
  Result<int64_t> IntParam(const std::string& name, int64_t fallback,
                           int64_t low = std::numeric_limits<int64_t>::min(),
                           int64_t high = std::numeric_limits<int64_t>::max()) const;
  // The body parsed as JSON; an error naming the problem when it is not JSON.
  Result<Json> JsonBody() const;
};

struct RawResponse {
  using Headers = std::vector<std::pair<std::string, std::string>>;
  RawResponse() = default;
  RawResponse(int status, std::string content_type, std::string body, Headers headers = {})
      : status(status),
        content_type(std::move(content_type)),
        body(std::move(body)),
        headers(std::move(headers)) {}

  int status = 200;
  std::string content_type = "application/octet-stream";
  std::string body;
  Headers headers;  // sent besides Content-Type and Content-Length
};

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 picks a free port
    int threads = 64;
    size_t max_body_bytes = size_t{256} << 20;      // upload routes (HandleUpload)
    size_t max_json_body_bytes = size_t{16} << 20;  // every other route
    // Both set: serve HTTPS with this certificate (chain) and private key, PEM files.
    std::string tls_cert_file;
    std::string tls_key_file;
  };
  // Receives one audit line per refused request (see AuditLine). Called on the server's
  // threads, possibly concurrently.
  using AuditSink = std::function<void(const std::string& line)>;
  using JsonHandler = std::function<Result<Json>(const Request&)>;
  using RawHandler = std::function<Result<RawResponse>(const Request&)>;
  // Decides whether an authenticated request may reach its handler; a non-OK Status refuses it.
  using Authorizer = std::function<Status(const Request&)>;

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void HandleJson(const std::string& method, const std::string& pattern, JsonHandler handler);
  void HandleRaw(const std::string& method, const std::string& pattern, RawHandler handler);
  // A JSON handler whose request body is bytes (a result file) of up to max_body_bytes.
  void HandleUpload(const std::string& method, const std::string& pattern, JsonHandler handler);
  // Checks every request against `auth`. The default sink writes "<UTC time> shoal audit:
  // <line>" to stderr. REQUIRES: called before Start().
  void SetAuth(BearerAuth auth, AuditSink sink = nullptr);
  // Runs `authorizer` on every request whose path starts with `prefix`, after authentication
  // and before the handler, whichever route (registered before or after this call) serves it;
  // its refusals are audited like SetAuth's. REQUIRES: called before Start().
  void Authorize(std::string prefix, Authorizer authorizer);

  // Counts and times every request in `registry` (shoal_http_requests_total{route,code},
  // shoal_http_request_duration_seconds{route}). A request no route served (refused before
  // routing, unknown path) counts as route "(none)". REQUIRES: called before Start().
  void SetMetrics(metrics::Registry& registry);

  // True when the server speaks HTTPS.
  bool tls() const { return !options_.tls_cert_file.empty(); }

  // Binds and starts serving on a background thread; returns the bound port. A TLS certificate
  // or key that cannot be loaded is an InvalidArgument error naming the file.
  Result<int> Start();
  void Stop();
  int port() const { return port_; }
  // Requests served at once (the pool's threads).
  int threads() const { return options_.threads; }

 private:
  Options options_;
  // True (after writing the 401 and the audit line) when SetAuth's rules refuse `req`;
  // otherwise sets `*identity` (when given) to the caller's name.
  bool Refused(const httplib::Request& req, httplib::Response& res,
               std::string* identity = nullptr) const;
  // True (after writing the refusal and the audit line) when an authorizer refuses `request`.
  bool Unauthorized(const Request& request, const httplib::Request& req,
                    httplib::Response& res) const;
  void Audit(const httplib::Request& req, const Status& refusal) const;
  // Before the body is read: true (after writing the answer) when the request is refused for
  // its token or its announced size.
  bool PreRouteRefused(const httplib::Request& req, httplib::Response& res) const;
  // True (after writing the 413) when `body_bytes` is over the limit of `req`'s route.
  bool TooLarge(const httplib::Request& req, uint64_t body_bytes, httplib::Response& res) const;
  void Route(const std::string& method, const std::string& pattern, RawHandler handler,
             bool upload);

  metrics::CounterFamily* requests_ = nullptr;  // SetMetrics
  metrics::HistogramFamily* durations_ = nullptr;

  static constexpr uint64_t kMaxBodyReadBeforeRefusal = uint64_t{1} << 20;

  std::unique_ptr<httplib::Server> server_;
  std::vector<std::pair<std::string, std::regex>> upload_routes_;  // (method, path pattern)
  bool has_auth_ = false;
  BearerAuth auth_;
  AuditSink audit_;
  std::vector<std::pair<std::string, Authorizer>> authorizers_;  // (path prefix, authorizer)
  static constexpr int kListenBacklog = 1024;

  std::thread listener_;
  int port_ = 0;
  int listen_socket_ = -1;  // set while binding
};

// The JSON error body for `status`.
Json ErrorBody(const Status& status);

// A route's pattern as a metrics label: each regex group becomes {} ("/jobs/([^/]+)" ->
// "/jobs/{}").
std::string RouteLabel(const std::string& pattern);

}  // namespace shoal::transport
