// ExecutionRunner end to end on real folders: sandbox, inputs, engines, result tree, publishing,
// timeouts and cancellation.
#include "compute/execution_runner.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "compute/execution_env.h"
#include "compute/testing/test_files.h"
#include "engine/engine.h"
#include "engine/partition.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadFile;
using testing::WriteFile;

size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class ExecutionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("shoal-runner-" + std::to_string(getpid()) + "-" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "host");
    fs::create_directories(root_ / "stores/us/my-bucket");
    fs::create_directories(root_ / "stores/global/my-bucket");
    config_.node_id = "compute-us-1";
    config_.work_dir = (root_ / "work").string();
    config_.allowed_local_paths = {(root_ / "host").string()};
    config_.env_allow_list = {"AWS_.*"};
    config_.stores = {{"storage-local", (root_ / "stores/us").string()},
                      {"storage", (root_ / "stores/global").string()}};
    config_.host_environment = {{"AWS_ACCESS_KEY_ID", "minio-key"}, {"SECRET", "hidden"}};
  }
  void TearDown() override { fs::remove_all(root_); }

  static models::Job DuckdbJob(const std::string& sql, int64_t count = 1) {
    models::Job job;
    job.id = "j-test";
    job.name = "test";
    job.type = models::JobType::kBatch;
    job.count = count;
    job.task.engine = {"duckdb", json{{"SQL", sql}}};
    return job;
  }

  static models::Execution MakeExecution(const std::string& id, int64_t partition = 0) {
    models::Execution execution;
    execution.id = id;
    execution.job_id = "j-test";
    execution.node_id = "compute-us-1";
    execution.partition_index = partition;
    return execution;
  }

  static models::InputSource LocalInput(const fs::path& source, const std::string& target) {
    return {{"local", json{{"SourcePath", source.string()}}}, "", target};
  }

  ExecutionOutcome Run(const models::Job& job, const models::Execution& execution) {
    ExecutionRunner runner(config_);
    return runner.Run(job, execution, nullptr);
  }

  // {"Columns": [...], "Rows": [...]} of an outcome.
  static json ResultJson(const ExecutionOutcome& outcome) {
    return json::parse(ReadFile(fs::path(outcome.result_dir) / "result.json"));
  }

  static bool HasFile(const ExecutionOutcome& outcome, const std::string& path) {
    return std::any_of(outcome.files.begin(), outcome.files.end(),
                       [&](const ResultFile& f) { return f.path == path; });
  }

  fs::path root_;
  NodeConfig config_;
};

