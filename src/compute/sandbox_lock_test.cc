// The execution sandbox on a real ExecutionRunner: a job reads only its own inputs, its mapped
// folders and its region's buckets, and writes only its outputs. A job that reaches for anything
// else (a host file, the node's data directory, another execution's outputs, a symbolic link out
// of its folders, an http(s):// URL, a setting, an extension, the environment, more memory or
// time than it was given) fails with an error naming what was refused, and the next job on the
// same runner runs normally. Neither its results nor its errors name the node's real paths.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/temp_dir.h"
#include "compute/execution_runner.h"
#include "compute/testing/test_files.h"
#include "engine/testing/loopback_listener.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::ReadFile;
using testing::WriteFile;

class SandboxLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    WriteFile(root_ / "host/sales/a.csv", "amount\n10\n20\n");
    WriteFile(root_ / "stores/us/my-bucket/events/e.csv", "amount\n5\n");
    WriteFile(root_ / "node-secret.txt", "hunter2\n");
    runner_ = std::make_unique<ExecutionRunner>(Config());
  }
  NodeConfig Config() const {
    NodeConfig config;
    config.node_id = "compute-us-1";
    config.work_dir = (root_ / "work").string();
    config.allowed_local_paths = {(root_ / "host").string()};
    config.env_allow_list = {"AWS_.*"};
    config.stores = {{"storage-local", (root_ / "stores/us").string()}};
    config.host_environment = {{"AWS_ACCESS_KEY_ID", "node-key"}};
    return config;
  }

  models::Job Job(const std::string& sql) const {
    models::Job job;
    job.id = "j-lock";
    job.type = models::JobType::kBatch;
    job.count = 1;
    job.task.engine = {"duckdb", json{{"SQL", sql}}};
    job.task.input_sources = {
        {{"local", json{{"SourcePath", (root_ / "host/sales").string()}}}, "", "/inputs"}};
    return job;
  }

  ExecutionOutcome Run(const models::Job& job, const std::string& id) {
    models::Execution execution;
    execution.id = id;
    execution.job_id = job.id;
    execution.node_id = "compute-us-1";
    return runner_->Run(job, execution, nullptr);
  }

  // Runs `sql`, which must fail with a message containing each of `parts`; then a normal job on
  // the same runner, which must succeed.
  void ExpectRefused(const std::string& sql, const std::vector<std::string>& parts,
                     models::Job job = {}) {
    if (job.task.engine.type.empty()) job = Job(sql);
    const ExecutionOutcome refused = Run(job, "e-refused-" + std::to_string(++runs_));
    EXPECT_FALSE(refused.succeeded) << sql;
    EXPECT_EQ(refused.run_output.exit_code, 1) << sql;
    for (const std::string& part : parts) {
      EXPECT_NE(refused.run_output.error_message.find(part), std::string::npos)
          << sql << "\nexpected: " << part << "\nmessage: " << refused.run_output.error_message;
    }
    // The node's real paths stay out of its messages, unless the job wrote them itself.
    const std::string work = (root_ / "work").string();
    if (job.task.engine.params["SQL"].get<std::string>().find(work) == std::string::npos) {
      EXPECT_EQ(refused.run_output.error_message.find(work), std::string::npos)
          << refused.run_output.error_message;
    }
    ExpectHealthy();
  }

  // A normal job: its input, its region's bucket, an output file.
  void ExpectHealthy() {
    models::Job job = Job(
        "SET s3_url_style = 'path';\n"
        "COPY (SELECT (SELECT sum(amount) FROM read_csv('/inputs/*.csv')) + (SELECT sum(amount) "
        "FROM read_csv('s3://my-bucket/events/*.csv')) AS total) TO '/outputs/total.csv';\n"
        "SELECT total FROM read_csv('/outputs/total.csv');");
    job.task.result_paths = {{"outputs", "/outputs"}};
    const ExecutionOutcome outcome = Run(job, "e-healthy-" + std::to_string(++runs_));
    ASSERT_TRUE(outcome.succeeded) << outcome.run_output.error_message;
    EXPECT_EQ(ReadFile(fs::path(outcome.result_dir) / "outputs/total.csv"), "total\n35\n");
  }

  shoal::testing::TempDir root_;
  std::unique_ptr<ExecutionRunner> runner_;
  int runs_ = 0;
};

const std::string kReach = "this execution reaches only /data, /inputs, /outputs, s3://my-bucket";

