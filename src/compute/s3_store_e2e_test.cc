// `s3` InputSources staged from an S3 store (a real s3rver): Key as an object, a `prefix/`, a
// folder without its '/', a trailing `*`; Filter; Partition; ChecksumSHA256; VersionID; the
// stop flag; missing objects and buckets; a 20 MB object. Each selection is also staged from a
// folder store holding the same objects: both kinds of store must give the same tree.
#include <atomic>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "compute/inputs/s3_input.h"
#include "compute/testing/s3_store_fixture.h"
#include "storage/testing/s3_test_data.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::kBucket;
using testing::ReadFile;
using testing::TreeOf;

class S3StagingTest : public testing::S3StoreTest {
 protected:
  // Stages `params` from `store` into a fresh folder and returns that folder.
  Result<StagedObjects> Stage(const json& params, const StoreConfig& store, const fs::path& target,
                              int64_t index = 0, int64_t count = 1,
                              const std::atomic<bool>* stop = nullptr) {
    fs::remove_all(target);
    fs::create_directories(target);
    return StageS3Input({"s3", params}, {store}, target.string(), index, count, stop);
  }

  // Stages `params` from both stores; expects success and the same tree, and returns it.
  std::vector<std::string> StageBoth(const json& params, int64_t index = 0, int64_t count = 1) {
    auto from_s3 = Stage(params, s3_store_, root_ / "from-s3", index, count);
    auto from_folder = Stage(params, folder_store_, root_ / "from-folder", index, count);
    EXPECT_TRUE(from_s3.ok()) << params.dump() << ": " << from_s3.status().ToString();
    EXPECT_TRUE(from_folder.ok()) << params.dump() << ": " << from_folder.status().ToString();
    const std::vector<std::string> tree = TreeOf(root_ / "from-s3");
    EXPECT_EQ(tree, TreeOf(root_ / "from-folder")) << params.dump();
    if (from_s3.ok() && from_folder.ok()) {
      EXPECT_EQ(from_s3->objects, static_cast<int64_t>(tree.size()));
      EXPECT_EQ(from_s3->objects, from_folder->objects);
      EXPECT_EQ(from_s3->bytes, from_folder->bytes);
    }
    for (const std::string& file : tree) {
      EXPECT_EQ(ReadFile(root_ / "from-s3" / file), ReadFile(root_ / "from-folder" / file)) << file;
    }
    return tree;
  }

  void PutTransactions() {
    PutBoth("transactions/compute-us-1/data/a.jsonl", "{\"v\": 1}\n");
    PutBoth("transactions/compute-us-2/data/b.jsonl", "{\"v\": 2}\n");
    PutBoth("transactions/compute-us-2/stdout", "not data\n");
    PutBoth("transactions/compute-us-2/stderr", "");  // empty, as a published stderr often is
    PutBoth("other/c.jsonl", "{\"v\": 100}\n");
    // A console's "folder": an empty object whose key ends in '/'. No file of the folder store.
    ASSERT_TRUE(client_->PutObject(kBucket, "transactions/compute-us-3/", "").ok());
  }
};

using Files = std::vector<std::string>;

