#include "compute/stores.h"

#include <algorithm>
#include <filesystem>
#include <system_error>

#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

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
