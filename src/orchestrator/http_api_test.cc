// The orchestrator's HTTP API with tokens: the client token opens the public API only, a node's
// token the compute channel only, the health check stays open, every refusal is audited, and
// --require-approval still holds back a node that has the right token. (node_binding_test.cc:
// a node's token acts only for that node.)
#include "orchestrator/http_api.h"

#include <filesystem>
#include <mutex>
#include <thread>

#include "console/console_http.h"
#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "models/json_codec.h"
#include "orchestrator/testing/api_bodies.h"
#include "transport/http_client.h"

namespace shoal::orchestrator {
namespace {

using transport::HttpClient;
using transport::Json;
using namespace std::chrono_literals;
using testing::JobBody;
using testing::RegistrationBody;

constexpr const char* kClientToken = "client-token-7c1d";
constexpr const char* kNodeToken = "node-token-93ab";  // compute-us-1's

class HttpApiAuthTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    ASSERT_TRUE(
        transport::AddNodeToken((dir_ / "node-tokens").string(), "compute-us-1", kNodeToken).ok());
    auto node_tokens = transport::NodeTokens::Load((dir_ / "node-tokens").string());
    ASSERT_TRUE(node_tokens.ok()) << node_tokens.status().ToString();
    node_tokens_ = std::move(node_tokens).value();
    OrchestratorOptions options;
    options.data_dir = dir_.string();
    options.auto_approve_nodes = false;  // --require-approval
    options.tick = 50ms;
    auto opened = Orchestrator::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    orchestrator_ = std::move(opened).value();
    server_ = std::make_unique<transport::HttpServer>(transport::HttpServer::Options{});
    RegisterHttpApi(*server_, *orchestrator_, {kClientToken, node_tokens_.get(), ""},
                    [this](const std::string& line) {
                      std::lock_guard lock(mu_);
                      audit_.push_back(line);
                    });
    console::RegisterConsole(*server_, {});
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }
  void TearDown() override {
    orchestrator_->Shutdown();
    server_.reset();
    orchestrator_.reset();
  }

  HttpClient As(const std::string& token) const {
    HttpClient::Options options;
    options.bearer_token = token;
    return HttpClient({"127.0.0.1", port_}, options);
  }

  std::vector<std::string> Audit() {
    std::lock_guard lock(mu_);
    return audit_;
  }

  shoal::testing::TempDir dir_;
  std::unique_ptr<transport::NodeTokens> node_tokens_;
  std::unique_ptr<Orchestrator> orchestrator_;
  std::unique_ptr<transport::HttpServer> server_;
  int port_ = 0;
  std::mutex mu_;
  std::vector<std::string> audit_;
};

