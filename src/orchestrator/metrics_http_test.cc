// GET /metrics through a real server: behind the client token, in Prometheus' text format (every
// answer parsed by the strict parser), and its values move as a job runs on a node.
#include <map>
#include <thread>

#include "metrics/testing/exposition_parser.h"
#include <gtest/gtest.h>
#include <httplib.h>

#include "models/json_codec.h"
#include "orchestrator/http_api.h"
#include "orchestrator/testing/api_bodies.h"
#include "orchestrator/testing/orchestrator_fixture.h"
#include "transport/http_client.h"

namespace shoal::orchestrator {
namespace {

using metrics::testing::ParsedExposition;
using transport::HttpClient;
using transport::Json;
using namespace std::chrono_literals;

constexpr const char* kScrapeToken = "client-token-51aa";
constexpr const char* kSharedNodeToken = "shared-node-token-0f3e";

class MetricsHttpTest : public testing::OrchestratorFixture {
 protected:
  void SetUp() override {
    OrchestratorFixture::SetUp();
    options_.node_timeout = 60s;  // the test's node sends no heartbeats
    ASSERT_NO_FATAL_FAILURE(Reopen());
    server_ = std::make_unique<transport::HttpServer>(transport::HttpServer::Options{});
    RegisterHttpApi(*server_, *orchestrator_, {kScrapeToken, nullptr, kSharedNodeToken},
                    [](const std::string&) {});
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }
  void TearDown() override {
    orchestrator_->Shutdown();
    server_.reset();
    OrchestratorFixture::TearDown();
  }

  HttpClient As(const std::string& token) const {
    HttpClient::Options options;
    options.bearer_token = token;
    return HttpClient({"127.0.0.1", port_}, options);
  }

  // One scrape, checked against the format's rules.
  ParsedExposition Scrape() {
    httplib::Client http("127.0.0.1", port_);
    auto response =
        http.Get("/metrics", {{"Authorization", std::string("Bearer ") + kScrapeToken}});
    EXPECT_TRUE(response) << "no answer";
    if (!response) return {};
    EXPECT_EQ(response->status, 200) << response->body;
    EXPECT_EQ(response->get_header_value("Content-Type"),
              "text/plain; version=0.0.4; charset=utf-8");
    auto parsed = metrics::testing::ParseExposition(response->body);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString() << "\n" << response->body;
    return parsed.ok() ? *parsed : ParsedExposition{};
  }

  // The sum of `name`'s samples matching `labels` once it is `expected`, or its last value after
  // 5 s: a request is counted just after its answer is written, so a client that got the answer
  // may scrape a moment before its count.
  double EventualSum(const std::string& name, const std::map<std::string, std::string>& labels,
                     double expected) {
    double sum = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 5s;
         std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(10ms)) {
      if ((sum = Scrape().Sum(name, labels)) == expected) break;
    }
    return sum;
  }

