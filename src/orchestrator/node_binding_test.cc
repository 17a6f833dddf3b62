// Node identity on the compute channel: with per-node tokens, node B (holding its own valid
// token) cannot register, heartbeat, poll, report, upload, ask about an execution, or finish a
// fetch or store task as node A; node A's execution completes as A's only; an endpoint added
// after the API is bound too; the legacy shared token is unbound, as documented.
#include "orchestrator/node_binding.h"

#include <filesystem>
#include <mutex>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "models/json_codec.h"
#include "orchestrator/http_api.h"
#include "orchestrator/testing/api_bodies.h"
#include "transport/http_client.h"

namespace shoal::orchestrator {
namespace {

using transport::HttpClient;
using transport::Json;
using namespace std::chrono_literals;
using testing::JobBody;
using testing::RegistrationBody;

constexpr const char* kTokenA = "token-of-compute-us-1-6f1e";
constexpr const char* kTokenB = "token-of-compute-eu-1-0c9d";
constexpr const char* kSharedToken = "shared-node-token-a47b";
constexpr const char* kA = "compute-us-1";
constexpr const char* kB = "compute-eu-1";

class NodeBindingTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    const std::string tokens_file = (dir_ / "node-tokens").string();
    ASSERT_TRUE(transport::AddNodeToken(tokens_file, kA, kTokenA).ok());
    ASSERT_TRUE(transport::AddNodeToken(tokens_file, kB, kTokenB).ok());
    auto tokens = transport::NodeTokens::Load(tokens_file);
    ASSERT_TRUE(tokens.ok()) << tokens.status().ToString();
    node_tokens_ = std::move(tokens).value();
    OrchestratorOptions options;
    options.data_dir = (dir_ / "orchestrator").string();
    options.tick = 50ms;
    auto opened = Orchestrator::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    orchestrator_ = std::move(opened).value();
    server_ = std::make_unique<transport::HttpServer>(transport::HttpServer::Options{});
  }
  // Registers the API with per-node tokens (and `shared`, the legacy token, when given).
  void Start(const std::string& shared = "") {
    ApiTokens tokens;
    tokens.nodes = node_tokens_.get();
    tokens.shared_node = shared;
    RegisterHttpApi(*server_, *orchestrator_, tokens, [this](const std::string& line) {
      std::lock_guard lock(mu_);
      audit_.push_back(line);
    });
  }
  void Listen() {
    auto port = server_->Start();
    ASSERT_TRUE(port.ok()) << port.status().ToString();
    port_ = *port;
  }
  void TearDown() override {
    if (orchestrator_) orchestrator_->Shutdown();
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

// The 403 and its message for B acting as A through `field`.
void ExpectActsForA(const Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), ErrorCode::kPermissionDenied) << status.ToString();
  EXPECT_EQ(status.message(), std::string("this token is node ") + kB +
                                  "'s, and the request acts for node " + kA + " (" + field +
                                  "): a node may act only for itself");
}

