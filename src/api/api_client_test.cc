#include "api/api_client.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "models/json_codec.h"
#include "transport/http_server.h"

namespace shoal::api {
namespace {

using transport::HttpServer;
using transport::Json;
using transport::RawResponse;
using transport::Request;

// A canned orchestrator that records the requests it gets ("METHOD path?query").
class FakeOrchestrator {
 public:
  FakeOrchestrator() : server_(HttpServer::Options{}) {}

  void Answer(const std::string& method, const std::string& pattern, Json answer) {
    server_.HandleJson(method, pattern, [this, answer](const Request& request) -> Result<Json> {
      Record(request);
      return answer;
    });
  }
  void Fail(const std::string& method, const std::string& pattern, Status status) {
    server_.HandleJson(method, pattern, [this, status](const Request& request) -> Result<Json> {
      Record(request);
      return status;
    });
  }
  void Bytes(const std::string& pattern, std::string bytes) {
    server_.HandleRaw("GET", pattern, [this, bytes](const Request& request) -> Result<RawResponse> {
      Record(request);
      return RawResponse{200, "application/octet-stream", bytes};
    });
  }

  ApiClient Start() {
    auto port = server_.Start();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    return ApiClient({"127.0.0.1", port.ok() ? *port : 1});
  }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  Json last_body() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_body_;
  }

 private:
  void Record(const Request& request) {
    std::lock_guard<std::mutex> lock(mu_);
    std::string query;
    for (const auto& [name, value] : request.params) {
      query += (query.empty() ? "?" : "&") + name + "=" + value;
    }
    requests_.push_back(request.method + " " + request.path + query);
    auto body = request.JsonBody();
    last_body_ = body.ok() ? *body : Json();
  }

  HttpServer server_;
  std::mutex mu_;
  std::vector<std::string> requests_;
  Json last_body_;
};

models::Job SampleJob() {
  models::Job job;
  job.id = "j-0b1c2d3e-0000-4000-8000-000000000001";
  job.name = "trends";
  job.count = 3;
  job.task.engine = {"duckdb", Json{{"SQL", "SELECT 1"}}};
  job.state.state_type = models::JobStateType::kRunning;
  job.version = 2;
  return job;
}

TEST(EndpointFromEnvironmentTest, ShoalVariablesFirstThenBacalhauThenDefault) {
  auto plain = EndpointFromEnvironment({});
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->ToString(), "localhost:1234");

  auto bacalhau =
      EndpointFromEnvironment({{"BACALHAU_API_HOST", "orch"}, {"BACALHAU_API_PORT", "2345"}});
  ASSERT_TRUE(bacalhau.ok());
  EXPECT_EQ(bacalhau->ToString(), "orch:2345");

