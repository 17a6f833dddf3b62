// Chaos: the cluster as real processes on loopback while things break. Compute nodes are
// SIGKILLed while they execute and while they publish (their S3 upload held mid-request by a
// fault proxy in front of a real s3rver), the orchestrator is SIGKILLed mid-job and restarted on
// its data dir, and a region is cut off from the orchestrator (its nodes dial it through a fault
// proxy) for longer than the node timeout and then restored.
//
// Whatever happens, every job must end Completed with exactly one published result per
// partition -- in the orchestrator and, for `s3` publishers, in the store, with nothing
// duplicated, lost or half-written -- or Failed with a reason; no job or execution is left
// stuck. Results are compared with one DuckDB's answer over the same data.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "cluster_fixture.h"
#include "fault_proxy.h"
#include "s3rver_fixture.h"
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "transport/http_client.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::FaultProxy;
using transport::Json;

// Every job reads range(kRows); partition p keeps the i with i % count == p and returns them,
// padded with a CPU-bound scalar subquery so that an execution runs long enough to be hit.
constexpr int64_t kRows = 20000;
// How long a job may take at most, kills and reruns included, on a loaded 2-core machine.
constexpr auto kJobDeadline = 90s;

struct JobOptions {
  std::string name;
  std::string region = "us";
  int count = 3;
  int64_t pad = 100000000;  // rows of padding work: ~0.5 s on an idle core
  // Under `Publisher:`; empty: the `local` publisher (results uploaded to the orchestrator).
  std::string publisher = "";
  // When set, a folder mounted at /control whose pad.csv (columns p, n) gives each partition's
  // padding instead of `pad`, read when the execution starts: a test can make a partition's
  // first attempt long and its rerun short.
  std::string control_dir = "";
};

// Puts each partition's files at results/<job>/<execution>/ of the region's store.
constexpr const char* kPlainS3Publisher =
    "      Type: s3\n"
    "      Params: {Bucket: my-bucket, Key: \"results/{jobID}/{executionID}/\", "
    "Endpoint: storage-local, Encoding: plain}\n";

std::string JobYaml(const JobOptions& job) {
  std::string pad = std::to_string(job.pad);
  std::string control;
  if (!job.control_dir.empty()) {
    pad = "getvariable('pad')";
    control =
        "          SET VARIABLE pad = (SELECT max(n) FROM read_csv('/control/pad.csv')\n"
        "                              WHERE p = getvariable('bacalhau_partition_index'));\n";
  }
  std::string yaml = "Name: " + job.name + "\nType: batch\nCount: " + std::to_string(job.count) +
                     "\nConstraints:\n  - {Key: region, Operator: \"==\", Values: [" + job.region +
                     "]}\n"
                     "Tasks:\n"
                     "  - Name: main\n"
                     "    Engine:\n"
                     "      Type: duckdb\n"
                     "      Params:\n"
                     "        SQL: |\n" +
                     control + "          SELECT i, (SELECT count(*) FROM range(" + pad +
                     ") t(j) WHERE j % 7 = 3) AS pad\n"
                     "          FROM range(" +
                     std::to_string(kRows) +
                     ") t(i)\n"
                     "          WHERE i % getvariable('bacalhau_partition_count') =\n"
                     "                getvariable('bacalhau_partition_index')\n"
                     "          ORDER BY i;\n"
                     "    Resources: {CPU: \"1\"}\n"
                     "    Timeouts: {ExecutionTimeout: 60}\n";
  if (!job.publisher.empty()) yaml += "    Publisher:\n" + job.publisher;
  if (!job.control_dir.empty()) {
    yaml +=
        "    InputSources:\n"
        "      - Source: {Type: localDirectory, Params: {SourcePath: \"" +
        job.control_dir + "\"}}\n        Target: /control\n";
  }
  return yaml;
}

// The rows of one result.json: (count, sum of i).
std::pair<int64_t, int64_t> RowTotals(const std::string& result_json) {
  Json result = Json::parse(result_json, nullptr, /*allow_exceptions=*/false);
  if (!result.is_object() || !result.contains("Rows")) return {-1, -1};
  int64_t n = 0, sum = 0;
  for (const auto& row : result["Rows"]) {
    ++n;
    sum += row[0].get<int64_t>();
  }
  return {n, sum};
}

