// Devstack: a whole Shoal cluster in one process — an orchestrator with its HTTP API and compute
// nodes per region, each region with its own storage folder (its nodes' "storage-local") and one
// global results store ("storage"). It is the embedded default for trying Shoal and for tests.
//
// Layout under `dir`: orchestrator/ (state and results), nodes/<name>/ (sandboxes),
// storage/<region>/ (regional store, readable only by that region's nodes), storage/global/.
//
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/compute_node.h"
#include "orchestrator/orchestrator.h"
#include "transport/http_server.h"

namespace shoal::devstack {

struct DevstackOptions {
  std::string dir;
  std::string host = "127.0.0.1";
  int port = 1234;  // 0 picks a free port
  std::vector<std::string> regions = {"us", "eu"};
  int nodes_per_region = 3;
  int64_t max_executions_per_node = 4;
};

class Devstack {
 public:
  static Result<std::unique_ptr<Devstack>> Start(const DevstackOptions& options);
  ~Devstack();
  void Stop();

  int port() const { return port_; }
  std::vector<std::string> node_names() const;
  // Waits until every node has registered; false on timeout.
  bool WaitForNodes(std::chrono::milliseconds timeout) const;
  std::string StorageDir(const std::string& region) const;  // "global" for the results store

 private:
  DevstackOptions options_;
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;
  std::unique_ptr<transport::HttpServer> server_;
  std::vector<std::pair<std::string, std::unique_ptr<compute::ComputeNode>>> nodes_;
  int port_ = 0;
};

}  // namespace shoal::devstack
