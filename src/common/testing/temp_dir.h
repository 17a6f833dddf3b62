// TempDir: a test's own fresh folder under the system's temp directory, made with mkdtemp (so
// parallel tests, parameterized cases and repeated runs never share one) and removed with all
// it holds when the TempDir is destroyed. When the running test has failed (for a suite's
// folder, destroyed in TearDownTestSuite: any of the suite's tests), the folder is kept and its
// path printed instead: the logs, stores and databases a failure left show why.
//
// Thread-safety: one owner creates and destroys it; path() may be read from any thread.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

#include <gtest/gtest.h>

namespace shoal::testing {

class TempDir {
 public:
  // An empty TempDir (no folder): assign a made one to it later, e.g. in SetUp.
  TempDir() = default;
  // Makes <temp>/shoal-<label>-XXXXXX; `label` names the test for whoever lists /tmp.
  explicit TempDir(std::string_view label) {
    std::string pattern =
        (std::filesystem::temp_directory_path() / ("shoal-" + std::string(label) + "-XXXXXX"))
            .string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      ADD_FAILURE() << "mkdtemp(" << pattern << ") failed";
      return;
    }
    path_ = pattern;
  }
  // A folder labelled with the running test's name (parameterized names made path-safe).
  static TempDir ForCurrentTest() {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string label = test == nullptr ? "test" : test->name();
    for (char& c : label) {
      if (c == '/') c = '-';
    }
    return TempDir(label);
  }

  TempDir(TempDir&& other) noexcept : path_(std::exchange(other.path_, {})) {}
  TempDir& operator=(TempDir&& other) noexcept {
    if (this != &other) {
      Remove();
      path_ = std::exchange(other.path_, {});
    }
    return *this;
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  ~TempDir() { Remove(); }

  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path& child) const {
    return path_ / child;
  }
  std::string string() const { return path_.string(); }

 private:
  void Remove() {
    if (path_.empty()) return;
    if (Failed()) {
      std::fprintf(stderr, "[ kept     ] %s (the test failed)\n", path_.c_str());
      return;
    }
    // A process a test killed may still be closing files inside: removal is best effort.
    std::error_code error;
    std::filesystem::remove_all(path_, error);
  }

  // The running test failed; outside a test (a suite's TearDownTestSuite), any of the suite's.
  static bool Failed() {
    const ::testing::UnitTest& unit = *::testing::UnitTest::GetInstance();
    if (unit.current_test_info() != nullptr) return ::testing::Test::HasFailure();
    const ::testing::TestSuite* suite = unit.current_test_suite();
    return suite != nullptr ? suite->Failed() : unit.Failed();
  }

  std::filesystem::path path_;
};

}  // namespace shoal::testing
