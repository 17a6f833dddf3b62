#include "compute/stores.h"

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <system_error>

#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

Result<StoreConfig> ParseStoreSpec(std::string_view spec,
                                   const std::map<std::string, std::string>& node_environment) {
  const std::string quoted = "'" + std::string(spec) + "'";
  const size_t eq = spec.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == spec.size()) {
    return Status::InvalidArgument(quoted + " is not NAME=DIR or NAME=http(s)://HOST[:PORT]");
  }
  StoreConfig store;
  store.name = models::ToLowerAscii(spec.substr(0, eq));
  if (store.name.find_first_of(":/@ ") != std::string::npos) {
    return Status::InvalidArgument(quoted + ": the store name '" + store.name +
                                   "' must be a plain host name such as storage-local");
  }
  std::string location(spec.substr(eq + 1));
  const std::string lower = models::ToLowerAscii(location);
  if (!models::StartsWith(lower, "http://") && !models::StartsWith(lower, "https://")) {
    if (lower.find("://") != std::string::npos) {
      return Status::InvalidArgument(quoted + ": a store is a folder or an http(s):// endpoint");
    }
    store.directory = location;
    return store;
  }
  std::string query;
  if (const size_t mark = location.find('?'); mark != std::string::npos) {
    query = location.substr(mark + 1);
    location.resize(mark);
  }
  auto endpoint = storage::ParseS3Endpoint(location);
  if (!endpoint.ok()) return endpoint.status().WithContext(quoted);
  // The node's environment gives the credentials and region; the endpoint is the store's own.
  std::map<std::string, std::string> env = node_environment;
  env.erase("DUCKDB_S3_ENDPOINT");
  env.erase("DUCKDB_S3_USE_SSL");
  auto config = storage::S3ConfigFromEnvironment(env);
  if (!config.ok()) return config.status().WithContext(quoted);
  config->endpoint = endpoint->host_port;
  config->use_ssl = endpoint->use_ssl.value_or(false);
  config->url_style = storage::UrlStyle::kPath;
  std::stringstream items(query);
  for (std::string item; std::getline(items, item, '&');) {
    const size_t equals = item.find('=');
    const std::string key = item.substr(0, equals);
    const std::string value = equals == std::string::npos ? "" : item.substr(equals + 1);
    if (key == "region" && !value.empty()) {
      config->region = value;
    } else if (key == "style" && (value == "path" || value == "vhost")) {
      config->url_style =
          value == "path" ? storage::UrlStyle::kPath : storage::UrlStyle::kVirtualHosted;
    } else {
      return Status::InvalidArgument(quoted + ": '" + item +
                                     "' is not region=REGION or style=path|vhost");
    }
  }
  if (Status valid = config->Validate(); !valid.ok()) {
    return valid.WithContext(quoted +
                             " (the node's own AWS_* variables are the store's credentials)");
  }
  store.s3 = std::move(config).value();
  return store;
}

std::string DescribeStore(const StoreConfig& store) {
  if (store.is_s3()) return store.name + ": S3 " + store.s3->Describe();
  return store.name + ": folder " + store.directory;
}

Result<std::vector<std::string>> FolderStoreBuckets(const StoreConfig& store) {
  std::error_code ec;
  const fs::file_status status = fs::status(store.directory, ec);
  if (!fs::exists(status)) {
    return Status::NotFound("store " + store.name + ": the folder " + store.directory +
                            " does not exist (make it, with a sub-folder per bucket: mkdir -p " +
                            store.directory + "/BUCKET)");
  }
  if (!fs::is_directory(status)) {
    return Status::InvalidArgument("store " + store.name + ": " + store.directory +
                                   " is not a folder");
  }
  std::vector<std::string> buckets;
  for (fs::directory_iterator it(store.directory, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_directory(ec)) buckets.push_back(it->path().filename().string());
  }
  if (ec) {
    return Status::IoError("store " + store.name + ": cannot list " + store.directory + ": " +
                           ec.message());
  }
  std::sort(buckets.begin(), buckets.end());
  return buckets;
}

std::string StoreLocation(const StoreConfig& store) {
  if (!store.is_s3()) return "folder:" + store.directory;
  return (store.s3->use_ssl ? "https://" : "http://") + store.s3->EffectiveEndpoint();
}