class ChaosTest : public testing::ClusterFixture {
 protected:
  void SetUp() override {
    // Short, so lost nodes are noticed (and their work rerun) within the test's time.
    node_timeout_s_ = 2;
    heartbeat_s_ = 0.2;
    auto oracle = engine::Session::Open({}).value();
    auto expected =
        oracle->Query("SELECT count(*), sum(i) FROM range(" + std::to_string(kRows) + ") t(i)");
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    expected_rows_ = std::stoll(expected->Text(0, 0));
    expected_sum_ = std::stoll(expected->Text(0, 1));
  }

  std::string Submit(const JobOptions& job) {
    fs::path spec = root_ / (job.name + ".yaml");
    std::ofstream(spec) << JobYaml(job);
    auto run = Shoal({"job", "run", "--no-wait", "--id-only", spec.string()});
    EXPECT_EQ(run.exit_code, 0) << run.err;
    std::string id = run.out;
    while (!id.empty() && std::isspace(static_cast<unsigned char>(id.back()))) id.pop_back();
    return id;
  }

  // The first execution of `job_id` found in `state` (one of the given), or null JSON.
  Json FindExecution(const std::string& job_id, const std::set<std::string>& states,
                     const std::string& node = "") {
    for (const auto& e : Executions(job_id)) {
      if (states.count(e["ComputeState"]["StateType"].get<std::string>()) &&
          (node.empty() || e["NodeID"] == node)) {
        return e;
      }
    }
    return Json();
  }

  int NodeIndex(const std::string& name) const {
    for (size_t i = 0; i < specs_.size(); ++i) {
      if (specs_[i].name == name) return static_cast<int>(i);
    }
    return -1;
  }

  std::string NodeConnection(const std::string& name) {
    auto node = client_->Get("/api/v1/orchestrator/nodes/" + name);
    return node.ok() ? (*node)["Node"]["Connection"].get<std::string>() : "";
  }

  // Waits for `job_id` to end; fails naming the job, its state and its executions when it does
  // not within the deadline. Then waits for every execution of the job to be terminal too.
  std::string AwaitEnd(const std::string& job_id) {
    std::string state;
    const bool ended = WaitUntil(kJobDeadline, [&] {
      state = JobState(job_id);
      return state == "Completed" || state == "Failed" || state == "Stopped";
    });
    EXPECT_TRUE(ended) << "job " << job_id << " is stuck in state '" << state
                       << "'; its executions: " << Executions(job_id).dump() << "\n"
                       << Logs();
    if (!ended) return state;
    std::string live;
    EXPECT_TRUE(WaitUntil(30s,
                          [&] {
                            live.clear();
                            for (const auto& e : Executions(job_id)) {
                              std::string s = e["ComputeState"]["StateType"];
                              if (s != "Completed" && s != "Failed" && s != "Cancelled") {
                                live += e["ID"].get<std::string>() + " on " +
                                        e["NodeID"].get<std::string>() + " is " + s + "; ";
                              }
                            }
                            return live.empty();
                          }))
        << "job " << job_id << " ended " << state << " but executions are stuck: " << live;
    return state;
  }

