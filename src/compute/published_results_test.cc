// Reading published results back from folder stores: what PublishToStore wrote, read by a node
// that calls the shared store by another name, is the result tree, file for file.
#include "compute/published_results.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "compute/files.h"
#include "compute/publishers/s3_publisher.h"
#include "compute/stores.h"
#include "compute/testing/test_files.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WriteFile;

class PublishedResultsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    fs::create_directories(root_ / "store" / "my-bucket");
    tree_ = root_ / "result";
    WriteFile(tree_ / "stdout", "n\n3\n");
    WriteFile(tree_ / "stderr", "");
    WriteFile(tree_ / "exitCode", "0");
    WriteFile(tree_ / "outputs" / "part.csv", "a,b\n1,2\n");
    WriteFile(tree_ / (std::string(130, 'x') + "/" + std::string(110, 'y')), "long");
    // The publishing node calls the store "storage-local"; the reading node calls it "regional".
    publisher_stores_ = {{"storage-local", (root_ / "store").string()}};
    reader_stores_ = {{"other", (root_ / "elsewhere").string()},
                      {"regional", (root_ / "store").string()}};
  }

  models::SpecConfig Publish(const std::string& encoding, const std::string& key) {
    models::SpecConfig publisher{"s3",
                                 {{"Bucket", "my-bucket"},
                                  {"Key", key},
                                  {"Endpoint", "http://storage-local:9000"},
                                  {"Encoding", encoding}}};
    auto files = ListFilesRecursive(tree_.string());
    EXPECT_TRUE(files.ok());
    std::vector<ResultFile> result_files;
    for (const auto& f : *files) result_files.push_back({f.path, f.size});
    auto published = PublishToStore(publisher, tree_.string(), result_files,
                                    {"j-1", "e-1", "n-1", 0}, publisher_stores_);
    EXPECT_TRUE(published.ok()) << published.status().ToString();
    models::SpecConfig spec = published.ok() ? *published : models::SpecConfig{};
    // Until the publisher reports them itself, the node adds where the store is.
    spec.params["Store"] = "storage-local";
    spec.params["StoreLocation"] = StoreLocation(publisher_stores_[0]);
    return spec;
  }

  void ExpectTree(const Result<std::vector<ResultFile>>& files, const fs::path& target) {
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    auto expected = ListFilesRecursive(tree_.string());
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(files->size(), expected->size());
    for (size_t i = 0; i < files->size(); ++i) {
      EXPECT_EQ((*files)[i].path, (*expected)[i].path);
      EXPECT_EQ((*files)[i].size, (*expected)[i].size);
      EXPECT_EQ(ReadFile(target / (*files)[i].path), ReadFile(tree_ / (*expected)[i].path));
    }
  }

  shoal::testing::TempDir root_;
  fs::path tree_;
  std::vector<StoreConfig> publisher_stores_;
  std::vector<StoreConfig> reader_stores_;
};

TEST_F(PublishedResultsTest, PlainPrefixReadsBackTheTree) {
  models::SpecConfig spec = Publish("plain", "results/{executionID}");
  ASSERT_EQ(spec.params["Key"], "results/e-1/");
  // A neighbour under the same parent is not part of the result.
  WriteFile(root_ / "store" / "my-bucket" / "results" / "e-10" / "stdout", "other");
  WriteFile(root_ / "store" / "my-bucket" / "results" / "e-1" / ".late.shoal-tmp", "partial");
  const fs::path target = root_ / "fetched";
  ExpectTree(ReadPublishedResults(spec, reader_stores_, target.string()), target);
  EXPECT_FALSE(fs::exists(target / ".late.shoal-tmp"));
}

