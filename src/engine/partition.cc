#include "engine/partition.h"

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <string>

#include <openssl/evp.h>

namespace shoal::engine {

Status ValidatePartition(const Partition& partition) {
  if (partition.count <= 0) {
    return Status::InvalidArgument("partition count must be at least 1, got " +
                                   std::to_string(partition.count));
  }
  if (partition.index < 0 || partition.index >= partition.count) {
    return Status::InvalidArgument(
        "partition index must be in [0, " + std::to_string(partition.count - 1) + "], got " +
        std::to_string(partition.index) + " (count " + std::to_string(partition.count) + ")");
  }
  return Status::Ok();
}

namespace {

Result<int64_t> ParseInteger(std::string_view text, std::string_view what) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (text.empty() || ec != std::errc() || ptr != end) {
    return Status::InvalidArgument(std::string(what) + " must be an integer, got '" +
                                   std::string(text) + "'");
  }
  return value;
}

}  // namespace

Result<Partition> ParsePartitionFlag(std::string_view text) {
  size_t slash = text.find('/');
  if (slash == std::string_view::npos) {
    return Status::InvalidArgument("--partition must look like INDEX/COUNT (e.g. 0/3), got '" +
                                   std::string(text) + "'");
  }
  Partition partition;
  SHOAL_ASSIGN_OR_RETURN(partition.index, ParseInteger(text.substr(0, slash), "partition index"));
  SHOAL_ASSIGN_OR_RETURN(partition.count, ParseInteger(text.substr(slash + 1), "partition count"));
  SHOAL_RETURN_IF_ERROR(ValidatePartition(partition).WithContext("--partition"));
  return partition;
}

Result<Partition> PartitionFromEnvironment() {
  Partition partition;
  if (const char* index = std::getenv("BACALHAU_PARTITION_INDEX"); index != nullptr) {
    SHOAL_ASSIGN_OR_RETURN(partition.index, ParseInteger(index, "BACALHAU_PARTITION_INDEX"));
  }
  if (const char* count = std::getenv("BACALHAU_PARTITION_COUNT"); count != nullptr) {
    SHOAL_ASSIGN_OR_RETURN(partition.count, ParseInteger(count, "BACALHAU_PARTITION_COUNT"));
  }
  // Not validated here: a count of 0 (Bacalhau's ops jobs) is fine until a partition function
  // is called, which then fails with a clear message.
  return partition;
}

uint64_t Md5NumberLower(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(key.data(), key.size(), digest, &length, EVP_md5(), nullptr);
  uint64_t lower = 0;
  for (int i = 15; i >= 8; --i) lower = (lower << 8) | digest[i];  // bytes 8..15, little-endian
  return lower;
}

bool BelongsToPartition(std::string_view key, const Partition& partition) {
  return Md5NumberLower(key) % static_cast<uint64_t>(partition.count) ==
         static_cast<uint64_t>(partition.index);
}

}  // namespace shoal::engine
