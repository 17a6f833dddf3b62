// Authentication and TLS as a user deploys them, every part a real process on loopback: an
// orchestrator with a client token, per-node tokens issued with `shoal node token issue`, an
// HTTPS certificate from a test CA (made with `openssl` here) and --require-approval; a compute
// node with its own token and the CA; nodes with a wrong token and with an untrusted CA; the CLI
// with and without the right token and CA. No token may appear in anything any process printed.
// (node_identity_e2e_test.cc: one node cannot act as another.)
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
#include <unistd.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "transport/http_client.h"
#include "transport/testing/test_certs.h"

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
using transport::Json;
using namespace std::chrono_literals;

constexpr const char* kJob = R"(
Name: answer
Type: batch
Count: 1
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: SELECT 42 AS answer
)";

class AuthTlsE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = testing::TempDir::ForCurrentTest();
    // Distinct, recognizable tokens, so a leak anywhere is found by a plain search.
    client_token_ = "client-" + std::to_string(::getpid()) + "-c7e1a93f0b";
    wrong_token_ = "wrong-" + std::to_string(::getpid()) + "-99f3d0a6e2";
    WriteFile("client.token", client_token_ + "\n");
    WriteFile("wrong.token", wrong_token_ + "\n");
    port_ = testing::FreePort();
  }

  void TearDown() override {
    processes_.clear();  // before root_ goes (kept if the test failed)
  }

  void WriteFile(const std::string& name, const std::string& text) {
    std::ofstream(root_ / name) << text;
  }
  std::string Path(const std::string& name) const { return (root_ / name).string(); }

  BackgroundProcess& Start(const std::string& log, std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    processes_[log] = std::make_unique<BackgroundProcess>(args, Path(log + ".log"));
    return *processes_[log];
  }

  BackgroundProcess& StartNode(const std::string& name, const std::string& token_file,
                               const std::string& ca) {
    return Start(
        name, {"serve", "--compute", "--orchestrator", "https://127.0.0.1:" + std::to_string(port_),
               "--ca-cert", ca, "--node-token-file", token_file, "--name", name, "--labels",
               "region=us", "--data-dir", Path(name)});
  }

  // `shoal ARGS...` as a user whose shell has `env` (on top of the right address).
  ProcessResult Shoal(std::vector<std::string> args, std::map<std::string, std::string> env) {
    args.insert(args.begin(), ShoalBinary());
    env.emplace("SHOAL_API_HOST", "https://127.0.0.1");
    env.emplace("SHOAL_API_PORT", std::to_string(port_));
    ProcessResult result = RunProcess(args, "", env);
    outputs_ += result.out + result.err;
    return result;
  }
  // The right token (from its file) and the right CA.
  std::map<std::string, std::string> Trusted() const {
    return {{"SHOAL_API_TOKEN_FILE", Path("client.token")}, {"SHOAL_API_CA_CERT", certs_.ca_cert}};
  }

  std::string Log(const std::string& name) const { return ReadWholeFile(Path(name + ".log")); }

  // Issues node `name` a token with the CLI, into node-tokens; returns its token file.
  std::string IssueNodeToken(const std::string& name) {
    ProcessResult issued =
        RunProcess({ShoalBinary(), "node", "token", "issue", name, "--tokens-file",
                    Path("node-tokens"), "--out", Path(name + ".token")});
    outputs_ += issued.out + issued.err;
    EXPECT_EQ(issued.exit_code, 0) << issued.err;
    node_tokens_.push_back(ReadWholeFile(Path(name + ".token")));
    node_tokens_.back().pop_back();  // the newline
    return Path(name + ".token");
  }

  // Everything every process printed: logs and the CLI's captured output.
  std::string Everything() const {
    std::string text = outputs_;
    for (const auto& entry : fs::directory_iterator(root_.path())) {
      if (entry.path().extension() == ".log") text += ReadWholeFile(entry.path());
    }
    return text;
  }

  testing::TempDir root_;
  int port_ = 0;
  std::string client_token_, wrong_token_;
  std::vector<std::string> node_tokens_;  // every token issued to a node
  testing::TestCerts certs_;
  std::map<std::string, std::unique_ptr<BackgroundProcess>> processes_;
  std::string outputs_;
};