  // The invariant for a job that has ended: Failed with a reason, or Completed with exactly one
  // completed execution per partition, whose results (from the orchestrator for the `local`
  // publisher) add up to the single-DuckDB answer. Returns the completed executions by id.
  std::map<std::string, int64_t> CheckOutcome(const std::string& job_id, int count,
                                              bool local_results) {
    std::map<std::string, int64_t> completed;
    auto job = client_->Get("/api/v1/orchestrator/jobs/" + job_id);
    EXPECT_TRUE(job.ok());
    if (!job.ok()) return completed;
    const Json& state = (*job)["Job"]["State"];
    if (state["StateType"] == "Failed") {
      EXPECT_FALSE(state.value("Message", "").empty()) << "job " << job_id << " failed silently";
      return completed;
    }
    EXPECT_EQ(state["StateType"], "Completed") << job->dump();
    auto results = client_->Get("/api/v1/orchestrator/jobs/" + job_id + "/results");
    EXPECT_TRUE(results.ok());
    if (!results.ok()) return completed;
    std::multiset<int64_t> partitions;
    int64_t n = 0, sum = 0;
    for (const auto& item : (*results)["Items"]) {
      const std::string execution = item["ExecutionID"];
      partitions.insert(item["PartitionIndex"].get<int64_t>());
      completed[execution] = item["PartitionIndex"].get<int64_t>();
      if (!local_results) continue;
      auto bytes = client_->GetBytes("/api/v1/orchestrator/jobs/" + job_id + "/results/" +
                                     execution + "/result.json");
      EXPECT_TRUE(bytes.ok()) << "no result.json for " << execution;
      if (!bytes.ok()) continue;
      auto [rows, total] = RowTotals(*bytes);
      n += rows;
      sum += total;
    }
    std::multiset<int64_t> expected;
    for (int p = 0; p < count; ++p) expected.insert(p);
    EXPECT_EQ(partitions, expected) << "job " << job_id << ": " << results->dump();
    if (local_results) {
      EXPECT_EQ(n, expected_rows_) << job_id;
      EXPECT_EQ(sum, expected_sum_) << job_id;
    }
    // Every completed execution is one the orchestrator lists as Completed for the job.
    for (const auto& e : Executions(job_id)) {
      if (e["ComputeState"]["StateType"] == "Completed") {
        EXPECT_TRUE(completed.count(e["ID"])) << "a completed execution without results: " << e;
      }
    }
    return completed;
  }

