// ExecutionRunner end to end on real folders: the generator engine, input sources, sandbox
// targets and publishers.
#include "compute/testing/execution_runner_fixture.h"

namespace shoal::compute {
namespace {

using namespace testing;  // NOLINT: the fixture and its builders

TEST_F(ExecutionRunnerTest, GeneratorWithTheSeedArgumentsPublishesPlainToTheRegionalStore) {
  models::Job job;
  job.id = "j-gen";
  job.type = models::JobType::kOps;
  job.count = 0;
  job.task.engine = {"generator",
                     json{{"Args",
                           {"--type", "transaction", "--count", "3000", "--region", "us",
                            "--start-date", "2024-01-01", "--end-date", "2024-12-31",
                            "--rotate-interval", "month", "--output", "/data"}}}};
  job.task.result_paths = {{"data", "/data"}};
  job.task.publisher = {"s3", json{{"Bucket", "my-bucket"},
                                   {"Key", "transactions/{nodeID}"},
                                   {"Endpoint", "http://storage-local:9000"},
                                   {"Encoding", "plain"}}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-gen"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  const fs::path result(outcome.result_dir);
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(result / "data")) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 12u);
  for (int month = 1; month <= 12; ++month) {
    char expected[64];
    std::snprintf(expected, sizeof expected, "transaction_events_2024-%02d.jsonl", month);
    EXPECT_EQ(names[static_cast<size_t>(month - 1)], expected);
  }
  EXPECT_EQ(CountLines(ReadFile(result / "data/transaction_events_2024-01.jsonl")), 3000u);
  EXPECT_NE(outcome.run_output.stdout_text.find("12 jsonl file(s) in /data"), std::string::npos)
      << outcome.run_output.stdout_text;

  EXPECT_EQ(outcome.published_result.type, "s3");
  EXPECT_EQ(outcome.published_result.params,
            (json{{"Bucket", "my-bucket"},
                  {"Key", "transactions/compute-us-1/"},
                  {"Endpoint", "http://storage-local:9000"},
                  {"Encoding", "plain"},
                  {"Store", "storage-local"},
                  {"StoreLocation", "folder:" + (root_ / "stores/us").string()}}));
  const fs::path published = root_ / "stores/us/my-bucket/transactions/compute-us-1";
  EXPECT_EQ(ReadFile(published / "data/transaction_events_2024-03.jsonl"),
            ReadFile(result / "data/transaction_events_2024-03.jsonl"));
  EXPECT_EQ(ReadFile(published / "exitCode"), "0");
  EXPECT_TRUE(fs::exists(published / "stdout"));
  size_t objects = 0;
  for (const auto& entry : fs::recursive_directory_iterator(published)) {
    objects += entry.is_regular_file();
  }
  EXPECT_EQ(objects, outcome.files.size());  // stdout, stderr, exitCode + 12 data files
  EXPECT_EQ(objects, 15u);