TEST_F(SandboxLockTest, HostFilesAreRefused) {
  ExpectRefused("SELECT * FROM read_csv('/etc/passwd')",
                {"Cannot access file \"/etc/passwd\"", kReach});
  const std::string secret = (root_ / "node-secret.txt").string();
  ExpectRefused("SELECT * FROM read_text('" + secret + "')",
                {"Cannot access file \"" + secret + "\"", kReach});
  ExpectRefused("SELECT * FROM read_text('/inputs/../../node-secret.txt')", {"Permission Error"});
  // The local input's host folder is reached only through /inputs.
  const std::string host = (root_ / "host/sales/a.csv").string();
  ExpectRefused("SELECT * FROM read_csv('" + host + "')", {"Cannot access file \"" + host + "\""});
}

TEST_F(SandboxLockTest, TheNodesDataDirectoryAndOtherExecutionsAreRefused) {
  // Another job leaves outputs behind on this node: in its sandbox and in its result tree.
  models::Job victim =
      Job("COPY (SELECT 'private' AS s) TO '/outputs/secret.csv';\n"
          "COPY (SELECT 'private' AS s) TO '/metrics/secret.csv';");
  victim.task.result_paths = {{"metrics", "/metrics"}};
  ASSERT_TRUE(Run(victim, "e-victim").succeeded);
  const fs::path other = root_ / "work/executions/e-victim";
  ASSERT_TRUE(fs::exists(other / "fs/outputs/secret.csv"));
  ASSERT_TRUE(fs::exists(other / "result/metrics/secret.csv"));
  for (const fs::path& path : {other / "fs/outputs/secret.csv", other / "result/metrics/secret.csv",
                               other / "result/stdout"}) {
    ExpectRefused("SELECT * FROM read_text('" + path.string() + "')",
                  {"Cannot access file \"" + path.string() + "\"", kReach});
  }
  const std::string work = (root_ / "work").string();
  ExpectRefused("SELECT * FROM glob('" + work + "/**')",
                {"Cannot access file \"" + work + "/**\""});
  // Its own sandbox by real path is no way around it either.
  const std::string own =
      work + "/executions/e-refused-" + std::to_string(runs_ + 1) + "/fs/outputs/x.csv";
  ExpectRefused("COPY (SELECT 1 AS x) TO '" + own + "'", {"Cannot access file \"" + own + "\""});
}

TEST_F(SandboxLockTest, SymbolicLinksOutOfItsFoldersAreRefused) {
  // A `local` input whose host folder holds links: out to the node's files, and within itself.
  fs::create_directories(root_ / "host/sales/links");
  fs::create_symlink(root_ / "node-secret.txt", root_ / "host/sales/links/secret.csv");
  fs::create_directory_symlink(root_.path(), root_ / "host/sales/links/up");
  fs::create_symlink("../a.csv", root_ / "host/sales/links/a.csv");
  const std::string out =
      "leads outside this execution's sandbox, which reaches only /data, "
      "/inputs, /outputs, s3://my-bucket";
  ExpectRefused("SELECT * FROM read_csv('/inputs/links/secret.csv')",
                {"Cannot access \"/inputs/links/secret.csv\": the symbolic link "
                 "\"/inputs/links/secret.csv\" " +
                 out});
  ExpectRefused("SELECT * FROM read_text('/inputs/links/up/node-secret.txt')",
                {"the symbolic link \"/inputs/links/up\" " + out});
  ExpectRefused("SELECT * FROM glob('/inputs/links/up/*')",
                {"the symbolic link \"/inputs/links/up\" " + out});
  ExpectRefused("SELECT * FROM read_csv('/inputs/links/up/../node-secret.txt')",
                {"the symbolic link \"/inputs/links/up\" " + out});
  // Its own link works, and reads as the path the job wrote.
  const ExecutionOutcome inside = Run(Job("SELECT sum(amount) AS total, any_value(filename) AS f "
                                          "FROM read_csv('/inputs/links/a.csv', filename = true)"),
                                      "e-inside-link");
  ASSERT_TRUE(inside.succeeded) << inside.run_output.error_message;
  EXPECT_NE(inside.run_output.stdout_text.find("/inputs/links/a.csv"), std::string::npos)
      << inside.run_output.stdout_text;
  EXPECT_NE(inside.run_output.stdout_text.find("30"), std::string::npos);
}

