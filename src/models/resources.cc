#include "models/resources.h"

#include <array>
#include <limits>
#include <optional>
#include <utility>

#include "models/text.h"

namespace shoal::models {
namespace {

__extension__ typedef __int128 Int128;

// A non-negative decimal "12", "0.25", "1.5" as mantissa / 10^scale, exactly.
struct Decimal {
  Int128 mantissa = 0;
  Int128 scale = 1;
};

// Reads the longest decimal prefix of `text`; returns it and the rest (the unit).
std::optional<std::pair<Decimal, std::string_view>> ReadDecimal(std::string_view text) {
  Decimal d;
  size_t i = 0;
  size_t digits = 0;
  bool dot = false;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (c == '.' && !dot) {
      dot = true;
      continue;
    }
    if (c < '0' || c > '9') break;
    // 30 digits cannot overflow 127 bits, and no sane size needs more.
    if (++digits > 30) return std::nullopt;
    d.mantissa = d.mantissa * 10 + (c - '0');
    if (dot) d.scale *= 10;
  }
  if (digits == 0) return std::nullopt;
  return std::make_pair(d, text.substr(i));
}

// Bacalhau lower-cases resource strings and removes spaces before parsing them.
std::string Normalize(std::string_view text) {
  std::string out;
  for (char c : ToLowerAscii(text)) {
    if (c != ' ' && c != '\t' && c != '\n') out += c;
  }
  return out;
}

constexpr Int128 kMaxInt64 = std::numeric_limits<int64_t>::max();

}  // namespace

Result<int64_t> ParseCpuMillis(std::string_view text) {
  const std::string s = Normalize(text);
  const std::string quoted = "'" + std::string(text) + "'";
  auto parsed = ReadDecimal(s);
  if (!parsed) {
    return Status::InvalidArgument("CPU " + quoted +
                                   " is not a CPU quantity; use cores such as 1, 0.5 or 2, or "
                                   "millicores such as 500m");
  }
  auto [d, unit] = *parsed;
  Int128 millis_scaled;  // millicores * d.scale
  if (unit.empty()) {
    millis_scaled = d.mantissa * 1000;
  } else if (unit == "m") {
    millis_scaled = d.mantissa;
  } else {
    return Status::InvalidArgument("CPU " + quoted + " has unknown unit '" + std::string(unit) +
                                   "'; use cores (1, 0.5) or millicores (500m)");
  }
  if (millis_scaled % d.scale != 0) {
    return Status::InvalidArgument("CPU " + quoted +
                                   " is finer than one millicore (1m = 0.001 cores)");
  }
  Int128 millis = millis_scaled / d.scale;
  if (millis <= 0) {
    return Status::InvalidArgument("CPU " + quoted +
                                   " must be greater than 0; omit CPU for the default");
  }
  if (millis > kMaxInt64) return Status::InvalidArgument("CPU " + quoted + " is too large");
  return static_cast<int64_t>(millis);
}

Result<int64_t> ParseByteSize(std::string_view text) {
  const std::string s = Normalize(text);
  const std::string quoted = "'" + std::string(text) + "'";
  auto parsed = ReadDecimal(s);
  if (!parsed) {
    return Status::InvalidArgument(quoted + " is not a size; use e.g. 512MB, 1GB or 2GiB");
  }
  auto [d, unit] = *parsed;
  static constexpr std::array<std::pair<std::string_view, int64_t>, 19> kUnits{{
      {"", 1},
      {"b", 1},
      {"k", 1000},
      {"kb", 1000},
      {"m", 1000 * 1000},
      {"mb", 1000 * 1000},
      {"g", 1000 * 1000 * 1000},
      {"gb", 1000 * 1000 * 1000},
      {"t", 1000LL * 1000 * 1000 * 1000},
      {"tb", 1000LL * 1000 * 1000 * 1000},
      {"ki", 1LL << 10},
      {"kib", 1LL << 10},
      {"mi", 1LL << 20},
      {"mib", 1LL << 20},
      {"gi", 1LL << 30},
      {"gib", 1LL << 30},
      {"ti", 1LL << 40},
      {"tib", 1LL << 40},
      {"byte", 1},
  }};
  std::optional<int64_t> multiplier;
  for (const auto& [name, factor] : kUnits) {
    if (unit == name) multiplier = factor;
  }
  if (!multiplier) {
    return Status::InvalidArgument(
        quoted + " has unknown unit '" + std::string(unit) +
        "'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)");
  }
  // Whole bytes: a fractional byte count is rounded down.
  Int128 bytes = d.mantissa * *multiplier / d.scale;
  if (bytes <= 0) return Status::InvalidArgument(quoted + " must be greater than 0");
  if (bytes > kMaxInt64) return Status::InvalidArgument(quoted + " is too large");
  return static_cast<int64_t>(bytes);
}

Result<int64_t> ParseGpuCount(std::string_view text) {
  std::optional<int64_t> n = ParseInt64(Normalize(text));
  if (!n || *n < 0) {
    return Status::InvalidArgument("GPU '" + std::string(text) +
                                   "' must be a whole number of GPUs such as 0 or 1");
  }
  return *n;
}

Result<Resources> ParseResources(const ResourcesConfig& config) {
  Resources out;
  if (!config.cpu.empty()) {
    SHOAL_ASSIGN_OR_RETURN(out.cpu_millis, ParseCpuMillis(config.cpu));
  }
  if (!config.memory.empty()) {
    auto memory = ParseByteSize(config.memory);
    if (!memory.ok()) return memory.status().WithContext("Memory");
    out.memory_bytes = *memory;
  }
  if (!config.disk.empty()) {
    auto disk = ParseByteSize(config.disk);
    if (!disk.ok()) return disk.status().WithContext("Disk");
    out.disk_bytes = *disk;
  }
  if (!config.gpu.empty()) {
    SHOAL_ASSIGN_OR_RETURN(out.gpu, ParseGpuCount(config.gpu));
  }
  return out;
}

}  // namespace shoal::models