std::map<std::string, storage::S3Config> S3EndpointAliases(const std::vector<StoreConfig>& stores) {
  std::map<std::string, storage::S3Config> aliases;
  for (const StoreConfig& store : stores) {
    if (store.is_s3()) aliases[models::ToLowerAscii(store.name)] = *store.s3;
  }
  return aliases;
}

std::string EndpointStoreName(std::string_view endpoint) {
  std::string_view host = models::TrimAscii(endpoint);
  const size_t scheme = host.find("://");
  if (scheme != std::string_view::npos) host.remove_prefix(scheme + 3);
  host = host.substr(0, host.find('/'));
  const size_t at = host.rfind('@');  // user:password@host
  if (at != std::string_view::npos) host.remove_prefix(at + 1);
  host = host.substr(0, host.find(':'));
  if (host.empty()) return std::string(kDefaultStoreName);
  return models::ToLowerAscii(host);
}

Result<const StoreConfig*> FindStore(const std::vector<StoreConfig>& stores,
                                     std::string_view endpoint) {
  const std::string name = EndpointStoreName(endpoint);
  for (const StoreConfig& store : stores) {
    if (models::EqualsIgnoreCase(store.name, name)) return &store;
  }
  std::vector<std::string> names;
  for (const StoreConfig& store : stores) names.push_back(store.name);
  const std::string shown =
      endpoint.empty() ? "the default endpoint" : "'" + std::string(endpoint) + "'";
  return Status::NotFound("endpoint " + shown + " names store '" + name +
                          "', which this node does not have (its stores: " +
                          (names.empty() ? std::string("none") : models::JoinComma(names)) + ")");
}

Status ValidateBucket(std::string_view bucket) {
  if (bucket.empty()) return Status::InvalidArgument("Bucket must not be empty");
  if (bucket.find('/') != std::string_view::npos || bucket.front() == '.' ||
      bucket.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument("Bucket '" + std::string(bucket) +
                                   "' is not a bucket name (no '/', no leading '.')");
  }
  return Status::Ok();
}

Status ValidateKey(std::string_view key, std::string_view field) {
  const std::string at = std::string(field) + " '" + std::string(key) + "'";
  if (!key.empty() && key.front() == '/') {
    return Status::InvalidArgument(at + " must be relative to the bucket (no leading '/')");
  }
  size_t start = 0;
  while (start <= key.size()) {
    size_t end = key.find('/', start);
    if (end == std::string_view::npos) end = key.size();
    if (key.substr(start, end - start) == "..") {
      return Status::InvalidArgument(at + " must not contain '..'");
    }
    start = end + 1;
  }
  if (key.find('\0') != std::string_view::npos) {
    return Status::InvalidArgument(at + " contains a NUL byte");
  }
  return Status::Ok();
}

Result<std::string> BucketDirectory(const StoreConfig& store, std::string_view bucket) {
  SHOAL_RETURN_IF_ERROR(ValidateBucket(bucket));
  if (store.is_s3()) {
    return Status::Internal("store '" + store.name + "' is an S3 store, not a folder");
  }
  const std::string dir = store.directory + "/" + std::string(bucket);
  std::error_code error;
  if (!fs::is_directory(dir, error)) {
    return Status::NotFound("bucket '" + std::string(bucket) + "' does not exist in store '" +
                            store.name + "'");
  }
  return dir;
}

std::vector<engine::PathMapping> BucketMappings(const StoreConfig& store) {
  std::vector<engine::PathMapping> mappings;
  if (store.is_s3()) return mappings;
  std::error_code error;
  for (fs::directory_iterator it(store.directory, error), end; !error && it != end;
       it.increment(error)) {
    const std::string name = it->path().filename().string();
    if (!it->is_directory(error) || !ValidateBucket(name).ok()) continue;
    mappings.push_back({"s3://" + name, it->path().string()});
  }
  std::sort(mappings.begin(), mappings.end(),
            [](const auto& a, const auto& b) { return a.virtual_prefix < b.virtual_prefix; });
  return mappings;
}

}  // namespace shoal::compute