TEST_F(ExecutionRunnerTest, HashPartitionsOverALocalInputCoverEveryFileOnce) {
  const fs::path data = root_ / "host/txns";
  int64_t expected_rows = 0;
  for (int file = 1; file <= 12; ++file) {
    std::string rows;
    for (int k = 0; k < file; ++k) rows += "{\"v\": " + std::to_string(file * 100 + k) + "}\n";
    expected_rows += file;
    WriteFile(data / ("part-" + std::to_string(file) + ".jsonl"), rows);
  }
  // The single-DuckDB answer over the same files.
  auto single = engine::Session::Open({});
  ASSERT_TRUE(single.ok());
  auto total =
      (*single)->Query("SELECT sum(v) FROM read_json_auto('" + data.string() + "/*.jsonl')");
  ASSERT_TRUE(total.ok()) << total.status().ToString();

  models::Job job = DuckdbJob(
      "SET VARIABLE files = (SELECT LIST(file) FROM partition_by_hash('/inputs/*.jsonl'));\n"
      "SELECT filename AS file, count(*) AS n, sum(v) AS total\n"
      "FROM read_json_auto(getvariable('files'), filename = true) GROUP BY filename",
      3);
  job.task.input_sources = {LocalInput(data, "/inputs")};
  std::map<std::string, int> seen;
  int64_t sum = 0, rows = 0;
  for (int64_t partition = 0; partition < 3; ++partition) {
    ExecutionOutcome outcome = Run(job, MakeExecution("e-" + std::to_string(partition), partition));
    ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
    EXPECT_EQ(outcome.run_output.exit_code, 0);
    EXPECT_EQ(ReadFile(fs::path(outcome.result_dir) / "exitCode"), "0");
    for (const char* file : {"stdout", "stderr", "exitCode", "result.json"}) {
      EXPECT_TRUE(HasFile(outcome, file)) << file;
    }
    json result = ResultJson(outcome);
    if (result["Rows"].empty()) continue;
    EXPECT_EQ(result["Columns"][0],
              (json{{"Name", "file"}, {"Type", "VARCHAR"}, {"Numeric", false}}));
    EXPECT_EQ(result["Columns"][2]["Numeric"], true);
    for (const json& row : result["Rows"]) {
      const std::string file = row[0];
      EXPECT_EQ(file.rfind("/inputs/part-", 0), 0u) << "SQL sees virtual paths: " << file;
      EXPECT_TRUE(engine::BelongsToPartition(file, {partition, 3})) << file;
      seen[file] += 1;
      rows += row[1].get<int64_t>();
      sum += row[2].get<int64_t>();
    }
    EXPECT_NE(outcome.run_output.stdout_text.find("total"), std::string::npos);
  }
  EXPECT_EQ(seen.size(), 12u);
  for (const auto& [file, times] : seen) EXPECT_EQ(times, 1) << file;
  EXPECT_EQ(rows, expected_rows);
  EXPECT_EQ(std::to_string(sum), total->Text(0, 0));
  // The host folder was mapped, not copied, and nothing was written into it.
  EXPECT_EQ(std::distance(fs::directory_iterator(data), fs::directory_iterator()), 12);
}

