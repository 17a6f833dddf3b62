// Reading published results back from an S3 store (s3rver on loopback): the objects under a
// plain prefix, and the files of a .tar.gz object, are the result tree, file for file.
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "compute/files.h"
#include "compute/published_results.h"
#include "compute/stores.h"
#include "compute/tar_gz.h"
#include "compute/testing/test_files.h"
#include "storage/s3_client.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using shoal::testing::S3rver;
using testing::ReadFile;
using testing::WriteFile;

constexpr char kBucket[] = "results-bucket";

class PublishedResultsS3Test : public ::testing::Test {
 protected:
  void SetUp() override {
    server_ = std::make_unique<S3rver>(S3rver::Options{{kBucket}});
    ASSERT_TRUE(server_->ok()) << server_->error();
    root_ = shoal::testing::TempDir::ForCurrentTest();
    tree_ = root_ / "result";
    WriteFile(tree_ / "stdout", "n\n3\n");
    WriteFile(tree_ / "exitCode", "0");
    WriteFile(tree_ / "stderr", "");
    std::string big(9 << 20, '\0');  // more than one ranged GET
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 7919) % 251);
    WriteFile(tree_ / "outputs" / "big.bin", big);
    const std::map<std::string, std::string> env = {{"AWS_ACCESS_KEY_ID", S3rver::kAccessKey},
                                                    {"AWS_SECRET_ACCESS_KEY", S3rver::kSecretKey}};
    auto store = ParseStoreSpec("regional=http://" + server_->endpoint(), env);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    stores_ = {*store};
    client_ = storage::S3Client::Create(*store->s3).value();
  }
  void TearDown() override {
    client_.reset();
    server_.reset();
  }

  models::SpecConfig Spec(const std::string& key, const std::string& encoding) {
    return {"s3",
            {{"Bucket", kBucket},
             {"Key", key},
             {"Endpoint", "storage-local"},
             {"Encoding", encoding},
             {"Store", "storage-local"},
             {"StoreLocation", StoreLocation(stores_[0])}}};
  }

  void ExpectTree(const Result<std::vector<ResultFile>>& files, const fs::path& target) {
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto expected = ListFilesRecursive(tree_.string());
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(files->size(), expected->size());
    for (size_t i = 0; i < files->size(); ++i) {
      EXPECT_EQ((*files)[i].path, (*expected)[i].path);
      EXPECT_EQ((*files)[i].size, (*expected)[i].size);
      EXPECT_TRUE(ReadFile(target / (*files)[i].path) == ReadFile(tree_ / (*expected)[i].path))
          << (*files)[i].path;
    }
  }

  std::unique_ptr<S3rver> server_;
  shoal::testing::TempDir root_;
  fs::path tree_;
  std::vector<StoreConfig> stores_;
  std::unique_ptr<storage::S3Client> client_;
};

TEST_F(PublishedResultsS3Test, PlainPrefixReadsBackTheTree) {
  auto files = ListFilesRecursive(tree_.string());
  ASSERT_TRUE(files.ok());
  for (const auto& file : *files) {
    ASSERT_TRUE(
        client_->PutObjectFromFile(kBucket, "runs/e-1/" + file.path, (tree_ / file.path).string())
            .ok());
  }
  ASSERT_TRUE(client_->PutObject(kBucket, "runs/e-10/stdout", "a neighbour").ok());
  const fs::path target = root_ / "fetched";
  ExpectTree(ReadPublishedResults(Spec("runs/e-1/", "plain"), stores_, target.string()), target);

  auto empty = ReadPublishedResults(Spec("runs/e-2/", "plain"), stores_, (root_ / "x").string());
  EXPECT_EQ(empty.status().code(), ErrorCode::kNotFound) << empty.status().ToString();
}

TEST_F(PublishedResultsS3Test, GzipArchiveReadsBackTheTree) {
  const fs::path archive = root_ / "e-1.tar.gz";
  ASSERT_TRUE(WriteTarGz(tree_.string(), archive.string()).ok());
  ASSERT_TRUE(client_->PutObjectFromFile(kBucket, "archives/e-1.tar.gz", archive.string()).ok());
  const fs::path target = root_ / "fetched";
  ExpectTree(ReadPublishedResults(Spec("archives/e-1.tar.gz", "gzip"), stores_, target.string()),
             target);
  EXPECT_FALSE(fs::exists(target.string() + ".tar.gz"));  // the download is not left behind

  auto missing = ReadPublishedResults(Spec("archives/e-2.tar.gz", "gzip"), stores_,
                                      (root_ / "missing").string());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound) << missing.status().ToString();
}

}  // namespace
}  // namespace shoal::compute
