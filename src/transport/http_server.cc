#include "transport/http_server.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <ctime>
#include <iostream>

#include <httplib.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/json_text.h"
#include "transport/sigpipe.h"

namespace shoal::transport {

namespace {

// httplib answers `Accept-Encoding: br` with Brotli at its slowest quality (11): a console polling
// the Jobs page spent 93% of the orchestrator's CPU compressing (bench/console). Only gzip is
// offered to it: zlib's default level costs a small fraction and compresses JSON nearly as well.
void OfferGzipOnly(httplib::Request& req) {
  auto it = req.headers.find("Accept-Encoding");
  if (it == req.headers.end()) return;
  const bool gzip = it->second.find("gzip") != std::string::npos;
  req.headers.erase("Accept-Encoding");
  if (gzip) req.headers.emplace("Accept-Encoding", "gzip");
}

// HTTP/1.1 (RFC 9112, 6.3): a request with neither Content-Length nor Transfer-Encoding has no
// body. httplib 0.11 reads such a POST/PUT/DELETE's body until the client hangs up instead,
// so `curl -X POST URL` waited for the read timeout and got a bare 400. Saying the length is
// zero makes httplib read nothing and route the request.
void NoLengthMeansNoBody(httplib::Request& req) {
  if (req.has_header("Content-Length") || req.has_header("Transfer-Encoding")) return;
  req.headers.emplace("Content-Length", "0");
}

// The request this thread serves: cpp-httplib runs the pre-routing handler, the route's handler
// and the logger of one request on the same thread, one request at a time.
thread_local std::chrono::steady_clock::time_point t_request_start;
thread_local const std::string* t_request_route = nullptr;

Request ToRequest(const httplib::Request& req) {
  Request request;
  request.method = req.method;
  request.path = req.path;
  for (const auto& m : req.matches) request.matches.push_back(m.str());
  for (const auto& [k, v] : req.params) request.params.emplace(k, v);
  for (const auto& [k, v] : req.headers) request.headers.emplace(k, v);
  request.body = req.body;
  request.remote_address = req.remote_addr;
  return request;
}

void WriteError(httplib::Response& res, const Status& status) {
  res.status = HttpStatusFor(status.code());
  res.set_content(JsonText(ErrorBody(status)), "application/json");
}

// The server for `options`: HTTPS when a certificate is given.
std::unique_ptr<httplib::Server> MakeServer(const HttpServer::Options& options) {
  if (options.tls_cert_file.empty() && options.tls_key_file.empty()) {
    return std::make_unique<httplib::Server>();
  }
  return std::make_unique<httplib::SSLServer>(options.tls_cert_file.c_str(),
                                              options.tls_key_file.c_str());
}

// Why the TLS certificate and key could not be loaded, naming the file when one is unreadable.
Status TlsLoadError(const HttpServer::Options& options) {
  if (options.tls_cert_file.empty() || options.tls_key_file.empty()) {
    return Status::InvalidArgument(
        "TLS needs both a certificate (--tls-cert) and a key (--tls-key)");
  }
  for (const std::string& file : {options.tls_cert_file, options.tls_key_file}) {
    if (::access(file.c_str(), R_OK) != 0) {
      return Status::InvalidArgument("cannot read TLS file '" + file + "'");
    }
  }
  return Status::InvalidArgument("cannot load the TLS certificate '" + options.tls_cert_file +
                                 "' with the key '" + options.tls_key_file +
                                 "': both must be PEM, and the key the certificate's own");
}

void WriteAuditLineToStderr(const std::string& line) {
  std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &utc);
  // One write per line, so concurrent refusals do not interleave within a line.
  std::cerr << (std::string(stamp) + " shoal audit: " + line + "\n") << std::flush;
}

}  // namespace

std::string Request::Param(const std::string& name, const std::string& fallback) const {
  auto it = params.find(name);
  return it == params.end() ? fallback : it->second;
}

