// Node identity end to end (issue 17, part 3), with real processes on loopback: tokens issued
// with `shoal node token issue`, a `shoal serve --orchestrator` that reads them, jobs submitted
// with the CLI. Node A (compute-us-1) and node B (compute-eu-1) speak the compute channel here
// with their own issued tokens, so the test controls when A's execution finishes: B, with its
// valid token, cannot poll A's work, report A's execution (Completed included) or upload its
// results, and A's own report completes it with A's result. A `shoal serve --compute` process
// that uses B's token under A's name is refused, and a revoked token stops working while the
// orchestrator runs. The legacy shared token works only when asked for, with a warning.
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "transport/http_client.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::BackgroundProcess;
using ::shoal::testing::Contains;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::ReadWholeFile;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using ::shoal::testing::WaitUntil;
using transport::HttpClient;
using transport::Json;
using namespace std::chrono_literals;

constexpr const char* kA = "compute-us-1";
constexpr const char* kB = "compute-eu-1";
constexpr const char* kUsJob = R"(
Name: answer-in-us
Type: batch
Count: 1
Constraints:
  - Key: region
    Operator: ==
    Values: ["us"]
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: SELECT 42 AS answer
)";

Json NodeJson(const std::string& name, const std::string& region) {
  return Json{{"Node",
               {{"ID", name},
                {"Labels", {{"region", region}}},
                {"Engines", {"duckdb"}},
                {"Capacity", {{"MaxExecutions", 2}}}}}};
}

// B, acting as A, refused with 403 naming both nodes and the field.
void ExpectRefusedAsA(const Status& status, const std::string& field) {
  EXPECT_EQ(status.code(), ErrorCode::kPermissionDenied) << status.ToString();
  EXPECT_EQ(status.message(), std::string("this token is node ") + kB +
                                  "'s, and the request acts for node " + kA + " (" + field +
                                  "): a node may act only for itself");
}

class NodeIdentityE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir::ForCurrentTest();
    client_token_ = "client-" + std::to_string(::getpid()) + "-3e9a0c51d7";
    std::ofstream(root_ / "client.token") << client_token_ << "\n";
    port_ = testing::FreePort();
  }
  void TearDown() override {
    processes_.clear();  // before root_ goes (kept if the test failed)
  }
  std::string Path(const std::string& name) const { return (root_ / name).string(); }

  BackgroundProcess& Start(const std::string& log, std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    processes_[log] = std::make_unique<BackgroundProcess>(args, Path(log + ".log"));
    return *processes_[log];
  }
  void StartOrchestrator(std::vector<std::string> flags) {
    std::vector<std::string> args{"serve",
                                  "--orchestrator",
                                  "--host",
                                  "127.0.0.1",
                                  "--port",
                                  std::to_string(port_),
                                  "--data-dir",
                                  Path("orchestrator"),
                                  "--auth-token-file",
                                  Path("client.token"),
                                  "--heartbeat-interval",
                                  "0.5",
                                  "--node-timeout",
                                  "120"};
    args.insert(args.end(), flags.begin(), flags.end());
    Start("orchestrator", args);
    ASSERT_TRUE(WaitUntil(10s, [&] { return Contains(Log("orchestrator"), "listening on"); }))
        << Log("orchestrator");
  }
  std::string Log(const std::string& name) const { return ReadWholeFile(Path(name + ".log")); }

  // `shoal ARGS...` as a user of this orchestrator, with the client token.
  ProcessResult Shoal(std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    ProcessResult result = RunProcess(args, "",
                                      {{"SHOAL_API_HOST", "127.0.0.1"},
                                       {"SHOAL_API_PORT", std::to_string(port_)},
                                       {"SHOAL_API_TOKEN_FILE", Path("client.token")}});
    outputs_ += result.out + result.err;
    return result;
  }
  // Issues node `name` a token into node-tokens; returns the token (read from its file).
  std::string Issue(const std::string& name) {
    ProcessResult issued = Shoal({"node", "token", "issue", name, "--tokens-file",
                                  Path("node-tokens"), "--out", Path(name + ".token")});
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    std::string token = ReadWholeFile(Path(name + ".token"));
    if (!token.empty()) token.pop_back();  // the newline
    tokens_.push_back(token);
    return token;
  }
  HttpClient As(const std::string& token) const {
    HttpClient::Options options;
    options.bearer_token = token;
    return HttpClient({"127.0.0.1", port_}, options);
  }
  // Everything every process printed: logs and the CLI's output.
  std::string Everything() const {
    std::string text = outputs_;
    for (const auto& entry : fs::directory_iterator(root_.path())) {
      if (entry.path().extension() == ".log") text += ReadWholeFile(entry.path());
    }
    return text;
  }

  testing::TempDir root_;
  int port_ = 0;
  std::string client_token_;
  std::vector<std::string> tokens_;  // every node token issued
  std::map<std::string, std::unique_ptr<BackgroundProcess>> processes_;
  std::string outputs_;
};

