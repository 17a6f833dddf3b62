// What a Bacalhau user types, against a real `shoal devstack` process (one node per region,
// folder stores): the listing flags (--order-by, --order-reversed, --hide-header, --no-style,
// --wide, --output yaml), `job versions`, `job rerun`, `job describe --version`, `job results`,
// `job logs --tail`, `job get --raw --download-timeout-secs`, `job run --node-details
// --hide-warnings` and `-V A=1,B=2`, and `node list --filter-status --filter-approval --labels
// --show`, `node delete` of a connected node, and a job whose error recurs on any node failing
// at its first attempt. Each flag is checked for its effect, not only
// accepted. The devstack serves every case; the cases add jobs but never change the others'.

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "devstack_process.h"
#include "fault_proxy.h"
#include "generator_job.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::Contains;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using ::shoal::testing::SplitLines;
using Json = nlohmann::json;

class CliParityTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    temp_dir_ = testing::TempDir("cli-parity");
    dir_ = temp_dir_.path();
    devstack_ = std::make_unique<testing::DevstackProcess>(dir_);
    if (!devstack_->Start({"--nodes-per-region", "1"})) {
      setup_error_ = "the devstack did not start:\n" + devstack_->Log();
      return;
    }
    env_ = devstack_->Environment();
    // Bacalhau's comma form of -V sets every variable of the generator at once.
    auto generated =
        Shoal({"job", "run", testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, dir_), "-V",
               "Region=us,Events=60,StartDate=2024-01-01", "-V", "EndDate=2024-02-29", "-V",
               "RotateInterval=month"});
    if (generated.exit_code != 0) {
      setup_error_ = "generating failed: " + generated.err + devstack_->Log();
    }
  }

  static void TearDownTestSuite() {
    if (devstack_) devstack_->Stop();
    devstack_.reset();
    temp_dir_ = testing::TempDir();  // removes the folder, unless a case failed
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static ProcessResult Shoal(std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "", env_);
  }

  // A duckdb job named `name` over the US events, printing `rows` rows (its stdout is the
  // table the duckdb engine prints: a header, a rule, the rows and a row count).
  static std::string RowsJob(const std::string& name, int rows) {
    const fs::path path = dir_ / (name + ".yaml");
    std::ofstream(path) << "Name: " << name
                        << "\nType: batch\nCount: 1\nConstraints:\n"
                           "  - Key: region\n    Operator: \"==\"\n    Values: [\"us\"]\n"
                           "Tasks:\n  - Name: main\n    Engine:\n      Type: duckdb\n"
                           "      Params:\n        SQL: SELECT range AS n FROM range("
                        << rows << ") ORDER BY n\n";
    return path.string();
  }

  static Json ParseJson(const ProcessResult& r) {
    EXPECT_EQ(r.exit_code, 0) << r.err;
    Json parsed = Json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << r.out;
    return parsed;
  }

  static inline testing::TempDir temp_dir_;
  static inline fs::path dir_;  // temp_dir_'s path
  static inline std::unique_ptr<testing::DevstackProcess> devstack_;
  static inline std::map<std::string, std::string> env_;
  static inline std::string setup_error_;
};