  // The published files are what s3:// SQL in the next job reads.
  models::Job count = DuckdbJob(
      "SELECT count(*) AS n FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl')");
  ExecutionOutcome counted = Run(count, MakeExecution("e-count"));
  ASSERT_TRUE(counted.succeeded) << counted.run_output.error_message;
  int64_t lines = 0;
  for (const auto& name : names)
    lines += static_cast<int64_t>(CountLines(ReadFile(result / "data" / name)));
  EXPECT_EQ(ResultJson(counted)["Rows"][0][0], lines);
}

TEST_F(ExecutionRunnerTest, GeneratorRefusesOutputOutsideTheSandbox) {
  models::Job job;
  job.id = "j-gen";
  job.task.engine = {"generator", json{{"Args", {"--count", "10", "--output", "/tmp/x"}}}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-gen-outside"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message,
            "generator: --output '/tmp/x' is outside the sandbox; write under one of /data, "
            "/inputs, /outputs");
  job.task.engine = {"generator", json{{"Args", {"--count", "ten"}}}};
  outcome = Run(job, MakeExecution("e-gen-bad"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message.rfind("generator: --count 'ten'", 0), 0u)
      << outcome.run_output.error_message;
}

TEST_F(ExecutionRunnerTest, GzipPublisherWritesOneTarGzWithPlaceholderKey) {
  models::Job job = DuckdbJob("SELECT 42 AS answer; COPY (SELECT 1 AS x) TO '/outputs/o.csv'");
  job.task.result_paths = {{"outputs", "/outputs"}};
  job.task.publisher = {"s3", json{{"Bucket", "my-bucket"},
                                   {"Key", "results/{jobID}/{executionID}-{date}"},
                                   {"Endpoint", "storage:9000"}}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-gzip"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  const std::string key = outcome.published_result.params["Key"];
  ASSERT_EQ(key.rfind("results/j-test/e-gzip-20", 0), 0u) << key;
  ASSERT_EQ(key.size(), std::string("results/j-test/e-gzip-YYYYMMDD.tar.gz").size()) << key;
  EXPECT_EQ(outcome.published_result.params["Encoding"], "gzip");
  const fs::path archive = root_ / "stores/global/my-bucket" / key;
  ASSERT_TRUE(fs::exists(archive));
  const fs::path extracted = root_ / "extracted";
  fs::create_directories(extracted);
  const std::string command = "tar -xzf '" + archive.string() + "' -C '" + extracted.string() + "'";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(ReadFile(extracted / "exitCode"), "0");
  EXPECT_EQ(ReadFile(extracted / "outputs/o.csv"), "x\n1\n");
  EXPECT_EQ(json::parse(ReadFile(extracted / "result.json"))["Rows"], json::parse("[[42]]"));
  EXPECT_EQ(ReadFile(extracted / "stdout"), ReadFile(fs::path(outcome.result_dir) / "stdout"));
}

// The node's gate sees where and what will be published before anything is written; when it
// says no (the orchestrator failed the execution meanwhile), the store is left untouched.
TEST_F(ExecutionRunnerTest, PublishGateDecidesBeforeAnythingIsWritten) {
  models::Job job = DuckdbJob("SELECT 42 AS answer");
  job.task.publisher = {"s3", json{{"Bucket", "my-bucket"},
                                   {"Key", "results/{executionID}/"},
                                   {"Endpoint", "storage:9000"},
                                   {"Encoding", "plain"}}};
  const fs::path bucket = root_ / "stores/global/my-bucket";
  std::string seen_key;
  size_t seen_files = 0;
  auto gate = [&](bool answer) {
    return [&, answer](const models::SpecConfig& target, const std::vector<ResultFile>& files) {
      seen_key = target.params["Key"];
      seen_files = files.size();
      EXPECT_FALSE(fs::exists(bucket / seen_key)) << "published before the gate said yes";
      return answer;
    };
  };
  ExecutionRunner runner(config_);
  ExecutionOutcome refused = runner.Run(job, MakeExecution("e-refused"), nullptr, gate(false));
  EXPECT_FALSE(refused.succeeded);
  EXPECT_NE(refused.run_output.error_message.find("no longer wanted"), std::string::npos)
      << refused.run_output.error_message;
  EXPECT_EQ(seen_key, "results/e-refused/");
  EXPECT_EQ(seen_files, 4u);  // exitCode, result.json, stderr, stdout
  EXPECT_TRUE(refused.publish_target.empty());
  EXPECT_FALSE(fs::exists(bucket / "results/e-refused"));

  ExecutionOutcome allowed = runner.Run(job, MakeExecution("e-allowed"), nullptr, gate(true));
  ASSERT_TRUE(allowed.succeeded) << allowed.run_output.error_message;
  EXPECT_EQ(allowed.publish_target.params["Key"], "results/e-allowed/");
  EXPECT_EQ(allowed.published_result.params["Key"], "results/e-allowed/");
  EXPECT_EQ(ReadFile(bucket / "results/e-allowed/exitCode"), "0");
}

TEST_F(ExecutionRunnerTest, PublisherRefusesKeysThatLeaveTheBucket) {
  for (const std::string key : {"../escape", "/absolute/key", "a/{jobID}/../../x"}) {
    models::Job job = DuckdbJob("SELECT 1");
    job.task.publisher = {"s3", json{{"Bucket", "my-bucket"}, {"Key", key}, {"Encoding", "plain"}}};
    ExecutionOutcome outcome = Run(job, MakeExecution("e-key"));
    EXPECT_FALSE(outcome.succeeded) << key;
    EXPECT_EQ(outcome.run_output.error_message.rfind("publishing the results: ", 0), 0u)
        << outcome.run_output.error_message;
    EXPECT_TRUE(outcome.published_result.empty());
  }
  models::Job missing = DuckdbJob("SELECT 1");
  missing.task.publisher = {"s3", json{{"Bucket", "no-such-bucket"}, {"Key", "k"}}};
  ExecutionOutcome outcome = Run(missing, MakeExecution("e-nobucket"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.run_output.error_message.find(
                "bucket 'no-such-bucket' does not exist in store 'storage-local'"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "stores/escape"));
  EXPECT_FALSE(fs::exists(root_ / "stores/us/escape"));
}

TEST_F(ExecutionRunnerTest, S3InputSourceCopiesObjectsRelativeToThePrefix) {
  const fs::path bucket = root_ / "stores/us/my-bucket";
  WriteFile(bucket / "transactions/compute-us-1/data/a.jsonl", "{\"v\": 1}\n");
  WriteFile(bucket / "transactions/compute-us-2/data/b.jsonl", "{\"v\": 2}\n");
  WriteFile(bucket / "transactions/compute-us-2/stdout", "not data\n");
  WriteFile(bucket / "other/c.jsonl", "{\"v\": 100}\n");
  models::Job job = DuckdbJob(
      "SELECT list(file ORDER BY file) AS files, (SELECT sum(v) FROM "
      "read_json_auto('/inputs/**/*.jsonl')) AS total FROM glob('/inputs/**')");
  job.task.input_sources = {{{"s3", json{{"Bucket", "my-bucket"},
                                         {"Key", "transactions/*"},
                                         {"Filter", ".*jsonl$"},
                                         {"Endpoint", "http://storage-local:9000"}}},
                             "",
                             "/inputs"}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-s3-input"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome)["Rows"], json::parse(R"([[["/inputs/compute-us-1/data/a.jsonl",
                              "/inputs/compute-us-2/data/b.jsonl"], 3]])"));

  // A single object lands under its own name; an unknown store fails clearly.
  job.task.input_sources[0].source.params = {{"Bucket", "my-bucket"}, {"Key", "other/c.jsonl"}};
  job.task.engine.params["SQL"] = "SELECT list(file) FROM glob('/inputs/**')";
  outcome = Run(job, MakeExecution("e-s3-object"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome)["Rows"], json::parse(R"([[["/inputs/c.jsonl"]]])"));
  job.task.input_sources[0].source.params["Endpoint"] = "http://storage-eu:9000";
  outcome = Run(job, MakeExecution("e-s3-store"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message.rfind("InputSources[0].Source.Params: endpoint "
                                                   "'http://storage-eu:9000' names store "
                                                   "'storage-eu'",
                                                   0),
            0u)
      << outcome.run_output.error_message;
}

TEST_F(ExecutionRunnerTest, NestedTargetsAreRefused) {
  models::Job job = DuckdbJob("SELECT 1");
  WriteFile(root_ / "host/d/x.csv", "a\n1\n");
  job.task.input_sources = {LocalInput(root_ / "host/d", "/mnt/data")};
  job.task.result_paths = {{"sub", "/mnt/data/sub"}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-nested"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message,
            "ResultPaths[0].Path: '/mnt/data/sub' is inside '/mnt/data' "
            "(InputSources[0].Target); sandbox paths must not nest in each other");
  job.task.result_paths = {{"up", "/mnt/../etc"}};
  outcome = Run(job, MakeExecution("e-dotdot"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.run_output.error_message.find("must not contain '..'"), std::string::npos);
}

TEST_F(ExecutionRunnerTest, LocalDirectoryOutsideTheAllowListIsRefused) {
  WriteFile(root_ / "elsewhere/secret.csv", "s\n1\n");
  fs::create_symlink(root_ / "elsewhere", root_ / "host/sneaky");
  models::Job job = DuckdbJob("SELECT count(*) FROM glob('/inputs/*')");
  for (const fs::path& source :
       {root_ / "elsewhere", root_ / "host/../elsewhere", root_ / "host/sneaky"}) {
    job.task.input_sources = {LocalInput(source, "/inputs")};
    ExecutionOutcome outcome = Run(job, MakeExecution("e-outside"));
    EXPECT_FALSE(outcome.succeeded) << source;
    EXPECT_NE(outcome.run_output.error_message.find(
                  "is not inside a folder this node allows for local inputs"),
              std::string::npos)
        << outcome.run_output.error_message;
  }
  job.task.input_sources = {LocalInput(root_ / "host/missing", "/inputs")};
  ExecutionOutcome missing = Run(job, MakeExecution("e-missing-dir"));
  EXPECT_FALSE(missing.succeeded);
  EXPECT_NE(missing.run_output.error_message.find("does not exist on this node"),
            std::string::npos);
}

}  // namespace
}  // namespace shoal::compute