TEST_F(SandboxLockTest, HttpUrlsAreRefusedWithoutAConnection) {
  shoal::testing::LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  for (const std::string scheme : {"http://", "https://"}) {
    ExpectRefused("SELECT * FROM read_csv('" + scheme + listener.address() + "/x.csv')",
                  {"an execution does not reach the network (http:// and https:// are refused)"});
  }
  EXPECT_FALSE(listener.Contacted());
}

TEST_F(SandboxLockTest, NoRealPathOfTheNodeReachesTheJob) {
  // Every setting, as a job lists them.
  models::Job job =
      Job("SELECT name, value FROM duckdb_settings();\n"
          "SELECT current_setting('temp_directory') AS t, current_setting('home_directory') AS h;");
  job.task.resources.disk = "1GiB";
  const ExecutionOutcome listed = Run(job, "e-settings");
  ASSERT_TRUE(listed.succeeded) << listed.run_output.error_message;
  EXPECT_NE(listed.run_output.stdout_text.find("allowed_directories"), std::string::npos);
  EXPECT_NE(listed.run_output.stdout_text.find("/.tmp"), std::string::npos);
  EXPECT_EQ(listed.run_output.stdout_text.find(root_.string()), std::string::npos)
      << listed.run_output.stdout_text;
  // Errors about its own folders name the virtual paths.
  ExpectRefused("SELECT * FROM read_csv('/inputs/missing.csv')", {"\"/inputs/missing.csv\""});
  ExpectRefused("COPY (SELECT 1 AS x) TO '/outputs/missing/x.csv'",
                {"Cannot open file \"/outputs/missing/x.csv\""});
  // (ExpectRefused checks that no message names the work directory the SQL did not name.)
}

TEST_F(SandboxLockTest, WritesOutsideItsOutputsAreRefused) {
  const std::string outside = (root_ / "dropped.csv").string();
  ExpectRefused("COPY (SELECT 1 AS x) TO '" + outside + "'",
                {"Cannot access file \"" + outside + "\""});
  ExpectRefused("COPY (SELECT 1 AS x) TO '/inputs/new.csv'",
                {"Cannot write \"/inputs/new.csv\": /inputs is read-only in this execution"});
  ExpectRefused("COPY (SELECT 1 AS x) TO 's3://my-bucket/events/new.csv'",
                {"s3://my-bucket is read-only in this execution"});
  EXPECT_FALSE(fs::exists(outside));
  EXPECT_FALSE(fs::exists(root_ / "host/sales/new.csv"));
  EXPECT_FALSE(fs::exists(root_ / "stores/us/my-bucket/events/new.csv"));
  // A `local` input with ReadWrite is writable.
  models::Job job = Job("COPY (SELECT 1 AS x) TO '/inputs/new.csv'");
  job.task.input_sources[0].source.params["ReadWrite"] = true;
  const ExecutionOutcome writable = Run(job, "e-read-write");
  ASSERT_TRUE(writable.succeeded) << writable.run_output.error_message;
  EXPECT_EQ(ReadFile(root_ / "host/sales/new.csv"), "x\n1\n");
}

TEST_F(SandboxLockTest, SettingsExtensionsAndTheEnvironmentAreRefused) {
  ExpectRefused("SET enable_external_access = true",
                {"Cannot change configuration option \"enable_external_access\"",
                 "an execution's settings are fixed"});
  ExpectRefused("SET memory_limit = '100GB'", {"configuration option \"memory_limit\""});
  ExpectRefused(
      "SET s3_endpoint = 'evil:9000'",
      {"s3_endpoint 'evil:9000' is not one of this node's stores", "SQL may name storage-local"});
  ExpectRefused("LOAD httpfs", {"extensions cannot be installed or loaded in an execution"});
  ExpectRefused("INSTALL httpfs", {"extensions cannot be installed or loaded in an execution"});
  ExpectRefused("SELECT getenv('AWS_ACCESS_KEY_ID')",
                {"getenv() is refused: a job cannot read the node's environment"});
  ExpectRefused("CALL enable_logging(storage = 'file', storage_path = '" + root_.string() + "')",
                {"enable_logging() is refused"});
  // Naming the region's own store is fine.
  const ExecutionOutcome named =
      Run(Job("SET s3_endpoint = 'storage-local:9000';\n"
              "SELECT count(*) AS n FROM read_csv('s3://my-bucket/events/*.csv')"),
          "e-named-store");
  EXPECT_TRUE(named.succeeded) << named.run_output.error_message;
}

