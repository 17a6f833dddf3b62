// Chaos for `shoal query`: the cluster as real processes on loopback (`shoal serve
// --orchestrator` and one `shoal serve --compute` per node, the nodes of a region sharing its
// folder store), the table created with `shoal table create` and its data written by
// jobs/data-generator.yaml (with NULLs and empty strings, tests/generator_job.h).
//
// A node is SIGKILLed while it runs its partition of a query's fragment: the fragment job reruns
// the lost partition on another node and the query still gives the exact answer, equal to one
// DuckDB's (`shoal sql`) over the same files. A region whose nodes run with --residency strict
// refuses, naming the region, a query that would ship its rows, whatever --allow-rows says.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <string>
#include <vector>

#include "cluster_fixture.h"
#include "generator_job.h"
#include <gtest/gtest.h>

#include "transport/http_client.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::BackgroundProcess;
using testing::ProcessResult;
using transport::Json;

// Per category: counts, an exact (DECIMAL) sum and distinct buyers. The WHERE clause is always
// true; hashing a long string per row makes each partition run for a few seconds, long enough
// to kill its node while it runs (the rows of a partition: ~18000 here).
constexpr const char* kSlowCategories =
    "SELECT product_category, count(*) AS n, sum(total_amount::DECIMAL(18, 2)) AS revenue, "
    "count(DISTINCT customer_id) AS buyers FROM transactions "
    "WHERE md5(repeat(customer_email, 2000)) <> '' GROUP BY 1 ORDER BY 1";

size_t LinesOf(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class ChaosQueryTest : public testing::ClusterFixture {
 protected:
  void SetUp() override {
    // Short, so the killed node is noticed (and its partition rerun) within the test's time.
    node_timeout_s_ = 3;
    heartbeat_s_ = 0.5;
  }

  // Writes the region's events through the generator job: each node of the region its own copy.
  void Generate(const std::string& region, int events_per_month) {
    auto generated = Shoal(
        {"job", "run", "-V", "Region=" + region, "-V", "Events=" + std::to_string(events_per_month),
         "-V", "StartDate=2024-01-01", "-V", "EndDate=2024-06-30", "-V", "RotateInterval=month",
         testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, root_)});
    ASSERT_EQ(generated.exit_code, 0) << generated.err << Logs();
  }

  // `shoal sql` over the region's transactions, `transactions` a view over them, as CSV.
  ProcessResult OneDuckDb(const std::string& region, const std::string& sql) const {
    const fs::path glob = StoreDir(region) / "my-bucket" / "transactions" / "**" / "*.jsonl";
    return testing::RunProcess({testing::ShoalBinary(), "sql", "--format", "csv", "-c",
                                "CREATE VIEW transactions AS SELECT * FROM read_json_auto('" +
                                    glob.string() + "'); " + sql});
  }

  // The ID of the query fragment job of `region`, once the orchestrator has one ("" before).
  std::string FragmentJob(const std::string& region) const {
    auto jobs = client_->Get("/api/v1/orchestrator/jobs");
    if (!jobs.ok()) return "";
    for (const Json& job : (*jobs)["Items"]) {
      const std::string name = job["Name"];
      if (name.starts_with("shoal-query-") && name.ends_with("-" + region)) return job["ID"];
    }
    return "";
  }

  // The first execution of the job whose compute state is `state`, or null.
  Json ExecutionIn(const std::string& job_id, const std::string& state) const {
    for (const Json& execution : Executions(job_id)) {
      if (execution["ComputeState"]["StateType"] == state) return execution;
    }
    return Json();
  }

  // Starts one more compute node of `region` (its folder store, as the others) with
  // --residency strict.
  void StartStrictNode(const std::string& region) {
    const std::string name = "compute-" + region + "-strict";
    fs::create_directories(StoreDir(region) / "my-bucket");
    specs_.push_back({name, region});
    nodes_.push_back(std::make_unique<BackgroundProcess>(
        std::vector<std::string>{testing::ShoalBinary(), "serve", "--compute", "--orchestrator",
                                 "127.0.0.1:" + std::to_string(port_), "--name", name, "--labels",
                                 "region=" + region, "--data-dir", (root_ / name).string(),
                                 "--store", "storage-local=" + StoreDir(region).string(), "--store",
                                 "storage=" + StoreDir("global").string(), "--residency", "strict",
                                 "--node-token-file", NodeTokenFile(name)},
        (root_ / (name + ".log")).string()));
  }
};