Result<int64_t> Request::IntParam(const std::string& name, int64_t fallback, int64_t low,
                                  int64_t high) const {
  const std::string text = Param(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  const std::string where = "query parameter '" + name + "' must be ";
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument(where + "an integer, got '" + text + "'");
  }
  if (value < low || value > high) {
    const std::string range = high == std::numeric_limits<int64_t>::max()
                                  ? "at least " + std::to_string(low)
                                  : std::to_string(low) + ".." + std::to_string(high);
    return Status::InvalidArgument(where + range + ", got '" + text + "'");
  }
  return value;
}

Result<Json> Request::JsonBody() const {
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) {
    return Status::InvalidArgument("request body is not valid JSON");
  }
  return parsed;
}

Json ErrorBody(const Status& status) {
  return Json{
      {"Error",
       {{"Code", std::string(ErrorCodeName(status.code()))}, {"Message", status.message()}}}};
}

HttpServer::HttpServer(Options options)
    : options_(std::move(options)), server_(MakeServer(options_)) {
  IgnoreSigpipe();
  int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  server_->set_payload_max_length(std::max(options_.max_body_bytes, options_.max_json_body_bytes));
  server_->set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    t_request_start = std::chrono::steady_clock::now();
    t_request_route = nullptr;
    OfferGzipOnly(const_cast<httplib::Request&>(req));
    NoLengthMeansNoBody(const_cast<httplib::Request&>(req));
    return PreRouteRefused(req, res) ? httplib::Server::HandlerResponse::Handled
                                     : httplib::Server::HandlerResponse::Unhandled;
  });
  // An answer goes out in two writes (headers, body): with Nagle's algorithm the body waits for
  // the client's delayed ACK of the headers, 40 ms on every small answer of a kept-alive
  // connection (measured by bench/metrics: a trivial GET took 42 ms).
  server_->set_tcp_nodelay(true);
  // One request per connection, each answer saying `Connection: close`. httplib 0.11 waits for a
  // kept-alive connection's next request (and for a new connection's first one) by polling it
  // every ~11 ms: each idle connection a browser or a client library kept open cost ~0.7% of a
  // core (measured with bench/console). Shoal's own client closes after each request anyway;
  // closing after an idle timeout instead would race with a client reusing the connection. A
  // connection whose first request has not come within a second (a browser's preconnect) is
  // closed.
  server_->set_keep_alive_max_count(1);
  server_->set_keep_alive_timeout(1);
  server_->set_read_timeout(30, 0);
  server_->set_write_timeout(30, 0);
  // httplib's default options add SO_REUSEPORT, which lets a second server bind a port already
  // in use and silently split its requests: keep SO_REUSEADDR only, so a taken port is an
  // error. Remember the socket to widen its backlog after bind (httplib listens with 5).
  server_->set_socket_options([this](int socket) {
    int yes = 1;
    setsockopt(socket, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_socket_ = socket;
  });
}

HttpServer::~HttpServer() { Stop(); }

namespace {

HttpServer::RawHandler JsonToRaw(HttpServer::JsonHandler handler) {
  return [handler = std::move(handler)](const Request& request) -> Result<RawResponse> {
    auto result = handler(request);
    if (!result.ok()) return result.status();
    return RawResponse{200, "application/json", JsonText(*result)};
  };
}

uint64_t ContentLength(const httplib::Request& req) {
  uint64_t length = 0;
  const std::string header = req.get_header_value("Content-Length");
  std::from_chars(header.data(), header.data() + header.size(), length);
  return length;
}

}  // namespace

void HttpServer::HandleJson(const std::string& method, const std::string& pattern,
                            JsonHandler handler) {
  Route(method, pattern, JsonToRaw(std::move(handler)), /*upload=*/false);
}

void HttpServer::HandleUpload(const std::string& method, const std::string& pattern,
                              JsonHandler handler) {
  Route(method, pattern, JsonToRaw(std::move(handler)), /*upload=*/true);
}