TEST_F(ExecutionRunnerTest, S3PathsInSqlReadTheRegionalStoreAndHashTheS3Paths) {
  const fs::path bucket = root_ / "stores/us/my-bucket";
  std::set<std::string> all;
  for (const char* node : {"compute-us-1", "compute-us-2"}) {
    for (int month = 1; month <= 3; ++month) {
      const std::string key = std::string("transactions/") + node +
                              "/data/transaction_events_2024-0" + std::to_string(month) + ".jsonl";
      WriteFile(bucket / key, "{\"amount\": " + std::to_string(month) + "}\n");
      all.insert("s3://my-bucket/" + key);
    }
  }
  // (The seed's jobs also run `SET s3_url_style = 'path'`, which needs the engine to know the
  // httpfs settings; that is the engine's part, not the runner's.)
  models::Job job = DuckdbJob(
      "SELECT file FROM partition_by_hash('s3://my-bucket/transactions/**/*.jsonl') ORDER BY file",
      3);
  job.task.env = {{"DUCKDB_S3_ENDPOINT", "storage-local:9000"}};
  std::set<std::string> seen;
  for (int64_t partition = 0; partition < 3; ++partition) {
    ExecutionOutcome outcome =
        Run(job, MakeExecution("e-s3-" + std::to_string(partition), partition));
    ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
    const json result = ResultJson(outcome);
    for (const json& row : result["Rows"]) {
      const std::string file = row[0];
      EXPECT_TRUE(engine::BelongsToPartition(file, {partition, 3})) << "hash key is " << file;
      EXPECT_TRUE(seen.insert(file).second) << file << " in two partitions";
    }
  }
  EXPECT_EQ(seen, all);

  // The data itself, through the same mapping.
  models::Job sum = DuckdbJob(
      "SELECT sum(amount) AS total FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl')");
  ExecutionOutcome outcome = Run(sum, MakeExecution("e-sum"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome)["Rows"], json::parse("[[12]]"));

  // DUCKDB_S3_ENDPOINT picks the store: the global one has the bucket but no transactions.
  WriteFile(root_ / "stores/global/my-bucket/only-global.csv", "x\n1\n");
  models::Job global = DuckdbJob("SELECT count(*) AS n FROM glob('s3://my-bucket/**')");
  global.task.env = {{"DUCKDB_S3_ENDPOINT", "http://storage:9000"}};
  outcome = Run(global, MakeExecution("e-global"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome)["Rows"], json::parse("[[1]]"));

  global.task.env = {{"DUCKDB_S3_ENDPOINT", "http://minio:9000"}};
  outcome = Run(global, MakeExecution("e-unknown-store"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_NE(outcome.run_output.error_message.find("names store 'minio'"), std::string::npos)
      << outcome.run_output.error_message;
}

TEST_F(ExecutionRunnerTest, CopyToOutputsEndsUpInTheResultTree) {
  models::Job job = DuckdbJob(
      "COPY (SELECT 42 AS answer) TO '/outputs/x.csv';\n"
      "COPY (SELECT 'm' AS metric) TO '/metrics/m.csv';");
  job.task.result_paths = {{"outputs", "/outputs"}, {"metrics", "/metrics"}};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-copy"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  const fs::path result = outcome.result_dir;
  EXPECT_EQ(result, fs::path(config_.work_dir) / "executions/e-copy/result");
  EXPECT_EQ(ReadFile(result / "outputs/x.csv"), "answer\n42\n");
  EXPECT_EQ(ReadFile(result / "metrics/m.csv"), "metric\nm\n");
  auto csv = std::find_if(outcome.files.begin(), outcome.files.end(),
                          [](const ResultFile& f) { return f.path == "outputs/x.csv"; });
  ASSERT_NE(csv, outcome.files.end());
  EXPECT_EQ(csv->size, 10);
  // No row-returning statement: an empty result.
  EXPECT_EQ(ResultJson(outcome), json::parse(R"({"Columns": [], "Rows": []})"));
  ExecutionRunner runner(config_);
  runner.Cleanup("e-copy");
  EXPECT_FALSE(fs::exists(fs::path(config_.work_dir) / "executions/e-copy"));
}

TEST_F(ExecutionRunnerTest, BadSqlFailsNamingTheStatement) {
  ExecutionOutcome outcome =
      Run(DuckdbJob("SELECT 1 AS a;\nSELECT * FROM missing_table;"), MakeExecution("e-bad"));
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.exit_code, 1);
  const std::string& message = outcome.run_output.error_message;
  EXPECT_EQ(message.rfind("statement 2 of 2 failed: ", 0), 0u) << message;
  EXPECT_NE(message.find("missing_table"), std::string::npos);
  EXPECT_NE(outcome.run_output.stderr_text.find(message), std::string::npos);
  EXPECT_EQ(outcome.run_output.stdout_text, "a\n-\n1\n(1 row)\n");  // the first statement ran
  EXPECT_EQ(ReadFile(fs::path(outcome.result_dir) / "exitCode"), "1");
  EXPECT_FALSE(HasFile(outcome, "result.json"));
  // A missing table fails on every node alike: the orchestrator is told not to retry it.
  EXPECT_FALSE(outcome.run_output.retryable);
}

// What recurs on any node is marked so; what another try may pass is not; a success is
// retryable by definition.
TEST_F(ExecutionRunnerTest, FailuresThatRecurOnAnyNodeAreMarkedNotRetryable) {
  for (const char* sql : {"SELECT no_such_column FROM range(2)", "SELECT 'x'::INTEGER",
                          "SELECT * FROM read_csv('/inputs/none/*.csv')", "SELECT 1 +"}) {
    ExecutionOutcome outcome = Run(DuckdbJob(sql), MakeExecution("e-recurs"));
    EXPECT_FALSE(outcome.succeeded) << sql;
    EXPECT_FALSE(outcome.run_output.retryable) << outcome.run_output.error_message;
  }
  ExecutionOutcome ok = Run(DuckdbJob("SELECT 1"), MakeExecution("e-ok"));
  ASSERT_TRUE(ok.succeeded) << ok.run_output.error_message;
  EXPECT_TRUE(ok.run_output.retryable);
  // The node stopping the execution (a timeout) is not the SQL's fault.
  models::Job slow = DuckdbJob("SELECT sum(hash(range)) FROM range(10000000000)");
  slow.task.timeouts.execution_timeout = 1;
  ExecutionOutcome timed_out = Run(slow, MakeExecution("e-slow"));
  EXPECT_FALSE(timed_out.succeeded);
  EXPECT_TRUE(timed_out.run_output.retryable) << timed_out.run_output.error_message;
}

TEST_F(ExecutionRunnerTest, LiteralEnvAndSystemVariablesReachSqlButNodeSecretsDoNot) {
  models::Job job = DuckdbJob(
      "SELECT getvariable('PATTERN') AS pattern, 'O''Brien''s shop' ILIKE "
      "'%' || getvariable('pattern') || '%' AS matches, getvariable('AWS_ACCESS_KEY_ID') AS key, "
      "getvariable('BACALHAU_JOB_ID') AS job_id, getvariable('SHOAL_JOB_VERSION') AS version, "
      "getvariable('BACALHAU_PARTITION_INDEX') AS partition");
  job.task.env = {{"PATTERN", "o'brien'S"},
                  {"AWS_ACCESS_KEY_ID", "env:AWS_ACCESS_KEY_ID"},
                  {"BACALHAU_JOB_ID", "forged"}};
  models::Execution execution = MakeExecution("e-vars", 0);
  execution.job_version = 3;
  ExecutionOutcome outcome = Run(job, execution);
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome)["Rows"],
            json::parse(R"([["o'brien'S", true, null, "j-test", "3", "0"]])"));
}