  std::unique_ptr<transport::HttpServer> server_;
  int port_ = 0;
};

TEST_F(MetricsHttpTest, BehindTheClientTokenInTheTextFormat) {
  httplib::Client http("127.0.0.1", port_);
  auto anonymous = http.Get("/metrics");
  ASSERT_TRUE(anonymous);
  EXPECT_EQ(anonymous->status, 401);
  auto node = http.Get("/metrics", {{"Authorization", std::string("Bearer ") + kSharedNodeToken}});
  ASSERT_TRUE(node);
  EXPECT_EQ(node->status, 401);  // a node token opens the compute channel only

  ParsedExposition idle = Scrape();
  EXPECT_EQ(idle.Sum("shoal_build_info", {{"version", kShoalVersion}}), 1);
  EXPECT_EQ(idle.Count("shoal_jobs"), 6);  // every state, zeros included
  EXPECT_EQ(idle.Sum("shoal_jobs"), 0);
  EXPECT_EQ(idle.families.at("shoal_jobs_submitted_total").type, "counter");
  EXPECT_EQ(idle.families.at("shoal_dispatch_latency_seconds").type, "histogram");
  // The refused scrapes were counted, with no route (they never reached one).
  EXPECT_EQ(EventualSum("shoal_http_requests_total", {{"route", "(none)"}, {"code", "401"}}, 2), 2);
}

TEST_F(MetricsHttpTest, ValuesMoveAsAJobRunsOnANode) {
  const HttpClient client = As(kScrapeToken);
  const HttpClient node = As(kSharedNodeToken);
  ASSERT_TRUE(
      node.Post("/api/v1/compute/register", testing::RegistrationBody("compute-us-1", "us", 3))
          .ok());
  auto submitted = client.Put("/api/v1/orchestrator/jobs", testing::JobBody("metered", "us"));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  auto work = node.Get("/api/v1/compute/work?node_id=compute-us-1&wait_ms=2000");
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  ASSERT_EQ((*work)["Executions"].size(), 1u) << work->dump();
  const std::string execution = (*work)["Executions"][0]["Execution"]["ID"];
  const std::string status_path = "/api/v1/compute/executions/" + execution + "/status";

  ParsedExposition handed_out = Scrape();
  EXPECT_EQ(handed_out.Sum("shoal_jobs", {{"state", "Running"}}), 1);
  EXPECT_EQ(handed_out.Sum("shoal_executions", {{"region", "us"}, {"state", "New"}}), 1);
  EXPECT_EQ(handed_out.Sum("shoal_node_running_executions", {{"node", "compute-us-1"}}), 1);
  EXPECT_EQ(handed_out.Sum("shoal_node_capacity_executions", {{"node", "compute-us-1"}}), 3);
  EXPECT_EQ(handed_out.Sum("shoal_dispatch_latency_seconds_count"), 0);

  ASSERT_TRUE(
      node.Post(status_path, {{"NodeID", "compute-us-1"}, {"ComputeState", "Running"}}).ok());
  ASSERT_TRUE(node.PutBytes("/api/v1/compute/executions/" + execution +
                                "/files/stdout?node_id=compute-us-1",
                            "0123456789")
                  .ok());
  models::ExecutionStats stats;
  stats.bytes_read = 4096;
  stats.rows_read = 77;
  stats.published_bytes = 10;
  stats.published_to = "orchestrator";
  ASSERT_TRUE(node.Post(status_path, {{"NodeID", "compute-us-1"},
                                      {"ComputeState", "Completed"},
                                      {"Stats", models::ToJson(stats)}})
                  .ok());

  ParsedExposition done = Scrape();
  EXPECT_EQ(done.Sum("shoal_jobs", {{"state", "Completed"}}), 1);
  EXPECT_EQ(done.Sum("shoal_jobs", {{"state", "Running"}}), 0);
  EXPECT_EQ(done.Sum("shoal_jobs_submitted_total", {{"type", "batch"}}), 1);
  EXPECT_EQ(done.Sum("shoal_jobs_finished_total", {{"type", "batch"}, {"state", "Completed"}}), 1);
  EXPECT_EQ(done.Sum("shoal_job_duration_seconds_count", {{"type", "batch"}}), 1);
  EXPECT_EQ(done.Sum("shoal_executions"), 0);
  EXPECT_EQ(done.Sum("shoal_executions_finished_total", {{"region", "us"}, {"state", "Completed"}}),
            1);
  EXPECT_EQ(done.Sum("shoal_execution_duration_seconds_count", {{"region", "us"}}), 1);
  EXPECT_EQ(done.Sum("shoal_dispatch_latency_seconds_count", {{"region", "us"}}), 1);
  EXPECT_EQ(done.Sum("shoal_result_upload_bytes_total", {{"region", "us"}}), 10);
  EXPECT_EQ(done.Sum("shoal_read_bytes_total", {{"region", "us"}}), 4096);
  EXPECT_EQ(done.Sum("shoal_read_rows_total", {{"region", "us"}}), 77);
  EXPECT_EQ(
      done.Sum("shoal_published_bytes_total", {{"region", "us"}, {"destination", "orchestrator"}}),
      10);
  // The execution keeps what its node reported.
  auto listed = client.Get("/api/v1/orchestrator/jobs/" + (*submitted)["JobID"].get<std::string>() +
                           "/executions");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  EXPECT_EQ((*listed)["Items"][0]["Stats"]["BytesRead"], 4096);
  EXPECT_EQ(done.Sum("shoal_nodes",
                     {{"region", "us"}, {"membership", "APPROVED"}, {"connection", "CONNECTED"}}),
            1);
  EXPECT_GT(done.Sum("shoal_node_last_heartbeat_timestamp_seconds", {{"node", "compute-us-1"}}),
            1.7e9);
  EXPECT_EQ(done.Sum("shoal_node_running_executions", {{"node", "compute-us-1"}}), 0);
  const std::string status_route = "/api/v1/compute/executions/{}/status";
  EXPECT_EQ(EventualSum("shoal_http_requests_total", {{"route", status_route}, {"code", "200"}}, 2),
            2);
  EXPECT_EQ(EventualSum("shoal_http_request_duration_seconds_count", {{"route", status_route}}, 2),
            2);
  // The long-poll took a slot to wait in and left it.
  EXPECT_EQ(done.Sum("shoal_compute_polls_waiting"), 0);
  EXPECT_EQ(done.Sum("shoal_compute_polls_refused_total"), 0);
}

TEST_F(MetricsHttpTest, TwoServersOfOneOrchestratorShareItsCounters) {
  transport::HttpServer second(transport::HttpServer::Options{});
  RegisterHttpApi(second, *orchestrator_, {kScrapeToken, nullptr, kSharedNodeToken},
                  [](const std::string&) {});
  auto port = second.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  HttpClient::Options options;
  options.bearer_token = kScrapeToken;
  ASSERT_TRUE(HttpClient({"127.0.0.1", *port}, options).Get("/api/v1/orchestrator/jobs").ok());
  ASSERT_TRUE(As(kScrapeToken).Get("/api/v1/orchestrator/jobs").ok());
  EXPECT_EQ(EventualSum("shoal_http_requests_total",
                        {{"route", "/api/v1/orchestrator/jobs"}, {"code", "200"}}, 2),
            2);
  second.Stop();
}

TEST(RouteLabelTest, GroupsBecomeBraces) {
  EXPECT_EQ(transport::RouteLabel("/api/v1/orchestrator/jobs"), "/api/v1/orchestrator/jobs");
  EXPECT_EQ(transport::RouteLabel("/api/v1/compute/executions/([^/]+)/files/(.+)"),
            "/api/v1/compute/executions/{}/files/{}");
  EXPECT_EQ(transport::RouteLabel("/nodes/([^/]+)/(approve|reject)"), "/nodes/{}/{}");
  EXPECT_EQ(transport::RouteLabel("/a/((x)|(y))/b\\.c"), "/a/{}/b.c");
}

}  // namespace
}  // namespace shoal::orchestrator
