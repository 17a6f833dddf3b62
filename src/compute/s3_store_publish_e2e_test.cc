// The `s3` publisher against an S3 store (a real s3rver), plain and gzip, read back from the
// store; and one whole execution through ExecutionRunner whose only store is S3: an s3
// InputSource staged into /inputs, DuckDB SQL over it, an s3 Publisher to the same store.
#include <cstdlib>
#include <ctime>

#include <nlohmann/json.hpp>

#include "compute/execution_runner.h"
#include "compute/published_results.h"
#include "compute/publishers/s3_publisher.h"
#include "compute/stores.h"
#include "compute/testing/s3_store_fixture.h"
#include "storage/testing/s3_test_data.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::kBucket;
using testing::ReadFile;
using testing::TreeOf;
using testing::WriteFile;
using Files = std::vector<std::string>;

class S3PublishTest : public testing::S3StoreTest {
 protected:
  void SetUp() override {
    testing::S3StoreTest::SetUp();
    if (HasFatalFailure()) return;
    // A result tree as the runner leaves it, with a file large enough to go multipart.
    result_ = root_ / "executions/e-1/result";
    WriteFile(result_ / "stdout", "42\n");
    WriteFile(result_ / "stderr", "");
    WriteFile(result_ / "exitCode", "0");
    WriteFile(result_ / "outputs/o.csv", "x\n1\n");
    big_ = storage::testing::RandomBytes(7'000'000, 3);
    WriteFile(result_ / "outputs/big.bin", big_);
    s3_store_.s3->multipart_threshold = 6 << 20;
    s3_store_.s3->multipart_part_size = 5 << 20;
  }

  Result<models::SpecConfig> Publish(const json& params, const StoreConfig& store) {
    std::vector<ResultFile> files;
    for (const std::string& path : TreeOf(result_)) {
      files.push_back({path, static_cast<int64_t>(fs::file_size(result_ / path))});
    }
    // 2024-03-05 12:34:56 local time, for {date} and {time}.
    std::tm when{};
    when.tm_year = 124;
    when.tm_mon = 2;
    when.tm_mday = 5;
    when.tm_hour = 12;
    when.tm_min = 34;
    when.tm_sec = 56;
    when.tm_isdst = -1;
    PublishContext context{"j-1", "e-1", "compute-us-1", std::mktime(&when)};
    return PublishToStore({"s3", params}, result_.string(), files, context, {store});
  }

  fs::path result_;
  std::string big_;
};

TEST_F(S3PublishTest, PlainUploadsEveryFileUnderTheExpandedKey) {
  auto published = Publish({{"Bucket", kBucket},
                            {"Key", "results/{jobID}/{nodeID}-{date}-{time}"},
                            {"Encoding", "plain"},
                            {"Region", "ap-south-1"}},
                           s3_store_);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  const std::string key = "results/j-1/compute-us-1-20240305-123456/";
  EXPECT_EQ(published->type, "s3");
  EXPECT_EQ(published->params, (json{{"Bucket", kBucket},
                                     {"Key", key},
                                     {"Endpoint", "storage-local"},
                                     {"Encoding", "plain"},
                                     {"Store", "storage-local"},
                                     {"StoreLocation", "http://" + server_->endpoint()}}));
  EXPECT_EQ(KeysUnder("results/"), (Files{key + "exitCode", key + "outputs/big.bin",
                                          key + "outputs/o.csv", key + "stderr", key + "stdout"}));
  for (const std::string& path : TreeOf(result_)) {
    auto back = client_->GetObject(kBucket, key + path);
    ASSERT_TRUE(back.ok()) << path << ": " << back.status().ToString();
    EXPECT_TRUE(*back == ReadFile(result_ / path)) << path;
  }
}

TEST_F(S3PublishTest, GzipUploadsOneArchiveThatTarExtracts) {
  auto published = Publish(
      {{"Bucket", kBucket}, {"Key", "archives/{executionID}"}, {"Endpoint", "storage-local:9000"}},
      s3_store_);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(published->params["Key"], "archives/e-1.tar.gz");
  EXPECT_EQ(published->params["Encoding"], "gzip");
  EXPECT_EQ(published->params["Endpoint"], "storage-local:9000");  // as the job wrote it
  EXPECT_EQ(KeysUnder(""), Files{"archives/e-1.tar.gz"});
  // The temporary archive beside the result tree is gone.
  EXPECT_EQ(TreeOf(root_ / "executions/e-1"),
            (Files{"result/exitCode", "result/outputs/big.bin", "result/outputs/o.csv",
                   "result/stderr", "result/stdout"}));

  const fs::path archive = root_ / "archive.tar.gz";
  ASSERT_TRUE(client_->GetObjectToFile(kBucket, "archives/e-1.tar.gz", archive.string()).ok());
  fs::create_directories(root_ / "extracted");
  const std::string command =
      "tar -xzf '" + archive.string() + "' -C '" + (root_ / "extracted").string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(TreeOf(root_ / "extracted"), TreeOf(result_));
  for (const std::string& path : TreeOf(result_)) {
    EXPECT_TRUE(ReadFile(root_ / "extracted" / path) == ReadFile(result_ / path)) << path;
  }
  auto read_back = ReadPublishedResults(*published, {s3_store_}, (root_ / "back").string());
  ASSERT_TRUE(read_back.ok()) << read_back.status().ToString();
  EXPECT_EQ(TreeOf(root_ / "back"), TreeOf(result_));
}