  // The objects under results/<job_id>/ of a store, by key relative to it: `bucket_dir` is a
  // folder store's bucket (every file counts, a hidden temporary one included) or, with
  // `s3rver`, s3rver's folder of the bucket (its <key>._S3rver_object files).
  static std::map<std::string, fs::path> StoreObjects(const fs::path& bucket_dir,
                                                      const std::string& job_id, bool s3rver) {
    std::map<std::string, fs::path> objects;
    const fs::path dir = bucket_dir / "results" / job_id;
    std::error_code ec;
    if (!fs::exists(dir, ec)) return objects;
    const std::string suffix = "._S3rver_object";
    for (auto it = fs::recursive_directory_iterator(dir, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string key = fs::relative(it->path(), dir).string();
      if (s3rver) {
        if (!key.ends_with(suffix)) continue;
        key.resize(key.size() - suffix.size());
      }
      objects[key] = it->path();
    }
    return objects;
  }

  // What an `s3` publisher left in the store for a completed job: exactly the result trees of
  // its completed executions (one per partition), each whole, adding up to the single-DuckDB
  // answer -- no tree of a failed execution, whole or partial. Returns "" when it holds, else
  // what is wrong.
  std::string StoreProblems(const fs::path& bucket_dir, const std::string& job_id,
                            const std::map<std::string, int64_t>& completed, bool s3rver) {
    auto objects = StoreObjects(bucket_dir, job_id, s3rver);
    std::map<std::string, std::set<std::string>> trees;  // execution -> files
    for (const auto& [key, path] : objects) {
      size_t slash = key.find('/');
      trees[key.substr(0, slash)].insert(slash == std::string::npos ? "" : key.substr(slash + 1));
    }
    std::string problems;
    const std::set<std::string> whole = {"exitCode", "result.json", "stderr", "stdout"};
    int64_t n = 0, sum = 0;
    for (const auto& [execution, files] : trees) {
      if (!completed.count(execution)) {
        problems += "the store holds files of execution " + execution +
                    ", which did not complete: " + std::to_string(files.size()) + " file(s); ";
      } else if (files != whole) {
        problems += "the tree of " + execution + " is not whole (" + std::to_string(files.size()) +
                    " file(s)); ";
      } else {
        auto [rows, total] =
            RowTotals(testing::ReadWholeFile(objects.at(execution + "/result.json")));
        n += rows;
        sum += total;
      }
    }
    for (const auto& [execution, partition] : completed) {
      if (!trees.count(execution)) {
        problems += "partition " + std::to_string(partition) + " (execution " + execution +
                    ") is missing from the store; ";
      }
    }
    if (problems.empty() && (n != expected_rows_ || sum != expected_sum_)) {
      problems = "the store's results add up to " + std::to_string(n) + " rows, sum " +
                 std::to_string(sum) + "; DuckDB says " + std::to_string(expected_rows_) + ", " +
                 std::to_string(expected_sum_);
    }
    return problems;
  }

  // Checks the store, giving a node that came back a moment to clear what it left.
  void ExpectStoreHolds(const fs::path& bucket_dir, const std::string& job_id,
                        const std::map<std::string, int64_t>& completed, bool s3rver) {
    std::string problems;
    EXPECT_TRUE(WaitUntil(20s,
                          [&] {
                            problems = StoreProblems(bucket_dir, job_id, completed, s3rver);
                            return problems.empty();
                          }))
        << "job " << job_id << ": " << problems << "\n"
        << Logs();
  }

  int64_t expected_rows_ = 0;
  int64_t expected_sum_ = 0;
};

// Nodes die while they execute (local publisher) and while they upload to an S3 store (the
// upload of one node held mid-request by a proxy in front of s3rver). Each time the partition is
// rerun elsewhere and the job completes with one result per partition; the killed node's
// half-finished upload does not stay in the store beside the rerun's.
TEST_F(ChaosTest, NodesKilledWhileExecutingAndWhilePublishing) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_TRUE(s3rver.ok()) << s3rver.error();
  // One proxy per node in front of s3rver, so one node's upload can be held on its own.
  std::vector<std::unique_ptr<FaultProxy>> s3_proxies;
  for (int i = 1; i <= 3; ++i) {
    s3_proxies.push_back(std::make_unique<FaultProxy>(s3rver.port()));
    ASSERT_TRUE(s3_proxies.back()->ok());
    store_override_["compute-us-" + std::to_string(i)] =
        "http://" + s3_proxies.back()->endpoint() + "?style=path";
  }
  node_access_key_ = testing::S3rver::kAccessKey;
  node_secret_key_ = testing::S3rver::kSecretKey;
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));

  // During execution: kill the node of a running partition.
  std::string executing = Submit({.name = "kill-executing", .pad = 300000000});
  Json victim;
  ASSERT_TRUE(WaitUntil(30s,
                        [&] {
                          victim = FindExecution(executing, {"Running"});
                          return !victim.is_null();
                        }))
      << Executions(executing).dump() << Logs();
  const int killed = NodeIndex(victim["NodeID"]);
  nodes_[killed]->Kill(SIGKILL);
  ASSERT_EQ(AwaitEnd(executing), "Completed");
  CheckOutcome(executing, 3, /*local_results=*/true);
  EXPECT_EQ(Executions(executing).size(), 4u) << "one rerun: " << Executions(executing).dump();
  nodes_[killed] = StartNode(killed);
  ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 3; })) << Logs();

  // During publishing: compute-us-1's uploads get their first 4 KiB through, then hang; kill it
  // once it is stuck mid-upload.
  s3_proxies[0]->StallUploadsAfter(4096);
  std::string publishing =
      Submit({.name = "kill-publishing", .pad = 1000, .publisher = kPlainS3Publisher});
  ASSERT_TRUE(WaitUntil(
      30s,
      [&] {
        return s3_proxies[0]->stalled_connections() > 0 &&
               !FindExecution(publishing, {"Running", "Publishing"}, "compute-us-1").is_null();
      }))
      << Executions(publishing).dump() << Logs();
  nodes_[0]->Kill(SIGKILL);
  s3_proxies[0]->Restore();
  ASSERT_EQ(AwaitEnd(publishing), "Completed");
  auto completed = CheckOutcome(publishing, 3, /*local_results=*/false);
  EXPECT_FALSE(FindExecution(publishing, {"Failed"}, "compute-us-1").is_null())
      << Executions(publishing).dump();
  // The node comes back, as an operator would bring it back.
  nodes_[0] = StartNode(0);
  ASSERT_TRUE(WaitUntil(20s, [&] { return ConnectedNodes() == 3; })) << Logs();
  ExpectStoreHolds(s3rver.data_dir() / "my-bucket", publishing, completed, /*s3rver=*/true);
}