TEST_F(NodeIdentityE2eTest, ANodeCannotCompletePollOrUploadForAnother) {
  const std::string token_a = Issue(kA);
  const std::string token_b = Issue(kB);
  ASSERT_EQ(token_a.size(), 64u);
  ASSERT_NE(token_a, token_b);
  struct stat st {};
  ASSERT_EQ(::stat(Path(std::string(kA) + ".token").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string tokens_file = ReadWholeFile(Path("node-tokens"));
  EXPECT_TRUE(Contains(tokens_file, std::string(kA) + " sha256:")) << tokens_file;
  EXPECT_FALSE(Contains(tokens_file, token_a));
  ProcessResult listed = Shoal({"node", "token", "list", "--tokens-file", Path("node-tokens")});
  EXPECT_EQ(listed.out, std::string(kA) + "\n" + kB + "\n");

  ASSERT_NO_FATAL_FAILURE(StartOrchestrator({"--node-tokens-file", Path("node-tokens")}));
  EXPECT_TRUE(Contains(Log("orchestrator"), "nodes authenticate with their own tokens (2 in "))
      << Log("orchestrator");
  const HttpClient a = As(token_a);
  const HttpClient b = As(token_b);
  ASSERT_TRUE(a.Post("/api/v1/compute/register", NodeJson(kA, "us")).ok());
  ASSERT_TRUE(b.Post("/api/v1/compute/register", NodeJson(kB, "eu")).ok());
  std::ofstream(root_ / "answer.yaml") << kUsJob;
  ProcessResult submitted = Shoal({"job", "run", "--no-wait", "--id-only", Path("answer.yaml")});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  std::string job_id = submitted.out;
  while (!job_id.empty() && std::isspace(static_cast<unsigned char>(job_id.back()))) {
    job_id.pop_back();
  }

  // B cannot take A's work, though its token is valid (it polls its own work fine).
  ExpectRefusedAsA(b.Get("/api/v1/compute/work?node_id=" + std::string(kA)).status(), "node_id");
  auto own = b.Get("/api/v1/compute/work?node_id=" + std::string(kB));
  ASSERT_TRUE(own.ok()) << own.status().ToString();
  EXPECT_TRUE((*own)["Executions"].empty());
  Json work;
  ASSERT_TRUE(WaitUntil(20s, [&] {
    auto polled = a.Get("/api/v1/compute/work?node_id=" + std::string(kA) + "&wait_ms=500");
    if (polled.ok() && !(*polled)["Executions"].empty()) work = (*polled)["Executions"][0];
    return !work.is_null();
  })) << Log("orchestrator");
  const std::string id = work["Execution"]["ID"];
  const std::string execution = "/api/v1/compute/executions/" + id;
  ASSERT_TRUE(
      a.Post(execution + "/status", Json{{"NodeID", kA}, {"ComputeState", "Running"}}).ok());

  // B cannot upload A's results or complete A's execution.
  ExpectRefusedAsA(
      b.PutBytes(execution + "/files/result.csv?node_id=" + std::string(kA), "answer\n666\n"),
      "node_id");
  ExpectRefusedAsA(
      b.Post(execution + "/status",
             Json{{"NodeID", kA}, {"ComputeState", "Completed"}, {"Message", "done by B"}})
          .status(),
      "NodeID");
  // Under its own name B meets the orchestrator's own check instead: the execution is A's.
  auto as_itself =
      b.Post(execution + "/status", Json{{"NodeID", kB}, {"ComputeState", "Completed"}});
  EXPECT_EQ(as_itself.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(as_itself.status().message(), "execution " + id + " belongs to " + kA);
  ProcessResult executions = Shoal({"job", "executions", job_id, "--output", "json"});
  ASSERT_EQ(executions.exit_code, 0) << executions.err;
  Json listed_executions = Json::parse(executions.out);
  ASSERT_EQ(listed_executions.size(), 1u) << executions.out;
  EXPECT_EQ(listed_executions[0]["NodeID"], kA);
  EXPECT_EQ(listed_executions[0]["ComputeState"]["StateType"], "Running") << executions.out;

  // A completes its own execution, with its own result.
  ASSERT_TRUE(
      a.PutBytes(execution + "/files/result.csv?node_id=" + std::string(kA), "answer\n42\n").ok());
  ASSERT_TRUE(
      a.Post(execution + "/status", Json{{"NodeID", kA}, {"ComputeState", "Completed"}}).ok());
  const HttpClient client = As(client_token_);
  ASSERT_TRUE(WaitUntil(10s, [&] {
    auto job = client.Get("/api/v1/orchestrator/jobs/" + job_id);
    return job.ok() && (*job)["Job"]["State"]["StateType"] == "Completed";
  }));
  auto result =
      client.GetBytes("/api/v1/orchestrator/jobs/" + job_id + "/results/" + id + "/result.csv");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(*result, "answer\n42\n");

  // A real node process with B's token under A's name is refused, and A's record is untouched.
  Start("impostor", {"serve", "--compute", "--orchestrator", "127.0.0.1:" + std::to_string(port_),
                     "--name", kA, "--node-token-file", Path(std::string(kB) + ".token"),
                     "--labels", "region=eu", "--data-dir", Path("impostor")});
  ASSERT_TRUE(WaitUntil(20s, [&] {
    return Contains(Log("impostor"), "the orchestrator refused this node (this token is node " +
                                         std::string(kB) + "'s, and the request acts for node " +
                                         kA + " (Node.ID)");
  })) << Log("impostor");
  ProcessResult described = Shoal({"node", "describe", kA, "--output", "json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  EXPECT_EQ(Json::parse(described.out)["Labels"]["region"], "us") << described.out;
  EXPECT_TRUE(processes_["impostor"]->alive());  // it keeps trying, slowly, and gets nothing

  // Every refusal is audited: which node's token, acting for which node, on which endpoint.
  const std::string log = Log("orchestrator");
  for (const std::string& refused :
       std::vector<std::string>{"refused GET /api/v1/compute/work from 127.0.0.1:",
                                "refused PUT " + execution + "/files/result.csv from",
                                "refused POST " + execution + "/status from",
                                std::string("refused POST /api/v1/compute/register from")}) {
    EXPECT_TRUE(Contains(log, refused)) << refused << "\n" << log;
  }
  EXPECT_TRUE(Contains(log,
                       "(node channel): this token is node compute-eu-1's, and the request "
                       "acts for node compute-us-1 (node_id)"))
      << log;

  // Revoked while the orchestrator runs: B's token stops working within a few seconds.
  ProcessResult revoked =
      Shoal({"node", "token", "revoke", kB, "--tokens-file", Path("node-tokens")});
  ASSERT_EQ(revoked.exit_code, 0) << revoked.err;
  ASSERT_TRUE(WaitUntil(10s, [&] {
    return b.Post("/api/v1/compute/heartbeat", Json{{"NodeID", kB}}).status().code() ==
           ErrorCode::kUnauthenticated;
  }));
  EXPECT_TRUE(a.Post("/api/v1/compute/heartbeat", Json{{"NodeID", kA}}).ok());

  const std::string everything = Everything();
  EXPECT_FALSE(Contains(everything, client_token_));
  for (const std::string& token : tokens_) EXPECT_FALSE(Contains(everything, token));
}

TEST_F(NodeIdentityE2eTest, TheSharedNodeTokenIsLegacyOptInAndSaysSo) {
  std::ofstream(root_ / "shared.token") << "shared-" << ::getpid() << "-8d2f61c0\n";
  ASSERT_NO_FATAL_FAILURE(StartOrchestrator({"--shared-node-token-file", Path("shared.token")}));
  Start(kA, {"serve", "--compute", "--orchestrator", "127.0.0.1:" + std::to_string(port_), "--name",
             kA, "--node-token-file", Path("shared.token"), "--labels", "region=us", "--data-dir",
             Path(kA)});
  ASSERT_TRUE(WaitUntil(20s,
                        [&] {
                          ProcessResult list = Shoal({"node", "list", "--output", "json"});
                          Json nodes = Json::parse(list.out, nullptr, false);
                          return list.exit_code == 0 && nodes.is_array() && nodes.size() == 1 &&
                                 nodes[0]["Connection"] == "CONNECTED";
                        }))
      << Log("orchestrator") << Log(kA);
  EXPECT_TRUE(Contains(Log("orchestrator"),
                       "warning: --shared-node-token-file (legacy): whoever holds the shared node "
                       "token can act as any node"))
      << Log("orchestrator");
}

}  // namespace
}  // namespace shoal