TEST_F(S3PublishTest, MissingBucketNamesBucketAndStoreAndLeavesNothing) {
  for (const char* encoding : {"plain", "gzip"}) {
    SCOPED_TRACE(encoding);
    auto published =
        Publish({{"Bucket", "no-such-bucket"}, {"Key", "k"}, {"Encoding", encoding}}, s3_store_);
    ASSERT_FALSE(published.ok());
    EXPECT_EQ(published.status().code(), ErrorCode::kNotFound);
    EXPECT_EQ(published.status().message().rfind(
                  "bucket 'no-such-bucket' does not exist in store 'storage-local' (PUT "
                  "s3://no-such-bucket/k",
                  0),
              0u)
        << published.status().message();
    EXPECT_EQ(TreeOf(root_ / "executions/e-1").size(), 5u);  // no archive left behind
  }
  EXPECT_EQ(KeysUnder(""), Files{});
}

TEST_F(S3PublishTest, FolderStoresReportTheirStoreAndLocationToo) {
  auto published =
      Publish({{"Bucket", kBucket}, {"Key", "r/{jobID}"}, {"Encoding", "plain"}}, folder_store_);
  ASSERT_TRUE(published.ok()) << published.status().ToString();
  EXPECT_EQ(published->params["Store"], "storage-local");
  EXPECT_EQ(published->params["StoreLocation"], "folder:" + folder_store_.directory);
  EXPECT_EQ(published->params["StoreLocation"], StoreLocation(folder_store_));
  EXPECT_EQ(ReadFile(root_ / "folder-store" / kBucket / "r/j-1/outputs/o.csv"), "x\n1\n");
}

class S3StoreRunnerTest : public testing::S3StoreTest {};

TEST_F(S3StoreRunnerTest, StagesRunsSqlAndPublishesAgainstAnS3Store) {
  int64_t total = 0;
  for (int node = 1; node <= 2; ++node) {
    for (int month = 1; month <= 3; ++month) {
      const std::string prefix = "transactions/compute-us-" + std::to_string(node) + "/";
      const int amount = node * 10 + month;
      total += amount;
      ASSERT_TRUE(client_
                      ->PutObject(kBucket,
                                  prefix + "data/2024-0" + std::to_string(month) + ".jsonl",
                                  "{\"amount\": " + std::to_string(amount) + "}\n")
                      .ok());
      ASSERT_TRUE(client_->PutObject(kBucket, prefix + "stdout", "not data\n").ok());
    }
  }
  NodeConfig config;
  config.node_id = "compute-us-1";
  config.work_dir = (root_ / "work").string();
  config.stores = {s3_store_};
  models::Job job;
  job.id = "j-s3";
  job.name = "s3";
  job.type = models::JobType::kBatch;
  job.count = 1;
  job.task.engine = {"duckdb", json{{"SQL",
                                     "SELECT count(*) AS n, sum(amount) AS total FROM "
                                     "read_json_auto('/inputs/**/*.jsonl')"}}};
  job.task.input_sources = {{{"s3", json{{"Bucket", kBucket},
                                         {"Key", "transactions/*"},
                                         {"Filter", ".*jsonl$"},
                                         {"Endpoint", "http://storage-local:9000"}}},
                             "",
                             "/inputs"}};
  job.task.publisher = {"s3", json{{"Bucket", kBucket},
                                   {"Key", "results/{executionID}"},
                                   {"Endpoint", "http://storage-local:9000"},
                                   {"Encoding", "plain"}}};
  models::Execution execution;
  execution.id = "e-s3";
  execution.job_id = job.id;
  execution.node_id = config.node_id;
  ExecutionRunner runner(config);
  ExecutionOutcome outcome = runner.Run(job, execution, nullptr);
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  const json rows = json::parse(ReadFile(fs::path(outcome.result_dir) / "result.json"))["Rows"];
  EXPECT_EQ(rows, (json{{6, total}}));

  EXPECT_EQ(outcome.published_result.params["Key"], "results/e-s3/");
  EXPECT_EQ(outcome.published_result.params["Store"], "storage-local");
  EXPECT_EQ(outcome.published_result.params["StoreLocation"], "http://" + server_->endpoint());
  Files expected;
  for (const ResultFile& file : outcome.files) expected.push_back("results/e-s3/" + file.path);
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(KeysUnder("results/"), expected);
  EXPECT_EQ(json::parse(client_->GetObject(kBucket, "results/e-s3/result.json").value())["Rows"],
            rows);
  EXPECT_EQ(client_->GetObject(kBucket, "results/e-s3/exitCode").value(), "0");
  // What another node reads back through the published spec is the result tree.
  auto read_back =
      ReadPublishedResults(outcome.published_result, {s3_store_}, (root_ / "back").string());
  ASSERT_TRUE(read_back.ok()) << read_back.status().ToString();
  EXPECT_EQ(TreeOf(root_ / "back"), TreeOf(outcome.result_dir));
  EXPECT_EQ(ReadFile(root_ / "back/result.json"),
            ReadFile(fs::path(outcome.result_dir) / "result.json"));

  // A missing object fails the execution, naming the field, the Key, the bucket and the store.
  job.task.input_sources[0].source.params["Key"] = "transactions/compute-eu-1/x.jsonl";
  execution.id = "e-missing";
  outcome = runner.Run(job, execution, nullptr);
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message,
            "InputSources[0].Source.Params: no object matches Key "
            "'transactions/compute-eu-1/x.jsonl' in bucket 'my-bucket' of store 'storage-local'");
}

}  // namespace
}  // namespace shoal::compute