TEST_F(S3StagingTest, KeyIsAnObjectAPrefixAFolderOrAWildcardLikeInAFolderStore) {
  PutTransactions();
  const Files under_transactions = {"compute-us-1/data/a.jsonl", "compute-us-2/data/b.jsonl",
                                    "compute-us-2/stderr", "compute-us-2/stdout"};
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "transactions/*"}}), under_transactions);
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "transactions/"}}), under_transactions);
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "transactions"}}), under_transactions);
  EXPECT_EQ(ReadFile(root_ / "from-s3/compute-us-2/stderr"), "");
  EXPECT_EQ(StageBoth({{"Bucket", kBucket},
                       {"Key", "transactions/*"},
                       {"Filter", ".*jsonl$"},
                       {"Endpoint", "http://storage-local:9000"},
                       {"Region", "eu-west-1"}}),
            (Files{"compute-us-1/data/a.jsonl", "compute-us-2/data/b.jsonl"}));
  // The filter sees the full key, not the part after the prefix.
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "transactions/*"}, {"Filter", "^trans.*us-1"}}),
            Files{"compute-us-1/data/a.jsonl"});
  // A wildcard inside a name: paths stay relative to the prefix's directory.
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "transactions/compute-us-2/std*"}}),
            (Files{"stderr", "stdout"}));
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "other/c.jsonl"}}), Files{"c.jsonl"});
  EXPECT_EQ(ReadFile(root_ / "from-s3/c.jsonl"), "{\"v\": 100}\n");
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "*"}, {"Filter", "c\\.jsonl$"}}),
            Files{"other/c.jsonl"});
  // Nothing under a prefix is not an error; the directory marker alone stages nothing.
  EXPECT_EQ(StageBoth({{"Bucket", kBucket}, {"Key", "none/*"}}), Files{});
  auto marker_only = Stage({{"Bucket", kBucket}, {"Key", "transactions/compute-us-3"}}, s3_store_,
                           root_ / "marker");
  ASSERT_TRUE(marker_only.ok()) << marker_only.status().ToString();
  EXPECT_EQ(marker_only->objects, 0);
  EXPECT_EQ(TreeOf(root_ / "marker"), Files{});
}

TEST_F(S3StagingTest, PartitionsCoverEveryObjectExactlyOnceAsInAFolderStore) {
  std::set<std::string> all;
  for (int day = 1; day <= 24; ++day) {
    const std::string name = "2024-01-" + std::string(day < 10 ? "0" : "") + std::to_string(day);
    PutBoth("events/region=us/" + name + ".jsonl", name + "\n");
    all.insert("region=us/" + name + ".jsonl");
  }
  const json kinds[] = {
      {{"Type", "object"}},
      {{"Type", "regex"}, {"Pattern", "2024-01-(\\d)"}},  // the first digit of the day
      {{"Type", "substring"}, {"StartIndex", 18}, {"EndIndex", 20}},
  };
  for (const json& partition : kinds) {
    SCOPED_TRACE(partition.dump());
    std::map<std::string, int> seen;
    size_t non_empty = 0;
    for (int64_t index = 0; index < 3; ++index) {
      const Files part =
          StageBoth({{"Bucket", kBucket}, {"Key", "events/*"}, {"Partition", partition}}, index, 3);
      non_empty += !part.empty();
      for (const std::string& file : part) ++seen[file];
    }
    EXPECT_EQ(seen.size(), all.size());
    for (const std::string& file : all) EXPECT_EQ(seen[file], 1) << file;
    EXPECT_GE(non_empty, 2u);  // really split, not all in one partition
  }
  auto refused =
      Stage({{"Bucket", kBucket}, {"Key", "events/*"}, {"Partition", {{"Type", "date"}}}},
            s3_store_, root_ / "date", 0, 3);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message().rfind("Partition: Type 'date' is not supported", 0), 0u);
}

