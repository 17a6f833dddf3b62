// The cluster as separate processes on loopback: an orchestrator, three US compute nodes sharing
// a regional store, and the CLI. A partitioned job must give the single-DuckDB answer even when a
// node is killed mid-execution, and an orchestrator killed mid-job and restarted loses nothing.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <thread>

#include "cluster_fixture.h"
#include "generator_job.h"
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "transport/http_client.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using transport::Json;

// Sums the region's transactions in 3 partitions; the padding makes each take a few seconds so
// the test can kill a node while it runs.
constexpr const char* kSlowSum = R"(
Name: slow-sum-{{.Tag}}
Type: batch
Count: 3
Constraints:
  - {Key: region, Operator: "==", Values: [us]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SET VARIABLE files = (SELECT LIST(file) FROM partition_by_hash('s3://my-bucket/transactions/**/*.jsonl'));
          SELECT count(*) AS n, sum(total_amount)::DECIMAL(18,2) AS revenue,
                 (SELECT count(*) FROM range({{.Pad}}) t(i) WHERE i % 7 = 3) > 0 AS padded
          FROM read_json_auto(getvariable('files'));
    Resources: {CPU: "1"}
)";

class ClusterTest : public testing::ClusterFixture {
 protected:
  void SetUp() override {
    // Short, so a killed node is noticed (and its partition rerun) within the test's time.
    node_timeout_s_ = 1.5;
    heartbeat_s_ = 0.2;
    ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  }

  std::string SubmitSlowSum(const std::string& tag, const std::string& pad) {
    fs::path spec = root_ / ("slow-sum-" + tag + ".yaml");
    std::ofstream(spec) << kSlowSum;
    auto run = Shoal({"job", "run", "--no-wait", "--id-only", "-V", "Tag=" + tag, "-V",
                      "Pad=" + pad, spec.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string id = run.out;
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
    return id;
  }
  // Sum of the partitions' (n, revenue) from their published result.json.
  std::pair<int64_t, double> Totals(const std::string& job_id) {
    auto results = client_->Get("/api/v1/orchestrator/jobs/" + job_id + "/results");
    EXPECT_TRUE(results.ok());
    EXPECT_EQ((*results)["Items"].size(), 3u);
    std::set<int64_t> partitions;
    int64_t n = 0;
    double revenue = 0;
    for (const auto& item : (*results)["Items"]) {
      partitions.insert(item["PartitionIndex"].get<int64_t>());
      auto bytes = client_->GetBytes("/api/v1/orchestrator/jobs/" + job_id + "/results/" +
                                     item["ExecutionID"].get<std::string>() + "/result.json");
      Json result = Json::parse(*bytes);
      if (result["Rows"].empty()) continue;
      n += result["Rows"][0][0].get<int64_t>();
      revenue += result["Rows"][0][1].get<double>();
    }
    EXPECT_EQ(partitions, (std::set<int64_t>{0, 1, 2}));
    return {n, revenue};
  }
};

TEST_F(ClusterTest, SurvivesAKilledNodeAndARestartedOrchestrator) {
  // The seed's data generator, as an ops job on every US node, into the regional store; with
  // NULLs in the data (generator_job.h).
  auto generated =
      Shoal({"job", "run", "-V", "Region=us", "-V", "Events=400", "-V", "StartDate=2024-01-01",
             "-V", "EndDate=2024-07-01", "-V", "RotateInterval=month",
             testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, root_)});
  ASSERT_EQ(generated.exit_code, 0) << generated.err << Logs();
  auto oracle = engine::Session::Open({}).value();
  auto expected = oracle->Query(
      "SELECT count(*), sum(total_amount)::DECIMAL(18,2), count(*) FILTER (total_amount IS NULL) "
      "FROM read_json_auto('" +
      (StoreDir("us") / "my-bucket/transactions/**/*.jsonl").string() + "')");
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  const int64_t expected_rows = std::stoll(expected->Text(0, 0));
  const double expected_revenue = std::stod(expected->Text(0, 1));
  EXPECT_EQ(expected_rows, 3 * 6 * 400);
  EXPECT_GT(std::stoll(expected->Text(0, 2)), 0) << "no NULL amounts to sum over";

  // Kill a node while it runs a partition: that partition is rerun on another node.
  std::string job_id = SubmitSlowSum("kill", "1500000000");
  std::string victim;
  ASSERT_TRUE(WaitUntil(30s, [&] {
    for (const auto& e : Executions(job_id)) {
      if (e["ComputeState"]["StateType"] == "Running") victim = e["NodeID"];
    }
    return !victim.empty();
  })) << Logs();
  int victim_index = victim.back() - '1';
  nodes_[victim_index]->Kill(SIGKILL);
  ASSERT_TRUE(WaitUntil(90s, [&] { return JobState(job_id) == "Completed"; }))
      << JobState(job_id) << "\n"
      << Logs();
  bool rerun = false;
  for (const auto& e : Executions(job_id)) {
    if (e["NodeID"] == victim && e["ComputeState"]["StateType"] == "Failed") rerun = true;
  }
  EXPECT_TRUE(rerun) << Executions(job_id).dump();
  auto [rows, revenue] = Totals(job_id);
  EXPECT_EQ(rows, expected_rows);
  EXPECT_NEAR(revenue, expected_revenue, 0.005);

  // The killed node comes back (it registers again), then the orchestrator is killed mid-job
  // and restarted on the same data dir: the job carries on, and a `shoal job run` waiting for it
  // reconnects and prints its answer.
  nodes_[victim_index] = StartNode(victim_index);
  ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 3; })) << Logs();
  fs::path spec = root_ / "slow-sum-restart.yaml";
  std::ofstream(spec) << kSlowSum;
  auto waiting = std::async(std::launch::async, [&] {
    return Shoal({"job", "run", "--merge", "--output", "csv", "-V", "Tag=restart", "-V",
                  "Pad=600000000", spec.string()});
  });
  std::string second;
  ASSERT_TRUE(WaitUntil(20s, [&] {
    auto job = client_->Get("/api/v1/orchestrator/jobs/slow-sum-restart");
    if (job.ok()) second = (*job)["Job"]["ID"];
    return !second.empty() && JobState(second) == "Running";
  })) << Logs();
  orchestrator_->Kill(SIGKILL);
  std::this_thread::sleep_for(1s);  // the waiting CLI finds nobody there
  StartOrchestrator();
  ASSERT_TRUE(WaitUntil(90s, [&] { return JobState(second) == "Completed"; }))
      << JobState(second) << "\n"
      << Logs();
  auto [rows2, revenue2] = Totals(second);
  EXPECT_EQ(rows2, expected_rows);
  EXPECT_NEAR(revenue2, expected_revenue, 0.005);
  const auto waited = waiting.get();
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_NE(waited.err.find("lost the orchestrator"), std::string::npos) << waited.err;
  EXPECT_NE(waited.err.find("reconnected to the orchestrator"), std::string::npos) << waited.err;
  EXPECT_EQ(waited.out.rfind("n,revenue", 0), 0u) << waited.out;  // the partitions' rows as CSV
  // The first job survived the restart too.
  auto described = Shoal({"job", "describe", job_id});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("Completed"), std::string::npos);
}

}  // namespace
}  // namespace shoal