TEST_F(CliParityTest, JobListOrdersPagesAndStylesAsAsked) {
  for (const std::string name : {"list-b", "list-a", "list-c"}) {
    ASSERT_EQ(Shoal({"job", "run", RowsJob(name, 1), "--id-only"}).exit_code, 0);
  }
  auto ids = [](const Json& jobs) {
    std::vector<std::string> out;
    for (const Json& job : jobs) out.push_back(job["ID"]);
    return out;
  };
  const Json newest_first = ParseJson(Shoal({"job", "list", "--limit", "0", "--output", "json"}));
  const Json by_id =
      ParseJson(Shoal({"job", "list", "--limit", "0", "--order-by", "id", "--output", "json"}));
  const Json by_id_reversed = ParseJson(Shoal(
      {"job", "list", "--limit", "0", "--order-by", "id", "--order-reversed", "--output", "json"}));
  ASSERT_GE(newest_first.size(), 4u);
  std::vector<std::string> sorted = ids(newest_first);
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(ids(by_id), sorted);
  EXPECT_EQ(ids(by_id_reversed), std::vector<std::string>(sorted.rbegin(), sorted.rend()));
  EXPECT_EQ(newest_first[0]["Name"], "list-c");
  const Json oldest_first =
      ParseJson(Shoal({"job", "list", "--limit", "0", "--order-reversed", "--output", "json"}));
  const std::vector<std::string> newest_ids = ids(newest_first);
  EXPECT_EQ(ids(oldest_first), std::vector<std::string>(newest_ids.rbegin(), newest_ids.rend()));

  // Pages in ID order, and the hint names the order the token belongs to.
  auto page = Shoal({"job", "list", "--limit", "2", "--order-by", "id", "--output", "csv"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_TRUE(Contains(page.err, "more jobs: shoal job list --order-by id --next-token "))
      << page.err;

  // YAML is the same list.
  auto yaml = Shoal({"job", "list", "--limit", "0", "--output", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  YAML::Node listed = YAML::Load(yaml.out);
  ASSERT_TRUE(listed.IsSequence()) << yaml.out;
  ASSERT_EQ(listed.size(), newest_first.size());
  EXPECT_EQ(listed[0]["ID"].as<std::string>(), newest_first[0]["ID"].get<std::string>());
  EXPECT_EQ(listed[0]["Version"].as<int>(), 1);

  // Styles: no header, no decoration, whole IDs.
  auto plain = Shoal({"job", "list", "--limit", "0", "--hide-header", "--no-style", "--wide"});
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  const std::vector<std::string> rows = SplitLines(plain.out);
  ASSERT_EQ(rows.size(), newest_first.size()) << plain.out;
  EXPECT_EQ(rows[0].rfind(newest_first[0]["ID"].get<std::string>() + "  list-c", 0), 0u)
      << plain.out;
  EXPECT_FALSE(Contains(plain.out, "|")) << plain.out;
  auto short_ids = Shoal({"job", "list", "--limit", "1"});
  EXPECT_TRUE(Contains(short_ids.out, newest_first[0]["ID"].get<std::string>().substr(0, 10)));
  EXPECT_FALSE(Contains(short_ids.out, newest_first[0]["ID"].get<std::string>()));

  auto bad = Shoal({"job", "list", "--order-by", "name"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "shoal job list: --order-by: unknown field 'name'; use created_at (newest first) or "
            "id\n");
}

TEST_F(CliParityTest, RerunMakesANewVersionThatVersionsAndDescribeShow) {
  auto first = Shoal({"job", "run", RowsJob("rerun-me", 3), "--merge", "--output", "csv"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(first.out, "n\n0\n1\n2\n");

  auto rerun = Shoal({"job", "rerun", "rerun-me"});
  ASSERT_EQ(rerun.exit_code, 0) << rerun.err;
  EXPECT_TRUE(Contains(rerun.out, " runs again as version 2\n")) << rerun.out;
  // Wait for version 2 with the CLI: `job results` exits 3 until it has completed.
  ProcessResult results;
  for (int i = 0; i < 300; ++i) {
    results = Shoal({"job", "results", "rerun-me", "--merge", "--output", "csv"});
    if (results.exit_code != 3) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(results.exit_code, 0) << results.err;
  EXPECT_EQ(results.out, first.out);

  const Json versions = ParseJson(Shoal({"job", "versions", "rerun-me", "--output", "json"}));
  ASSERT_EQ(versions.size(), 2u) << versions.dump();
  EXPECT_EQ(versions[0]["Version"], 1);
  EXPECT_EQ(versions[1]["Version"], 2);
  EXPECT_EQ(versions[0]["Tasks"], versions[1]["Tasks"]);
  auto table = Shoal({"job", "versions", "rerun-me", "--hide-header"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_EQ(SplitLines(table.out).size(), 2u) << table.out;

  auto described =
      Shoal({"job", "describe", "rerun-me", "--version", "1", "--output", "yaml", "--pretty"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  YAML::Node v1 = YAML::Load(described.out);
  EXPECT_EQ(v1["Job"]["Version"].as<int>(), 1) << described.out;
  EXPECT_EQ(v1["Executions"].size(), 1u) << described.out;
  EXPECT_EQ(v1["Executions"][0]["JobVersion"].as<int>(), 1) << described.out;
  auto missing = Shoal({"job", "describe", "rerun-me", "-v", "9"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "has no version 9 (its versions are 1 to 2)")) << missing.err;
}

TEST_F(CliParityTest, LogsTailNodeDetailsHiddenWarningsAndRawGet) {
  // A reserved Meta key draws a warning from the orchestrator; --hide-warnings keeps it quiet.
  const std::string file = RowsJob("tail-me", 20);
  std::ofstream(file, std::ios::app) << "Meta:\n  bacalhau.org/requester: me\n";
  auto run = Shoal({"job", "run", file, "--node-details", "--hide-warnings", "--output", "json"});
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_FALSE(Contains(run.err, "warning")) << run.err;
  EXPECT_TRUE(Contains(run.err, "executions of job ")) << run.err;
  EXPECT_TRUE(Contains(run.err, "compute-us-1 | us ")) << run.err;
  const Json ran = Json::parse(run.out);  // stdout is the results alone
  const std::string id = ran["JobID"];

  auto all = Shoal({"job", "logs", id});
  auto tail = Shoal({"job", "logs", id, "--tail"});
  ASSERT_EQ(tail.exit_code, 0) << tail.err;
  const std::vector<std::string> all_lines = SplitLines(all.out);
  ASSERT_GT(all_lines.size(), 20u) << all.out;
  EXPECT_EQ(SplitLines(tail.out), std::vector<std::string>(all_lines.end() - 10, all_lines.end()))
      << tail.out;

  const fs::path out = dir_ / "raw-get";
  auto get = Shoal(
      {"job", "get", id, "--raw", "--download-timeout-secs", "30", "--output-dir", out.string()});
  ASSERT_EQ(get.exit_code, 0) << get.err;
  EXPECT_TRUE(
      fs::exists(out / ran["Executions"][0]["ExecutionID"].get<std::string>() / "result.json"))
      << get.out;

  auto warned = Shoal({"job", "run", file, "--force", "--id-only"});
  EXPECT_TRUE(Contains(warned.err, "warning")) << warned.err;
}

// SQL that parses but names a column no file has fails on every node alike: the job fails at
// its first attempt instead of three, and says why.
TEST_F(CliParityTest, AnErrorNoRetryCanFixFailsTheJobAtOnce) {
  const fs::path file = dir_ / "no-such-column.yaml";
  std::ofstream(file) << "Name: no-such-column\nType: batch\nCount: 1\nTasks:\n  - Name: main\n"
                         "    Engine:\n      Type: duckdb\n      Params:\n"
                         "        SQL: SELECT no_such_column FROM range(3)\n";
  auto run = Shoal({"job", "run", file.string()});
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_TRUE(Contains(run.err, "failed with an error no retry can fix (not retried): "))
      << run.err;
  EXPECT_TRUE(Contains(run.err, "no_such_column")) << run.err;
  const Json executions =
      ParseJson(Shoal({"job", "executions", "no-such-column", "--output", "json"}));
  ASSERT_EQ(executions.size(), 1u) << executions.dump();
  EXPECT_EQ(executions[0]["RunOutput"]["Retryable"], false) << executions.dump();
}

TEST_F(CliParityTest, NodeListFiltersAndShowsColumnGroups) {
  const Json eu =
      ParseJson(Shoal({"node", "list", "--labels", "region=eu", "--filter-status", "connected",
                       "--filter-approval", "APPROVED", "--output", "json"}));
  ASSERT_EQ(eu.size(), 1u) << eu.dump();
  EXPECT_EQ(eu[0]["ID"], "compute-eu-1");
  const Json none =
      ParseJson(Shoal({"node", "list", "--filter-status", "disconnected", "--output", "json"}));
  EXPECT_TRUE(none.empty()) << none.dump();

  auto shown = Shoal({"node", "list", "--show", "capacity,version", "--labels", "region=us"});
  ASSERT_EQ(shown.exit_code, 0) << shown.err;
  const std::string header = SplitLines(shown.out).at(0);
  for (const std::string column : {"CPU", "MEMORY", "SLOTS", "VERSION"}) {
    EXPECT_TRUE(Contains(header, column)) << header;
  }
  EXPECT_FALSE(Contains(header, "LABELS")) << header;
  EXPECT_TRUE(Contains(shown.out, "compute-us-1")) << shown.out;
  EXPECT_FALSE(Contains(shown.out, "compute-eu-1")) << shown.out;

  auto yaml = Shoal({"node", "describe", "compute-us-1", "--output", "yaml"});
  ASSERT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_EQ(YAML::Load(yaml.out)["Labels"]["region"].as<std::string>(), "us") << yaml.out;

  auto bad = Shoal({"node", "list", "--filter-status", "gone"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "shoal node list: --filter-status: unknown value 'gone'; use CONNECTED or "
            "DISCONNECTED\n");
  auto connected = Shoal({"node", "delete", "compute-us-1"});
  EXPECT_EQ(connected.exit_code, 1);
  EXPECT_TRUE(Contains(connected.err,
                       "shoal node delete: node compute-us-1 is connected: stop "
                       "it first"))
      << connected.err;
  // The text form lists the plug-in types the node registered (compute/plugins.h).
  auto described = Shoal({"node", "describe", "compute-us-1"});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_TRUE(Contains(described.out, "Engines:        compact, duckdb, generator\n"))
      << described.out;
  EXPECT_TRUE(Contains(described.out, "Input sources:  local, s3\n")) << described.out;
  EXPECT_TRUE(Contains(described.out, "Publishers:     local, s3\n")) << described.out;
}

// An orchestrator killed after taking a submission but before answering it (seen in CI: the
// waiting `job run` exited 1 saying the connection closed, while its job ran on). A waiting
// `job run` submits again; "no changes" then means the lost submission was taken, and it waits
// for that job and prints its answer.
TEST_F(CliParityTest, AWaitingRunSurvivesALostAnswerToItsSubmission) {
  testing::FaultProxy proxy(devstack_->port());
  ASSERT_TRUE(proxy.ok());
  proxy.DropTheAnswerTo("PUT /api/v1/orchestrator/jobs ");
  std::map<std::string, std::string> env = env_;
  env["SHOAL_API_PORT"] = std::to_string(proxy.port());
  auto run = RunProcess({ShoalBinary(), "job", "run", RowsJob("answer-lost", 2), "--merge",
                         "--output", "csv", "--wait-timeout-secs", "60"},
                        "", env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_EQ(run.out, "n\n0\n1\n");
  EXPECT_TRUE(Contains(run.err, "lost the orchestrator (")) << run.err;
  EXPECT_TRUE(Contains(run.err, "submitting again until the wait ends")) << run.err;
  EXPECT_TRUE(Contains(run.err, "the orchestrator had taken job j-")) << run.err;
  // One job, one version: the second submission changed nothing.
  auto versions = Shoal({"job", "versions", "answer-lost", "--output", "json"});
  ASSERT_EQ(versions.exit_code, 0) << versions.err;
  EXPECT_EQ(Json::parse(versions.out).size(), 1u) << versions.out;
}

}  // namespace
}  // namespace shoal
