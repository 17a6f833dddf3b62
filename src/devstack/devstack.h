// Devstack: a whole Shoal cluster in one process — an orchestrator with its HTTP API and compute
// nodes per region, each region with its own store (its nodes' "storage-local") and one global
// results store ("storage"). It is the embedded default for trying Shoal and for tests.
//
// Stores are folders by default. With StorageKind::kS3 each is a real S3 server instead: one
// s3rver child process per region and one for the global store, on loopback, each started with
// the seed's bucket `my-bucket`; nodes reach them through their endpoint aliases, with s3rver's
// credentials in the nodes' environment (jobs read env:AWS_ACCESS_KEY_ID as in the seed).
//
// The orchestrator asks for tokens as a deployed one does: at every start the devstack makes a
// random client token, written to `dir`/client.token (mode 0600), and one random token per node,
// whose digests it writes to the node-tokens file `dir`/node-tokens (transport/node_tokens.h);
// each node gets its own token in memory, so it can act only for itself. Clients read the
// client token from its file (SHOAL_API_TOKEN_FILE) or from client_token(). A node process may
// join the devstack with a token issued into its node-tokens file (shoal node token issue).
//
// The orchestrator also serves logical tables (query/table_service.h): at start the devstack
// defines `transactions` (json, `s3://my-bucket/transactions/**/*.jsonl` in each region) unless
// its catalog has it already; its columns are inferred once files exist.
//
// Layout under `dir`: client.token and node-tokens, orchestrator/ (state and results),
// nodes/<name>/ (sandboxes), storage/<region>/ (regional store: the folder, or the s3rver's
// data), storage/global/, and storage/<region>.log (an s3rver's log).
//
// Thread-safety: Start/Stop from one thread.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/compute_node.h"
#include "devstack/s3rver_process.h"
#include "orchestrator/http_api.h"
#include "orchestrator/orchestrator.h"
#include "query/query_coordinator.h"
#include "query/table_service.h"
#include "transport/http_server.h"

namespace shoal::devstack {

enum class StorageKind { kFolders, kS3 };

struct DevstackOptions {
  std::string dir;
  std::string host = "127.0.0.1";
  int port = 1234;  // 0 picks a free port
  std::vector<std::string> regions = {"us", "eu"};
  int nodes_per_region = 3;
  int64_t max_executions_per_node = 4;
  StorageKind storage = StorageKind::kFolders;
  std::string s3rver;  // kS3: the s3rver program; empty finds it (see FindS3rver)
  std::string ui_dir;  // the web console's files from this folder instead of the binary
  // Nodes that join from outside wait for approval (serve --require-approval); the devstack's
  // own nodes are approved as they register.
  bool require_approval = false;
  // The nodes' engines, input storages and publishers (compute/plugins.h); null: the built-ins.
  std::shared_ptr<const compute::NodePlugins> plugins;
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
  // kS3: "http://127.0.0.1:PORT" of the region's (or "global") S3 server; "" with folders.
  std::string StoreUrl(const std::string& region) const;

  // The token the API asks of clients, and the file that holds it.
  const std::string& client_token() const { return tokens_.client; }
  std::string client_token_file() const;
  // The token of node `name` (one of node_names()); "" for another name.
  std::string node_token(const std::string& name) const;
  // The node-tokens file the orchestrator reads (digests only).
  std::string node_tokens_file() const;

  // The orchestrator and its logical tables (for in-process services hosted beside them).
  orchestrator::Orchestrator& orchestrator() { return *orchestrator_; }
  query::TableService& tables() { return *tables_; }
  query::QueryCoordinator& queries() { return *queries_; }

 private:
  DevstackOptions options_;
  // Before server_, which looks tokens up in it while it serves, so it is destroyed after.
  std::unique_ptr<transport::NodeTokens> node_tokens_;
  std::map<std::string, std::string> node_token_by_name_;
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;
  std::unique_ptr<query::TableService> tables_;
  std::unique_ptr<query::QueryCoordinator> queries_;
  std::unique_ptr<transport::HttpServer> server_;
  std::vector<std::pair<std::string, std::unique_ptr<compute::ComputeNode>>> nodes_;
  std::map<std::string, std::unique_ptr<S3rverProcess>> s3_servers_;  // by region, and "global"
  orchestrator::ApiTokens tokens_;
  int port_ = 0;
};

}  // namespace shoal::devstack
