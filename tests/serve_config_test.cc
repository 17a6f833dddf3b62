// `shoal serve --config FILE` as an operator uses it: the example configs in docs/examples/, with
// their /etc/shoal and /var/lib/shoal paths moved into a temp folder, start a TLS orchestrator
// with both kinds of token and a compute node that runs a job; flags given on the command line
// win over the file; a bad file is refused with its line, exit code 2 and nothing started.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
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
using ::shoal::testing::TempDir;
using ::shoal::testing::WaitUntil;

std::string ReplaceAll(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

class ServeConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = TempDir::ForCurrentTest(); }

  // docs/examples/`name` with its /etc/shoal and /var/lib/shoal moved under the test's folder.
  std::string ExampleConfig(const std::string& name) {
    const std::string text =
        ReadWholeFile(fs::path(SHOAL_SOURCE_ROOT) / "docs" / "examples" / name);
    EXPECT_FALSE(text.empty()) << "docs/examples/" << name;
    const std::string moved = ReplaceAll(ReplaceAll(text, "/etc/shoal", (dir_ / "etc").string()),
                                         "/var/lib/shoal", (dir_ / "var").string());
    return Write(name, moved);
  }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  ProcessResult Shoal(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "", env);
  }

  TempDir dir_;
};

TEST_F(ServeConfigTest, TheExampleConfigsStartATlsClusterThatRunsAJob) {
  const fs::path etc = dir_ / "etc";
  fs::create_directories(etc);
  auto certs = testing::MakeTestCerts(dir_ / "certs");
  ASSERT_TRUE(certs.ok()) << certs.status().ToString();
  fs::copy_file(certs->server_cert, etc / "orchestrator.pem");
  fs::copy_file(certs->server_key, etc / "orchestrator.key");
  fs::copy_file(certs->ca_cert, etc / "ca.pem");
  std::ofstream(etc / "client.token") << "client-token-of-the-serve-config-test\n";
  ProcessResult issued =
      Shoal({"node", "token", "issue", "compute-us-1", "--tokens-file",
             (etc / "node-tokens").string(), "--out", (etc / "compute-us-1.token").string()});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  fs::create_directories(dir_ / "store-us" / "my-bucket");

  // The file says port 1234 and an orchestrator host this machine cannot resolve: the command
  // line's --port, --orchestrator and --store win (a repeatable flag replaces the whole list).
  const int port = testing::FreePort();
  const std::string url = "https://127.0.0.1:" + std::to_string(port);
  BackgroundProcess orchestrator(
      {ShoalBinary(), "serve", "--config", ExampleConfig("orchestrator.yaml"), "--port",
       std::to_string(port), "--host", "127.0.0.1"},
      (dir_ / "orchestrator.log").string());
  BackgroundProcess node(
      {ShoalBinary(), "serve", "--config", ExampleConfig("compute-us-1.yaml"), "--orchestrator",
       url, "--store", "storage-local=" + (dir_ / "store-us").string()},
      (dir_ / "compute.log").string());
  const std::map<std::string, std::string> client = {
      {"SHOAL_API_HOST", "https://127.0.0.1"},
      {"SHOAL_API_PORT", std::to_string(port)},
      {"SHOAL_API_TOKEN_FILE", (etc / "client.token").string()},
      {"SHOAL_API_CA_CERT", (etc / "ca.pem").string()}};
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(30),
                        [&] {
                          ProcessResult nodes = Shoal({"node", "list", "--output", "json"}, client);
                          return nodes.exit_code == 0 && Contains(nodes.out, "compute-us-1") &&
                                 Contains(nodes.out, "CONNECTED");
                        }))
      << ReadWholeFile(dir_ / "orchestrator.log") << ReadWholeFile(dir_ / "compute.log");
  // The node took its labels and data dir from the file.
  ProcessResult described = Shoal({"node", "describe", "compute-us-1"}, client);
  EXPECT_TRUE(Contains(described.out, "region")) << described.out;
  EXPECT_TRUE(fs::exists(dir_ / "var" / "compute-us-1"));
  EXPECT_TRUE(fs::exists(dir_ / "var" / "orchestrator" / "state.db"));

  const std::string job = Write("answer.yaml", R"(Name: answer
Type: batch
Count: 1
Constraints:
  - Key: region
    Operator: "="
    Values: [us]
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: SELECT 6 * 7 AS answer
)");
  ProcessResult ran = Shoal({"job", "run", job}, client);
  EXPECT_EQ(ran.exit_code, 0) << ran.out << ran.err;
  EXPECT_TRUE(Contains(ran.out, "42")) << ran.out;
  // Without the client token from the file the API refuses.
  std::map<std::string, std::string> anonymous = client;
  anonymous.erase("SHOAL_API_TOKEN_FILE");
  EXPECT_NE(Shoal({"node", "list"}, anonymous).exit_code, 0);
}

TEST_F(ServeConfigTest, ABadFileIsRefusedNamingItsLine) {
  struct Case {
    std::string text;
    std::string message;  // after "shoal serve: <file>:"
  };
  const std::vector<Case> cases = {
      {"orchestrator: true\ndata_dir: /tmp/x\n",
       "2: unknown key 'data_dir'; did you mean data-dir?"},
      {"orchestrator: true\nspeed: 9\n", "2: unknown key 'speed' (the keys are serve's flags"},
      {"compute: true\nname: [a, b]\n", "2: name: takes one value, not a list"},
      {"compute: maybe\n", "1: compute: expected true or false, got 'maybe'"},
      {"orchestrator: true\nport: many\n", "2: port: Could not convert"},
      {"orchestrator: true\ndata-dir:\n", "2: data-dir: no value"},
      {"orchestrator: true\nport: 1\nport: 2\n", "3: 'port' is given twice (first on line 2)"},
      {"orchestrator: true\nstore: {a: b}\n", "2: store: expected a value, or a list of values"},
      {"- orchestrator\n", "1: expected serve's flags as KEY: VALUE lines"},
      {"orchestrator: true\n  port: [1\n", ""},  // a YAML syntax error, with its line
      {"config: other.yaml\n", "1: unknown key 'config'"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string file = Write("bad-" + std::to_string(i) + ".yaml", cases[i].text);
    ProcessResult refused = Shoal({"serve", "--config", file, "--data-dir", dir_.string()});
    EXPECT_EQ(refused.exit_code, 2) << cases[i].text << refused.err;
    EXPECT_TRUE(Contains(refused.err, "shoal serve: " + file + ":" + cases[i].message))
        << cases[i].text << "\n"
        << refused.err;
  }
  ProcessResult missing = Shoal({"serve", "--config", (dir_ / "none.yaml").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_TRUE(Contains(missing.err, "--config: cannot read '" + (dir_ / "none.yaml").string()))
      << missing.err;
  // A flag the file leaves false stays unset: no mode is chosen.
  ProcessResult no_mode =
      Shoal({"serve", "--config", Write("off.yaml", "compute: false\norchestrator: no\n")});
  EXPECT_EQ(no_mode.exit_code, 2);
  EXPECT_TRUE(Contains(no_mode.err, "give --orchestrator or --compute")) << no_mode.err;
}

}  // namespace
}  // namespace shoal
