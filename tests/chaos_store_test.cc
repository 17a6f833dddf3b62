// Chaos in the windows where a store loses or duplicates results: a node killed mid-upload that
// never comes back, a node killed after its upload finished but before its Completed report
// arrived, nodes killed mid-execution with the S3 publisher (plain and gzip), a publisher Key
// without {executionID}, and a partition lost more often than the retry budget allows.
//
// Each case ends with the store read by an independent reader (the bucket listed, every object
// read, the total compared with one DuckDB's) and its commit manifest checked: exactly one
// committed execution per partition of a Completed job, whose files are all there, and nothing
// else under the job's prefix once a live node of the region has cleaned up; for a Failed job,
// no manifest and no tree. Waits are on observable events, never on sleeps.
#include "chaos_fixture.h"

namespace shoal {
namespace {

using namespace chaos;

constexpr const char* kGzipS3Publisher =
    "      Type: s3\n"
    "      Params: {Bucket: my-bucket, Key: \"results/{jobID}/{executionID}\", "
    "Endpoint: storage-local, Encoding: gzip}\n";

// One key for the whole job, as a Count 1 job may have.
constexpr const char* kSharedKeyS3Publisher =
    "      Type: s3\n"
    "      Params: {Bucket: my-bucket, Key: \"results/{jobID}/\", "
    "Endpoint: storage-local, Encoding: plain}\n";

class ChaosStoreTest : public ChaosTest {
 protected:
  // Waits until `job_id` has an execution in one of `states` and returns it.
  Json AwaitExecution(const std::string& job_id, const std::set<std::string>& states,
                      const std::string& node = "") {
    Json found;
    EXPECT_TRUE(WaitUntil(30s,
                          [&] {
                            found = FindExecution(job_id, states, node);
                            return !found.is_null();
                          }))
        << Executions(job_id).dump() << Logs();
    return found;
  }
};

// Every upload to S3 is held after its first 4 KiB; a node stuck mid-upload is killed and never
// comes back. The partition reruns elsewhere, and another node of the region removes the partial
// tree (the orchestrator's clean task): the store ends with one committed tree per partition.
TEST_F(ChaosStoreTest, NodeKilledMidUploadThatNeverReturns) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_TRUE(s3rver.ok()) << s3rver.error();
  const fs::path bucket = StartOnS3rver(s3rver, 3, /*one_proxy=*/true);
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  FaultProxy& s3_link = *s3_proxies_[0];
  s3_link.StallUploadsAfter(4096);
  std::string job = Submit({.name = "never-returns", .pad = 1000, .publisher = kPlainS3Publisher});
  Json victim;
  ASSERT_TRUE(WaitUntil(30s,
                        [&] {
                          victim = FindExecution(job, {"Publishing"});
                          return s3_link.stalled_connections() > 0 && !victim.is_null();
                        }))
      << Executions(job).dump() << Logs();
  nodes_[NodeIndex(victim["NodeID"])]->Kill(SIGKILL);
  s3_link.Restore();
  ASSERT_EQ(AwaitEnd(job), "Completed");
  auto completed = CheckOutcome(job, 3, /*local_results=*/false);
  EXPECT_FALSE(completed.count(victim["ID"])) << Executions(job).dump();
  ExpectStoreHolds(bucket, job, completed, /*s3rver=*/true);
}

// The classic duplicate window: the node's upload finished (its whole tree is in the store) but
// its Completed report is lost on the way (held by the region's link, then dropped) and the node
// is killed. The partition reruns on the other node; the first tree is never committed and is
// removed.
TEST_F(ChaosStoreTest, NodeKilledAfterItsUploadBeforeItsCompletedReport) {
  port_ = testing::FreePort();
  FaultProxy link(port_);
  ASSERT_TRUE(link.ok());
  region_orchestrator_["us"] = link.endpoint();
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 2));
  link.HoldRequestsContaining("\"ComputeState\":\"Completed\"");
  std::string job =
      Submit({.name = "lost-report", .count = 1, .pad = 1000, .publisher = kPlainS3Publisher});
  Json first = AwaitExecution(job, {"Publishing"});
  ASSERT_FALSE(first.is_null());
  ASSERT_TRUE(WaitUntil(30s, [&] { return link.stalled_connections() > 0; })) << Logs();
  // The upload is over: the report is only sent after it.
  const fs::path tree =
      StoreDir("us") / "my-bucket" / "results" / job / first["ID"].get<std::string>();
  for (const char* file : {"exitCode", "result.json", "stderr", "stdout"}) {
    EXPECT_TRUE(fs::exists(tree / file)) << tree / file;
  }
  nodes_[NodeIndex(first["NodeID"])]->Kill(SIGKILL);
  link.Restore();  // the held report is lost with its connection
  ASSERT_EQ(AwaitEnd(job), "Completed");
  auto completed = CheckOutcome(job, 1, /*local_results=*/false);
  EXPECT_FALSE(completed.count(first["ID"])) << "the lost report was taken after all";
  ExpectStoreHolds(StoreDir("us") / "my-bucket", job, completed, /*s3rver=*/false);
}

