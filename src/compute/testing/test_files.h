// Test helpers: whole-file reads and writes for the compute tests (result trees, stores,
// archives). Test-only; a missing file reads as "".
//
// Thread-safety: free functions; concurrent calls must use different paths.
#pragma once

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace shoal::compute::testing {

inline std::string ReadFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Writes `bytes` to `path`, creating its folders.
inline void WriteFile(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace shoal::compute::testing
