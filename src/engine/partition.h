// Partition: which slice of a job's data one execution computes, and the hash that decides it.
//
// Semantics match Bacalhau's DuckDB image: a key belongs to partition `index` of `count` when
// md5_number_lower(key) % count == index, where md5_number_lower reads bytes 8..15 of the key's
// MD5 digest as a little-endian uint64 (DuckDB's md5_number_lower).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoal::engine {

struct Partition {
  int64_t index = 0;
  int64_t count = 1;
};

// OK when 0 <= index < count; otherwise an error naming both values.
Status ValidatePartition(const Partition& partition);

// Parses "I/N" (e.g. "1/3") as given to `--partition`.
Result<Partition> ParsePartitionFlag(std::string_view text);

// Reads BACALHAU_PARTITION_INDEX / BACALHAU_PARTITION_COUNT (defaults 0 and 1). A value that is
// set but not an integer is an error naming the variable.
Result<Partition> PartitionFromEnvironment();

// DuckDB's md5_number_lower of the key's bytes.
uint64_t Md5NumberLower(std::string_view key);

// True when `key` belongs to `partition`. REQUIRES: ValidatePartition(partition).ok().
bool BelongsToPartition(std::string_view key, const Partition& partition);

}  // namespace shoal::engine
