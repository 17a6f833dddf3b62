// The cluster as separate processes on loopback: an orchestrator, three US compute nodes sharing
// a regional store, and the CLI. A partitioned job must give the single-DuckDB answer even when a
// node is killed mid-execution, and an orchestrator killed mid-job and restarted loses nothing.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "run_process.h"
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "transport/http_client.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::RunProcess;
using testing::ShoalBinary;
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

class ClusterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("shoal-cluster-" + std::to_string(getpid()));
    fs::remove_all(root_);
    fs::create_directories(root_ / "store-us" / "my-bucket");
    port_ = testing::FreePort();
    // The nodes' own credentials, which the seed's job reads through env:AWS_ACCESS_KEY_ID.
    setenv("AWS_ACCESS_KEY_ID", "test-key", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "test-secret", 1);
    StartOrchestrator();
    for (int i = 0; i < 3; ++i) nodes_.push_back(StartNode(i));
    client_ = std::make_unique<transport::HttpClient>(transport::Endpoint{"127.0.0.1", port_});
    ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 3; })) << Logs();
  }
  void TearDown() override {
    nodes_.clear();
    orchestrator_.reset();
    if (!HasFailure()) fs::remove_all(root_);
  }

  void StartOrchestrator() {
    orchestrator_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{ShoalBinary(), "serve", "--orchestrator", "--host", "127.0.0.1",
                                 "--port", std::to_string(port_), "--data-dir",
                                 (root_ / "orchestrator").string(), "--node-timeout", "1.5",
                                 "--heartbeat-interval", "0.2"},
        (root_ / "orchestrator.log").string());
  }

  std::unique_ptr<BackgroundProcess> StartNode(int index) {
    std::string name = "compute-us-" + std::to_string(index + 1);
    return std::make_unique<BackgroundProcess>(
        std::vector<std::string>{ShoalBinary(), "serve", "--compute", "--orchestrator",
                                 "127.0.0.1:" + std::to_string(port_), "--name", name, "--labels",
                                 "region=us", "--data-dir", (root_ / name).string(), "--store",
                                 "storage-local=" + (root_ / "store-us").string()},
        (root_ / (name + "-" + std::to_string(++starts_) + ".log")).string());
  }

  static bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (std::chrono::steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  int ConnectedNodes() {
    auto nodes = client_->Get("/api/v1/orchestrator/nodes");
    if (!nodes.ok()) return 0;
    int connected = 0;
    for (const auto& n : (*nodes)["Items"]) connected += n["Connection"] == "CONNECTED";
    return connected;
  }
  std::string Logs() {
    std::string text;
    for (auto& entry : fs::directory_iterator(root_)) {
      if (entry.path().extension() == ".log") {
        text +=
            "--- " + entry.path().filename().string() + "\n" + testing::ReadWholeFile(entry.path());
      }
    }
    return text;
  }
  testing::ProcessResult Shoal(std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "",
                      {{"SHOAL_API_HOST", "127.0.0.1"}, {"SHOAL_API_PORT", std::to_string(port_)}});
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
  Json Executions(const std::string& job_id) {
    auto executions = client_->Get("/api/v1/orchestrator/jobs/" + job_id + "/executions");
    return executions.ok() ? (*executions)["Items"] : Json::array();
  }
  std::string JobState(const std::string& job_id) {
    auto job = client_->Get("/api/v1/orchestrator/jobs/" + job_id);
    return job.ok() ? (*job)["Job"]["State"]["StateType"].get<std::string>() : "";
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

  fs::path root_;
  int port_ = 0;
  int starts_ = 0;
  std::unique_ptr<BackgroundProcess> orchestrator_;
  std::vector<std::unique_ptr<BackgroundProcess>> nodes_;
  std::unique_ptr<transport::HttpClient> client_;
};

TEST_F(ClusterTest, SurvivesAKilledNodeAndARestartedOrchestrator) {
  // The seed's data generator, as an ops job on every US node, into the regional store.
  auto generated =
      Shoal({"job", "run", "-V", "Region=us", "-V", "Events=400", "-V", "StartDate=2024-01-01",
             "-V", "EndDate=2024-07-01", "-V", "RotateInterval=month",
             std::string(SHOAL_SOURCE_ROOT) + "/jobs/data-generator.yaml"});
  ASSERT_EQ(generated.exit_code, 0) << generated.err << Logs();
  auto oracle = engine::Session::Open({}).value();
  auto expected =
      oracle->Query("SELECT count(*), sum(total_amount)::DECIMAL(18,2) FROM read_json_auto('" +
                    (root_ / "store-us/my-bucket/transactions/**/*.jsonl").string() + "')");
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  const int64_t expected_rows = std::stoll(expected->Text(0, 0));
  const double expected_revenue = std::stod(expected->Text(0, 1));
  EXPECT_EQ(expected_rows, 3 * 6 * 400);

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
  // and restarted on the same data dir: the job carries on.
  nodes_[victim_index] = StartNode(victim_index);
  ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 3; })) << Logs();
  std::string second = SubmitSlowSum("restart", "600000000");
  ASSERT_TRUE(WaitUntil(20s, [&] { return JobState(second) == "Running"; }));
  orchestrator_->Kill(SIGKILL);
  StartOrchestrator();
  ASSERT_TRUE(WaitUntil(90s, [&] { return JobState(second) == "Completed"; }))
      << JobState(second) << "\n"
      << Logs();
  auto [rows2, revenue2] = Totals(second);
  EXPECT_EQ(rows2, expected_rows);
  EXPECT_NEAR(revenue2, expected_revenue, 0.005);
  // The first job survived the restart too.
  auto described = Shoal({"job", "describe", job_id});
  EXPECT_EQ(described.exit_code, 0) << described.err;
  EXPECT_NE(described.out.find("Completed"), std::string::npos);
}

}  // namespace
}  // namespace shoal