TEST_F(AuthTlsE2eTest, TokensAndTlsGuardTheApiAndTheNodeChannel) {
  auto certs = testing::MakeTestCerts(root_ / "certs");
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  certs_ = *certs;
  const std::string first_token = IssueNodeToken("compute-us-1");
  const std::string third_token = IssueNodeToken("compute-us-3");
  Start("orchestrator",
        {"serve", "--orchestrator", "--host", "127.0.0.1", "--port", std::to_string(port_),
         "--data-dir", Path("orchestrator"), "--auth-token-file", Path("client.token"),
         "--node-tokens-file", Path("node-tokens"), "--tls-cert", certs_.server_cert, "--tls-key",
         certs_.server_key, "--require-approval", "--heartbeat-interval", "0.5"});
  ASSERT_TRUE(WaitUntil(10s, [&] { return Contains(Log("orchestrator"), "listening on"); }))
      << Log("orchestrator");
  EXPECT_TRUE(Contains(Log("orchestrator"), "listening on https://127.0.0.1:"));

  StartNode("compute-us-1", first_token, certs_.ca_cert);
  BackgroundProcess& wrong_token = StartNode("compute-us-2", Path("wrong.token"), certs_.ca_cert);
  BackgroundProcess& untrusted = StartNode("compute-us-3", third_token, certs_.other_ca_cert);

  // The node with its own token registers; the others say why they cannot.
  Json nodes;
  ASSERT_TRUE(WaitUntil(20s, [&] {
    ProcessResult list = Shoal({"node", "list", "--output", "json"}, Trusted());
    nodes = Json::parse(list.out, nullptr, false);
    return list.exit_code == 0 && nodes.is_array() && nodes.size() == 1;
  })) << Everything();
  EXPECT_EQ(nodes[0]["ID"], "compute-us-1");
  EXPECT_EQ(nodes[0]["Membership"], "PENDING");  // a right token does not skip approval
  ASSERT_TRUE(WaitUntil(10s, [&] {
    return Contains(Log("compute-us-2"), "refused this node's token (invalid token)") &&
           Contains(Log("compute-us-3"), "did not verify against the CA in");
  })) << Everything();

  ProcessResult approve = Shoal({"node", "approve", "compute-us-1"}, Trusted());
  ASSERT_EQ(approve.exit_code, 0) << approve.err;
  WriteFile("answer.yaml", kJob);
  ProcessResult run = Shoal({"job", "run", Path("answer.yaml")}, Trusted());
  ASSERT_EQ(run.exit_code, 0) << run.err << Everything();
  EXPECT_TRUE(Contains(run.out, "42")) << run.out;
  EXPECT_TRUE(Contains(run.out, "on compute-us-1")) << run.out;

  // Refusals: a clear message and exit code 1.
  ProcessResult wrong = Shoal({"job", "list"}, {{"SHOAL_API_TOKEN", wrong_token_},
                                                {"SHOAL_API_TOKEN_FILE", ""},
                                                {"SHOAL_API_CA_CERT", certs_.ca_cert}});
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_TRUE(Contains(wrong.err,
                       "the orchestrator refused the API token (invalid token): set "
                       "SHOAL_API_TOKEN"))
      << wrong.err;
  ProcessResult missing =
      Shoal({"job", "run", Path("answer.yaml")},
            {{"SHOAL_API_TOKEN_FILE", ""}, {"SHOAL_API_CA_CERT", certs_.ca_cert}});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_TRUE(Contains(missing.err, "refused the API token (missing bearer token)")) << missing.err;
  // A node's token opens the node channel only.
  ProcessResult as_node =
      Shoal({"node", "approve", "compute-us-2"},
            {{"SHOAL_API_TOKEN_FILE", first_token}, {"SHOAL_API_CA_CERT", certs_.ca_cert}});
  EXPECT_EQ(as_node.exit_code, 1);
  EXPECT_TRUE(Contains(as_node.err, "(invalid token)")) << as_node.err;

  // TLS mistakes: an untrusted CA, and plain HTTP against the TLS port.
  ProcessResult untrusted_ca =
      Shoal({"node", "list"}, {{"SHOAL_API_TOKEN_FILE", Path("client.token")},
                               {"SHOAL_API_CA_CERT", certs_.other_ca_cert}});
  EXPECT_EQ(untrusted_ca.exit_code, 1);
  EXPECT_TRUE(Contains(untrusted_ca.err, "the TLS certificate of 127.0.0.1:" +
                                             std::to_string(port_) + " did not verify"))
      << untrusted_ca.err;
  ProcessResult plain = Shoal({"node", "list"}, {{"SHOAL_API_HOST", "127.0.0.1"},
                                                 {"SHOAL_API_TOKEN_FILE", Path("client.token")},
                                                 {"SHOAL_API_CA_CERT", ""}});
  EXPECT_EQ(plain.exit_code, 1);
  EXPECT_TRUE(Contains(plain.err, "without an HTTP answer (if it serves HTTPS, use https://"))
      << plain.err;

  // The refused nodes got no work and are still there, retrying (not dead of SIGPIPE).
  ProcessResult executions = Shoal({"job", "executions", "answer", "--output", "json"}, Trusted());
  ASSERT_EQ(executions.exit_code, 0) << executions.err;
  for (const auto& e : Json::parse(executions.out)) EXPECT_EQ(e["NodeID"], "compute-us-1");
  EXPECT_TRUE(wrong_token.alive()) << Log("compute-us-2");
  EXPECT_TRUE(untrusted.alive()) << Log("compute-us-3");

  // The orchestrator audited every refusal: who, what, why.
  const std::string audit = Log("orchestrator");
  EXPECT_TRUE(Contains(audit, "shoal audit: refused POST /api/v1/compute/register from 127.0.0.1:"))
      << audit;
  EXPECT_TRUE(Contains(audit, "(node channel): invalid token")) << audit;
  EXPECT_TRUE(Contains(audit, "refused GET /api/v1/orchestrator/jobs from 127.0.0.1:")) << audit;
  EXPECT_TRUE(Contains(audit, "(client API): missing bearer token")) << audit;
  EXPECT_FALSE(Contains(audit, "warning:")) << audit;  // tokens and TLS: nothing to warn about

  // No token anywhere in what anyone printed.
  const std::string everything = Everything();
  EXPECT_FALSE(Contains(everything, client_token_));
  for (const std::string& token : node_tokens_) EXPECT_FALSE(Contains(everything, token));
  EXPECT_FALSE(Contains(everything, wrong_token_));
}

