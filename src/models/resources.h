// Task resources: the strings a job spec gives (`CPU: 500m`, `Memory: 1gb`) and the numbers
// they mean.
//
// The spellings follow Bacalhau: CPU as Kubernetes quantities ("1", "0.25", "500m"); Memory and
// Disk as human sizes where KB/MB/GB/TB are powers of 1000 and KiB/MiB/GiB/TiB powers of 1024,
// case-insensitive with optional spaces ("512Mb" = 512,000,000 bytes, "2GiB" = 2,147,483,648);
// GPU as a whole count. Empty means "not requested". Every parse error quotes the value and
// shows valid examples.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace shoal::models {

// As written in the spec; kept verbatim so `job describe` shows what the user asked for.
struct ResourcesConfig {
  std::string cpu;
  std::string memory;
  std::string disk;
  std::string gpu;

  bool operator==(const ResourcesConfig&) const = default;
  bool empty() const { return cpu.empty() && memory.empty() && disk.empty() && gpu.empty(); }
};

// Parsed values; 0 means "not requested".
struct Resources {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t disk_bytes = 0;
  int64_t gpu = 0;

  bool operator==(const Resources&) const = default;
};

// "1" -> 1000, "500m" -> 500, "0.25" -> 250. Must be > 0 and a whole number of millicores.
Result<int64_t> ParseCpuMillis(std::string_view text);
// "512Mb" -> 512000000, "1gb" -> 1000000000, "2GiB" -> 2147483648, "1024" -> 1024. Must be > 0.
Result<int64_t> ParseByteSize(std::string_view text);
// "0", "1", "2".
Result<int64_t> ParseGpuCount(std::string_view text);

// Parses every non-empty field; an error names the field ("Memory: ...").
Result<Resources> ParseResources(const ResourcesConfig& config);

}  // namespace shoal::models