// A node running partitions of two S3-published jobs, one plain and one gzip, is killed mid-run:
// both jobs complete on the other nodes and each store holds one committed result per partition.
TEST_F(ChaosStoreTest, NodeKilledMidExecutionWithTheS3PublisherPlainAndGzip) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_TRUE(s3rver.ok()) << s3rver.error();
  const fs::path bucket = StartOnS3rver(s3rver, 3);
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  std::string plain =
      Submit({.name = "mid-run-plain", .pad = 300000000, .publisher = kPlainS3Publisher});
  std::string gzip =
      Submit({.name = "mid-run-gzip", .pad = 300000000, .publisher = kGzipS3Publisher});
  Json victim = AwaitExecution(gzip, {"Running"});
  ASSERT_FALSE(victim.is_null());
  nodes_[NodeIndex(victim["NodeID"])]->Kill(SIGKILL);
  ASSERT_EQ(AwaitEnd(plain), "Completed");
  ASSERT_EQ(AwaitEnd(gzip), "Completed");
  EXPECT_GT(Executions(gzip).size(), 3u) << "no rerun: " << Executions(gzip).dump();
  ExpectStoreHolds(bucket, plain, CheckOutcome(plain, 3, false), /*s3rver=*/true);
  ExpectStoreHolds(bucket, gzip, CheckOutcome(gzip, 3, false), /*s3rver=*/true);
}

