// HttpServer: Shoal's HTTP/JSON server, a thin layer over cpp-httplib.
//
// Handlers are registered per method and path pattern (a std::regex; capture groups arrive in
// Request::matches). A JSON handler returns a JSON value (200) or a Status, which becomes the
// status's HTTP code and the body {"Error": {"Code": "...", "Message": "..."}}. Raw handlers
// serve or accept bytes (result files). Request bodies above Options::max_body_bytes get 413.
//
// Thread-safety: register every handler before Start(). Handlers run concurrently on the
// server's pool (size it for the long-polls it must hold at once). Stop() may be called from
// any thread and waits for the listener to finish.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace httplib {
class Server;
}

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

  // The query parameter `name`, or `fallback` when absent.
  std::string Param(const std::string& name, const std::string& fallback = "") const;
  // The body parsed as JSON; an error naming the problem when it is not JSON.
  Result<Json> JsonBody() const;
};

struct RawResponse {
  int status = 200;
  std::string content_type = "application/octet-stream";
  std::string body;
};

class HttpServer {
 public:
  struct Options {
    std::string host = "127.0.0.1";
    int port = 0;  // 0 picks a free port
    int threads = 64;
    size_t max_body_bytes = size_t{256} << 20;
  };
  using JsonHandler = std::function<Result<Json>(const Request&)>;
  using RawHandler = std::function<Result<RawResponse>(const Request&)>;

  explicit HttpServer(Options options);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  void HandleJson(const std::string& method, const std::string& pattern, JsonHandler handler);
  void HandleRaw(const std::string& method, const std::string& pattern, RawHandler handler);

  // Binds and starts serving on a background thread; returns the bound port.
  Result<int> Start();
  void Stop();
  int port() const { return port_; }

 private:
  Options options_;
  std::unique_ptr<httplib::Server> server_;
  static constexpr int kListenBacklog = 1024;

  std::thread listener_;
  int port_ = 0;
  int listen_socket_ = -1;  // set while binding
};

// The JSON error body for `status`.
Json ErrorBody(const Status& status);

}  // namespace shoal::transport
