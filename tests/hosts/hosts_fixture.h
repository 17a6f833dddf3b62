// HostsTest: a Shoal cluster spread over hosts of their own — one network namespace each, on one
// bridge (network_namespaces.h) — run from the installed layout (`cmake --install` of the build
// into the suite's folder) with TLS and both kinds of token, every process configured by a
// `shoal serve --config` file. The hosts: the orchestrator, three US and three EU compute nodes,
// an S3 server (s3rver) per region and a global one, and the operator's client, whose namespace the
// test process itself enters (so its HTTP clients, DuckDB oracle and CLI calls go over the
// network like an operator's).
//
// The network enforces residency: nftables rules in each node's namespace let it reach only
// the orchestrator, its own region's store and the global store, and let nothing reach it; the
// rules' counters measure the bytes each node sent each way.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hosts/network_namespaces.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "transport/testing/test_certs.h"

namespace shoal::hosts_testing {

namespace fs = std::filesystem;
using ::shoal::testing::BackgroundProcess;
using ::shoal::testing::NetworkNamespaces;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::TempDir;

struct NodeHost {
  std::string name;
  std::string region;
  std::string address;
};

constexpr const char* kOrchestratorAddress = "10.77.0.1";
constexpr const char* kClientAddress = "10.77.0.2";
const std::map<std::string, std::string> kStoreAddresses = {
    {"us", "10.77.0.11"}, {"eu", "10.77.0.12"}, {"global", "10.77.0.13"}};
// Three per region: the seed's analyses split a region's data into three partitions, one per
// node.
const std::vector<NodeHost> kNodes = {
    {"compute-us-1", "us", "10.77.0.21"}, {"compute-us-2", "us", "10.77.0.22"},
    {"compute-us-3", "us", "10.77.0.23"}, {"compute-eu-1", "eu", "10.77.0.31"},
    {"compute-eu-2", "eu", "10.77.0.32"}, {"compute-eu-3", "eu", "10.77.0.33"}};
// s3rver takes any request signed with these.
constexpr const char* kS3Key = "S3RVER";

// A node's rules: out only to the orchestrator, its region's store and the global one (each
// counted), in only what answers its own connections. Anything else is counted and dropped.
inline std::string NodeRules(const std::string& region) {
  const std::string own = kStoreAddresses.at(region);
  const std::string global = kStoreAddresses.at("global");
  return "table inet shoal {\n"
         "  counter to_orchestrator {}\n"
         "  counter to_own_store {}\n"
         "  counter to_global_store {}\n"
         "  counter refused_out {}\n"
         "  counter refused_in {}\n"
         "  chain output {\n"
         "    type filter hook output priority 0; policy drop;\n"
         "    oifname \"lo\" accept\n"
         "    ip daddr " +
         std::string(kOrchestratorAddress) +
         " tcp dport 1234 counter name to_orchestrator accept\n"
         "    ip daddr " +
         own + " tcp dport 9000 counter name to_own_store accept\n" + "    ip daddr " + global +
         " tcp dport 9000 counter name to_global_store accept\n"
         "    counter name refused_out drop\n"
         "  }\n"
         "  chain input {\n"
         "    type filter hook input priority 0; policy drop;\n"
         "    iifname \"lo\" accept\n"
         "    ct state established,related accept\n"
         "    counter name refused_in drop\n"
         "  }\n"
         "}\n";
}

class HostsTest : public ::testing::Test {
 protected:
  // The installed layout, once for the suite.
  static void SetUpTestSuite() {
    if (!NetworkNamespaces::Unavailable().empty()) return;
    install_ = TempDir("hosts-install");
    ProcessResult installed = testing::RunProcess(
        {"cmake", "--install", SHOAL_BUILD_DIR, "--prefix", (install_ / "prefix").string()});
    install_error_ = installed.exit_code == 0 ? "" : installed.err + installed.out;
  }
  static void TearDownTestSuite() { install_ = TempDir(); }

