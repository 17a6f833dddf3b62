// ComputeNode against a fake orchestrator that plays the orchestrator's part of the compute
// channel and checks the order in which the node's reports are processed.
#include "compute/compute_node.h"

#include <atomic>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "models/json_codec.h"
#include "transport/http_server.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using transport::Json;
using transport::Request;

constexpr int kExecutions = 3;

// Hands out kExecutions `SELECT 1` executions one at a time. Heartbeats are "processed" (held
// against the executions' reported states) only after a delay, as a busy orchestrator may
// process a heartbeat after a status report the node sent later.
class FakeOrchestrator {
 public:
  FakeOrchestrator() : server_(transport::HttpServer::Options{}) {
    server_.HandleJson("POST", "/api/v1/compute/register",
                       [this](const Request& request) -> Result<Json> {
                         std::lock_guard lock(mu_);
                         registered_ = request.JsonBody().value()["Node"];
                         return Json{{"HeartbeatIntervalMs", 5}};
                       });
    server_.HandleJson("POST", "/api/v1/compute/heartbeat",
                       [this](const Request& request) -> Result<Json> {
                         Json body = request.JsonBody().value();
                         std::set<std::string> listed;
                         for (const auto& id : body["Running"]) listed.insert(id);
                         std::this_thread::sleep_for(std::chrono::milliseconds(60));
                         std::lock_guard lock(mu_);
                         for (const auto& [id, state] : states_) {
                           if (state == "Running" && !listed.count(id)) {
                             violations_.push_back(id);
                           }
                         }
                         return Json{{"Known", true}};
                       });
    server_.HandleJson("GET", "/api/v1/compute/work", [this](const Request&) -> Result<Json> {
      Json executions = Json::array();
      {
        std::lock_guard lock(mu_);
        bool busy = false;
        for (const auto& [id, state] : states_) busy = busy || state == "Running";
        if (!busy && handed_out_ < kExecutions && pending_.empty()) {
          pending_ = "e-" + std::to_string(++handed_out_);
        }
        if (!pending_.empty()) executions.push_back(Assignment(pending_));
      }
      if (executions.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(20));
      return Json{{"Executions", executions}, {"Cancel", Json::array()}};
    });
    server_.HandleJson("POST", "/api/v1/compute/executions/([^/]+)/status",
                       [this](const Request& request) -> Result<Json> {
                         Json body = request.JsonBody().value();
                         std::lock_guard lock(mu_);
                         states_[request.matches[1]] = body["ComputeState"];
                         if (pending_ == request.matches[1]) pending_.clear();
                         return Json::object();
                       });
    server_.HandleJson("PUT", "/api/v1/compute/executions/([^/]+)/files/(.+)",
                       [](const Request&) -> Result<Json> { return Json::object(); });
  }

  int Start() { return server_.Start().value(); }
  void Stop() { server_.Stop(); }

  int Completed() {
    std::lock_guard lock(mu_);
    int n = 0;
    for (const auto& [id, state] : states_) n += state == "Completed";
    return n;
  }
  Json registered() {
    std::lock_guard lock(mu_);
    return registered_;
  }
  std::vector<std::string> violations() {
    std::lock_guard lock(mu_);
    return violations_;
  }

 private:
  static Json Assignment(const std::string& id) {
    models::Job job;
    job.id = "j-1";
    job.name = "one";
    job.type = models::JobType::kBatch;
    job.count = 1;
    job.task.engine = {"duckdb", Json{{"SQL", "SELECT 1 AS one"}}};
    models::Execution execution;
    execution.id = id;
    execution.job_id = job.id;
    execution.node_id = "compute-test-1";
    return Json{{"Execution", models::ToJson(execution)}, {"Job", models::ToJson(job)}};
  }

  transport::HttpServer server_;
  std::mutex mu_;
  int handed_out_ = 0;
  std::string pending_;                        // handed out, not yet reported
  std::map<std::string, std::string> states_;  // by execution id: the last reported state
  std::vector<std::string> violations_;
  Json registered_;  // the Node of the last registration
};

