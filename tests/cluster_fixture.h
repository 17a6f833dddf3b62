// ClusterFixture: a Shoal cluster deployed the way a user deploys it, for end-to-end tests. One
// `shoal serve --orchestrator` process and one `shoal serve --compute` process per node, on a
// random loopback port in a temp dir; the nodes of a region are labelled region=<region> and
// share the region's folder store (`store-<region>/`, holding the bucket `my-bucket`) as their
// storage-local, as devstack lays it out; every node also has the global store (`store-global/`,
// its `storage`). The CLI runs as a process pointed at the orchestrator. Nodes authenticate as a
// deployment's do, each with its own token (`tokens/<name>.token`, issued into the orchestrator's
// `node-tokens` file), so every cluster test runs with node identity on.
//
// Every process is a BackgroundProcess owned by the fixture, so it is killed when the test ends,
// failed assertions included. The temp dir (a TempDir) is kept when the test failed, for its logs.
//
// Thread-safety: used from the test's thread only.
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "transport/http_client.h"
#include "transport/node_tokens.h"

namespace shoal::testing {

class ClusterFixture : public ::testing::Test {
 protected:
  struct NodeSpec {
    std::string name;    // compute-<region>-<n>
    std::string region;  // its region label and store
  };

  // Starts the orchestrator and `nodes_per_region` nodes in each of `regions`, and waits until
  // every node is connected. Call with ASSERT_NO_FATAL_FAILURE.
  void StartCluster(const std::vector<std::string>& regions, int nodes_per_region) {
    temp_dir_ = TempDir::ForCurrentTest();
    root_ = temp_dir_.path();
    std::filesystem::create_directories(StoreDir("global") / "my-bucket");
    for (const std::string& dir : node_allowed_dirs_)
      std::filesystem::create_directories(root_ / dir);
    for (const std::string& region : regions) {
      std::filesystem::create_directories(StoreDir(region) / "my-bucket");
      for (int i = 1; i <= nodes_per_region; ++i) {
        specs_.push_back({"compute-" + region + "-" + std::to_string(i), region});
      }
    }
    if (port_ == 0) port_ = FreePort();
    // The nodes' own credentials, which the seed's jobs read through env:AWS_ACCESS_KEY_ID.
    setenv("AWS_ACCESS_KEY_ID", node_access_key_.c_str(), 1);
    setenv("AWS_SECRET_ACCESS_KEY", node_secret_key_.c_str(), 1);
    StartOrchestrator();
    for (size_t i = 0; i < specs_.size(); ++i) nodes_.push_back(StartNode(i));
    client_ = std::make_unique<transport::HttpClient>(transport::Endpoint{"127.0.0.1", port_});
    ASSERT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
      return ConnectedNodes() == static_cast<int>(specs_.size());
    })) << Logs();
  }

  void TearDown() override {
    nodes_.clear();
    orchestrator_.reset();
  }

  // (Re)starts the orchestrator on the same port and data dir.
  void StartOrchestrator() {
    for (const NodeSpec& node : specs_) NodeTokenFile(node.name);
    orchestrator_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{
            ShoalBinary(), "serve", "--orchestrator", "--host", "127.0.0.1", "--port",
            std::to_string(port_), "--data-dir", (root_ / "orchestrator").string(),
            "--node-timeout", std::to_string(node_timeout_s_), "--heartbeat-interval",
            std::to_string(heartbeat_s_), "--node-tokens-file", (root_ / "node-tokens").string()},
        (root_ / ("orchestrator-" + std::to_string(++starts_) + ".log")).string());
  }

  // Starts node `index` of specs_ (again, after a kill: same name, data dir and store).
  std::unique_ptr<BackgroundProcess> StartNode(size_t index) {
    const NodeSpec& node = specs_.at(index);
    auto orchestrator = region_orchestrator_.find(node.region);
    auto store = store_override_.find(node.name);
    if (store == store_override_.end()) store = store_override_.find(node.region);
    std::vector<std::string> argv{
        ShoalBinary(),
        "serve",
        "--compute",
        "--orchestrator",
        orchestrator != region_orchestrator_.end() ? orchestrator->second
                                                   : "127.0.0.1:" + std::to_string(port_),
        "--name",
        node.name,
        "--labels",
        "region=" + node.region,
        "--data-dir",
        (root_ / node.name).string(),
        "--store",
        "storage-local=" +
            (store != store_override_.end() ? store->second : StoreDir(node.region).string()),
        "--store",
        "storage=" + StoreDir("global").string(),
        "--node-token-file",
        NodeTokenFile(node.name)};
    for (const std::string& dir : node_allowed_dirs_) {
      argv.push_back("--allow-local-path");
      argv.push_back((root_ / dir).string());
    }
    return std::make_unique<BackgroundProcess>(
        argv, (root_ / (node.name + "-" + std::to_string(++starts_) + ".log")).string());
  }

  // The token file of node `name`, issued (into the orchestrator's node-tokens file, which it
  // re-reads within a second) the first time a node of that name is asked for.
  std::string NodeTokenFile(const std::string& name) const {
    const std::filesystem::path file = root_ / "tokens" / (name + ".token");
    if (!std::filesystem::exists(file)) {
      std::filesystem::create_directories(file.parent_path());
      auto issued =
          transport::IssueNodeToken((root_ / "node-tokens").string(), name, file.string());
      EXPECT_TRUE(issued.ok()) << issued.status().ToString();
    }
    return file.string();
  }

  // A region's store, or with "global" the global one.
  std::filesystem::path StoreDir(const std::string& region) const {
    return root_ / ("store-" + region);
  }

  static bool WaitUntil(std::chrono::milliseconds timeout, const std::function<bool()>& done) {
    return testing::WaitUntil(timeout, done);
  }

  int ConnectedNodes() const {
    auto nodes = client_->Get("/api/v1/orchestrator/nodes");
    if (!nodes.ok()) return 0;
    int connected = 0;
    for (const auto& n : (*nodes)["Items"]) connected += n["Connection"] == "CONNECTED";
    return connected;
  }

  // Every process's log, for failure messages.
  std::string Logs() const {
    std::string text;
    for (const auto& entry : std::filesystem::directory_iterator(root_)) {
      if (entry.path().extension() == ".log") {
        text += "--- " + entry.path().filename().string() + "\n" + ReadWholeFile(entry.path());
      }
    }
    return text;
  }

  // Runs `shoal ARGS...` against the cluster.
  ProcessResult Shoal(std::vector<std::string> args) const {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "",
                      {{"SHOAL_API_HOST", "127.0.0.1"}, {"SHOAL_API_PORT", std::to_string(port_)}});
  }

  // Every execution of the job, all versions (API JSON).
  transport::Json Executions(const std::string& job_id) const {
    auto executions = client_->Get("/api/v1/orchestrator/jobs/" + job_id + "/executions");
    return executions.ok() ? (*executions)["Items"] : transport::Json::array();
  }

  std::string JobState(const std::string& job_id) const {
    auto job = client_->Get("/api/v1/orchestrator/jobs/" + job_id);
    return job.ok() ? (*job)["Job"]["State"]["StateType"].get<std::string>() : "";
  }

  // Set before StartCluster. The defaults leave room for a loaded 2-core machine; a test that
  // kills nodes on purpose shortens them.
  double node_timeout_s_ = 10;
  double heartbeat_s_ = 0.5;
  // Set before StartCluster to route nodes differently: the orchestrator a region's nodes dial
  // (HOST:PORT, e.g. a fault proxy; default: the orchestrator itself), and the storage-local
  // store (a --store value; default: the region's folder store) by node name, else by region.
  // Set port_ first to know the orchestrator's port before it starts.
  std::map<std::string, std::string> region_orchestrator_;
  std::map<std::string, std::string> store_override_;
  // Folders under root_, created by StartCluster, that every node lets `local` inputs mount.
  std::vector<std::string> node_allowed_dirs_;
  // The nodes' AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (an s3rver store wants S3RVER).
  std::string node_access_key_ = "test-key";
  std::string node_secret_key_ = "test-secret";

  TempDir temp_dir_;            // declared before the processes: it outlives them
  std::filesystem::path root_;  // temp_dir_'s path
  int port_ = 0;
  int starts_ = 0;
  std::vector<NodeSpec> specs_;
  std::unique_ptr<BackgroundProcess> orchestrator_;
  std::vector<std::unique_ptr<BackgroundProcess>> nodes_;  // parallel to specs_
  std::unique_ptr<transport::HttpClient> client_;
};

}  // namespace shoal::testing
