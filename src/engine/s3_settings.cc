#include "engine/s3_settings.h"

#include <cctype>

#include <arpa/inet.h>

#include "common/ascii.h"

namespace shoal::engine {

namespace {

// True when the host of `endpoint` (host[:port] or [v6]:port) is an IP address literal.
bool IsIpLiteral(const std::string& endpoint) {
  std::string host = endpoint;
  if (!host.empty() && host.front() == '[') {
    host = host.substr(
        1, host.find(']') == std::string::npos ? std::string::npos : host.find(']') - 1);
    unsigned char buffer[16];
    return inet_pton(AF_INET6, host.c_str(), buffer) == 1;
  }
  host = host.substr(0, host.find(':'));
  unsigned char buffer[4];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1;
}

// The alias `endpoint` names ("storage-local:9000" -> "storage-local"), if any.
const storage::S3Config* FindAlias(const std::string& endpoint, const S3EndpointAliases& aliases) {
  if (aliases.empty() || endpoint.empty() || endpoint.front() == '[') return nullptr;
  auto it = aliases.find(AsciiLower(endpoint.substr(0, endpoint.find(':'))));
  return it == aliases.end() ? nullptr : &it->second;
}

}  // namespace

S3SettingDefaults S3SettingDefaultsFromEnvironment(
    const std::map<std::string, std::string>& environment) {
  S3SettingDefaults defaults;
  auto config = storage::S3ConfigFromEnvironment(environment);
  if (!config.ok()) return defaults;  // the malformed variable is reported when S3 is used
  defaults.endpoint = config->endpoint;
  defaults.use_ssl = config->use_ssl;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    auto it = environment.find(name);
    if (it != environment.end() && !it->second.empty()) {
      defaults.region = config->region;
      break;
    }
  }
  return defaults;
}

std::string EndpointHost(const std::string& endpoint) {
  std::string host = AsciiLower(endpoint);
  const size_t scheme = host.find("://");
  if (scheme != std::string::npos) host = host.substr(scheme + 3);
  host = host.substr(0, host.find('/'));
  if (!host.empty() && host.front() == '[') return host.substr(0, host.find(']') + 1);
  return host.substr(0, host.find(':'));
}

Result<storage::S3Config> ResolveS3Config(const S3Settings& settings,
                                          const std::map<std::string, std::string>& environment,
                                          const S3EndpointAliases& aliases, std::string* alias) {
  if (alias != nullptr) alias->clear();
  SHOAL_ASSIGN_OR_RETURN(storage::S3Config config, storage::S3ConfigFromEnvironment(environment));
  if (settings.endpoint && !settings.endpoint->empty()) {
    auto endpoint = storage::ParseS3Endpoint(*settings.endpoint);
    if (!endpoint.ok()) return endpoint.status().WithContext("s3_endpoint");
    config.endpoint = endpoint->host_port;
    if (endpoint->use_ssl) config.use_ssl = *endpoint->use_ssl;
  }
  if (settings.use_ssl) config.use_ssl = *settings.use_ssl;
  if (settings.region) config.region = *settings.region;
  if (settings.access_key_id) config.credentials.access_key_id = *settings.access_key_id;
  if (settings.secret_access_key) {
    config.credentials.secret_access_key = *settings.secret_access_key;
  }
  if (settings.session_token) config.credentials.session_token = *settings.session_token;
  if (settings.url_style) {
    std::string style = AsciiLower(*settings.url_style);
    if (style == "path") {
      config.url_style = storage::UrlStyle::kPath;
    } else if (style == "vhost") {
      config.url_style = storage::UrlStyle::kVirtualHosted;
    } else {
      return Status::InvalidArgument("s3_url_style '" + *settings.url_style +
                                     "' is not 'path' or 'vhost'");
    }
  } else if (!config.endpoint.empty() && IsIpLiteral(config.endpoint)) {
    // bucket.127.0.0.1 is no host name: virtual-hosted addressing cannot work here.
    config.url_style = storage::UrlStyle::kPath;
  }
  if (const storage::S3Config* store = FindAlias(config.endpoint, aliases)) {
    if (alias != nullptr) *alias = EndpointHost(config.endpoint);
    storage::SigV4Credentials credentials = config.credentials;
    const bool anonymous = config.anonymous;
    config = *store;
    if (!credentials.access_key_id.empty() || !credentials.secret_access_key.empty()) {
      config.credentials = std::move(credentials);
      config.anonymous = anonymous;
    }
  }
  return config;
}

}  // namespace shoal::engine