// The orchestrator is killed while executions run and stays down past the node timeout; it is
// restarted on the same data dir and both jobs complete, each partition published once.
TEST_F(ChaosTest, OrchestratorKilledMidJobAndRestarted) {
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  std::string local = Submit({.name = "restart-local", .pad = 200000000});
  std::string stored =
      Submit({.name = "restart-store", .pad = 200000000, .publisher = kPlainS3Publisher});
  ASSERT_TRUE(WaitUntil(30s, [&] {
    return !FindExecution(local, {"Running"}).is_null() &&
           !FindExecution(stored, {"Running"}).is_null();
  })) << Logs();
  orchestrator_->Kill(SIGKILL);
  // Down for longer than the node timeout: the nodes' reports wait, nothing is lost.
  std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(node_timeout_s_ * 1500)));
  StartOrchestrator();
  ASSERT_EQ(AwaitEnd(local), "Completed");
  ASSERT_EQ(AwaitEnd(stored), "Completed");
  CheckOutcome(local, 3, /*local_results=*/true);
  auto completed = CheckOutcome(stored, 3, /*local_results=*/false);
  ExpectStoreHolds(StoreDir("us") / "my-bucket", stored, completed, /*s3rver=*/false);
}

// Region us reaches the orchestrator through a proxy that is cut while its executions run, for
// longer than the node timeout: the orchestrator declares its nodes lost and fails their
// executions, while region eu, connected directly, completes its job. Behind the cut, partition
// 0 finishes and partition 1 goes on running. When the link is restored the us nodes register
// again and the us job completes on them; the execution that finished behind the cut publishes
// nothing, and the one still running is cancelled on its node.
TEST_F(ChaosTest, RegionCutOffAndRestored) {
  port_ = testing::FreePort();
  FaultProxy link(port_);
  ASSERT_TRUE(link.ok());
  region_orchestrator_["us"] = link.endpoint();
  node_allowed_dirs_ = {"control"};
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us", "eu"}, 2));
  // Partition 0 takes a moment; partition 1 outlasts the cut by far (its job's
  // ExecutionTimeout bounds it), until the reruns are made short.
  const fs::path pads = root_ / "control" / "pad.csv";
  std::ofstream(pads) << "p,n\n0,200000000\n1,40000000000\n";

  std::string us = Submit({.name = "cut-us",
                           .region = "us",
                           .count = 2,
                           .pad = 0,
                           .publisher = kPlainS3Publisher,
                           .control_dir = (root_ / "control").string()});
  std::string eu = Submit({.name = "cut-eu", .region = "eu", .count = 2, .pad = 200000000});
  auto running = [&](int partition) {
    for (const auto& e : Executions(us)) {
      if (e["PartitionIndex"] == partition && e["ComputeState"]["StateType"] == "Running") {
        return true;
      }
    }
    return false;
  };
  ASSERT_TRUE(WaitUntil(30s, [&] { return running(0) && running(1); }))
      << Executions(us).dump() << Logs();
  link.Cut();
  ASSERT_TRUE(WaitUntil(20s, [&] {
    return NodeConnection("compute-us-1") == "DISCONNECTED" &&
           NodeConnection("compute-us-2") == "DISCONNECTED";
  })) << Logs();
  // Both us executions failed with their nodes.
  ASSERT_TRUE(WaitUntil(20s, [&] {
    return FindExecution(us, {"New", "Running", "Publishing"}).is_null();
  })) << Executions(us).dump();
  const Json cut_off = Executions(us);
  // eu is unaffected.
  ASSERT_EQ(AwaitEnd(eu), "Completed");
  CheckOutcome(eu, 2, /*local_results=*/true);
  // Reruns are quick. Partition 0 had time to finish behind the cut (a failed execution
  // finishes, and waits to report, on its node): what its node does then is what is checked.
  std::ofstream(pads) << "p,n\n0,1000\n1,1000\n";
  std::this_thread::sleep_for(2s);
  link.Restore();
  ASSERT_EQ(AwaitEnd(us), "Completed");
  auto completed = CheckOutcome(us, 2, /*local_results=*/false);
  ExpectStoreHolds(StoreDir("us") / "my-bucket", us, completed, /*s3rver=*/false);
  // Nothing of the cut-off executions runs on: each one's sandbox is gone from its node (the
  // node removes it when the execution ends), long before partition 1's would have ended.
  for (const auto& e : cut_off) {
    const fs::path sandbox =
        root_ / e["NodeID"].get<std::string>() / "executions" / e["ID"].get<std::string>();
    EXPECT_TRUE(WaitUntil(15s, [&] { return !fs::exists(sandbox); }))
        << sandbox << " is still there: the execution still runs on its node\n"
        << Logs();
  }
}

}  // namespace
}  // namespace shoal