TEST_F(S3StagingTest, ChecksumVersionIdAndStop) {
  PutBoth("sums/hello.txt", "hello");
  const std::string hello_sha256 = "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ=";
  EXPECT_EQ(
      StageBoth({{"Bucket", kBucket}, {"Key", "sums/hello.txt"}, {"ChecksumSHA256", hello_sha256}}),
      Files{"hello.txt"});
  const std::string other = "ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=";  // sha256("abc")
  for (const StoreConfig* store : {&s3_store_, &folder_store_}) {
    auto bad = Stage({{"Bucket", kBucket}, {"Key", "sums/hello.txt"}, {"ChecksumSHA256", other}},
                     *store, root_ / "bad");
    ASSERT_FALSE(bad.ok());
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(bad.status().message(),
              "ChecksumSHA256: object 'sums/hello.txt' has " + hello_sha256 + ", not " + other);
    EXPECT_EQ(TreeOf(root_ / "bad"), Files{});  // the bad copy is not left behind
  }

  // s3rver keeps no versions and ignores versionId (the storage tests check that it is sent).
  auto version = Stage({{"Bucket", kBucket}, {"Key", "sums/hello.txt"}, {"VersionID", "v1"}},
                       s3_store_, root_ / "version");
  ASSERT_TRUE(version.ok()) << version.status().ToString();
  EXPECT_EQ(ReadFile(root_ / "version/hello.txt"), "hello");
  auto prefix_version = Stage({{"Bucket", kBucket}, {"Key", "sums/"}, {"VersionID", "v1"}},
                              s3_store_, root_ / "version");
  ASSERT_FALSE(prefix_version.ok());
  EXPECT_EQ(prefix_version.status().message(),
            "VersionID: a version belongs to one object; Key 'sums/' is a prefix");
  auto folder_version = Stage({{"Bucket", kBucket}, {"Key", "sums/hello.txt"}, {"VersionID", "v1"}},
                              folder_store_, root_ / "version");
  EXPECT_EQ(folder_version.status().message(),
            "VersionID: folder-backed stores keep no object versions");

  std::atomic<bool> stop{true};
  auto stopped =
      Stage({{"Bucket", kBucket}, {"Key", "sums/*"}}, s3_store_, root_ / "stopped", 0, 1, &stop);
  ASSERT_FALSE(stopped.ok());
  EXPECT_EQ(stopped.status().code(), ErrorCode::kCancelled);
  EXPECT_EQ(stopped.status().message(), "staging stopped");
  EXPECT_EQ(TreeOf(root_ / "stopped"), Files{});
}

TEST_F(S3StagingTest, MissingObjectsAndBucketsAreClearErrors) {
  PutBoth("present/x.jsonl", "x");
  for (const StoreConfig* store : {&s3_store_, &folder_store_}) {
    SCOPED_TRACE(store->is_s3() ? "s3 store" : "folder store");
    auto missing = Stage({{"Bucket", kBucket}, {"Key", "absent/x.jsonl"}}, *store, root_ / "m");
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(missing.status().message(),
              "no object matches Key 'absent/x.jsonl' in bucket 'my-bucket' of store "
              "'storage-local'");
    for (const char* key : {"present/x.jsonl", "present/", "present/*"}) {
      auto no_bucket = Stage({{"Bucket", "no-such-bucket"}, {"Key", key}}, *store, root_ / "m");
      ASSERT_FALSE(no_bucket.ok()) << key;
      EXPECT_EQ(no_bucket.status().code(), ErrorCode::kNotFound);
      EXPECT_EQ(no_bucket.status().message().rfind(
                    "bucket 'no-such-bucket' does not exist in store 'storage-local'", 0),
                0u)
          << no_bucket.status().message();
    }
    auto escape = Stage({{"Bucket", kBucket}, {"Key", "../x"}}, *store, root_ / "m");
    EXPECT_EQ(escape.status().message(), "Key '../x' must not contain '..'");
  }
  // S3 says why in the error: the store's message follows.
  auto no_bucket =
      Stage({{"Bucket", "no-such-bucket"}, {"Key", "present/"}}, s3_store_, root_ / "m");
  EXPECT_NE(no_bucket.status().message().find("(LIST s3://no-such-bucket/present/: NoSuchBucket"),
            std::string::npos)
      << no_bucket.status().message();
}

TEST_F(S3StagingTest, ALargeObjectIsStreamedByteIdentical) {
  const std::string data = storage::testing::RandomBytes(20'000'000, 5);
  ASSERT_TRUE(client_->MultipartUpload(kBucket, "big/twenty.bin", data).ok());
  ASSERT_TRUE(client_->PutObject(kBucket, "big/small.txt", "small").ok());
  auto staged = Stage({{"Bucket", kBucket}, {"Key", "big/"}}, s3_store_, root_ / "big");
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->objects, 2);
  EXPECT_EQ(staged->bytes, static_cast<int64_t>(data.size() + 5));
  EXPECT_EQ(TreeOf(root_ / "big"), (Files{"small.txt", "twenty.bin"}));  // nothing temporary
  EXPECT_TRUE(ReadFile(root_ / "big/twenty.bin") == data) << "staged bytes differ";
}

}  // namespace
}  // namespace shoal::compute