TEST_F(NodeBindingTest, ANodeCannotActForAnotherOnAnyComputeEndpoint) {
  Start();
  Listen();
  const HttpClient a = As(kTokenA);
  const HttpClient b = As(kTokenB);
  const std::string compute = "/api/v1/compute";

  // B cannot register under A's name; each registers as itself.
  ExpectActsForA(b.Post(compute + "/register", RegistrationBody(kA, "eu")).status(), "Node.ID");
  ASSERT_TRUE(a.Post(compute + "/register", RegistrationBody(kA, "us")).ok());
  ASSERT_TRUE(b.Post(compute + "/register", RegistrationBody(kB, "eu")).ok());
  auto submitted = HttpClient({"127.0.0.1", port_})
                       .Put("/api/v1/orchestrator/jobs", JobBody("answer", "us", "SELECT 42"));
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();

  // B cannot take A's work.
  ExpectActsForA(b.Get(compute + "/work?node_id=" + kA).status(), "node_id");
  ExpectActsForA(b.Get(compute + "/work?node_id=" + std::string(kB) + "&node_id=" + kA).status(),
                 "node_id");
  Json executions = Json::array();
  for (int i = 0; i < 50 && executions.empty(); ++i) {
    auto work = a.Get(compute + "/work?node_id=" + std::string(kA) + "&wait_ms=200");
    ASSERT_TRUE(work.ok()) << work.status().ToString();
    executions = (*work)["Executions"];
  }
  ASSERT_EQ(executions.size(), 1u);
  const std::string id = executions[0]["Execution"]["ID"];
  const std::string execution = compute + "/executions/" + id;

  // B cannot report for A's execution, upload its results, or ask about it as A; a heartbeat as
  // A (which would fail A's executions it does not list) is refused too.
  ExpectActsForA(
      b.Post(execution + "/status", Json{{"NodeID", kA}, {"ComputeState", "Completed"}}).status(),
      "NodeID");
  ExpectActsForA(b.Post(execution + "/status?node_id=" + std::string(kA),
                        Json{{"NodeID", kB}, {"ComputeState", "Completed"}})
                     .status(),
                 "node_id");
  ExpectActsForA(b.PutBytes(execution + "/files/result.csv?node_id=" + std::string(kA), "x\n1\n"),
                 "node_id");
  ExpectActsForA(b.Get(execution + "?node_id=" + std::string(kA)).status(), "node_id");
  ExpectActsForA(
      b.Post(compute + "/heartbeat", Json{{"NodeID", kA}, {"Running", Json::array()}}).status(),
      "NodeID");
  ExpectActsForA(b.Post(compute + "/fetches/f-1", Json{{"NodeID", kA}}).status(), "NodeID");
  ExpectActsForA(b.Post(compute + "/store-tasks/t-1", Json{{"NodeID", kA}}).status(), "NodeID");
  // As itself, B meets the orchestrator's own check: the execution is A's.
  auto as_itself =
      b.Post(execution + "/status", Json{{"NodeID", kB}, {"ComputeState", "Completed"}});
  EXPECT_EQ(as_itself.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(as_itself.status().message(), "execution " + id + " belongs to " + kA);
  // A request that names no node is refused before any handler.
  auto unnamed = b.Get(compute + "/work");
  EXPECT_EQ(unnamed.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(unnamed.status().message().find("names none"), std::string::npos);
  // A's own token: a real node's messages, with A's own node name, all pass.
  ASSERT_TRUE(
      a.Post(execution + "/status", Json{{"NodeID", kA}, {"ComputeState", "Running"}}).ok());
  ASSERT_TRUE(
      a.PutBytes(execution + "/files/result.csv?node_id=" + std::string(kA), "x\n42\n").ok());
  ASSERT_TRUE(
      a.Post(execution + "/status", Json{{"NodeID", kA}, {"ComputeState", "Completed"}}).ok());
  auto state = a.Get(execution + "?node_id=" + std::string(kA));
  ASSERT_TRUE(state.ok());
  EXPECT_EQ((*state)["ComputeState"], "Completed");
  auto bytes = orchestrator_->ReadResultFile((*submitted)["JobID"], id, "result.csv");
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_EQ(*bytes, "x\n42\n");

  // Every refusal audited: which node, acting for which, never a token.
  std::vector<std::string> audit = Audit();
  int bound = 0;
  for (const std::string& line : audit) {
    bound += line.find("(node channel): this token is node compute-eu-1's") != std::string::npos;
    EXPECT_EQ(line.find(kTokenA), std::string::npos) << line;
    EXPECT_EQ(line.find(kTokenB), std::string::npos) << line;
  }
  EXPECT_EQ(bound, 10) << ::testing::PrintToString(audit);
  EXPECT_NE(audit[0].find("refused POST /api/v1/compute/register from 127.0.0.1:"),
            std::string::npos)
      << audit[0];
}

// The binding is on the whole channel: an endpoint registered after RegisterHttpApi, which
// knows nothing of it, gets it all the same.
TEST_F(NodeBindingTest, AnEndpointAddedLaterIsBoundToo) {
  Start();
  std::string served_identity;
  server_->HandleJson("POST", "/api/v1/compute/added-later",
                      [&](const transport::Request& request) -> Result<Json> {
                        served_identity = request.identity;
                        return Json::object();
                      });
  Listen();
  const HttpClient b = As(kTokenB);
  ExpectActsForA(b.Post("/api/v1/compute/added-later", Json{{"NodeID", kA}}).status(), "NodeID");
  EXPECT_EQ(b.Post("/api/v1/compute/added-later", Json::object()).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(served_identity, "");
  EXPECT_TRUE(b.Post("/api/v1/compute/added-later", Json{{"NodeID", kB}}).ok());
  EXPECT_EQ(served_identity, kB);
}

// Legacy mode: the shared token opens the channel unbound (its holder may act as any node, as
// docs/deployment.md warns), while per-node tokens beside it stay bound.
TEST_F(NodeBindingTest, TheSharedTokenIsUnboundAndPerNodeTokensStayBound) {
  Start(kSharedToken);
  Listen();
  EXPECT_TRUE(As(kSharedToken).Post("/api/v1/compute/register", RegistrationBody(kA, "us")).ok());
  EXPECT_TRUE(As(kSharedToken).Post("/api/v1/compute/register", RegistrationBody(kB, "eu")).ok());
  ExpectActsForA(As(kTokenB).Post("/api/v1/compute/register", RegistrationBody(kA, "eu")).status(),
                 "Node.ID");
  EXPECT_EQ(As("guess").Get("/api/v1/compute/work?node_id=x").status().code(),
            ErrorCode::kUnauthenticated);
}

TEST(CheckNodeBindingTest, ReadsEveryPlaceANodeIsNamed) {
  transport::Request request;
  request.identity = kA;
  request.body = Json{{"NodeID", kA}}.dump();
  EXPECT_TRUE(CheckNodeBinding(request, false).ok());
  request.body = Json{{"NodeID", 7}}.dump();
  EXPECT_EQ(CheckNodeBinding(request, false).message(),
            "field 'NodeID' must be a string (the node's name)");
  request.body = Json{{"Node", {{"ID", false}}}}.dump();
  EXPECT_EQ(CheckNodeBinding(request, false).code(), ErrorCode::kInvalidArgument);
  request.body = "{not json";
  EXPECT_EQ(CheckNodeBinding(request, false).message(), "request body is not valid JSON");
  // An upload's bytes are the result file, not a request: a NodeID inside is data.
  request.upload = true;
  request.body = Json{{"NodeID", kB}}.dump();
  request.params.emplace("node_id", kA);
  EXPECT_TRUE(CheckNodeBinding(request, false).ok());
  // Anonymous: allowed only for the open channel or the shared token.
  request.identity.clear();
  EXPECT_TRUE(CheckNodeBinding(request, true).ok());
  EXPECT_EQ(CheckNodeBinding(request, false).code(), ErrorCode::kPermissionDenied);
}

}  // namespace
}  // namespace shoal::orchestrator
