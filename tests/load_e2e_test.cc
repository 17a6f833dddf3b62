// The load figures of bench/load/load_bench, small, as correctness checks (issue 5, section 6):
// many clients submitting at once lose or duplicate no job and the orchestrator's memory stays
// bounded; many nodes heartbeating against one orchestrator are all answered and none is
// declared lost. Loose bounds only: nothing here measures time.
#include <filesystem>
#include <string>

#include "load/load_harness.h"
#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"

namespace shoal::load {
namespace {

class LoadTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = shoal::testing::TempDir::ForCurrentTest(); }
  void TearDown() override { cluster_.reset(); }

  // Starts the orchestrator (and `compute_nodes` real nodes). Call with ASSERT_NO_FATAL_FAILURE.
  void StartCluster(int compute_nodes, double heartbeat_s, double node_timeout_s,
                    std::vector<std::string> extra_flags = {}) {
    LoadCluster::Options options;
    options.shoal = testing::ShoalBinary();
    options.dir = dir_.path();
    options.compute_nodes = compute_nodes;
    options.heartbeat_s = heartbeat_s;
    options.node_timeout_s = node_timeout_s;
    options.extra_orchestrator_flags = std::move(extra_flags);
    auto cluster = LoadCluster::Start(options);
    ASSERT_TRUE(cluster.ok()) << cluster.status().ToString();
    cluster_ = std::move(cluster).value();
    ASSERT_TRUE(cluster_->WaitForNodes(compute_nodes, std::chrono::seconds(60)))
        << cluster_->OrchestratorLog();
  }

  // Runs `count` simulated nodes against the cluster for `hold` after they all registered (past
  // the node timeout), then stops everything; `connected` is how many the orchestrator listed
  // CONNECTED at the end. Call with ASSERT_NO_FATAL_FAILURE.
  void RunFleet(int count, std::chrono::seconds hold, int* connected, NodeFleet::Figures* figures) {
    NodeFleet::Options options;
    options.orchestrator = cluster_->endpoint();
    options.count = count;
    NodeFleet fleet(options);
    fleet.Start();
    ASSERT_TRUE(fleet.WaitRegistered(std::chrono::seconds(60))) << fleet.figures().errors.size();
    std::this_thread::sleep_for(hold);
    *connected = cluster_->ConnectedNodes();
    *figures = fleet.figures();
    fleet.RequestStop();
    cluster_->Stop();
    fleet.Stop();
  }

  shoal::testing::TempDir dir_;  // declared first: it outlives the cluster
  std::unique_ptr<LoadCluster> cluster_;
};

// 500 jobs from 8 concurrent clients: every one reaches a terminal state (Completed), and the
// orchestrator's job list holds exactly the jobs the clients were told they submitted.
TEST_F(LoadTest, ConcurrentSubmissionsAreAllAccountedFor) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(/*compute_nodes=*/3, /*heartbeat_s=*/1,
                                       /*node_timeout_s=*/30));
  const pid_t pid = cluster_->orchestrator_pid();
  auto start = ReadProcStat(pid);
  ASSERT_TRUE(start.ok());
  std::atomic<int64_t> submitted{0};
  ProcSampler sampler(pid, std::chrono::milliseconds(200), [&] { return submitted.load(); });

  SubmitOptions options;
  options.jobs = 500;
  options.clients = 8;
  options.window = 8;
  SubmitFigures figures = SubmitLoad(cluster_->client(), options, &submitted);
  EXPECT_TRUE(figures.errors.empty()) << figures.errors.front();
  EXPECT_EQ(figures.http_errors, 0);  // no 5xx (nor any other error) under concurrency
  EXPECT_EQ(static_cast<int>(figures.submit_ms.size()), options.jobs);

  auto accounting = AccountJobs(cluster_->client(), figures.ids, std::chrono::seconds(300));
  ASSERT_TRUE(accounting.ok()) << accounting.status().ToString();
  sampler.Stop();
  EXPECT_EQ(accounting->not_terminal, 0);
  EXPECT_TRUE(accounting->missing.empty()) << accounting->missing.front();
  EXPECT_TRUE(accounting->extra.empty()) << accounting->extra.front();
  EXPECT_EQ(accounting->submitted, options.jobs);
  EXPECT_EQ(accounting->listed, options.jobs);
  EXPECT_EQ(accounting->listed_distinct, options.jobs);
  EXPECT_EQ(accounting->states["Completed"], options.jobs) << cluster_->OrchestratorLog();

  // Bounded memory, loosely: the orchestrator keeps state in SQLite, not per job in memory, so
  // 500 jobs must not cost it anywhere near 128 MB.
  EXPECT_LT(sampler.PeakRssKb() - start->rss_kb, 128 * 1024)
      << "start " << start->rss_kb << " kB, peak " << sampler.PeakRssKb() << " kB";
}

// 50 simulated nodes on the real compute protocol (register, heartbeat every 0.5 s, a 10 s
// long-poll each): every heartbeat is answered Known, no node is declared lost, all are listed
// CONNECTED while they heartbeat.
TEST_F(LoadTest, ManyNodesHeartbeatingAreAllKeptAlive) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(/*compute_nodes=*/0, /*heartbeat_s=*/0.5,
                                       /*node_timeout_s=*/5));
  const int count = 50;
  int connected = 0;
  NodeFleet::Figures figures;
  ASSERT_NO_FATAL_FAILURE(RunFleet(count, std::chrono::seconds(7), &connected, &figures));

  EXPECT_EQ(connected, count);
  EXPECT_EQ(figures.registered, count);
  EXPECT_EQ(figures.registrations, count);  // nobody had to register again
  EXPECT_GT(figures.heartbeats, 2 * count);
  EXPECT_EQ(figures.heartbeats_ok, figures.heartbeats);
  EXPECT_EQ(figures.heartbeats_unknown, 0);
  EXPECT_EQ(figures.heartbeats_failed, 0) << (figures.errors.empty() ? "" : figures.errors[0]);
  EXPECT_EQ(figures.polls_failed, 0) << (figures.errors.empty() ? "" : figures.errors[0]);
}

// More nodes long-polling than the orchestrator's HTTP server has threads: heartbeats used to
// queue behind the polls for a whole poll wait (10 s) and nodes were declared lost (node timeout
// 3 s here). The orchestrator now lets only part of its pool wait in long-polls and tells the
// other nodes when to poll again, so every heartbeat is still answered and no node is lost.
TEST_F(LoadTest, NodesBeyondTheServerPoolAreNotStarvedOfHeartbeats) {
  ASSERT_NO_FATAL_FAILURE(StartCluster(/*compute_nodes=*/0, /*heartbeat_s=*/0.5,
                                       /*node_timeout_s=*/3, {"--http-threads", "16"}));
  const int count = 40;
  int connected = 0;
  NodeFleet::Figures figures;
  ASSERT_NO_FATAL_FAILURE(RunFleet(count, std::chrono::seconds(8), &connected, &figures));

  EXPECT_EQ(connected, count);
  EXPECT_EQ(figures.registrations, count);
  EXPECT_EQ(figures.heartbeats_unknown, 0);
  EXPECT_EQ(figures.heartbeats_failed, 0) << (figures.errors.empty() ? "" : figures.errors[0]);
  EXPECT_EQ(figures.heartbeats_ok, figures.heartbeats);
  EXPECT_GT(figures.polls_told_to_retry, 0);  // the limit was reached
}

}  // namespace
}  // namespace shoal::load