  auto mixed = EndpointFromEnvironment({{"SHOAL_API_HOST", "http://shoal-orch"},
                                        {"BACALHAU_API_HOST", "orch"},
                                        {"BACALHAU_API_PORT", "2345"},
                                        {"SHOAL_API_PORT", "4000"}});
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->ToString(), "shoal-orch:4000");

  auto bad = EndpointFromEnvironment({{"SHOAL_API_PORT", "12x"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(bad.status().message(), "SHOAL_API_PORT: '12x' is not a port number (1 to 65535)");
  EXPECT_FALSE(EndpointFromEnvironment({{"BACALHAU_API_PORT", "70000"}}).ok());
}

TEST(ClientSettingsFromEnvironmentTest, TokenFromVariableOrFileAndCaOnlyWithHttps) {
  const shoal::testing::TempDir dir("api-env");
  const std::string token_file = (dir / "client.token").string();
  std::ofstream(token_file) << "file-token-123\n";
  const std::string ca = (dir / "ca.pem").string();
  std::ofstream(ca) << "not checked here\n";

  auto none = ClientSettingsFromEnvironment({});
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(none->http.bearer_token, "");
  EXPECT_FALSE(none->endpoint.tls);

  auto direct = ClientSettingsFromEnvironment({{"SHOAL_API_TOKEN", "env-token-456"}});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(direct->http.bearer_token, "env-token-456");

  auto from_file = ClientSettingsFromEnvironment({{"SHOAL_API_TOKEN_FILE", token_file}});
  ASSERT_TRUE(from_file.ok()) << from_file.status().ToString();
  EXPECT_EQ(from_file->http.bearer_token, "file-token-123");

  auto both = ClientSettingsFromEnvironment(
      {{"SHOAL_API_TOKEN", "env-token-456"}, {"SHOAL_API_TOKEN_FILE", token_file}});
  ASSERT_FALSE(both.ok());
  EXPECT_EQ(both.status().message(),
            "SHOAL_API_TOKEN and SHOAL_API_TOKEN_FILE are both set: set only one");

  auto unreadable = ClientSettingsFromEnvironment({{"SHOAL_API_TOKEN_FILE", token_file + "x"}});
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unreadable.status().message().find("SHOAL_API_TOKEN_FILE: cannot read token file"),
            std::string::npos);

  auto tls = ClientSettingsFromEnvironment(
      {{"SHOAL_API_HOST", "https://orch:8443"}, {"SHOAL_API_CA_CERT", ca}});
  ASSERT_TRUE(tls.ok()) << tls.status().ToString();
  EXPECT_TRUE(tls->endpoint.tls);
  EXPECT_EQ(tls->endpoint.port, 8443);
  EXPECT_EQ(tls->http.ca_cert_file, ca);

  // A CA without https:// is a mistake, not a quiet switch to TLS (or a quiet plain request).
  auto plain_with_ca =
      ClientSettingsFromEnvironment({{"SHOAL_API_HOST", "orch"}, {"SHOAL_API_CA_CERT", ca}});
  ASSERT_FALSE(plain_with_ca.ok());
  EXPECT_NE(plain_with_ca.status().message().find("set SHOAL_API_HOST=https://orch"),
            std::string::npos)
      << plain_with_ca.status().message();
  EXPECT_FALSE(ClientSettingsFromEnvironment(
                   {{"SHOAL_API_HOST", "https://orch"}, {"SHOAL_API_CA_CERT", ca + ".missing"}})
                   .ok());
}

TEST(ApiClientTest, SendsTheTokenAndExplainsARefusal) {
  HttpServer server(HttpServer::Options{});
  transport::BearerAuth auth;
  auth.Require("/", "right-token", "client API");
  server.SetAuth(std::move(auth), [](const std::string&) {});
  server.HandleJson("GET", "/api/v1/orchestrator/nodes", [](const Request&) -> Result<Json> {
    return Json{{"Items", Json::array()}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok());

  transport::HttpClient::Options right;
  right.bearer_token = "right-token";
  EXPECT_TRUE(ApiClient({"127.0.0.1", *port}, right).ListNodes().ok());

  transport::HttpClient::Options wrong;
  wrong.bearer_token = "wrong-token";
  auto refused = ApiClient({"127.0.0.1", *port}, wrong).ListNodes();
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(refused.status().message().rfind(
                "the orchestrator refused the API token (invalid token): set SHOAL_API_TOKEN", 0),
            0u)
      << refused.status().message();
  EXPECT_EQ(refused.status().message().find("wrong-token"), std::string::npos);
  // Against a devstack, where its token is.
  EXPECT_NE(refused.status().message().find(".shoal-devstack/client.token"), std::string::npos)
      << refused.status().message();

  auto missing = ApiClient({"127.0.0.1", *port}).ListNodes();
  EXPECT_NE(missing.status().message().find("(missing bearer token)"), std::string::npos)
      << missing.status().message();
}

TEST(ApiClientTest, SubmitsJobsAndDecodesTheAnswer) {
  FakeOrchestrator fake;
  fake.Answer("PUT", "/api/v1/orchestrator/jobs",
              {{"JobID", "j-1"}, {"JobVersion", 3}, {"Changed", false}, {"Warnings", {"w1"}}});
  ApiClient client = fake.Start();
  models::Job job = SampleJob();
  auto answer = client.SubmitJob(job, {/*force=*/true, /*dry_run=*/false});
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ(answer->job_id, "j-1");
  EXPECT_EQ(answer->job_version, 3);
  EXPECT_FALSE(answer->changed);
  EXPECT_EQ(answer->warnings, std::vector<std::string>{"w1"});
  Json body = fake.last_body();
  EXPECT_EQ(body["Force"], true);
  EXPECT_EQ(body["DryRun"], false);
  auto sent = models::JobFromJson(body["Job"]);
  ASSERT_TRUE(sent.ok());
  EXPECT_EQ(*sent, job);
}

TEST(ApiClientTest, ReadsJobsExecutionsHistoryAndLogs) {
  FakeOrchestrator fake;
  models::Job job = SampleJob();
  models::Execution execution;
  execution.id = "e-1";
  execution.job_id = job.id;
  execution.node_id = "compute-us-1";
  execution.partition_index = 2;
  execution.compute_state.state_type = models::ExecutionComputeState::kCompleted;
  models::Event event;
  event.seq_num = 7;
  event.topic = "Scheduling";
  event.message = "partition 2 on compute-us-1";

  fake.Answer("GET", "/api/v1/orchestrator/jobs",
              {{"Items", {models::ToJson(job)}}, {"NextToken", "t2"}});
  fake.Answer("GET", "/api/v1/orchestrator/jobs/([^/]+)", {{"Job", models::ToJson(job)}});
  fake.Answer("GET", "/api/v1/orchestrator/jobs/([^/]+)/executions",
              {{"Items", {models::ToJson(execution)}}});
  fake.Answer("GET", "/api/v1/orchestrator/jobs/([^/]+)/history",
              {{"Items", {models::ToJson(event)}}, {"LastSeq", 9}});
  fake.Answer(
      "GET", "/api/v1/orchestrator/jobs/([^/]+)/logs",
      {{"Items", {{{"ExecutionID", "e-1"}, {"NodeID", "n"}, {"Stdout", "out"}, {"Stderr", ""}}}}});
  fake.Answer("DELETE", "/api/v1/orchestrator/jobs/([^/]+)", {{"JobID", job.id}});
  ApiClient client = fake.Start();

  auto page = client.ListJobs({"default", 5, "t1", "", "", false});
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0], job);
  EXPECT_EQ(page->next_token, "t2");

  auto got = client.GetJob("trends", "team a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->id, job.id);

  auto executions = client.ListExecutions(job.id);
  ASSERT_TRUE(executions.ok()) << executions.status().ToString();
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ((*executions)[0], execution);

  auto history = client.History(job.id, {4, "e-1", {}});
  ASSERT_TRUE(history.ok()) << history.status().ToString();
  ASSERT_EQ(history->items.size(), 1u);
  EXPECT_EQ(history->items[0], event);
  EXPECT_EQ(history->last_seq, 9);

  auto logs = client.Logs(job.id, "e-1");
  ASSERT_TRUE(logs.ok()) << logs.status().ToString();
  ASSERT_EQ(logs->size(), 1u);
  EXPECT_EQ((*logs)[0].stdout_text, "out");

  auto stopped = client.StopJob("trends", "enough");
  ASSERT_TRUE(stopped.ok()) << stopped.status().ToString();
  EXPECT_EQ(*stopped, job.id);

  const std::string jobs = "/api/v1/orchestrator/jobs";
  EXPECT_EQ(fake.requests(), (std::vector<std::string>{
                                 "GET " + jobs + "?limit=5&namespace=default&next_token=t1",
                                 "GET " + jobs + "/trends?namespace=team a",
                                 "GET " + jobs + "/" + job.id + "/executions",
                                 "GET " + jobs + "/" + job.id + "/history?execution_id=e-1&since=4",
                                 "GET " + jobs + "/" + job.id + "/logs?execution_id=e-1",
                                 "DELETE " + jobs + "/trends?reason=enough",
                             }));
}

TEST(ApiClientTest, ListsResultsAndFetchesFiles) {
  FakeOrchestrator fake;
  fake.Answer("GET", "/api/v1/orchestrator/jobs/([^/]+)/results",
              {{"Items",
                {{{"ExecutionID", "e-1"},
                  {"NodeID", "compute-eu-1"},
                  {"PartitionIndex", 1},
                  {"Files",
                   {{{"Path", "result.json"}, {"Size", 10}},
                    {{"Path", "out dir/a.csv"}, {"Size", 3}}}}}}}});
  fake.Bytes("/api/v1/orchestrator/jobs/([^/]+)/results/([^/]+)/(.+)", "a,b");
  ApiClient client = fake.Start();

  auto results = client.Results("j-1");
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  ASSERT_EQ(results->size(), 1u);
  EXPECT_EQ((*results)[0].node_id, "compute-eu-1");
  EXPECT_EQ((*results)[0].partition_index, 1);
  ASSERT_EQ((*results)[0].files.size(), 2u);
  EXPECT_EQ((*results)[0].files[1].path, "out dir/a.csv");
  EXPECT_EQ((*results)[0].files[1].size, 3);

  auto bytes = client.ResultFileBytes("j-1", "e-1", "out dir/a.csv");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, "a,b");
  EXPECT_EQ(fake.requests().back(), "GET /api/v1/orchestrator/jobs/j-1/results/e-1/out dir/a.csv");
}

TEST(ApiClientTest, NodesAndAgent) {
  FakeOrchestrator fake;
  models::Node node;
  node.id = "compute-us-1";
  node.labels = {{"region", "us"}};
  node.membership = models::NodeMembership::kApproved;
  models::Node rejected = node;
  rejected.membership = models::NodeMembership::kRejected;
  fake.Answer("GET", "/api/v1/orchestrator/nodes", {{"Items", {models::ToJson(node)}}});
  fake.Answer("GET", "/api/v1/orchestrator/nodes/([^/]+)", {{"Node", models::ToJson(node)}});
  fake.Answer("POST", "/api/v1/orchestrator/nodes/([^/]+)/approve",
              {{"Node", models::ToJson(node)}});
  fake.Answer("POST", "/api/v1/orchestrator/nodes/([^/]+)/reject",
              {{"Node", models::ToJson(rejected)}});
  fake.Answer("GET", "/api/v1/agent/alive", {{"Status", "OK"}});
  fake.Answer("GET", "/api/v1/agent/version", {{"Version", "0.1.0"}, {"DuckDB", "1.4.4"}});
  ApiClient client = fake.Start();

  auto nodes = client.ListNodes();
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ((*nodes)[0], node);
  EXPECT_EQ(client.GetNode("compute-us-1")->labels.at("region"), "us");
  EXPECT_EQ(client.ApproveNode("compute-us-1")->membership, models::NodeMembership::kApproved);
  EXPECT_EQ(client.RejectNode("compute-us-1")->membership, models::NodeMembership::kRejected);
  EXPECT_TRUE(client.Alive().ok());
  auto version = client.Version();
  ASSERT_TRUE(version.ok());
  EXPECT_EQ(version->version, "0.1.0");
  EXPECT_EQ(version->duckdb, "1.4.4");
}

TEST(ApiClientTest, ServerErrorsKeepTheServersMessage) {
  FakeOrchestrator fake;
  fake.Fail("GET", "/api/v1/orchestrator/jobs/([^/]+)", Status::NotFound("job 'nope' not found"));
  fake.Fail("PUT", "/api/v1/orchestrator/jobs", Status(ErrorCode::kAlreadyExists, "no changes"));
  ApiClient client = fake.Start();
  auto missing = client.GetJob("nope");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "job 'nope' not found");
  auto same = client.SubmitJob(SampleJob(), {});
  EXPECT_EQ(same.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(same.status().message(), "no changes");
}

TEST(ApiClientTest, AsksForResultsToBeFetched) {
  FakeOrchestrator fake;
  fake.Answer("POST", "/api/v1/orchestrator/jobs/bad/results/fetch",
              {{"Items", {{{"ExecutionID", "e-1"}, {"State", "done"}}}}});
  fake.Answer("POST", "/api/v1/orchestrator/jobs/([^/]+)/results/fetch",
              {{"Items",
                {{{"ExecutionID", "e-1"},
                  {"NodeID", "compute-us-1"},
                  {"PartitionIndex", 0},
                  {"State", "ready"},
                  {"FetchNodeID", ""},
                  {"Message", ""}},
                 {{"ExecutionID", "e-2"},
                  {"NodeID", "compute-us-2"},
                  {"PartitionIndex", 1},
                  {"State", "failed"},
                  {"Message", "no connected node can reach store storage-local (folder:/x)"}}}}});
  ApiClient client = fake.Start();

  auto fetches = client.FetchResults("j-1");
  ASSERT_TRUE(fetches.ok()) << fetches.status().ToString();
  EXPECT_EQ(fake.requests().back(), "POST /api/v1/orchestrator/jobs/j-1/results/fetch");
  ASSERT_EQ(fetches->size(), 2u);
  EXPECT_EQ((*fetches)[0].state, models::FetchState::kReady);
  EXPECT_EQ((*fetches)[1].execution_id, "e-2");
  EXPECT_EQ((*fetches)[1].node_id, "compute-us-2");
  EXPECT_EQ((*fetches)[1].partition_index, 1);
  EXPECT_EQ((*fetches)[1].state, models::FetchState::kFailed);
  EXPECT_EQ((*fetches)[1].message, "no connected node can reach store storage-local (folder:/x)");

  auto bad = client.FetchResults("bad");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Items[0]: State: expected ready, pending or failed"),
            std::string::npos)
      << bad.status().message();
}

