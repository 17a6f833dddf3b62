#include "transport/http_client.h"

#include <charconv>

#include <httplib.h>

namespace shoal::transport {

namespace {

Result<Json> ParseJson(const std::string& body) {
  if (body.empty()) return Json::object();
  Json parsed = Json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::Internal("server answered with invalid JSON");
  return parsed;
}

}  // namespace

Result<Endpoint> ParseEndpoint(const std::string& text) {
  std::string rest = text;
  for (const char* scheme : {"http://", "https://"}) {
    if (rest.rfind(scheme, 0) == 0) rest = rest.substr(std::string(scheme).size());
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  Endpoint endpoint;
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

HttpClient::HttpClient(Endpoint endpoint, Options options)
    : endpoint_(std::move(endpoint)), options_(options) {}

Result<std::string> HttpClient::Call(const std::string& method, const std::string& path,
                                     const std::string& body,
                                     const std::string& content_type) const {
  httplib::Client client(endpoint_.host, endpoint_.port);
  client.set_connection_timeout(options_.connect_timeout);
  client.set_read_timeout(options_.read_timeout);
  client.set_write_timeout(options_.read_timeout);
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
  if (!result) {
    return Status::Unavailable("cannot reach " + endpoint_.ToString() + ": " +
                               httplib::to_string(result.error()));
  }
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
  SHOAL_ASSIGN_OR_RETURN(std::string answer, Call("POST", path, body.dump(), "application/json"));
  return ParseJson(answer);
}

Result<Json> HttpClient::Put(const std::string& path, const Json& body) const {
  SHOAL_ASSIGN_OR_RETURN(std::string answer, Call("PUT", path, body.dump(), "application/json"));
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