// What an unwanted execution published, or began to publish, goes, temporaries included; the
// trees of other executions stay.
TEST_F(PublishedResultsTest, DeleteRemovesOnlyThatExecutionsTree) {
  const fs::path bucket = root_ / "store" / "my-bucket";
  models::SpecConfig plain = Publish("plain", "results/{executionID}");
  WriteFile(bucket / "results" / "e-10" / "stdout", "other");
  WriteFile(bucket / "results" / "e-1" / ".stdout.shoal-tmp", "partial");
  ASSERT_TRUE(DeletePublishedResults(plain, {"stdout", "stderr"}, reader_stores_).ok());
  EXPECT_FALSE(fs::exists(bucket / "results" / "e-1"));
  EXPECT_EQ(ReadFile(bucket / "results" / "e-10" / "stdout"), "other");
  // Nothing left to delete is no error.
  EXPECT_TRUE(DeletePublishedResults(plain, {}, reader_stores_).ok());

  models::SpecConfig gzip = Publish("gzip", "archives/{executionID}");
  WriteFile(bucket / "archives" / ".e-1.tar.gz.shoal-tmp", "partial");
  ASSERT_TRUE(DeletePublishedResults(gzip, {}, reader_stores_).ok());
  EXPECT_TRUE(fs::is_empty(bucket / "archives"));
}

TEST_F(PublishedResultsTest, GzipArchiveReadsBackTheTree) {
  models::SpecConfig spec = Publish("gzip", "archives/{executionID}");
  ASSERT_EQ(spec.params["Key"], "archives/e-1.tar.gz");
  const fs::path target = root_ / "fetched";
  ExpectTree(ReadPublishedResults(spec, reader_stores_, target.string()), target);
}

TEST_F(PublishedResultsTest, MissingStoreOrObjectsAreNotFound) {
  models::SpecConfig spec = Publish("gzip", "archives/{executionID}");
  // No store at that location on this node.
  auto no_store = ReadPublishedResults(spec, {reader_stores_[0]}, (root_ / "a").string());
  EXPECT_EQ(no_store.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(no_store.status().message().find(spec.params["StoreLocation"].get<std::string>()),
            std::string::npos)
      << no_store.status().ToString();
  // The archive was deleted from the store.
  fs::remove(root_ / "store" / "my-bucket" / "archives" / "e-1.tar.gz");
  auto gone = ReadPublishedResults(spec, reader_stores_, (root_ / "b").string());
  EXPECT_EQ(gone.status().code(), ErrorCode::kNotFound) << gone.status().ToString();
  models::SpecConfig plain = Publish("plain", "nothing-here");
  fs::remove_all(root_ / "store" / "my-bucket" / "nothing-here");
  EXPECT_EQ(ReadPublishedResults(plain, reader_stores_, (root_ / "c").string()).status().code(),
            ErrorCode::kNotFound);
}

TEST_F(PublishedResultsTest, WithoutAStoreLocationTheStoreNameDecides) {
  models::SpecConfig spec = Publish("plain", "out");
  spec.params.erase("StoreLocation");
  const fs::path target = root_ / "fetched";
  // "storage-local" is what the spec names; a node with that name for the store reads it.
  ExpectTree(ReadPublishedResults(spec, publisher_stores_, target.string()), target);
  EXPECT_EQ(FindPublishedStore(spec, reader_stores_).status().code(), ErrorCode::kNotFound);
}

TEST_F(PublishedResultsTest, RefusesSpecsThatLeaveTheBucket) {
  models::SpecConfig spec = Publish("plain", "out");
  spec.params["Key"] = "../outside/";
  EXPECT_FALSE(ReadPublishedResults(spec, reader_stores_, (root_ / "a").string()).ok());
  spec.params["Key"] = "out/";
  spec.params["Bucket"] = "..";
  EXPECT_FALSE(ReadPublishedResults(spec, reader_stores_, (root_ / "b").string()).ok());
  spec.type = "local";
  EXPECT_FALSE(ReadPublishedResults(spec, reader_stores_, (root_ / "c").string()).ok());
}

}  // namespace
}  // namespace shoal::compute