// A node of these tests: named compute-test-1, working in `dir`, talking to 127.0.0.1:`port`.
ComputeNodeOptions TestNodeOptions(int port, const fs::path& dir) {
  ComputeNodeOptions options;
  options.orchestrator = {"127.0.0.1", port};
  options.runner.node_id = "compute-test-1";
  options.runner.work_dir = dir.string();
  return options;
}

TEST(ComputeNodeTest, AHeartbeatNeverContradictsAnEarlierRunningReport) {
  // Regression: a heartbeat's snapshot taken just before an execution started could reach the
  // orchestrator after the execution's Running report, which then failed the healthy execution
  // as one the node "no longer runs".
  FakeOrchestrator fake;
  int port = fake.Start();
  const shoal::testing::TempDir dir("node-test");
  ComputeNodeOptions options = TestNodeOptions(port, dir.path());
  options.poll_wait = std::chrono::milliseconds(200);
  options.retry_delay = std::chrono::milliseconds(20);
  auto node = ComputeNode::Start(options);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  for (int i = 0; i < 500 && fake.Completed() < kExecutions; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(fake.Completed(), kExecutions);
  (*node)->Stop();
  fake.Stop();
  EXPECT_TRUE(fake.violations().empty())
      << "heartbeats processed after a Running report did not list: "
      << ::testing::PrintToString(fake.violations());
}

// Issue 18: a node took ~9 s to exit on SIGTERM, waiting out its long-poll for work.
TEST(ComputeNodeTest, StopDoesNotWaitOutTheLongPoll) {
  transport::HttpServer server(transport::HttpServer::Options{});
  std::atomic<bool> polled{false};
  std::atomic<bool> release{false};
  server.HandleJson("POST", "/api/v1/compute/register", [](const Request&) -> Result<Json> {
    return Json{{"HeartbeatIntervalMs", 50}};
  });
  server.HandleJson("POST", "/api/v1/compute/heartbeat", [](const Request&) -> Result<Json> {
    return Json{{"Known", true}};
  });
  server.HandleJson("GET", "/api/v1/compute/work", [&](const Request&) -> Result<Json> {
    polled = true;
    for (int i = 0; i < 1000 && !release; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    return Json{{"Executions", Json::array()}, {"Cancel", Json::array()}};
  });
  const int port = server.Start().value();
  const shoal::testing::TempDir dir("node-stop");
  ComputeNodeOptions options = TestNodeOptions(port, dir.path());
  options.poll_wait = std::chrono::milliseconds(10000);
  auto node = ComputeNode::Start(options);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  for (int i = 0; i < 500 && !polled; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  ASSERT_TRUE(polled);
  const auto start = std::chrono::steady_clock::now();
  (*node)->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  release = true;
  server.Stop();
}

// Issue 18: nodes registered CPU, memory and disk as 0; `node list --show capacity` showed that.
TEST(ComputeNodeTest, RegistersTheMachinesCapacity) {
  FakeOrchestrator fake;
  int port = fake.Start();
  const shoal::testing::TempDir dir("node-cap");
  ComputeNodeOptions options = TestNodeOptions(port, dir.path());
  options.max_executions = 3;
  auto node = ComputeNode::Start(options);
  ASSERT_TRUE(node.ok()) << node.status().ToString();
  for (int i = 0; i < 500 && fake.registered().is_null(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  (*node)->Stop();
  fake.Stop();
  const Json capacity = fake.registered()["Capacity"];
  EXPECT_EQ(capacity["CPUMillis"].get<int64_t>() % 1000, 0) << capacity;
  EXPECT_GE(capacity["CPUMillis"].get<int64_t>(), 1000) << capacity;
  EXPECT_GT(capacity["MemoryBytes"].get<int64_t>(), int64_t{64} << 20) << capacity;
  EXPECT_GT(capacity["DiskBytes"].get<int64_t>(), 0) << capacity;
  EXPECT_EQ(capacity["MaxExecutions"], 3) << capacity;
}

}  // namespace
}  // namespace shoal::compute