  void SetUp() override {
    if (std::string why = NetworkNamespaces::Unavailable(); !why.empty()) GTEST_SKIP() << why;
    ASSERT_EQ(install_error_, "") << "cmake --install failed";
    dir_ = TempDir::ForCurrentTest();
    auto network = NetworkNamespaces::Create();
    ASSERT_TRUE(network.ok()) << network.status().ToString();
    network_ = std::move(*network);
    ASSERT_TRUE(network_->AddHost("orchestrator", kOrchestratorAddress).ok());
    ASSERT_TRUE(network_->AddHost("client", kClientAddress).ok());
    for (const auto& [region, address] : kStoreAddresses) {
      ASSERT_TRUE(network_->AddHost("s3-" + region, address).ok());
    }
    for (const NodeHost& node : kNodes) {
      ASSERT_TRUE(network_->AddHost(node.name, node.address).ok());
      Status rules = network_->LoadRules(node.name, NodeRules(node.region));
      ASSERT_TRUE(rules.ok()) << rules.ToString();
    }
    // From here on the test talks to the cluster as the operator's machine does.
    ASSERT_TRUE(network_->Enter("client").ok());
    ASSERT_NO_FATAL_FAILURE(MakeCredentials());
    for (const auto& [region, address] : kStoreAddresses) StartStore(region);
    // Before the nodes: a node's first upload does not wait for a store still starting.
    for (const auto& [region, address] : kStoreAddresses) {
      ASSERT_TRUE(testing::WaitUntil(std::chrono::seconds(30),
                                     [&] { return Connects("client", address, 9000); }))
          << "the " << region << " store did not start\n"
          << Logs();
    }
    StartOrchestrator();
    for (const NodeHost& node : kNodes) StartNode(node, NodeTokenFile(node.name), Etc("ca.pem"));
    ProcessResult nodes;
    ASSERT_TRUE(testing::WaitUntil(
        std::chrono::seconds(30),
        [&] {
          nodes = Shoal({"node", "list", "--filter-status", "CONNECTED", "--output", "json"});
          const auto listed = nlohmann::json::parse(nodes.out, nullptr, false);
          return nodes.exit_code == 0 && listed.is_array() && listed.size() == kNodes.size();
        }))
        << nodes.out << nodes.err << Logs();
  }

  void TearDown() override {
    processes_.clear();
    network_.reset();
  }

  static std::string Binary() { return (install_ / "prefix" / "bin" / "shoal").string(); }
  std::string Etc(const std::string& name) const { return (dir_ / "etc" / name).string(); }
  std::string NodeTokenFile(const std::string& node) const { return Etc(node + ".token"); }

  // The CA and the orchestrator's certificate (for its address), the client token, each node's.
  void MakeCredentials() {
    fs::create_directories(dir_ / "etc");
    auto certs = testing::MakeTestCerts(dir_ / "certs", std::string("IP:") + kOrchestratorAddress);
    ASSERT_TRUE(certs.ok()) << certs.status().ToString();
    fs::copy_file(certs->ca_cert, Etc("ca.pem"));
    fs::copy_file(certs->other_ca_cert, Etc("other-ca.pem"));
    fs::copy_file(certs->server_cert, Etc("orchestrator.pem"));
    fs::copy_file(certs->server_key, Etc("orchestrator.key"));
    std::ofstream(Etc("client.token")) << "hosts-client-token-5f1c0b7e\n";
    for (const NodeHost& node : kNodes) {
      ProcessResult issued =
          testing::RunProcess({Binary(), "node", "token", "issue", node.name, "--tokens-file",
                               Etc("node-tokens"), "--out", NodeTokenFile(node.name)});
      ASSERT_EQ(issued.exit_code, 0) << issued.err;
    }
  }

  void Start(const std::string& host, const std::string& log, std::vector<std::string> argv) {
    processes_[log] = std::make_unique<BackgroundProcess>(network_->In(host, argv),
                                                          (dir_ / (log + ".log")).string());
  }

