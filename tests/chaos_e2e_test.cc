// Chaos: the cluster as real processes on loopback while things break. Compute nodes are
// SIGKILLed while they execute and while they publish (their S3 upload held mid-request by a
// fault proxy in front of a real s3rver), the orchestrator is SIGKILLed mid-job and restarted on
// its data dir, and a region is cut off from the orchestrator (its nodes dial it through a fault
// proxy) for longer than the node timeout and then restored. The store's windows (a node that
// never returns, a lost Completed report, gzip, shared keys, a job that fails) are in
// chaos_store_test.cc.
//
// Whatever happens, every job must end Completed with exactly one published result per
// partition -- in the orchestrator and, for `s3` publishers, in the store, with nothing
// duplicated, lost or half-written, committed by a manifest -- or Failed with a reason; no job or
// execution is left stuck. Results are compared with one DuckDB's answer over the same data.
#include "chaos_fixture.h"

namespace shoal {
namespace {

using namespace chaos;

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
  // Partition 0 runs for seconds (~5 s on an idle core), so that it is still running when the
  // link is cut even if partition 1 starts late on a loaded machine (with 1/5 of that, CI once
  // saw partition 0 complete before the cut); partition 1 outlasts the cut by far (its job's
  // ExecutionTimeout bounds it), until the reruns are made short.
  const fs::path pads = root_ / "control" / "pad.csv";
  std::ofstream(pads) << "p,n\n0,1000000000\n1,40000000000\n";

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
  // Reruns are quick. Partition 0 finishes behind the cut (a failed execution finishes, and
  // waits to report, on its node): seen in its node's result tree, whose exitCode is written
  // when the run ends. What its node does once the link is back is what is checked.
  std::ofstream(pads) << "p,n\n0,1000\n1,1000\n";
  fs::path finished;
  for (const auto& e : cut_off) {
    if (e["PartitionIndex"] == 0) {
      ASSERT_EQ(e["ComputeState"]["StateType"], "Failed")
          << "partition 0 ended before the cut, so nothing of it is left to run behind it\n"
          << cut_off.dump();
      finished = root_ / e["NodeID"].get<std::string>() / "executions" /
                 e["ID"].get<std::string>() / "result" / "exitCode";
    }
  }
  ASSERT_FALSE(finished.empty()) << cut_off.dump();
  ASSERT_TRUE(WaitUntil(60s, [&] { return fs::exists(finished); }))
      << "partition 0 did not finish behind the cut: no " << finished << "\n"
      << Logs();
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
