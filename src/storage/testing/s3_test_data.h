// Helpers shared by the storage tests: listing options and deterministic object bodies.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <cstring>
#include <random>
#include <string>

#include "storage/s3_client.h"

namespace shoal::storage::testing {

inline ListOptions Under(const std::string& prefix, const std::string& delimiter = "",
                         int max_keys = 1000) {
  ListOptions options;
  options.prefix = prefix;
  options.delimiter = delimiter;
  options.max_keys = max_keys;
  return options;
}

// `size` pseudo-random bytes, the same for the same seed.
inline std::string RandomBytes(size_t size, uint64_t seed) {
  std::string out(size, '\0');
  std::mt19937_64 engine(seed);
  for (size_t i = 0; i + 8 <= size; i += 8) {
    uint64_t v = engine();
    std::memcpy(out.data() + i, &v, 8);
  }
  for (size_t i = size - size % 8; i < size; ++i) out[i] = static_cast<char>(engine());
  return out;
}

}  // namespace shoal::storage::testing