void HttpServer::HandleRaw(const std::string& method, const std::string& pattern,
                           RawHandler handler) {
  Route(method, pattern, std::move(handler), /*upload=*/false);
}

void HttpServer::Route(const std::string& method, const std::string& pattern, RawHandler handler,
                       bool upload) {
  if (upload) upload_routes_.emplace_back(method, std::regex(pattern));
  auto route = std::make_shared<const std::string>(RouteLabel(pattern));
  auto wrapped = [this, upload, route, handler = std::move(handler)](const httplib::Request& req,
                                                                     httplib::Response& res) {
    t_request_route = route.get();
    std::string identity;
    // Checked again here even when the pre-routing check passed: a request whose body was read
    // before its check comes here first, and the handler needs the caller's name.
    if (Refused(req, res, &identity)) return;
    if (TooLarge(req, req.body.size(), res)) return;  // sent without a Content-Length
    Request request = ToRequest(req);
    request.identity = std::move(identity);
    request.upload = upload;
    if (Unauthorized(request, req, res)) return;
    Result<RawResponse> result = Status::Internal("handler did not run");
    try {
      result = handler(request);
    } catch (const std::exception& e) {
      result = Status::Internal(std::string("unexpected error: ") + e.what());
    }
    if (!result.ok()) {
      WriteError(res, result.status());
      return;
    }
    res.status = result->status;
    for (const auto& [name, value] : result->headers) res.set_header(name, value);
    res.set_content(std::move(result->body), result->content_type);
  };
  if (method == "GET") {
    server_->Get(pattern, wrapped);
  } else if (method == "POST") {
    server_->Post(pattern, wrapped);
  } else if (method == "PUT") {
    server_->Put(pattern, wrapped);
  } else if (method == "DELETE") {
    server_->Delete(pattern, wrapped);
  }
}

void HttpServer::SetMetrics(metrics::Registry& registry) {
  requests_ =
      &registry.AddCounter("shoal_http_requests_total",
                           "HTTP requests answered, by route and status.", {"route", "code"});
  durations_ = &registry.AddHistogram(
      "shoal_http_request_duration_seconds",
      "From a request's headers read to its answer written (long-polls included), by route.",
      {"route"});
  server_->set_logger([this](const httplib::Request&, const httplib::Response& res) {
    static const std::string kNoRoute = "(none)";
    const std::string& route = t_request_route != nullptr ? *t_request_route : kNoRoute;
    requests_->With({route, std::to_string(res.status)}).Increment();
    // A request refused while its headers were read never reached the pre-routing handler.
    if (t_request_start != std::chrono::steady_clock::time_point{}) {
      durations_->With({route}).Observe(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t_request_start)
              .count());
    }
    t_request_start = {};
    t_request_route = nullptr;
  });
}

std::string RouteLabel(const std::string& pattern) {
  std::string label;
  int depth = 0;
  for (size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '\\' && i + 1 < pattern.size()) {
      if (depth == 0) label += pattern[i + 1];
      ++i;
    } else if (c == '(') {
      if (depth++ == 0) label += "{}";
    } else if (c == ')') {
      --depth;
    } else if (depth == 0) {
      label += c;
    }
  }
  return label;
}

void HttpServer::SetAuth(BearerAuth auth, AuditSink sink) {
  auth_ = std::move(auth);
  audit_ = sink ? std::move(sink) : AuditSink(WriteAuditLineToStderr);
  has_auth_ = true;
}

void HttpServer::Authorize(std::string prefix, Authorizer authorizer) {
  authorizers_.emplace_back(std::move(prefix), std::move(authorizer));
}

// Runs before httplib reads the body: refuses strangers and announced oversized bodies without
// reading them.
bool HttpServer::PreRouteRefused(const httplib::Request& req, httplib::Response& res) const {
  const uint64_t length = ContentLength(req);
  // A small body is read before the refusal (by the route's wrapper or the error handler):
  // answering first and hanging up makes a client that is still sending see a broken
  // connection instead of the 401. A larger one is not worth reading for a stranger.
  const bool refuse_after_reading = length > 0 && length <= kMaxBodyReadBeforeRefusal;
  if (!refuse_after_reading && Refused(req, res)) return true;
  return TooLarge(req, length, res);
}