TEST_F(ExecutionRunnerTest, EnvReferencesFollowTheAllowList) {
  models::Job job = DuckdbJob("SELECT 1", 3);
  job.task.env = {{"AWS_ACCESS_KEY_ID", "env:AWS_ACCESS_KEY_ID"}, {"MODE", "literal"}};
  auto env = ResolveExecutionEnv(config_, job, MakeExecution("e-env", 2));
  ASSERT_TRUE(env.ok()) << env.status().ToString();
  EXPECT_EQ(env->at("AWS_ACCESS_KEY_ID"), "minio-key");
  EXPECT_EQ(env->at("MODE"), "literal");
  EXPECT_EQ(env->at("BACALHAU_PARTITION_INDEX"), "2");
  EXPECT_EQ(env->at("BACALHAU_PARTITION_COUNT"), "3");
  EXPECT_EQ(env->at("BACALHAU_JOB_ID"), "j-test");
  EXPECT_EQ(env->at("BACALHAU_EXECUTION_ID"), "e-env");
  EXPECT_EQ(env->at("BACALHAU_JOB_TYPE"), "batch");
  EXPECT_TRUE(Run(job, MakeExecution("e-env-ok", 2)).succeeded);

  models::Job ops = job;
  ops.type = models::JobType::kOps;
  ops.count = 0;
  env = ResolveExecutionEnv(config_, ops, MakeExecution("e-ops"));
  ASSERT_TRUE(env.ok());
  EXPECT_EQ(env->at("BACALHAU_PARTITION_COUNT"), "0");
  EXPECT_EQ(env->at("BACALHAU_JOB_TYPE"), "ops");

  job.task.env = {{"TOKEN", "env:SECRET"}};
  ExecutionOutcome refused = Run(job, MakeExecution("e-refused"));
  EXPECT_FALSE(refused.succeeded);
  EXPECT_EQ(refused.run_output.error_message,
            "Env.TOKEN: env:SECRET is not allowed by this node's allow-list");
  EXPECT_NE(ReadFile(fs::path(refused.result_dir) / "stderr").find("not allowed"),
            std::string::npos);

  job.task.env = {{"AWS_SECRET_ACCESS_KEY", "env:AWS_SECRET_ACCESS_KEY"}};
  ExecutionOutcome missing = Run(job, MakeExecution("e-missing"));
  EXPECT_FALSE(missing.succeeded);
  EXPECT_EQ(missing.run_output.error_message,
            "Env.AWS_SECRET_ACCESS_KEY: env:AWS_SECRET_ACCESS_KEY is not set on this node");
  EXPECT_FALSE(missing.run_output.retryable);
}