// Issue 18: `SET s3_endpoint = 'storage:9000'` was refused where the same endpoint in the job's
// Env read the node's `storage` folder store. One rule now: either names the store s3:// reads.
TEST_F(SandboxLockTest, SqlNamesAFolderStoreAsTheJobsEnvWould) {
  WriteFile(root_ / "stores/global/my-bucket/events/e.csv", "amount\n7\n8\n");
  NodeConfig config = Config();
  config.stores.push_back({"storage", (root_ / "stores/global").string()});
  runner_ = std::make_unique<ExecutionRunner>(config);
  const std::string sum =
      "SELECT sum(amount) AS total FROM read_csv('s3://my-bucket/events/*.csv')";
  auto total = [&](const models::Job& job, const std::string& id) {
    const ExecutionOutcome outcome = Run(job, id);
    EXPECT_TRUE(outcome.succeeded) << id << ": " << outcome.run_output.error_message;
    return outcome.run_output.stdout_text;
  };
  EXPECT_EQ(total(Job(sum), "e-default"), "total\n-----\n    5\n(1 row)\n");  // the region's
  const std::string fifteen = "total\n-----\n   15\n(1 row)\n";
  EXPECT_EQ(total(Job("SET s3_endpoint = 'storage:9000';\n" + sum), "e-sql"), fifteen);
  models::Job in_env = Job(sum);
  in_env.task.env["DUCKDB_S3_ENDPOINT"] = "storage:9000";
  EXPECT_EQ(total(in_env, "e-env"), fifteen);
  // Stores may share bucket names, so an execution reads one folder store's buckets.
  ExpectRefused("SET s3_endpoint = 'storage:9000'; SET s3_endpoint = 'storage-local:9000';\n" + sum,
                {"the SQL sets s3_endpoint to two folder stores ('storage' and 'storage-local')"});
  models::Job conflicting = Job("SET s3_endpoint = 'storage';\n" + sum);
  conflicting.task.env["DUCKDB_S3_ENDPOINT"] = "storage-local:9000";
  ExpectRefused("",
                {"the SQL sets s3_endpoint to the folder store 'storage' while "
                 "Env.DUCKDB_S3_ENDPOINT names the folder store 'storage-local'"},
                conflicting);
}

TEST_F(SandboxLockTest, MemoryBeyondTheLimitSpillsInsideTheSandboxOrFailsClearly) {
  models::Job job = Job(
      "SELECT current_setting('temp_directory') AS tmp, current_setting('memory_limit') AS mem, "
      "current_setting('max_temp_directory_size') AS disk;\n"
      "SELECT sum(x) AS total FROM (SELECT range::VARCHAR || 'padding-padding-padding' AS s, "
      "range AS x FROM range(4000000) ORDER BY s)");
  job.task.resources.memory = "64MiB";
  job.task.resources.cpu = "1";
  job.task.resources.disk = "2GiB";
  const ExecutionOutcome spilled = Run(job, "e-spill");
  ASSERT_TRUE(spilled.succeeded) << spilled.run_output.error_message;
  // The temp directory is seen by its virtual name; it really is <work>/executions/<id>/tmp.
  EXPECT_EQ(spilled.run_output.stdout_text.find(root_.string()), std::string::npos);
  for (const std::string& part : {std::string("/.tmp"), std::string("64.0 MiB"),
                                  std::string("2.0 GiB"), std::string("7999998000000")}) {
    EXPECT_NE(spilled.run_output.stdout_text.find(part), std::string::npos)
        << part << "\n"
        << spilled.run_output.stdout_text;
  }
  EXPECT_FALSE(fs::exists(root_ / "work/executions/e-spill/tmp"));  // DuckDB removed it

  job.task.engine.params["SQL"] =
      "SELECT length(string_agg(range::VARCHAR || 'padding', ',')) FROM range(20000000)";
  ExpectRefused(
      "",
      {"Out of Memory Error", "note: this execution's memory limit is 64MiB (Resources.Memory)"},
      job);
}

TEST_F(SandboxLockTest, ALongQueryStopsAtItsTimeoutAndTheNextExecutionRuns) {
  models::Job job = Job("SELECT count(*) FROM range(100000000000)");
  job.task.timeouts.execution_timeout = 1;
  const auto start = std::chrono::steady_clock::now();
  ExpectRefused("", {"execution timed out after 1 s"}, job);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
}

}  // namespace
}  // namespace shoal::compute
