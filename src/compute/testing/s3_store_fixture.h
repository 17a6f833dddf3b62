// Test-only fixture for the compute module's S3-store tests: a real s3rver on loopback with the
// bucket "my-bucket", the node's S3 store "storage-local" pointing at it, a client to seed and read
// back objects, and a fresh temp folder. Also a folder store holding the same objects, so a test
// can check that both kinds of store give the same answer.
//
// Thread-safety: test fixture; use from the test's thread.
#pragma once

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/testing/temp_dir.h"
#include "compute/node_config.h"
#include "storage/s3_client.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal::compute::testing {

namespace fs = std::filesystem;

inline constexpr char kBucket[] = "my-bucket";

inline std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

inline void WriteFile(const fs::path& path, const std::string& content) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << content;
}

// Every regular file below `dir`, relative and sorted ("a/b.jsonl"); empty when `dir` is missing.
inline std::vector<std::string> TreeOf(const fs::path& dir) {
  std::vector<std::string> files;
  if (!fs::exists(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(fs::relative(entry.path(), dir).generic_string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<shoal::testing::S3rver>(shoal::testing::S3rver::Options{{kBucket}});
    ASSERT_TRUE(server_->ok()) << server_->error();
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    root_ = dir_.path();
    fs::create_directories(root_ / "folder-store" / kBucket);
    storage::S3Config config;
    config.endpoint = server_->endpoint();
    config.url_style = storage::UrlStyle::kPath;
    config.use_ssl = false;
    config.credentials = {shoal::testing::S3rver::kAccessKey, shoal::testing::S3rver::kSecretKey,
                          ""};
    config.retry.base_delay = std::chrono::milliseconds(10);
    config.retry.max_delay = std::chrono::milliseconds(100);
    s3_store_ = {"storage-local", "", config};
    folder_store_ = {"storage-local", (root_ / "folder-store").string()};
    auto client = storage::S3Client::Create(config);
    ASSERT_TRUE(client.ok()) << client.status().ToString();
    client_ = std::move(client).value();
  }

  // Puts `content` at `key` in the S3 store and, as a file, in the folder store.
  void PutBoth(const std::string& key, const std::string& content) {
    ASSERT_TRUE(client_->PutObject(kBucket, key, content).ok()) << key;
    WriteFile(root_ / "folder-store" / kBucket / key, content);
  }

  // The keys of the S3 store's bucket under `prefix`, sorted.
  std::vector<std::string> KeysUnder(const std::string& prefix) {
    storage::ListOptions options;
    options.prefix = prefix;
    auto listed = client_->ListAllObjects(kBucket, options);
    EXPECT_TRUE(listed.ok()) << listed.status().ToString();
    std::vector<std::string> keys;
    if (listed.ok()) {
      for (const auto& object : listed->objects) keys.push_back(object.key);
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::unique_ptr<shoal::testing::S3rver> server_;
  shoal::testing::TempDir dir_;
  fs::path root_;  // dir_'s path
  StoreConfig s3_store_;
  StoreConfig folder_store_;
  std::unique_ptr<storage::S3Client> client_;
};

}  // namespace shoal::compute::testing
