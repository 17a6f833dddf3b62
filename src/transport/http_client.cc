#include "transport/http_client.h"

#include <charconv>
#include <memory>
#include <mutex>
#include <set>

#include <httplib.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include "transport/json_text.h"
#include "transport/sigpipe.h"

namespace shoal::transport {

namespace {

Result<Json> ParseJson(const std::string& body) {
  if (body.empty()) return Json::object();
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::Internal("server answered with invalid JSON");
  return parsed;
}

// The Status for a request that got no HTTP answer. Connection failures keep the message
// "cannot reach HOST:PORT: ..." that callers recognize; TLS problems say what to change.
Status NoAnswer(const httplib::Client& client, httplib::Error error, const Endpoint& endpoint,
                const std::string& ca_cert_file) {
  const std::string where = endpoint.ToString();
  const std::string ca =
      ca_cert_file.empty() ? "the system's CA certificates" : "the CA in '" + ca_cert_file + "'";
  switch (error) {
    case httplib::Error::SSLServerVerification: {
      long verify = client.get_openssl_verify_result();
      std::string reason = verify == X509_V_OK ? "it is not issued for the host " + endpoint.host
                                               : X509_verify_cert_error_string(verify);
      return Status::FailedPrecondition("the TLS certificate of " + where +
                                        " did not verify against " + ca + ": " + reason);
    }
    case httplib::Error::SSLLoadingCerts:
      return Status::FailedPrecondition("cannot load " + ca + " (it must be a PEM file)");
    case httplib::Error::SSLConnection:
      return Status::Unavailable("the TLS handshake with " + where +
                                 " failed (if it serves plain HTTP, use http:// instead of "
                                 "https://)");
    case httplib::Error::Read:
    case httplib::Error::Write:
      if (!endpoint.tls) {
        return Status::Unavailable(where +
                                   " closed the connection without an HTTP answer (if it serves "
                                   "HTTPS, use https://" +
                                   where + ")");
      }
      break;
    default:
      break;
  }
  return Status::Unavailable("cannot reach " + where + ": " + httplib::to_string(error));
}

}  // namespace

Result<Endpoint> ParseEndpoint(const std::string& text) {
  std::string rest = text;
  Endpoint endpoint;
  for (const char* scheme : {"http://", "https://"}) {
    if (rest.rfind(scheme, 0) == 0) {
      rest = rest.substr(std::string(scheme).size());
      endpoint.tls = std::string(scheme) == "https://";
    }
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  size_t colon = rest.rfind(':');
  endpoint.host = colon == std::string::npos ? rest : rest.substr(0, colon);
  if (endpoint.host.empty()) {
    return Status::InvalidArgument("address '" + text + "' has no host");
  }
  if (colon != std::string::npos) {
    std::string port = rest.substr(colon + 1);
    auto [ptr, ec] = std::from_chars(port.data(), port.data() + port.size(), endpoint.port);
    if (ec != std::errc() || ptr != port.data() + port.size() || endpoint.port <= 0 ||
        endpoint.port > 65535) {
      return Status::InvalidArgument("address '" + text + "' has a bad port '" + port + "'");
    }
  }
  return endpoint;
}

// The sockets of the calls in flight, each as a descriptor of our own (a dup): shutting one down
// ends its call, and as long as we hold it the number cannot be reused by another socket, even
// after httplib closes its own. httplib's Client::stop() would do the same through a mutex that
// TSan sees locked inside the uninstrumented library and unlocked in its inlined header code.
struct HttpClient::Calls {
  std::mutex mu;
  bool shut_down = false;  // guarded by mu
  std::set<int> sockets;   // guarded by mu
};

HttpClient::HttpClient(Endpoint endpoint, Options options)
    : endpoint_(std::move(endpoint)), options_(options), calls_(std::make_shared<Calls>()) {
  IgnoreSigpipe();
}

void HttpClient::Shutdown() const {
  std::lock_guard lock(calls_->mu);
  calls_->shut_down = true;
  for (int socket : calls_->sockets) ::shutdown(socket, SHUT_RDWR);
}

Result<std::string> HttpClient::Call(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::string& content_type) const {
  // Client(scheme_host_port) makes an SSLClient for https; Client(host, port) is plain HTTP.
  httplib::Client client = endpoint_.tls ? httplib::Client(endpoint_.Url())
                                         : httplib::Client(endpoint_.host, endpoint_.port);
  if (endpoint_.tls) {
    client.enable_server_certificate_verification(true);
    if (!options_.ca_cert_file.empty()) client.set_ca_cert_path(options_.ca_cert_file);
  }
  if (!options_.bearer_token.empty()) client.set_bearer_token_auth(options_.bearer_token);
  client.set_connection_timeout(options_.connect_timeout);
  client.set_read_timeout(options_.read_timeout);
  client.set_write_timeout(options_.read_timeout);
  const Status cancelled(ErrorCode::kCancelled, "the client was shut down");
  int own_socket = -1;        // our dup of the call's socket, for Shutdown
  auto forget_socket = [&] {  // REQUIRES: calls_->mu held
    if (own_socket < 0) return;
    calls_->sockets.erase(own_socket);
    ::close(own_socket);
    own_socket = -1;
  };
  {
    std::lock_guard lock(calls_->mu);
    if (calls_->shut_down) return cancelled;
  }
  // Called as each socket is made, before it connects; it replaces httplib's default options
  // (SO_REUSEADDR/SO_REUSEPORT), which matter to listening sockets only.
  client.set_socket_options([&](int socket) {
    std::lock_guard lock(calls_->mu);
    forget_socket();
    own_socket = ::dup(socket);
    if (own_socket >= 0) calls_->sockets.insert(own_socket);
    if (calls_->shut_down) ::shutdown(socket, SHUT_RDWR);
  });
  httplib::Result result{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    result = client.Get(path.c_str());
  } else if (method == "POST") {
    result = client.Post(path.c_str(), body, content_type.c_str());
  } else if (method == "PUT") {
    result = client.Put(path.c_str(), body, content_type.c_str());
  } else {
    result = client.Delete(path.c_str());
  }
  {
    std::lock_guard lock(calls_->mu);
    forget_socket();
    if (!result && calls_->shut_down) return cancelled;
  }
  if (!result) return NoAnswer(client, result.error(), endpoint_, options_.ca_cert_file);
  if (result->status >= 200 && result->status < 300) return std::move(result->body);
  std::string message = "HTTP " + std::to_string(result->status) + " from " + path;
  Json error = Json::parse(result->body, nullptr, false);
  if (!error.is_discarded() && error.contains("Error") && error["Error"].contains("Message")) {
    message = error["Error"]["Message"].get<std::string>();
  }
  return Status(ErrorCodeForHttpStatus(result->status, ErrorCode::kInternal), message);
}

Result<Json> HttpClient::Get(const std::string& path) const {
  SHOAL_ASSIGN_OR_RETURN(std::string body, Call("GET", path, "", ""));
  return ParseJson(body);
}

Result<Json> HttpClient::Post(const std::string& path, const Json& body) const {
  SHOAL_ASSIGN_OR_RETURN(std::string answer,
                         Call("POST", path, JsonText(body), "application/json"));
  return ParseJson(answer);
}

Result<Json> HttpClient::Put(const std::string& path, const Json& body) const {
  SHOAL_ASSIGN_OR_RETURN(std::string answer, Call("PUT", path, JsonText(body), "application/json"));
  return ParseJson(answer);
}

Result<Json> HttpClient::Delete(const std::string& path) const {
  SHOAL_ASSIGN_OR_RETURN(std::string answer, Call("DELETE", path, "", ""));
  return ParseJson(answer);
}

Result<std::string> HttpClient::GetBytes(const std::string& path) const {
  return Call("GET", path, "", "");
}

Status HttpClient::PutBytes(const std::string& path, const std::string& bytes) const {
  auto result = Call("PUT", path, bytes, "application/octet-stream");
  return result.ok() ? Status::Ok() : result.status();
}

std::string UrlEncodePath(const std::string& path) {
  std::string encoded;
  size_t start = 0;
  while (true) {
    const size_t slash = path.find('/', start);
    encoded += UrlEncode(path.substr(start, slash - start));
    if (slash == std::string::npos) return encoded;
    encoded += '/';
    start = slash + 1;
  }
}

std::string UrlEncode(const std::string& text) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

}  // namespace shoal::transport