// A Key without {executionID}: refused for a job of several partitions (they would publish over
// each other), allowed for one. Its node dies mid-upload; the rerun writes the same names over
// whatever the dead node got through, and the manifest commits the rerun's files only.
TEST_F(ChaosStoreTest, KeyWithoutExecutionId) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_TRUE(s3rver.ok()) << s3rver.error();
  const fs::path bucket = StartOnS3rver(s3rver, 2);
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 2));

  JobOptions several{.name = "shared-key-3", .count = 3, .publisher = kSharedKeyS3Publisher};
  fs::path spec = root_ / "shared-key-3.yaml";
  std::ofstream(spec) << JobYaml(several);
  auto refused = Shoal({"job", "run", "--no-wait", spec.string()});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_NE(refused.err.find("Publisher.Params.Key: 'results/{jobID}/' has no {executionID}"),
            std::string::npos)
      << refused.err;

  s3_proxies_[0]->StallUploadsAfter(4096);
  std::string job =
      Submit({.name = "shared-key-1", .count = 1, .pad = 1000, .publisher = kSharedKeyS3Publisher});
  Json first = AwaitExecution(job, {"Publishing"}, "compute-us-1");
  if (first.is_null()) {
    // compute-us-2 took the partition: hold its uploads instead.
    s3_proxies_[0]->Restore();
    GTEST_SKIP() << "the partition went to compute-us-2";  // not expected: us-1 sorts first
  }
  ASSERT_TRUE(WaitUntil(30s, [&] { return s3_proxies_[0]->stalled_connections() > 0; }));
  nodes_[0]->Kill(SIGKILL);
  s3_proxies_[0]->Restore();
  ASSERT_EQ(AwaitEnd(job), "Completed");
  auto completed = CheckOutcome(job, 1, /*local_results=*/false);
  ASSERT_EQ(completed.size(), 1u);
  const std::string committed = completed.begin()->first;
  std::string problems;
  EXPECT_TRUE(WaitUntil(20s, [&] {
    problems.clear();
    auto objects = StoreObjects(bucket, "results/" + job, /*s3rver=*/true);
    std::set<std::string> keys;
    for (const auto& [key, path] : objects) keys.insert(key);
    if (keys != std::set<std::string>{"exitCode", "result.json", "stderr", "stdout"}) {
      problems += "the key holds " + std::to_string(keys.size()) + " object(s); ";
    } else if (RowTotals(testing::ReadWholeFile(objects.at("result.json"))) !=
               std::make_pair(expected_rows_, expected_sum_)) {
      problems += "result.json is not DuckDB's answer; ";
    }
    const std::string manifest = ManifestText(bucket, job, /*s3rver=*/true);
    for (const char* file : {"exitCode", "result.json", "stderr", "stdout"}) {
      if (manifest.find("\"path\":\"s3://my-bucket/results/" + job + "/" + file + "\"") ==
          std::string::npos) {
        problems += "the manifest does not name " + std::string(file) + "; ";
      }
    }
    if (manifest.find(committed) == std::string::npos ||
        manifest.find(first["ID"]) != std::string::npos) {
      problems += "the manifest does not commit exactly " + committed + ": " + manifest;
    }
    return problems.empty();
  })) << problems;
}

// Partition 0 is lost three times (its node killed each time it runs it): past the retry budget
// the job fails, with a reason. Nothing is committed, and partition 1's tree, which completed,
// is removed: it would never be a result of the job.
TEST_F(ChaosStoreTest, LossBeyondTheRetryBudgetFailsWithNothingCommitted) {
  node_allowed_dirs_ = {"control"};
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 4));
  std::ofstream(root_ / "control" / "pad.csv") << "p,n\n0,40000000000\n1,1000\n";
  std::string job = Submit({.name = "over-budget",
                            .count = 2,
                            .pad = 0,
                            .publisher = kPlainS3Publisher,
                            .control_dir = (root_ / "control").string()});
  std::set<std::string> killed;
  for (int attempt = 1; attempt <= 3; ++attempt) {
    Json running;
    ASSERT_TRUE(WaitUntil(30s,
                          [&] {
                            for (const auto& e : Executions(job)) {
                              if (e["PartitionIndex"] == 0 &&
                                  e["ComputeState"]["StateType"] == "Running" &&
                                  !killed.count(e["ID"])) {
                                running = e;
                                return true;
                              }
                            }
                            return JobState(job) == "Failed";
                          }))
        << Executions(job).dump() << Logs();
    if (running.is_null()) break;
    killed.insert(running["ID"]);
    nodes_[NodeIndex(running["NodeID"])]->Kill(SIGKILL);
  }
  ASSERT_EQ(AwaitEnd(job), "Failed");
  CheckOutcome(job, 2, /*local_results=*/false);  // a reason is given
  EXPECT_FALSE(FindExecution(job, {"Completed"}).is_null())
      << "partition 1 should have completed: " << Executions(job).dump();
  ExpectStoreHolds(StoreDir("us") / "my-bucket", job, {}, /*s3rver=*/false);
  EXPECT_EQ(ManifestText(StoreDir("us") / "my-bucket", job, false), "");
}

}  // namespace
}  // namespace shoal
