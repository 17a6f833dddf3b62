// ExecutionRunner end to end on real folders: partitions, the duckdb engine, env, resources,
// failures, timeouts, cancellation and live statistics.
#include "compute/testing/execution_runner_fixture.h"

namespace shoal::compute {
namespace {

using namespace testing;  // NOLINT: the fixture and its builders

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
