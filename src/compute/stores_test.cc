#include "compute/stores.h"

#include <filesystem>

#include <gtest/gtest.h>
#include <unistd.h>

#include "compute/input_sources.h"
#include "compute/s3_publisher.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;

TEST(StoresTest, EndpointsNameStoresByHost) {
  EXPECT_EQ(EndpointStoreName("storage-local"), "storage-local");
  EXPECT_EQ(EndpointStoreName("http://storage-local:9000"), "storage-local");
  EXPECT_EQ(EndpointStoreName("https://Storage:9000/"), "storage");
  EXPECT_EQ(EndpointStoreName("storage:9000"), "storage");
  EXPECT_EQ(EndpointStoreName(""), "storage-local");
  const std::vector<StoreConfig> stores = {{"storage-local", "/a"}, {"storage", "/b"}};
  EXPECT_EQ((*FindStore(stores, "storage:9000"))->directory, "/b");
  EXPECT_EQ((*FindStore(stores, ""))->directory, "/a");
  auto unknown = FindStore(stores, "http://minio:9000");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(unknown.status().message(),
            "endpoint 'http://minio:9000' names store 'minio', which this node does not have "
            "(its stores: storage-local, storage)");
}

TEST(StoresTest, KeysAndBucketsStayInsideTheStore) {
  EXPECT_TRUE(ValidateKey("a/b/c", "Key").ok());
  EXPECT_TRUE(ValidateKey("", "Key").ok());
  EXPECT_FALSE(ValidateKey("/abs", "Key").ok());
  EXPECT_FALSE(ValidateKey("a/../../etc", "Key").ok());
  EXPECT_FALSE(ValidateKey("..", "Key").ok());
  EXPECT_TRUE(ValidateKey("a..b/c", "Key").ok());
  EXPECT_FALSE(ValidateBucket("a/b").ok());
  EXPECT_FALSE(ValidateBucket("..").ok());
  EXPECT_FALSE(ValidateBucket("").ok());
}

TEST(StoresTest, BucketMappingsListExistingBucketsOnly) {
  const fs::path root = fs::temp_directory_path() / ("shoal-stores-" + std::to_string(getpid()));
  fs::remove_all(root);
  fs::create_directories(root / "my-bucket");
  fs::create_directories(root / "other");
  fs::create_directories(root / ".hidden");
  auto mappings = BucketMappings({"storage-local", root.string()});
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0].virtual_prefix, "s3://my-bucket");
  EXPECT_EQ(mappings[0].real_directory, (root / "my-bucket").string());
  EXPECT_EQ(mappings[1].virtual_prefix, "s3://other");
  EXPECT_FALSE(BucketDirectory({"s", root.string()}, "missing").ok());
  fs::remove_all(root);
}

TEST(StoresTest, KeyPlaceholders) {
  PublishContext context{"j-1", "e-2", "compute-us-1", 0};
  std::tm local{};
  local.tm_year = 124;
  local.tm_mon = 2;
  local.tm_mday = 5;
  local.tm_hour = 7;
  local.tm_min = 8;
  local.tm_sec = 9;
  local.tm_isdst = -1;
  context.now = std::mktime(&local);
  EXPECT_EQ(
      ExpandKeyPlaceholders("r/{jobID}/{executionID}/{nodeID}/{date}-{time}/{other}", context),
      "r/j-1/e-2/compute-us-1/20240305-070809/{other}");
}

TEST(StoresTest, Fnv1aMatchesGo) {
  // hash/fnv New32a reference values.
  EXPECT_EQ(Fnv1a32(""), 2166136261u);
  EXPECT_EQ(Fnv1a32("a"), 0xe40c292cu);
  EXPECT_EQ(Fnv1a32("foobar"), 0xbf9cf968u);
}

}  // namespace
}  // namespace shoal::compute
