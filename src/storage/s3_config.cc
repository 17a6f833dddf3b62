#include "storage/s3_config.h"

#include <algorithm>
#include <cctype>

#include "common/ascii.h"

namespace shoal::storage {
namespace {

const std::string* Find(const std::map<std::string, std::string>& env, const std::string& name) {
  auto it = env.find(name);
  return it == env.end() || it->second.empty() ? nullptr : &it->second;
}

Status CheckEndpoint(const std::string& endpoint) {
  if (endpoint.empty()) return Status::InvalidArgument("S3 endpoint is empty");
  for (char c : endpoint) {
    auto u = static_cast<unsigned char>(c);
    if (std::isspace(u) || c == '/' || c == '@' || c == '?' || c == '#' || u < 0x20 || u >= 0x7f) {
      return Status::InvalidArgument("S3 endpoint '" + endpoint +
                                     "' must be host[:port] (no path, user or spaces)");
    }
  }
  size_t colon = endpoint.rfind(':');
  if (endpoint.front() == '[') {  // [v6]:port
    size_t close = endpoint.find(']');
    if (close == std::string::npos) {
      return Status::InvalidArgument("S3 endpoint '" + endpoint + "' has an unclosed '['");
    }
    colon = endpoint.find(':', close);
  }
  if (colon != std::string::npos) {
    std::string port = endpoint.substr(colon + 1);
    bool digits =
        !port.empty() && port.size() <= 5 &&
        std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535 || colon == 0) {
      return Status::InvalidArgument("S3 endpoint '" + endpoint + "' has a bad port");
    }
  }
  return Status::Ok();
}

Result<bool> ParseBool(const std::string& name, const std::string& value) {
  std::string v = AsciiLower(value);
  if (v == "true" || v == "1" || v == "yes" || v == "on") return true;
  if (v == "false" || v == "0" || v == "no" || v == "off") return false;
  return Status::InvalidArgument(name + "='" + value + "' is not a boolean (use true or false)");
}

}  // namespace

Result<S3Endpoint> ParseS3Endpoint(std::string_view text) {
  S3Endpoint endpoint;
  std::string rest(text);
  const std::string lower = AsciiLower(rest);
  if (lower.rfind("https://", 0) == 0) {
    endpoint.use_ssl = true;
    rest = rest.substr(8);
  } else if (lower.rfind("http://", 0) == 0) {
    endpoint.use_ssl = false;
    rest = rest.substr(7);
  } else if (lower.find("://") != std::string::npos) {
    return Status::InvalidArgument("S3 endpoint '" + std::string(text) +
                                   "' has a scheme other than http(s)");
  }
  while (!rest.empty() && rest.back() == '/') rest.pop_back();
  SHOAL_RETURN_IF_ERROR(CheckEndpoint(rest));
  endpoint.host_port = std::move(rest);
  return endpoint;
}

std::string S3Config::EffectiveEndpoint() const {
  if (!endpoint.empty()) return endpoint;
  return "s3." + (region.empty() ? std::string("us-east-1") : region) + ".amazonaws.com";
}

std::string S3Config::Describe() const {
  std::string out = (use_ssl ? "https://" : "http://") + EffectiveEndpoint();
  out += url_style == UrlStyle::kPath ? " (path-style" : " (virtual-hosted";
  out += ", region " + region;
  if (anonymous) {
    out += ", anonymous";
  } else if (credentials.access_key_id.empty() || credentials.secret_access_key.empty()) {
    out += ", no credentials";
  } else if (!credentials.session_token.empty()) {
    out += ", temporary credentials";
  }
  out += ")";
  return out;
}

Status MissingCredentialsError() {
  return Status(ErrorCode::kUnauthenticated,
                "S3 credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                "(and AWS_SESSION_TOKEN for temporary credentials) in this process's environment");
}

Status S3Config::Validate() const {
  SHOAL_RETURN_IF_ERROR(CheckEndpoint(EffectiveEndpoint()));
  if (region.empty()) return Status::InvalidArgument("S3 region is empty");
  if (!anonymous) {
    bool has_id = !credentials.access_key_id.empty();
    bool has_secret = !credentials.secret_access_key.empty();
    if (!has_id && !has_secret) return MissingCredentialsError();
    if (!has_id) {
      return Status(ErrorCode::kUnauthenticated,
                    "S3 credentials are incomplete: AWS_ACCESS_KEY_ID (s3_access_key_id) is "
                    "missing while a secret key is set");
    }
    if (!has_secret) {
      return Status(ErrorCode::kUnauthenticated,
                    "S3 credentials are incomplete: AWS_SECRET_ACCESS_KEY "
                    "(s3_secret_access_key) is missing for access key id " +
                        credentials.access_key_id);
    }
  }
  if (retry.max_attempts < 1) return Status::InvalidArgument("S3 retry attempts must be >= 1");
  if (multipart_part_size < (5ull << 20)) {
    return Status::InvalidArgument("S3 multipart part size must be at least 5 MiB");
  }
  if (multipart_threads < 1) return Status::InvalidArgument("S3 multipart threads must be >= 1");
  return Status::Ok();
}

Result<S3Config> S3ConfigFromEnvironment(const std::map<std::string, std::string>& env) {
  S3Config config;
  if (const std::string* v = Find(env, "AWS_ACCESS_KEY_ID")) config.credentials.access_key_id = *v;
  if (const std::string* v = Find(env, "AWS_SECRET_ACCESS_KEY")) {
    config.credentials.secret_access_key = *v;
  }
  if (const std::string* v = Find(env, "AWS_SESSION_TOKEN")) config.credentials.session_token = *v;
  if (const std::string* v = Find(env, "AWS_REGION")) {
    config.region = *v;
  } else if (const std::string* d = Find(env, "AWS_DEFAULT_REGION")) {
    config.region = *d;
  }
  if (const std::string* v = Find(env, "DUCKDB_S3_ENDPOINT")) {
    auto endpoint = ParseS3Endpoint(*v);
    if (!endpoint.ok()) return endpoint.status().WithContext("DUCKDB_S3_ENDPOINT");
    config.endpoint = endpoint->host_port;
    if (endpoint->use_ssl) config.use_ssl = *endpoint->use_ssl;
  }
  if (const std::string* v = Find(env, "DUCKDB_S3_USE_SSL")) {
    SHOAL_ASSIGN_OR_RETURN(config.use_ssl, ParseBool("DUCKDB_S3_USE_SSL", *v));
  }
  return config;
}

}  // namespace shoal::storage
