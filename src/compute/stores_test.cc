#include "compute/stores.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "compute/inputs/s3_input.h"
#include "compute/publishers/s3_publisher.h"

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

TEST(StoresTest, AFolderStoresBucketsAreItsSubFolders) {
  const shoal::testing::TempDir temp("store");
  const fs::path dir = temp / "store";  // not made yet
  const StoreConfig store{"storage-local", dir.string()};
  auto missing = FolderStoreBuckets(store);
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "store storage-local: the folder " + dir.string() +
                " does not exist (make it, with a sub-folder per bucket: mkdir -p " + dir.string() +
                "/BUCKET)");
  fs::create_directories(dir);
  EXPECT_TRUE(FolderStoreBuckets(store)->empty());
  fs::create_directories(dir / "shoal-results");
  fs::create_directories(dir / "shoal-data");
  std::ofstream(dir / "stray.txt") << "a file is no bucket";
  EXPECT_EQ(*FolderStoreBuckets(store), (std::vector<std::string>{"shoal-data", "shoal-results"}));
  const StoreConfig file{"storage", (dir / "stray.txt").string()};
  EXPECT_EQ(FolderStoreBuckets(file).status().code(), ErrorCode::kInvalidArgument);
}

TEST(StoresTest, StoreSpecsAreFoldersOrS3Endpoints) {
  const std::map<std::string, std::string> node_env = {{"AWS_ACCESS_KEY_ID", "node-id"},
                                                       {"AWS_SECRET_ACCESS_KEY", "node-secret"}};
  auto folder = ParseStoreSpec("storage-local=/srv/us", node_env);
  ASSERT_TRUE(folder.ok()) << folder.status().ToString();
  EXPECT_FALSE(folder->is_s3());
  EXPECT_EQ(folder->directory, "/srv/us");
  EXPECT_EQ(StoreLocation(*folder), "folder:/srv/us");

  auto s3 = ParseStoreSpec("Storage=http://10.0.0.5:9000/", node_env);
  ASSERT_TRUE(s3.ok()) << s3.status().ToString();
  ASSERT_TRUE(s3->is_s3());
  EXPECT_EQ(s3->name, "storage");
  EXPECT_EQ(s3->s3->endpoint, "10.0.0.5:9000");
  EXPECT_FALSE(s3->s3->use_ssl);
  EXPECT_EQ(s3->s3->url_style, storage::UrlStyle::kPath);
  EXPECT_EQ(s3->s3->credentials.access_key_id, "node-id");
  EXPECT_EQ(StoreLocation(*s3), "http://10.0.0.5:9000");
  EXPECT_EQ(DescribeStore(*s3).find("node-secret"), std::string::npos);
  EXPECT_TRUE(BucketMappings(*s3).empty());
  EXPECT_FALSE(BucketDirectory(*s3, "my-bucket").ok());

  auto tuned =
      ParseStoreSpec("remote=https://minio.example:9000?region=eu-west-1&style=vhost", node_env);
  ASSERT_TRUE(tuned.ok()) << tuned.status().ToString();
  EXPECT_TRUE(tuned->s3->use_ssl);
  EXPECT_EQ(tuned->s3->region, "eu-west-1");
  EXPECT_EQ(tuned->s3->url_style, storage::UrlStyle::kVirtualHosted);
  EXPECT_EQ(S3EndpointAliases({*folder, *s3, *tuned}).size(), 2u);

  auto no_keys = ParseStoreSpec("storage=http://10.0.0.5:9000", {});
  ASSERT_FALSE(no_keys.ok());
  EXPECT_NE(no_keys.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos);
  for (const char* bad : {"storage", "=/x", "storage=", "s=ftp://x", "s=http://h:9000?colour=red",
                          "a/b=/x", "s=http://h:99999"}) {
    EXPECT_FALSE(ParseStoreSpec(bad, node_env).ok()) << bad;
  }
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
  const shoal::testing::TempDir root("stores");
  fs::create_directories(root / "my-bucket");
  fs::create_directories(root / "other");
  fs::create_directories(root / ".hidden");
  auto mappings = BucketMappings({"storage-local", root.string()});
  ASSERT_EQ(mappings.size(), 2u);
  EXPECT_EQ(mappings[0].virtual_prefix, "s3://my-bucket");
  EXPECT_EQ(mappings[0].real_directory, (root / "my-bucket").string());
  EXPECT_EQ(mappings[1].virtual_prefix, "s3://other");
  EXPECT_FALSE(BucketDirectory({"s", root.string()}, "missing").ok());
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