// The console's files carry no data and need no token; the API calls the page makes do.
TEST_F(HttpApiAuthTest, TheConsoleOpensWithoutATokenButItsDataDoesNot) {
  const HttpClient nobody = As("");
  auto page = nobody.GetBytes("/ui/");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_NE(page->find("/ui/app.js"), std::string::npos);
  EXPECT_TRUE(nobody.GetBytes("/ui/vendor/preact-htm.js").ok());
  EXPECT_EQ(nobody.GetBytes("/ui/nothing.js").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(nobody.Get("/api/v1/orchestrator/nodes").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(
      nobody.Post("/api/v1/orchestrator/jobs/parse", Json{{"Spec", "Name: x"}}).status().code(),
      ErrorCode::kUnauthenticated);
  EXPECT_TRUE(Audit().size() == 2u) << "each refusal is audited";
}

// The Submit page's parser: the CLI's rendering, parsing and validation, with the same words.
TEST_F(HttpApiAuthTest, JobFilesParseOnTheServerAsTheCliParsesThem) {
  const HttpClient client = As(kClientToken);
  const std::string spec =
      "Name: trends-{{.Region}}\nType: batch\nCount: 2\nTasks:\n  - Name: main\n    Engine:\n"
      "      Type: duckdb\n      Params:\n        SQL: SELECT 1\n";
  auto parsed = client.Post("/api/v1/orchestrator/jobs/parse",
                            Json{{"Spec", spec}, {"Vars", {{"Region", "eu"}}}});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ((*parsed)["Job"]["Name"], "trends-eu");
  EXPECT_EQ((*parsed)["Job"]["Count"], 2);
  EXPECT_TRUE(models::JobFromJson((*parsed)["Job"]).ok());

  auto missing = client.Post("/api/v1/orchestrator/jobs/parse", Json{{"Spec", spec}});
  EXPECT_EQ(missing.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(missing.status().message().find("missing template variable: Region (line 1)"),
            std::string::npos)
      << missing.status().ToString();
  auto bad = client.Post("/api/v1/orchestrator/jobs/parse",
                         Json{{"Spec", "Name: x\nType: batch\nCount: two\n"}, {"Template", false}});
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("line 3"), std::string::npos) << bad.status().message();
  EXPECT_EQ(
      client.Post("/api/v1/orchestrator/jobs/parse", Json{{"Spec", spec}, {"Vars", {{"1x", "a"}}}})
          .status()
          .code(),
      ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.Post("/api/v1/orchestrator/jobs/parse", Json{{"Vars", Json::object()}})
                .status()
                .message(),
            "request needs 'Spec', the job file's text");
}

TEST_F(HttpApiAuthTest, EachTokenOpensItsOwnSideOnly) {
  const HttpClient client = As(kClientToken);
  const HttpClient node = As(kNodeToken);
  const HttpClient nobody = As("");

  // The health check is open; everything else wants a token.
  EXPECT_TRUE(nobody.Get("/api/v1/agent/alive").ok());
  EXPECT_EQ(nobody.Get("/api/v1/agent/version").status().message(), "missing bearer token");
  EXPECT_EQ(nobody.Get("/api/v1/orchestrator/jobs").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(nobody.Post("/api/v1/compute/register", RegistrationBody("compute-us-1", "us"))
                .status()
                .code(),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(As("guessed").Get("/api/v1/orchestrator/jobs").status().message(), "invalid token");

  // A node token must not submit jobs, list them or approve nodes.
  EXPECT_EQ(
      node.Put("/api/v1/orchestrator/jobs", JobBody("j", "us", "SELECT 1", 600)).status().message(),
      "invalid token");
  EXPECT_EQ(node.Get("/api/v1/orchestrator/nodes").status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(node.Post("/api/v1/orchestrator/nodes/n-1/approve", Json::object()).status().code(),
            ErrorCode::kUnauthenticated);
  // A client token must not register a node, heartbeat or poll for work.
  EXPECT_EQ(client.Post("/api/v1/compute/register", RegistrationBody("compute-us-1", "us"))
                .status()
                .message(),
            "invalid token");
  EXPECT_EQ(client.Get("/api/v1/compute/work?node_id=compute-us-1").status().code(),
            ErrorCode::kUnauthenticated);
  auto listed = orchestrator_->ListNodes();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());  // nothing got through

  // Each token on its own side.
  EXPECT_TRUE(node.Post("/api/v1/compute/register", RegistrationBody("compute-us-1", "us")).ok());
  EXPECT_TRUE(client.Get("/api/v1/orchestrator/nodes").ok());
  EXPECT_TRUE(client.Get("/api/v1/agent/version").ok());

  std::vector<std::string> audit = Audit();
  EXPECT_EQ(audit.size(), 9u);
  bool saw_node_side = false;
  for (const std::string& line : audit) {
    EXPECT_EQ(line.find(kClientToken), std::string::npos) << line;
    EXPECT_EQ(line.find(kNodeToken), std::string::npos) << line;
    saw_node_side =
        saw_node_side || (line.find("refused POST /api/v1/compute/register from 127.0.0.1:") == 0 &&
                          line.find("(node channel): invalid token") != std::string::npos);
  }
  EXPECT_TRUE(saw_node_side) << ::testing::PrintToString(audit);
}

TEST_F(HttpApiAuthTest, ApprovalStillHoldsBackANodeWithTheRightToken) {
  const HttpClient client = As(kClientToken);
  const HttpClient node = As(kNodeToken);
  auto registered = node.Post("/api/v1/compute/register", RegistrationBody("compute-us-1", "us"));
  ASSERT_TRUE(registered.ok()) << registered.status().ToString();
  EXPECT_EQ((*registered)["Node"]["Membership"], "PENDING");
  auto submitted =
      client.Put("/api/v1/orchestrator/jobs", JobBody("approval", "us", "SELECT 1", 600));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();

  auto work = node.Get("/api/v1/compute/work?node_id=compute-us-1&wait_ms=300");
  ASSERT_TRUE(work.ok()) << work.status().ToString();
  EXPECT_TRUE((*work)["Executions"].empty()) << work->dump();

  // The node cannot approve itself; the client can.
  EXPECT_FALSE(node.Post("/api/v1/orchestrator/nodes/compute-us-1/approve", Json::object()).ok());
  auto approved = client.Post("/api/v1/orchestrator/nodes/compute-us-1/approve", Json::object());
  ASSERT_TRUE(approved.ok()) << approved.status().ToString();
  EXPECT_EQ((*approved)["Node"]["Membership"], "APPROVED");

  Json executions = Json::array();
  for (int i = 0; i < 50 && executions.empty(); ++i) {
    work = node.Get("/api/v1/compute/work?node_id=compute-us-1&wait_ms=200");
    ASSERT_TRUE(work.ok()) << work.status().ToString();
    executions = (*work)["Executions"];
  }
  ASSERT_EQ(executions.size(), 1u);
  EXPECT_EQ(executions[0]["Job"]["Name"], "approval");
}

// Fields of the wrong type are the caller's mistake (400 naming the field), never a 500.
TEST_F(HttpApiAuthTest, FieldsOfTheWrongTypeAreRefusedByName) {
  const HttpClient client = As(kClientToken);
  Json submit = JobBody("typed", "us", "SELECT 1", 600);
  submit["Force"] = "yes";
  auto forced = client.Put("/api/v1/orchestrator/jobs", submit);
  EXPECT_EQ(forced.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(forced.status().message(), "field 'Force' must be true or false, got \"yes\"");
  submit.erase("Force");
  submit["DryRun"] = 1;
  EXPECT_EQ(client.Put("/api/v1/orchestrator/jobs", submit).status().code(),
            ErrorCode::kInvalidArgument);
  submit["DryRun"] = true;
  EXPECT_TRUE(client.Put("/api/v1/orchestrator/jobs", submit).ok());

  const HttpClient node = As(kNodeToken);
  auto status =
      node.Post("/api/v1/compute/executions/e-1/status",
                Json{{"NodeID", "compute-us-1"}, {"ComputeState", "Running"}, {"Topic", 7}});
  EXPECT_EQ(status.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(status.status().message(), "Topic: expected a string, got number");
}

// History comes in pages of at most `limit` (and never more than kMaxHistoryPage) events;
// following LastSeq while More is set reads each event once; More is only set when an event
// follows the page.
TEST_F(HttpApiAuthTest, HistoryIsPaged) {
  const HttpClient client = As(kClientToken);
  auto submitted = client.Put("/api/v1/orchestrator/jobs", JobBody("paged", "us", "SELECT 1", 600));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  const std::string history =
      "/api/v1/orchestrator/jobs/" + (*submitted)["JobID"].get<std::string>() + "/history";
  auto all = client.Get(history);
  ASSERT_TRUE(all.ok());
  const size_t total = (*all)["Items"].size();
  ASSERT_GE(total, 2u);
  EXPECT_FALSE((*all)["More"].get<bool>());

  std::vector<Json> paged;
  int64_t since = 0;
  for (int pages = 0; pages <= static_cast<int>(total); ++pages) {
    auto page = client.Get(history + "?limit=1&since=" + std::to_string(since));
    ASSERT_TRUE(page.ok());
    EXPECT_LE((*page)["Items"].size(), 1u);
    for (const Json& event : (*page)["Items"]) paged.push_back(event);
    since = (*page)["LastSeq"].get<int64_t>();
    if (!(*page)["More"].get<bool>()) break;
  }
  EXPECT_EQ(Json(paged), (*all)["Items"]);
  EXPECT_EQ((*client.Get(history + "?limit=100000"))["Items"].size(),
            total);  // clamped, not refused
  EXPECT_EQ(client.Get(history + "?limit=x").status().code(), ErrorCode::kInvalidArgument);
  auto zero = client.Get(history + "?limit=0");
  EXPECT_EQ(zero.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(zero.status().message().find("at least 1"), std::string::npos);
  // The last page is not followed by an empty one that claimed More.
  auto last = client.Get(history + "?limit=" + std::to_string(total));
  EXPECT_EQ((*last)["Items"].size(), total);
  EXPECT_FALSE((*last)["More"].get<bool>());
}

// With wait_ms, a history page with nothing new waits for the next event (a long-poll) and
// answers as soon as it is recorded; with nothing to come it answers empty once wait_ms passed.
TEST_F(HttpApiAuthTest, HistoryLongPollAnswersWhenTheNextEventComes) {
  const HttpClient client = As(kClientToken);
  auto submitted =
      client.Put("/api/v1/orchestrator/jobs", JobBody("waited", "us", "SELECT 1", 600));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  const std::string job = "/api/v1/orchestrator/jobs/" + (*submitted)["JobID"].get<std::string>();
  auto all = client.Get(job + "/history");
  ASSERT_TRUE(all.ok());
  const int64_t last = (*all)["LastSeq"].get<int64_t>();
  const std::string after = job + "/history?since=" + std::to_string(last);

  auto start = std::chrono::steady_clock::now();
  auto idle = client.Get(after + "&wait_ms=300");
  ASSERT_TRUE(idle.ok()) << idle.status().ToString();
  EXPECT_TRUE((*idle)["Items"].empty());
  EXPECT_EQ((*idle)["LastSeq"].get<int64_t>(), last);
  EXPECT_GE(std::chrono::steady_clock::now() - start, 290ms);

  // The job waits for a node (no node is approved); stopping it records the next event.
  std::thread stopper([&] {
    std::this_thread::sleep_for(200ms);
    EXPECT_TRUE(client.Delete(job + "?reason=enough").ok());
  });
  start = std::chrono::steady_clock::now();
  auto woken = client.Get(after + "&wait_ms=5000");
  const auto waited = std::chrono::steady_clock::now() - start;
  stopper.join();
  ASSERT_TRUE(woken.ok()) << woken.status().ToString();
  ASSERT_FALSE((*woken)["Items"].empty());
  EXPECT_GT((*woken)["LastSeq"].get<int64_t>(), last);
  EXPECT_LT(waited, 4s) << "the long-poll slept through the event";
  EXPECT_EQ(client.Get(after + "&wait_ms=soon").status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(client.Get(after + "&wait_ms=-1").status().code(), ErrorCode::kInvalidArgument);
}

// `labels` selects jobs by their Labels; a bad selector is a 400 naming it.
TEST_F(HttpApiAuthTest, JobListFiltersByLabels) {
  const HttpClient client = As(kClientToken);
  for (const auto& [name, env] : std::vector<std::pair<std::string, std::string>>{
           {"a", "prod"}, {"b", "dev"}, {"c", "prod"}}) {
    Json job = JobBody(name, "us", "SELECT 1", 600);
    job["Job"]["Labels"] = {{"env", env}};
    ASSERT_TRUE(client.Put("/api/v1/orchestrator/jobs", job).ok());
  }
  auto prod = client.Get("/api/v1/orchestrator/jobs?labels=env%3Dprod");
  ASSERT_TRUE(prod.ok()) << prod.status().ToString();
  std::vector<std::string> names;
  for (const Json& job : (*prod)["Items"]) names.push_back(job["Name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"c", "a"}));
  auto bad = client.Get("/api/v1/orchestrator/jobs?labels=env%20in%20(prod");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("label selector 'env in (prod'"), std::string::npos)
      << bad.status().message();
}

// Long-polls hold a server thread each while they wait. With more nodes polling than the pool
// has threads, heartbeats used to queue behind the polls for their whole wait (and nodes were
// declared lost for heartbeats stuck in that queue). Now only part of the pool waits: a poll
// beyond it is answered at once with RetryAfterMs, and heartbeats find a free thread while the
// other polls are still waiting.
TEST(HttpApiPollTest, PollsBeyondThePoolAreAnsweredAtOnceSoHeartbeatsAreServed) {
  const shoal::testing::TempDir dir("http-api-poll");
  OrchestratorOptions options;
  options.data_dir = dir.string();
  auto orchestrator = Orchestrator::Open(options);
  ASSERT_TRUE(orchestrator.ok()) << orchestrator.status().ToString();
  transport::HttpServer::Options server_options;
  server_options.threads = 8;
  transport::HttpServer server(server_options);
  RegisterHttpApi(server, **orchestrator);
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  const int waiting_polls = MaxWaitingPolls(server_options.threads);
  ASSERT_GT(waiting_polls, 0);
  ASSERT_LT(waiting_polls, server_options.threads);

  const HttpClient node({"127.0.0.1", *port});
  const int nodes = server_options.threads + 2;  // more polls than threads
  for (int i = 0; i < nodes; ++i) {
    ASSERT_TRUE(
        node.Post("/api/v1/compute/register", RegistrationBody("n-" + std::to_string(i), "us"))
            .ok());
  }
  std::mutex mu;
  int told_to_retry = 0;
  int waited = 0;  // polls that returned after waiting (only when the orchestrator shuts down)
  std::vector<std::thread> polls;
  for (int i = 0; i < nodes; ++i) {
    polls.emplace_back([&, i] {
      auto work =
          node.Get("/api/v1/compute/work?node_id=n-" + std::to_string(i) + "&wait_ms=30000");
      std::lock_guard lock(mu);
      if (work.ok() && work->value("RetryAfterMs", int64_t{0}) > 0) {
        ++told_to_retry;
      } else {
        ++waited;
      }
    });
  }
  // The polls beyond the limit come back at once; the others keep waiting.
  for (int i = 0; i < 3000; ++i) {
    {
      std::lock_guard lock(mu);
      if (told_to_retry == nodes - waiting_polls) break;
    }
    std::this_thread::sleep_for(10ms);
  }
  // Heartbeats are answered while every admitted poll still waits.
  for (int i = 0; i < 20; ++i) {
    auto beat =
        node.Post("/api/v1/compute/heartbeat", Json{{"NodeID", "n-" + std::to_string(i % nodes)}});
    ASSERT_TRUE(beat.ok()) << beat.status().ToString();
    EXPECT_TRUE((*beat)["Known"].get<bool>());
  }
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(told_to_retry, nodes - waiting_polls);
    EXPECT_EQ(waited, 0);
  }
  (*orchestrator)->Shutdown();  // ends the waiting polls
  for (auto& poll : polls) poll.join();
  EXPECT_EQ(waited, waiting_polls);
  server.Stop();
}

TEST(ApiAuthTest, NoTokensMeansNoChecks) {
  transport::BearerAuth open = ApiAuth({});
  EXPECT_FALSE(open.any_token());
  EXPECT_TRUE(open.Check("/api/v1/orchestrator/jobs", "").ok());
  // Only a (shared) node token: the client API stays open, the compute channel does not.
  ApiTokens shared;
  shared.shared_node = kNodeToken;
  transport::BearerAuth nodes_only = ApiAuth(shared);
  EXPECT_TRUE(nodes_only.Check("/api/v1/orchestrator/jobs", "").ok());
  EXPECT_FALSE(nodes_only.Check("/api/v1/compute/work", "").ok());
}

}  // namespace
}  // namespace shoal::orchestrator
