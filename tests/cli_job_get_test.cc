// `shoal job get|describe|list|history|logs|stop`, `node list` and `agent alive` as a user runs
// them: the real binary against a fake orchestrator (cli_job_fixture.h).
#include "cli_job_fixture.h"

namespace shoal {
namespace {

using namespace cli_job_testing;  // NOLINT: the fake orchestrator and the fixture

TEST_F(CliJobTest, GetDownloadsEveryResultFile) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  fake.published()[1].files["outputs/part 0.csv"] = "a,b\n1,2\n";
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", "trends", "--output-dir", out.string()}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadWholeFile(out / "e-1" / "outputs" / "part 0.csv"), "a,b\n1,2\n");
  EXPECT_EQ(testing::ReadWholeFile(out / "e-2" / "stdout"), "ignored\n");
  EXPECT_TRUE(fs::exists(out / "e-1" / "result.json"));
  EXPECT_NE(r.out.find("wrote 4 files"), std::string::npos) << r.out;
}

// A fetch item of the fake: `state` ready, pending or failed.
Json Fetch(const std::string& execution_id, const std::string& state,
           const std::string& message = "") {
  return {{"ExecutionID", execution_id},
          {"NodeID", "compute-us-" + execution_id.substr(2)},
          {"PartitionIndex", std::stoi(execution_id.substr(2)) - 1},
          {"State", state},
          {"Message", message}};
}

TEST_F(CliJobTest, GetWaitsForStorePublishedResultsAndNamesTheOnesThatFailed) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  const std::string reason = "no connected node can reach store storage-local (folder:/srv/us)";
  // About 1.4 s of pending fetches (a note on stderr), then e-1 arrives and e-2 fails; after
  // that the orchestrator would retry e-2, which this `job get` does not wait for.
  for (int i = 0; i < 7; ++i) {
    fake.fetch_rounds.push_back({Fetch("e-1", "pending"), Fetch("e-2", "pending")});
  }
  fake.fetch_rounds.push_back({Fetch("e-1", "pending"), Fetch("e-2", "failed", reason)});
  fake.fetch_rounds.push_back({Fetch("e-1", "ready"), Fetch("e-2", "pending")});
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", "trends", "--output-dir", out.string()}, env);
  ASSERT_EQ(r.exit_code, 1) << r.err;  // partial results are written, but not a success
  EXPECT_NE(r.err.find("1 execution's results are missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shoal job get: fetching the results of 2 executions from their stores"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("shoal job get: warning: the results of execution e-2 (partition 1, node "
                       "compute-us-2) could not be fetched from their store: " +
                       reason),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(out / "e-1" / "result.json"));
  EXPECT_FALSE(fs::exists(out / "e-2"));  // listed by the fake's results, but not fetched
  EXPECT_NE(r.out.find("wrote 1 file ("), std::string::npos) << r.out;
}

TEST_F(CliJobTest, GetFailsWhenNoResultCanBeFetchedOrFetchingTakesTooLong) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  fake.fetch_rounds.push_back({Fetch("e-1", "failed", "node compute-us-1: NoSuchKey"),
                               Fetch("e-2", "failed", "node compute-us-2: NoSuchKey")});
  auto env = fake.Start();
  auto r = Shoal({"job", "get", "trends", "--output-dir", (dir_ / "none").string()}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: no results of job " + std::string(kJobId) +
                       " could be fetched; run the command again to retry"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "none"));

  FakeOrchestrator slow;
  PublishTrends(slow);
  slow.fetch_rounds.push_back(
      {Fetch("e-1", "ready"), Fetch("e-2", "pending", "node compute-us-2 is fetching")});
  env = slow.Start();
  r = Shoal({"job", "get", "trends", "--output-dir", (dir_ / "slow").string(),
             "--fetch-timeout-secs", "1"},
            env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: gave up after 1 s waiting for the results of 1 execution "
                       "to be fetched from their stores (e-2: node compute-us-2 is fetching)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "slow"));
}

TEST_F(CliJobTest, GetRefusesPathsThatLeaveTheOutputFolder) {
  FakeOrchestrator fake;
  fake.published().push_back(
      {"e-1", "compute-us-1", 0, {{"stdout", "fine"}, {"../../escape.txt", "gotcha"}}});
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", kJobId, "--output-dir", out.string()}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: refusing result file path '../../escape.txt' from the "
                       "orchestrator: it contains '..'"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_ / "escape.txt"));
}