TEST_F(ExecutionRunnerTest, PartitionFunctionsNeedACountButOtherSqlRunsInOpsJobs) {
  models::Job job = DuckdbJob("SELECT 7 AS seven");
  job.type = models::JobType::kOps;
  job.count = 0;
  ExecutionOutcome plain = Run(job, MakeExecution("e-ops-plain"));
  ASSERT_TRUE(plain.succeeded) << plain.run_output.error_message;
  EXPECT_EQ(ResultJson(plain)["Rows"], json::parse("[[7]]"));
  job.task.engine.params["SQL"] = "SELECT * FROM partition_by_hash('/data/*')";
  ExecutionOutcome partitioned = Run(job, MakeExecution("e-ops-hash"));
  EXPECT_FALSE(partitioned.succeeded);
  EXPECT_NE(partitioned.run_output.error_message.find("partition count is 0"), std::string::npos)
      << partitioned.run_output.error_message;
}

TEST_F(ExecutionRunnerTest, EmptyPartitionSucceedsWithAnEmptyResult) {
  WriteFile(root_ / "host/one/a.jsonl", "{\"v\": 1}\n");
  int64_t empty = 0;
  while (engine::BelongsToPartition("/inputs/a.jsonl", {empty, 3})) ++empty;
  models::Job job = DuckdbJob(
      "SELECT 1 AS earlier;\n"
      "SET VARIABLE f = (SELECT list(file) FROM partition_by_hash('/inputs/*.jsonl'));\n"
      "SELECT count(*) AS n FROM read_json_auto(getvariable('f'));",
      3);
  job.task.input_sources = {LocalInput(root_ / "host/one", "/inputs")};
  ExecutionOutcome outcome = Run(job, MakeExecution("e-empty", empty));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_EQ(ResultJson(outcome), json::parse(R"({"Columns": [], "Rows": []})"));
  EXPECT_EQ(outcome.run_output.stderr_text, "note: statement 3 read an empty partition (" +
                                                std::to_string(empty) +
                                                "/3 selected no files) and produced no rows\n");
}

TEST_F(ExecutionRunnerTest, ResourcesBecomeThreadsAndMemoryLimit) {
  models::Job job = DuckdbJob(
      "SELECT current_setting('threads') AS threads, current_setting('memory_limit') AS memory");
  job.task.resources.cpu = "1500m";
  job.task.resources.memory = "1GiB";
  ExecutionOutcome outcome = Run(job, MakeExecution("e-resources"));
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  json row = ResultJson(outcome)["Rows"][0];
  EXPECT_EQ(row[0], 2);
  EXPECT_EQ(row[1], "1.0 GiB");
}

TEST_F(ExecutionRunnerTest, RunOutputKeepsTwoKilobytes) {
  ExecutionOutcome outcome =
      Run(DuckdbJob("SELECT range AS n FROM range(2000)"), MakeExecution("e-long"));
  ASSERT_TRUE(outcome.succeeded);
  EXPECT_TRUE(outcome.run_output.stdout_truncated);
  EXPECT_EQ(outcome.run_output.stdout_text.size(), models::kRunOutputLimitBytes);
  EXPECT_GT(fs::file_size(fs::path(outcome.result_dir) / "stdout"), 10000u);
  EXPECT_EQ(ResultJson(outcome)["Rows"].size(), 2000u);
}

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

TEST_F(ExecutionRunnerTest, TimeoutInterruptsALongQuery) {
  models::Job job = DuckdbJob("SELECT count(*) FROM range(100000000000)");
  job.task.timeouts.execution_timeout = 1;
  const auto start = std::chrono::steady_clock::now();
  ExecutionOutcome outcome = Run(job, MakeExecution("e-timeout"));
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message, "execution timed out after 1 s");
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  EXPECT_GE(elapsed, std::chrono::milliseconds(900));
  EXPECT_EQ(ReadFile(fs::path(outcome.result_dir) / "exitCode"), "1");
}