TEST_F(AuthTlsE2eTest, AnOpenOrchestratorWarnsAndABadTokenFileStopsTheStart) {
  WriteFile("empty.token", "\n");
  ProcessResult empty =
      RunProcess({ShoalBinary(), "serve", "--orchestrator", "--data-dir", Path("orchestrator"),
                  "--auth-token-file", Path("empty.token")});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_TRUE(
      Contains(empty.err, "--auth-token-file '" + Path("empty.token") + "': the token is empty"))
      << empty.err;
  ProcessResult unreadable =
      RunProcess({ShoalBinary(), "serve", "--orchestrator", "--data-dir", Path("orchestrator"),
                  "--node-tokens-file", Path("no-such-file")});
  EXPECT_EQ(unreadable.exit_code, 2);
  EXPECT_TRUE(Contains(unreadable.err, "--node-tokens-file: cannot read node tokens file"))
      << unreadable.err;
  ProcessResult same = RunProcess({ShoalBinary(), "serve", "--orchestrator", "--data-dir",
                                   Path("orchestrator"), "--auth-token-file", Path("client.token"),
                                   "--shared-node-token-file", Path("client.token")});
  EXPECT_EQ(same.exit_code, 2);
  EXPECT_TRUE(Contains(same.err, "hold the same token")) << same.err;
  // The orchestrator's old flag for one token shared by every node: refused, saying what now.
  ProcessResult shared_flag =
      RunProcess({ShoalBinary(), "serve", "--orchestrator", "--data-dir", Path("orchestrator"),
                  "--node-token-file", Path("client.token")});
  EXPECT_EQ(shared_flag.exit_code, 2);
  EXPECT_TRUE(Contains(shared_flag.err,
                       "give the orchestrator each node's token with "
                       "--node-tokens-file FILE"))
      << shared_flag.err;
  EXPECT_TRUE(Contains(shared_flag.err, "--shared-node-token-file FILE")) << shared_flag.err;
  // A client token that is also a node's.
  ProcessResult added =
      RunProcess({ShoalBinary(), "node", "token", "issue", "compute-us-1", "--tokens-file",
                  Path("node-tokens"), "--out", Path("compute-us-1.token")});
  ASSERT_EQ(added.exit_code, 0) << added.err;
  ProcessResult clash = RunProcess(
      {ShoalBinary(), "serve", "--orchestrator", "--data-dir", Path("orchestrator"),
       "--auth-token-file", Path("compute-us-1.token"), "--node-tokens-file", Path("node-tokens")});
  EXPECT_EQ(clash.exit_code, 2);
  EXPECT_TRUE(Contains(clash.err, "--auth-token-file holds node compute-us-1's token"))
      << clash.err;
  EXPECT_FALSE(
      Contains(empty.err + unreadable.err + same.err + shared_flag.err + clash.err, client_token_));

  Start("orchestrator", {"serve", "--orchestrator", "--host", "127.0.0.1", "--port",
                         std::to_string(port_), "--data-dir", Path("orchestrator")});
  ASSERT_TRUE(WaitUntil(10s, [&] { return Contains(Log("orchestrator"), "listening on"); }))
      << Log("orchestrator");
  const std::string log = Log("orchestrator");
  EXPECT_TRUE(Contains(log, "warning: no --auth-token-file: anyone who reaches 127.0.0.1:" +
                                std::to_string(port_) + " can submit jobs"))
      << log;
  EXPECT_TRUE(Contains(log, "warning: no --node-tokens-file: anyone who reaches 127.0.0.1:" +
                                std::to_string(port_) + " can register as any compute node"))
      << log;
  // Open as before: the CLI needs no token.
  ProcessResult list = Shoal({"node", "list"}, {{"SHOAL_API_HOST", "127.0.0.1"}});
  EXPECT_EQ(list.exit_code, 0) << list.err;
}

}  // namespace
}  // namespace shoal