TEST_F(ChaosQueryTest, NodeKilledWhileItsFragmentRunsTheAnswerIsStillExact) {
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  ASSERT_NO_FATAL_FAILURE(Generate("us", 2000));
  auto created = Shoal({"table", "create", "transactions", "--format", "json", "--location",
                        "us=s3://my-bucket/transactions/**/*.jsonl"});
  ASSERT_EQ(created.exit_code, 0) << created.err << Logs();

  // The query runs in the background while this thread watches its fragment job.
  std::future<ProcessResult> answer = std::async(std::launch::async, [&] {
    return Shoal(
        {"query", "--partitions", "2", "--output", "csv", "--timeout", "120", kSlowCategories});
  });
  std::string job_id;
  Json victim;
  const bool running = WaitUntil(60s, [&] {
    if (job_id.empty()) job_id = FragmentJob("us");
    if (!job_id.empty()) victim = ExecutionIn(job_id, "Running");
    return !victim.is_null() || answer.wait_for(0s) == std::future_status::ready;
  });
  ASSERT_TRUE(running && !victim.is_null())
      << "no fragment execution was seen running (job '" << job_id
      << "'): make the fragment slower; executions: " << Executions(job_id).dump() << Logs();
  const std::string killed_node = victim["NodeID"];
  const int64_t lost_partition = victim["PartitionIndex"];
  for (size_t i = 0; i < specs_.size(); ++i) {
    if (specs_[i].name == killed_node) nodes_[i]->Kill(SIGKILL);
  }
  // Make sure the kill landed while it ran: the execution had not completed by then.
  for (const Json& execution : Executions(job_id)) {
    if (execution["ID"] == victim["ID"]) {
      ASSERT_NE(execution["ComputeState"]["StateType"], "Completed")
          << "the partition completed before its node was killed; make the fragment slower";
    }
  }

  ProcessResult distributed = answer.get();
  ASSERT_EQ(distributed.exit_code, 0) << distributed.err << Logs();
  auto single = OneDuckDb("us", kSlowCategories);
  ASSERT_EQ(single.exit_code, 0) << single.err;
  // The header, ten categories and the NULL one.
  EXPECT_EQ(LinesOf(single.out), 12u) << single.out;
  EXPECT_EQ(distributed.out, single.out);
  EXPECT_NE(distributed.err.find("residency us: 2 partitions read "), std::string::npos)
      << distributed.err;

  // The lost partition was rerun on another node; each partition completed exactly once.
  std::map<int64_t, std::vector<std::string>> completed_on;  // partition -> nodes
  for (const Json& execution : Executions(job_id)) {
    if (execution["ID"] == victim["ID"]) {
      EXPECT_NE(execution["ComputeState"]["StateType"], "Completed") << execution.dump();
    }
    if (execution["ComputeState"]["StateType"] == "Completed") {
      completed_on[execution["PartitionIndex"].get<int64_t>()].push_back(execution["NodeID"]);
    }
  }
  ASSERT_EQ(completed_on.size(), 2u) << Executions(job_id).dump();
  for (const auto& [partition, nodes] : completed_on) {
    EXPECT_EQ(nodes.size(), 1u) << "partition " << partition << ": " << Executions(job_id).dump();
  }
  EXPECT_NE(completed_on[lost_partition].at(0), killed_node);
}

TEST_F(ChaosQueryTest, StrictRegionRefusesToShipItsRowsNamingTheRegion) {
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 1));
  StartStrictNode("eu");
  ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 2; })) << Logs();
  for (const std::string region : {"us", "eu"}) {
    std::ofstream(StoreDir(region) / "my-bucket" / "t.jsonl")
        << "{\"id\": 1, \"city\": \"" << region << "-a\"}\n"
        << "{\"id\": 2, \"city\": \"" << region << "-b\"}\n";
  }
  auto created = Shoal({"table", "create", "t", "--format", "json", "--location",
                        "us=s3://my-bucket/t.jsonl", "--location", "eu=s3://my-bucket/t.jsonl"});
  ASSERT_EQ(created.exit_code, 0) << created.err << Logs();

  auto refused = Shoal({"query", "--allow-rows", "SELECT * FROM t"});
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_EQ(refused.out, "");
  EXPECT_NE(refused.err.find("region eu runs with --residency strict"), std::string::npos)
      << refused.err;
  // The open region ships its rows when allowed; aggregates leave the strict one.
  auto open = Shoal({"query", "--allow-rows", "--regions", "us", "--output", "csv",
                     "SELECT * FROM t ORDER BY id"});
  EXPECT_EQ(open.exit_code, 0) << open.err;
  EXPECT_EQ(open.out, "id,city\n1,us-a\n2,us-b\n");
  auto aggregated =
      Shoal({"query", "--output", "csv", "SELECT count(*) AS n, max(id) AS top FROM t"});
  EXPECT_EQ(aggregated.exit_code, 0) << aggregated.err;
  EXPECT_EQ(aggregated.out, "n,top\n4,2\n");
}

}  // namespace
}  // namespace shoal