bool HttpServer::TooLarge(const httplib::Request& req, uint64_t body_bytes,
                          httplib::Response& res) const {
  if (body_bytes <= options_.max_json_body_bytes) return false;
  uint64_t limit = options_.max_json_body_bytes;
  for (const auto& [method, pattern] : upload_routes_) {
    if (method == req.method && std::regex_match(req.path, pattern)) {
      limit = options_.max_body_bytes;
      break;
    }
  }
  if (body_bytes <= limit) return false;
  WriteError(
      res, Status(ErrorCode::kResourceExhausted,
                  "request body of " + std::to_string(body_bytes) + " bytes is over the limit of " +
                      std::to_string(limit) + " bytes for " + req.method + " " + req.path));
  res.status = 413;  // Payload Too Large, not the 429 that other exhausted resources get
  return true;
}

bool HttpServer::Refused(const httplib::Request& req, httplib::Response& res,
                         std::string* identity) const {
  if (!has_auth_) return false;
  Result<std::string> caller = auth_.Authenticate(req.path, req.get_header_value("Authorization"));
  if (caller.ok()) {
    if (identity != nullptr) *identity = std::move(caller).value();
    return false;
  }
  Audit(req, caller.status());
  res.set_header("WWW-Authenticate", "Bearer realm=\"shoal\"");
  WriteError(res, caller.status());
  return true;
}

bool HttpServer::Unauthorized(const Request& request, const httplib::Request& req,
                              httplib::Response& res) const {
  for (const auto& [prefix, authorizer] : authorizers_) {
    if (request.path.compare(0, prefix.size(), prefix) != 0) continue;
    Status allowed = authorizer(request);
    if (allowed.ok()) continue;
    Audit(req, allowed);
    WriteError(res, allowed);
    return true;
  }
  return false;
}

void HttpServer::Audit(const httplib::Request& req, const Status& refusal) const {
  const std::string line =
      AuditLine(req.method, req.path, req.remote_addr + ":" + std::to_string(req.remote_port),
                has_auth_ ? auth_.RealmFor(req.path) : "", refusal);
  if (audit_) {
    audit_(line);
  } else {
    WriteAuditLineToStderr(line);
  }
}

Result<int> HttpServer::Start() {
  if (!server_->is_valid() || tls() != !options_.tls_key_file.empty()) {
    return TlsLoadError(options_);
  }
  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    if (Refused(req, res)) return;  // no route for a request whose body was read first
    Status status = res.status == 404
                        ? Status::NotFound("no such endpoint: " + req.method + " " + req.path)
                        : Status(res.status == 413 ? ErrorCode::kResourceExhausted
                                                   : ErrorCode::kInvalidArgument,
                                 "request refused with HTTP " + std::to_string(res.status));
    res.set_content(JsonText(ErrorBody(status)), "application/json");
  });
  port_ = options_.port == 0
              ? server_->bind_to_any_port(options_.host)
              : (server_->bind_to_port(options_.host, options_.port) ? options_.port : -1);
  if (port_ < 0) {
    return Status::Unavailable("cannot listen on " + options_.host + ":" +
                               std::to_string(options_.port) + " (is the port in use?)");
  }
  // A burst of clients (many CLIs, hundreds of nodes) overflows a backlog of 5 and their
  // connects fail; listen() again on a listening socket only resizes its queue.
  if (listen_socket_ >= 0) ::listen(listen_socket_, kListenBacklog);
  listener_ = std::thread([this] { server_->listen_after_bind(); });
  while (!server_->is_running()) std::this_thread::yield();
  return port_;
}

void HttpServer::Stop() {
  if (listener_.joinable()) {
    server_->stop();
    listener_.join();
  }
}

}  // namespace shoal::transport