TEST_F(ExecutionRunnerTest, CancelInterruptsARunningExecution) {
  ExecutionRunner runner(config_);
  models::Job job = DuckdbJob("SELECT 1; SELECT count(*) FROM range(100000000000)");
  std::promise<void> running;
  auto started = running.get_future();
  const auto start = std::chrono::steady_clock::now();
  auto result = std::async(std::launch::async, [&] {
    return runner.Run(job, MakeExecution("e-cancel"),
                      [&](const std::string& topic, const std::string&) {
                        if (topic == "Running Execution") running.set_value();
                      });
  });
  ASSERT_EQ(started.wait_for(std::chrono::seconds(30)), std::future_status::ready);
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  runner.Cancel("e-cancel");
  runner.Cancel("e-not-running");  // harmless
  ExecutionOutcome outcome = result.get();
  EXPECT_FALSE(outcome.succeeded);
  EXPECT_EQ(outcome.run_output.error_message, "execution was cancelled");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(10));
}

TEST_F(ExecutionRunnerTest, LiveStatsShowWhatARunningExecutionHasDoneSoFar) {
  // One million rows in ten row groups: DuckDB's progress moves between tasks of 50 chunks.
  auto writer = engine::Session::Open({});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)
                  ->Query("COPY (SELECT range AS k FROM range(1000000)) TO '" +
                          (root_ / "host/d.parquet").string() + "' (ROW_GROUP_SIZE 100000)")
                  .ok());
  ExecutionRunner runner(config_);
  models::Job job = DuckdbJob(
      "SELECT sum(length(repeat(k::VARCHAR, 300))) FROM read_parquet('/inputs/d.parquet')");
  job.task.input_sources = {LocalInput(root_ / "host", "/inputs")};
  job.task.resources.cpu = "1";  // one thread: many tasks, each moving the progress
  job.task.publisher = {"s3", json{{"Bucket", "my-bucket"},
                                   {"Key", "results/{executionID}/"},
                                   {"Endpoint", "storage:9000"},
                                   {"Encoding", "plain"}}};
  EXPECT_FALSE(runner.LiveStats("e-live").has_value());
  // Asked before publishing: the engine has finished, what it did is there, and no progress.
  std::optional<models::ExecutionStats> before_publishing;
  auto gate = [&](const models::SpecConfig&, const std::vector<ResultFile>&) {
    before_publishing = runner.LiveStats("e-live");
    return true;
  };
  auto result = std::async(std::launch::async,
                           [&] { return runner.Run(job, MakeExecution("e-live"), nullptr, gate); });
  models::ExecutionStats furthest;
  while (result.wait_for(std::chrono::milliseconds(5)) != std::future_status::ready) {
    auto live = runner.LiveStats("e-live");
    if (!live) continue;
    EXPECT_LE(live->progress, 1);
    if (live->progress > furthest.progress) furthest = *live;
  }
  ExecutionOutcome outcome = result.get();
  ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
  EXPECT_GT(furthest.progress, 0) << "no progress seen while the statement ran";
  EXPECT_GT(furthest.bytes_read, 0);  // counted as the Parquet file is read, not at the end
  EXPECT_EQ(furthest.files_read, 1);
  EXPECT_LE(furthest.running_ms, outcome.stats.running_ms);
  EXPECT_EQ(furthest.staging_ms, outcome.stats.staging_ms);
  EXPECT_EQ(outcome.stats.progress, -1);  // the final statistics have none
  ASSERT_TRUE(before_publishing.has_value());
  EXPECT_EQ(before_publishing->rows_read, outcome.stats.rows_read);
  EXPECT_EQ(before_publishing->bytes_read, outcome.stats.bytes_read);
  EXPECT_EQ(before_publishing->running_ms, outcome.stats.running_ms);
  EXPECT_EQ(before_publishing->progress, -1);
  EXPECT_FALSE(runner.LiveStats("e-live").has_value());
}

}  // namespace
}  // namespace shoal::compute
