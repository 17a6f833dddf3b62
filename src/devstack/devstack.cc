#include "devstack/devstack.h"

#include <filesystem>
#include <thread>

#include "console/console_http.h"

#include "common/environment.h"
#include "query/query_http_api.h"
#include "query/table_http_api.h"
#include "transport/auth.h"

namespace shoal::devstack {

namespace fs = std::filesystem;

namespace {

constexpr const char* kDefaultBucket = "my-bucket";
constexpr const char* kTransactionsGlob = "s3://my-bucket/transactions/**/*.jsonl";

// `transactions`: what the seed's data generator writes in every region, as its jobs read it;
// columnar by month of its `timestamp` (Parquet in s3://my-bucket/warehouse/transactions), its
// money exact: DECIMAL(18,2), the cents the generator means (its JSON writes doubles such as
// 733.0899999999999), summed without rounding.
query::TableDefinition TransactionsTable(const std::vector<std::string>& regions) {
  query::TableDefinition table;
  table.name = "transactions";
  table.format = "json";
  table.event_time = "timestamp";
  for (const char* money : {"unit_price", "subtotal", "tax_amount", "total_amount"}) {
    table.column_types[money] = "DECIMAL(18,2)";
  }
  for (const std::string& region : regions) table.locations.push_back({region, kTransactionsGlob});
  return table;
}

// The process environment, plus credentials for the devstack's own stores when the user has
// none, as the seed's compose file gives its nodes (its jobs read env:AWS_ACCESS_KEY_ID).
std::map<std::string, std::string> DevstackEnvironment() {
  std::map<std::string, std::string> env = CurrentEnvironment();
  env.emplace("AWS_ACCESS_KEY_ID", "shoal-devstack");
  env.emplace("AWS_SECRET_ACCESS_KEY", "shoal-devstack");
  return env;
}

// Starts one s3rver per store name ("global" and each region) in parallel and waits for all.
Result<std::map<std::string, std::unique_ptr<S3rverProcess>>> StartS3Servers(
    const DevstackOptions& options, const fs::path& storage_root) {
  SHOAL_ASSIGN_OR_RETURN(std::string binary, FindS3rver(options.s3rver));
  std::vector<std::string> names = options.regions;
  names.push_back("global");
  std::map<std::string, std::unique_ptr<S3rverProcess>> servers;
  for (const std::string& name : names) {
    S3rverProcess::Options server;
    server.binary = binary;
    server.data_dir = (storage_root / name).string();
    server.log_path = (storage_root / (name + ".log")).string();
    server.buckets = {kDefaultBucket};
    SHOAL_ASSIGN_OR_RETURN(servers[name], S3rverProcess::Launch(server));
  }
  for (auto& [name, server] : servers) {
    Status ready = server->WaitUntilReady(std::chrono::seconds(30));
    if (!ready.ok()) return ready.WithContext("the " + name + " store");
  }
  return servers;
}

compute::StoreConfig S3Store(const std::string& name, const S3rverProcess& server) {
  storage::S3Config config;
  config.endpoint = "127.0.0.1:" + std::to_string(server.port());
  config.use_ssl = false;
  config.url_style = storage::UrlStyle::kPath;
  config.credentials.access_key_id = S3rverProcess::kAccessKey;
  config.credentials.secret_access_key = S3rverProcess::kSecretKey;
  return {name, "", config};
}

std::vector<std::string> NodeNames(const DevstackOptions& options) {
  std::vector<std::string> names;
  for (const std::string& region : options.regions) {
    for (int i = 1; i <= options.nodes_per_region; ++i) {
      names.push_back("compute-" + region + "-" + std::to_string(i));
    }
  }
  return names;
}

// A fresh random client token, written owner-only to `root`/client.token.
Result<std::string> MakeClientToken(const fs::path& root) {
  SHOAL_ASSIGN_OR_RETURN(std::string token, transport::RandomToken());
  SHOAL_RETURN_IF_ERROR(transport::WriteTokenFile((root / "client.token").string(), token));
  return token;
}

// A fresh random token per node, their digests in a new `root`/node-tokens.
Result<std::map<std::string, std::string>> MakeNodeTokens(const fs::path& root,
                                                          const std::vector<std::string>& names) {
  std::error_code ec;
  fs::remove(root / "node-tokens", ec);  // the tokens of an earlier start are void
  fs::remove(root / "node.token", ec);   // the one shared token of devstacks before per-node ones
  std::map<std::string, std::string> tokens;
  for (const std::string& name : names) {
    SHOAL_ASSIGN_OR_RETURN(tokens[name], transport::RandomToken());
    SHOAL_RETURN_IF_ERROR(
        transport::AddNodeToken((root / "node-tokens").string(), name, tokens[name]).status());
  }
  return tokens;
}

}  // namespace

Result<std::unique_ptr<Devstack>> Devstack::Start(const DevstackOptions& options) {
  if (options.regions.empty())
    return Status::InvalidArgument("--regions needs at least one region");
  if (options.nodes_per_region < 1) {
    return Status::InvalidArgument("--nodes-per-region must be at least 1");
  }
  auto stack = std::unique_ptr<Devstack>(new Devstack());
  stack->options_ = options;
  fs::path root = fs::absolute(options.dir);
  std::error_code ec;
  fs::create_directories(root, ec);
  if (ec) return Status::IoError("cannot create '" + root.string() + "': " + ec.message());
  SHOAL_ASSIGN_OR_RETURN(stack->tokens_.client, MakeClientToken(root));
  SHOAL_ASSIGN_OR_RETURN(stack->node_token_by_name_, MakeNodeTokens(root, NodeNames(options)));
  SHOAL_ASSIGN_OR_RETURN(stack->node_tokens_,
                         transport::NodeTokens::Load((root / "node-tokens").string()));
  stack->tokens_.nodes = stack->node_tokens_.get();

  orchestrator::OrchestratorOptions orchestrator_options;
  orchestrator_options.data_dir = (root / "orchestrator").string();
  orchestrator_options.auto_approve_nodes = !options.require_approval;
  SHOAL_ASSIGN_OR_RETURN(stack->orchestrator_,
                         orchestrator::Orchestrator::Open(orchestrator_options));
  transport::HttpServer::Options server;
  server.host = options.host;
  server.port = options.port;
  server.threads = 128;
  server.max_body_bytes = size_t{1} << 30;
  stack->server_ = std::make_unique<transport::HttpServer>(server);
  query::TableServiceOptions table_options;
  table_options.data_dir = orchestrator_options.data_dir;
  SHOAL_ASSIGN_OR_RETURN(stack->tables_,
                         query::TableService::Open(*stack->orchestrator_, table_options));
  // No files yet: the columns are inferred when the table is first described or queried.
  SHOAL_RETURN_IF_ERROR(
      stack->tables_->CreateIfMissing(TransactionsTable(options.regions)).status());
  query::QueryCoordinatorOptions query_options;
  query_options.data_dir = orchestrator_options.data_dir;
  SHOAL_ASSIGN_OR_RETURN(
      stack->queries_,
      query::QueryCoordinator::Open(*stack->orchestrator_, *stack->tables_, query_options));
  orchestrator::RegisterHttpApi(*stack->server_, *stack->orchestrator_, stack->tokens_);
  query::RegisterTableHttpApi(*stack->server_, *stack->tables_);
  query::RegisterQueryHttpApi(*stack->server_, *stack->queries_);
  console::RegisterConsole(*stack->server_, {options.ui_dir});
  SHOAL_ASSIGN_OR_RETURN(stack->port_, stack->server_->Start());

  // Each store starts with the bucket the seed's jobs use, as its MinIO setup creates it.
  const bool s3 = options.storage == StorageKind::kS3;
  if (s3) {
    SHOAL_ASSIGN_OR_RETURN(stack->s3_servers_, StartS3Servers(options, root / "storage"));
  } else {
    fs::create_directories(root / "storage" / "global" / kDefaultBucket, ec);
  }
  for (const auto& region : options.regions) {
    if (!s3) fs::create_directories(root / "storage" / region / kDefaultBucket, ec);
    for (int i = 1; i <= options.nodes_per_region; ++i) {
      std::string name = "compute-" + region + "-" + std::to_string(i);
      compute::ComputeNodeOptions node;
      node.orchestrator = {options.host == "0.0.0.0" ? "127.0.0.1" : options.host, stack->port_};
      node.labels = {{"region", region}, {"name", name}};
      node.max_executions = options.max_executions_per_node;
      node.poll_wait = std::chrono::milliseconds(5000);
      node.node_token = stack->node_token_by_name_.at(name);
      node.runner.node_id = name;
      node.runner.work_dir = (root / "nodes" / name).string();
      if (s3) {
        node.runner.stores = {S3Store("storage-local", *stack->s3_servers_.at(region)),
                              S3Store("storage", *stack->s3_servers_.at("global"))};
      } else {
        node.runner.stores = {{"storage-local", (root / "storage" / region).string()},
                              {"storage", (root / "storage" / "global").string()}};
      }
      node.runner.allowed_local_paths = {(root / "storage" / region).string()};
      node.runner.env_allow_list = {"AWS_.*"};
      node.runner.plugins = options.plugins;
      node.runner.host_environment = DevstackEnvironment();
      if (s3) {  // s3rver accepts only its own key
        node.runner.host_environment["AWS_ACCESS_KEY_ID"] = S3rverProcess::kAccessKey;
        node.runner.host_environment["AWS_SECRET_ACCESS_KEY"] = S3rverProcess::kSecretKey;
      }
      SHOAL_ASSIGN_OR_RETURN(auto started, compute::ComputeNode::Start(std::move(node)));
      stack->nodes_.emplace_back(name, std::move(started));
    }
  }
  if (options.require_approval) {
    if (!stack->WaitForNodes(std::chrono::seconds(30))) {
      return Status::Unavailable("the devstack's nodes did not register within 30 s");
    }
    for (const auto& [name, node] : stack->nodes_) {
      SHOAL_RETURN_IF_ERROR(
          stack->orchestrator_->SetNodeMembership(name, models::NodeMembership::kApproved)
              .status());
    }
  }
  return stack;
}

Devstack::~Devstack() { Stop(); }

void Devstack::Stop() {
  if (queries_) queries_->Shutdown();            // running queries are cancelled
  if (tables_) tables_->Shutdown();              // inspections stop waiting for the nodes
  if (orchestrator_) orchestrator_->Shutdown();  // wakes the nodes' long-polls
  for (auto& [name, node] : nodes_) node->RequestStop();
  for (auto& [name, node] : nodes_) node->Stop();
  if (server_) server_->Stop();
  nodes_.clear();
  queries_.reset();
  tables_.reset();
  orchestrator_.reset();
  for (auto& [name, server] : s3_servers_) server->Stop();
}

std::vector<std::string> Devstack::node_names() const {
  std::vector<std::string> names;
  for (const auto& [name, node] : nodes_) names.push_back(name);
  return names;
}

bool Devstack::WaitForNodes(std::chrono::milliseconds timeout) const {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    bool all = true;
    for (const auto& [name, node] : nodes_) all = all && node->registered();
    if (all) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

std::string Devstack::StorageDir(const std::string& region) const {
  return (fs::absolute(options_.dir) / "storage" / region).string();
}

std::string Devstack::node_token(const std::string& name) const {
  auto it = node_token_by_name_.find(name);
  return it == node_token_by_name_.end() ? "" : it->second;
}

std::string Devstack::node_tokens_file() const {
  return (fs::absolute(options_.dir) / "node-tokens").string();
}

std::string Devstack::client_token_file() const {
  return (fs::absolute(options_.dir) / "client.token").string();
}

std::string Devstack::StoreUrl(const std::string& region) const {
  auto it = s3_servers_.find(region);
  return it == s3_servers_.end() ? "" : it->second->url();
}

}  // namespace shoal::devstack