  void StartStore(const std::string& region) {
    const fs::path data = dir_ / ("s3-" + region);
    fs::create_directories(data);
    Start("s3-" + region, "s3-" + region,
          {"env", "NODE_OPTIONS=--openssl-legacy-provider", SHOAL_S3RVER, "-d", data.string(), "-a",
           kStoreAddresses.at(region), "-p", "9000", "--silent", "--no-vhost-buckets",
           "--configure-bucket", "my-bucket"});
  }

  void StartOrchestrator() {
    const fs::path config = dir_ / "orchestrator.yaml";
    std::ofstream(config) << "orchestrator: true\n"
                          << "host: " << kOrchestratorAddress << "\nport: 1234\n"
                          << "data-dir: " << (dir_ / "var" / "orchestrator").string() << "\n"
                          << "auth-token-file: " << Etc("client.token") << "\n"
                          << "node-tokens-file: " << Etc("node-tokens") << "\n"
                          << "tls-cert: " << Etc("orchestrator.pem") << "\n"
                          << "tls-key: " << Etc("orchestrator.key") << "\n"
                          << "node-timeout: 8\nheartbeat-interval: 0.5\n";
    Start("orchestrator", "orchestrator-" + std::to_string(++starts_),
          {Binary(), "serve", "--config", config.string()});
  }

  // Starts `node` with its config file, the given token file and CA.
  void StartNode(const NodeHost& node, const std::string& token_file, const std::string& ca) {
    const fs::path config = dir_ / (node.name + ".yaml");
    std::ofstream(config) << "compute: true\n"
                          << "orchestrator: https://" << kOrchestratorAddress << ":1234\n"
                          << "name: " << node.name << "\nlabels: region=" << node.region << "\n"
                          << "data-dir: " << (dir_ / "var" / node.name).string() << "\n"
                          << "node-token-file: " << token_file << "\n"
                          << "ca-cert: " << ca << "\n"
                          << "store:\n"
                          << "  - storage-local=http://" << kStoreAddresses.at(node.region)
                          << ":9000\n"
                          << "  - storage=http://" << kStoreAddresses.at("global") << ":9000\n";
    Start(node.name, node.name + "-" + std::to_string(++starts_),
          {"env", std::string("AWS_ACCESS_KEY_ID=") + kS3Key,
           std::string("AWS_SECRET_ACCESS_KEY=") + kS3Key, Binary(), "serve", "--config",
           config.string()});
  }

  // `shoal ARGS...` on the operator's machine, with the client token and the CA.
  ProcessResult Shoal(std::vector<std::string> args) const {
    args.insert(args.begin(), Binary());
    return testing::RunProcess(args, "",
                               {{"SHOAL_API_HOST", std::string("https://") + kOrchestratorAddress},
                                {"SHOAL_API_PORT", "1234"},
                                {"SHOAL_API_TOKEN_FILE", Etc("client.token")},
                                {"SHOAL_API_CA_CERT", Etc("ca.pem")}});
  }

  // Whether `host` can open a TCP connection to address:port within a second.
  bool Connects(const std::string& host, const std::string& address, int port) const {
    const std::string code = "import socket; s = socket.socket(); s.settimeout(1); s.connect(('" +
                             address + "', " + std::to_string(port) + "))";
    return testing::RunProcess(network_->In(host, {"python3", "-c", code})).exit_code == 0;
  }

  int64_t Counter(const std::string& host, const std::string& name) const {
    auto bytes = network_->CounterBytes(host, "shoal", name);
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    return bytes.ok() ? *bytes : -1;
  }

  std::string Logs() const {
    std::string text;
    for (const auto& entry : fs::directory_iterator(dir_.path())) {
      if (entry.path().extension() == ".log") {
        text +=
            "--- " + entry.path().filename().string() + "\n" + testing::ReadWholeFile(entry.path());
      }
    }
    return text;
  }

  static inline TempDir install_;
  static inline std::string install_error_;
  TempDir dir_;  // declared before the processes and the network: it outlives them
  std::unique_ptr<NetworkNamespaces> network_;
  std::map<std::string, std::unique_ptr<BackgroundProcess>> processes_;
  int starts_ = 0;
};

}  // namespace shoal::hosts_testing