TEST(ApiClientTest, MalformedAnswersNameTheEndpointAndField) {
  FakeOrchestrator fake;
  fake.Answer("GET", "/api/v1/orchestrator/nodes", {{"Items", {{{"ID", 7}}}}});
  fake.Answer("GET", "/api/v1/orchestrator/jobs/([^/]+)/executions", Json::object());
  ApiClient client = fake.Start();
  auto nodes = client.ListNodes();
  ASSERT_FALSE(nodes.ok());
  EXPECT_EQ(nodes.status().code(), ErrorCode::kInternal);
  EXPECT_NE(nodes.status().message().find("unexpected answer from GET /api/v1/orchestrator/nodes: "
                                          "Items[0]: ID"),
            std::string::npos)
      << nodes.status().message();
  auto executions = client.ListExecutions("j-1");
  ASSERT_FALSE(executions.ok());
  EXPECT_NE(executions.status().message().find("Items: missing"), std::string::npos)
      << executions.status().message();
}

TEST(ApiClientTest, UnreachableOrchestratorSaysWhereItLooked) {
  int port = 0;
  {
    HttpServer server(HttpServer::Options{});
    port = server.Start().value();
    server.Stop();
  }
  ApiClient client({"127.0.0.1", port});
  Status alive = client.Alive();
  EXPECT_EQ(alive.code(), ErrorCode::kUnavailable);
  EXPECT_EQ(alive.message(), "cannot reach the orchestrator at 127.0.0.1:" + std::to_string(port) +
                                 " (set SHOAL_API_HOST/SHOAL_API_PORT)");
  EXPECT_EQ(client.ResultFileBytes("j", "e", "f").status().message(), alive.message());
}

}  // namespace
}  // namespace shoal::api