TEST_F(CliJobTest, DescribeListHistoryLogsAndStop) {
  FakeOrchestrator fake;
  fake.running_polls = 0;
  PublishTrends(fake);
  models::ExecutionStats& stats = fake.stats()["e-2"];
  stats.bytes_read = 1500000;
  stats.rows_read = 4321;
  stats.result_rows = 2;
  stats.running_ms = 37;
  fake.stats()["e-1"].progress = 0.456;
  fake.stats()["e-1"].bytes_read = 2048;
  auto env = fake.Start();

  auto describe = Shoal({"job", "describe", "trends"}, env);
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("ID:          " + std::string(kJobId)), std::string::npos);
  EXPECT_NE(describe.out.find("State:       Completed"), std::string::npos);
  EXPECT_NE(describe.out.find("e-2 | compute-us-2 |         1 | Completed   |       1 |"),
            std::string::npos)
      << describe.out;
  // What each execution read and produced, as its node reported it.
  EXPECT_NE(describe.out.find("READ   | ROWS READ | RESULT ROWS | RUN"), std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("| 1.5 MB |      4321 |           2 | 37 ms |"), std::string::npos)
      << describe.out;
  // A running execution shows how far it is.
  EXPECT_NE(describe.out.find("| Running 45% |"), std::string::npos) << describe.out;
  auto json = Shoal({"job", "describe", "trends", "--output", "json"}, env);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)["Executions"].size(), 2u);

  auto history = Shoal({"job", "history", "trends", "--output", "csv"}, env);
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("TIME,LEVEL,EXEC. ID,TOPIC,EVENT\n"), std::string::npos);
  EXPECT_NE(history.out.find(",Job,,Submission,job submitted\n"), std::string::npos) << history.out;
  auto executions = Shoal({"job", "executions", "trends", "--output", "json"}, env);
  ASSERT_EQ(executions.exit_code, 0) << executions.err;
  EXPECT_EQ(Json::parse(executions.out).size(), 2u);
  for (const Json& e : Json::parse(executions.out)) {
    if (e["ID"] == "e-1") {
      EXPECT_EQ(e["Stats"]["Progress"], 0.456);
    }
  }
  auto executions_csv = Shoal({"job", "executions", "trends", "--output", "csv"}, env);
  ASSERT_EQ(executions_csv.exit_code, 0) << executions_csv.err;
  EXPECT_NE(executions_csv.out.find("STATE,DESIRED,READ,ROWS READ,RUN,ERROR\n"), std::string::npos)
      << executions_csv.out;
  EXPECT_NE(executions_csv.out.find(",Running 45%,Pending,2.0 KB,0,0 ms,"), std::string::npos)
      << executions_csv.out;

  auto logs = Shoal({"job", "logs", "trends", "-e", "e-1"}, env);
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "logs of e-1\n");
  auto follow = Shoal({"job", "logs", "trends", "--follow"}, env);
  ASSERT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_EQ(follow.out,
            "execution e-2 on compute-us-2:\nlogs of e-2\n"
            "execution e-1 on compute-us-1:\nlogs of e-1\n");

  auto stop = Shoal({"job", "stop", "trends"}, env);
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "stopped job " + std::string(kJobId) + "\n");
  auto quiet = Shoal({"job", "stop", "trends", "--quiet"}, env);
  EXPECT_EQ(quiet.out, "");
}

TEST_F(CliJobTest, JobListShowsShortIdsAndUnknownJobsFail) {
  FakeOrchestrator fake;
  fake.running_polls = 0;
  auto env = fake.Start();
  auto list = Shoal({"job", "list", "--output", "csv"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "ID,NAME,TYPE,STATE,CREATED\nj-0b1c2d3e,trends,batch,Completed,\n");

  auto unknown = Shoal({"job", "describe", "nope"}, env);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "shoal job describe: job 'nope' not found\n");
}

TEST_F(CliJobTest, NodeListAndAgentAlive) {
  FakeOrchestrator fake;
  models::Node us;
  us.id = "compute-us-1";
  us.labels = {{"region", "us"}, {"zone", "a"}};
  us.membership = models::NodeMembership::kApproved;
  us.connection = models::NodeConnection::kConnected;
  us.last_heartbeat =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          (std::chrono::system_clock::now() - std::chrono::minutes(3)).time_since_epoch())
          .count();
  models::Node eu;
  eu.id = "compute-eu-1";
  eu.labels = {{"region", "eu"}};
  fake.nodes() = {us, eu};
  auto env = fake.Start();

  auto list = Shoal({"node", "list"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "ID           | LABELS           | MEMBERSHIP | CONNECTION   | LAST HEARTBEAT\n"
            "-------------|------------------|------------|--------------|---------------\n"
            "compute-us-1 | region=us,zone=a | APPROVED   | CONNECTED    | 3m ago\n"
            "compute-eu-1 | region=eu        | PENDING    | DISCONNECTED | never\n"
            "(2 rows)\n");
  auto json = Shoal({"node", "list", "--output", "json"}, env);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)[1]["ID"], "compute-eu-1");

  // No SHOAL_API_HOST: the default host, localhost, must reach a server on 127.0.0.1.
  auto alive = Shoal({"agent", "alive"}, {{"SHOAL_API_HOST", ""},
                                          {"BACALHAU_API_HOST", ""},
                                          {"SHOAL_API_PORT", env["SHOAL_API_PORT"]}});
  EXPECT_EQ(alive.exit_code, 0) << alive.err;
  EXPECT_EQ(alive.out, "OK\n");
}

}  // namespace
}  // namespace shoal
