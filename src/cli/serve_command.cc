// `shoal serve`: run an orchestrator (--orchestrator) or a compute node (--compute).
#include <iostream>
#include <map>
#include <sstream>

#include "console/console_http.h"
#include <unistd.h>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/serve_config.h"
#include "cli/signals.h"
#include "common/environment.h"
#include "compute/compute_node.h"
#include "compute/stores.h"
#include "models/text.h"
#include "orchestrator/http_api.h"
#include "orchestrator/orchestrator.h"
#include "query/query_http_api.h"
#include "query/table_http_api.h"
#include "query/table_service.h"
#include "transport/auth.h"
#include "transport/node_tokens.h"

namespace shoal::cli {

namespace {

struct ServeFlags {
  std::string config_file;  // YAML holding any of the flags below (serve_config.h)
  bool orchestrator_mode = false;
  bool compute_mode = false;
  std::string orchestrator_url;
  std::string host = "0.0.0.0";
  int port = 1234;
  std::string data_dir;
  std::string ui_dir;
  std::string name;
  std::string labels;
  std::vector<std::string> stores;
  std::vector<std::string> allowed_local_paths;
  std::vector<std::string> env_allow = {"AWS_.*"};
  int64_t max_executions = 4;
  // The orchestrator's HTTP threads. Nodes' long-polls may hold up to MaxWaitingPolls of them
  // (224 of 256); the rest serve heartbeats and the API. Each thread that has served costs
  // about 100 kB of RSS, so the default is not larger than a few hundred nodes need.
  int http_threads = 256;
  double node_timeout_s = 30;
  double heartbeat_s = 2;
  bool require_approval = false;
  std::string auth_token_file;         // orchestrator: the client token
  std::string node_tokens_file;        // orchestrator: each node's token digest (NAME sha256:HEX)
  std::string shared_node_token_file;  // orchestrator, legacy: one token for every node
  std::string node_token_file;         // compute: the token this node sends (its own)
  std::string tls_cert_file;           // orchestrator: serve HTTPS
  std::string tls_key_file;
  std::string ca_cert_file;        // node: the CA that signed an https orchestrator's certificate
  std::string residency = "open";  // node: "strict" never lets table rows leave its region
};

Result<std::map<std::string, std::string>> ParseLabels(const std::string& text) {
  std::map<std::string, std::string> labels;
  std::stringstream items(text);
  for (std::string item; std::getline(items, item, ',');) {
    if (item.empty()) continue;
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("--labels: '" + item + "' is not KEY=VALUE");
    }
    labels[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return labels;
}

int FailServe(const Status& status, int code) { return ReportError("shoal serve", status, code); }

void WarnServe(const std::string& message) { ReportWarning("shoal serve", message); }

// The orchestrator's tokens from its token files (`node_tokens` receives the per-node tokens
// that tokens.nodes points at). An empty or unreadable file is an error, and so is a client
// token that is also a node's (the split between clients and nodes would mean nothing).
Result<orchestrator::ApiTokens> ReadApiTokens(const ServeFlags& flags,
                                              std::unique_ptr<transport::NodeTokens>* node_tokens) {
  if (!flags.node_token_file.empty()) {
    // Before per-node tokens this flag gave the orchestrator one token for every node.
    return Status::InvalidArgument(
        "--node-token-file is a compute node's own token: give the orchestrator each node's "
        "token with --node-tokens-file FILE (`shoal node token issue NAME --tokens-file FILE`), "
        "or, to keep one token shared by every node, which lets any node act as another, "
        "--shared-node-token-file FILE");
  }
  orchestrator::ApiTokens tokens;
  if (!flags.auth_token_file.empty()) {
    SHOAL_ASSIGN_OR_RETURN(tokens.client,
                           transport::ReadTokenFile(flags.auth_token_file, "--auth-token-file"));
  }
  if (!flags.node_tokens_file.empty()) {
    SHOAL_ASSIGN_OR_RETURN(*node_tokens, transport::NodeTokens::Load(flags.node_tokens_file));
    tokens.nodes = node_tokens->get();
  }
  if (!flags.shared_node_token_file.empty()) {
    SHOAL_ASSIGN_OR_RETURN(
        tokens.shared_node,
        transport::ReadTokenFile(flags.shared_node_token_file, "--shared-node-token-file"));
  }
  if (!tokens.client.empty() && transport::ConstantTimeEquals(tokens.client, tokens.shared_node)) {
    return Status::InvalidArgument(
        "--auth-token-file and --shared-node-token-file hold the same token: give clients and "
        "nodes different tokens");
  }
  if (!tokens.client.empty() && tokens.nodes != nullptr) {
    if (auto node = tokens.nodes->NodeFor(tokens.client); node.ok()) {
      return Status::InvalidArgument("--auth-token-file holds node " + *node +
                                     "'s token (in --node-tokens-file): give clients and nodes "
                                     "different tokens");
    }
  }
  // A node's own token would authenticate as that node, never as the shared one.
  if (!tokens.shared_node.empty() && tokens.nodes != nullptr) {
    if (auto node = tokens.nodes->NodeFor(tokens.shared_node); node.ok()) {
      return Status::InvalidArgument("--shared-node-token-file holds node " + *node +
                                     "'s own token (in --node-tokens-file): the shared token "
                                     "must be another");
    }
  }
  return tokens;
}

int ServeOrchestrator(const ServeFlags& flags) {
  if (flags.data_dir.empty())
    return FailServe(Status::InvalidArgument("--data-dir is required"), 2);
  if (flags.http_threads < 4) {
    return FailServe(Status::InvalidArgument("--http-threads must be at least 4"), 2);
  }
  if (flags.tls_cert_file.empty() != flags.tls_key_file.empty()) {
    return FailServe(Status::InvalidArgument("--tls-cert and --tls-key go together"), 2);
  }
  std::unique_ptr<transport::NodeTokens> node_tokens;  // outlives the server, which reads it
  auto tokens = ReadApiTokens(flags, &node_tokens);
  if (!tokens.ok()) return FailServe(tokens.status(), 2);
  BlockStopSignals();
  orchestrator::OrchestratorOptions options;
  options.data_dir = flags.data_dir;
  options.node_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(flags.node_timeout_s * 1000));
  options.heartbeat_interval =
      std::chrono::milliseconds(static_cast<int64_t>(flags.heartbeat_s * 1000));
  options.auto_approve_nodes = !flags.require_approval;
  auto orchestrator = orchestrator::Orchestrator::Open(options);
  if (!orchestrator.ok()) return FailServe(orchestrator.status(), 1);
  query::TableServiceOptions table_options;
  table_options.data_dir = flags.data_dir;
  auto tables = query::TableService::Open(**orchestrator, table_options);
  if (!tables.ok()) return FailServe(tables.status(), 1);
  query::QueryCoordinatorOptions query_options;
  query_options.data_dir = flags.data_dir;
  auto queries = query::QueryCoordinator::Open(**orchestrator, **tables, query_options);
  if (!queries.ok()) return FailServe(queries.status(), 1);
  transport::HttpServer::Options server_options;
  server_options.host = flags.host;
  server_options.port = flags.port;
  server_options.threads = flags.http_threads;
  server_options.max_body_bytes = size_t{1} << 30;
  server_options.tls_cert_file = flags.tls_cert_file;
  server_options.tls_key_file = flags.tls_key_file;
  transport::HttpServer server(server_options);
  orchestrator::RegisterHttpApi(server, **orchestrator, *tokens);
  query::RegisterTableHttpApi(server, **tables);
  query::RegisterQueryHttpApi(server, **queries);
  console::RegisterConsole(server, {flags.ui_dir});
  auto port = server.Start();
  if (!port.ok()) return FailServe(port.status(), server.tls() ? 2 : 1);
  const std::string where = flags.host + ":" + std::to_string(*port);
  // Said at every start, so an open orchestrator is never open by accident.
  if (tokens->client.empty()) {
    WarnServe("no --auth-token-file: anyone who reaches " + where +
              " can submit jobs, read results and approve nodes");
  }
  if (node_tokens == nullptr && tokens->shared_node.empty()) {
    WarnServe("no --node-tokens-file: anyone who reaches " + where +
              " can register as any compute node, take its work and report for it");
  }
  if (!tokens->shared_node.empty()) {
    WarnServe(
        "--shared-node-token-file (legacy): whoever holds the shared node token can act as any "
        "node, take its work and report its results; give each node its own token "
        "(--node-tokens-file, `shoal node token issue`)");
  }
  if (node_tokens != nullptr && node_tokens->names().empty()) {
    WarnServe("--node-tokens-file '" + node_tokens->path() +
              "' lists no node yet: no node can join until `shoal node token issue NAME "
              "--tokens-file " +
              node_tokens->path() + "` gives one a token (read again within a second)");
  }
  // Over loopback nothing crosses a network; anywhere else plain HTTP is said at every start.
  const bool any_token =
      !tokens->client.empty() || tokens->nodes != nullptr || !tokens->shared_node.empty();
  const bool loopback_only =
      flags.host == "127.0.0.1" || flags.host == "::1" || flags.host == "localhost";
  if (!server.tls() && (any_token || !loopback_only)) {
    WarnServe(std::string("no --tls-cert: ") + (any_token ? "tokens, " : "") +
              "jobs, results and data cross the network unencrypted");
  }
  std::cout << "orchestrator listening on " << (server.tls() ? "https://" : "http://") << where
            << " (data in " << flags.data_dir << ")" << std::endl;
  if (node_tokens != nullptr) {
    std::cout << "nodes authenticate with their own tokens (" << node_tokens->names().size()
              << " in " << node_tokens->path() << ")" << std::endl;
  }
  WaitForStopSignal();
  std::cout << "orchestrator stopping" << std::endl;
  (*queries)->Shutdown();
  (*tables)->Shutdown();
  server.Stop();
  return 0;
}

int ServeCompute(const ServeFlags& flags) {
  if (flags.orchestrator_url.empty()) {
    return FailServe(Status::InvalidArgument("--compute needs --orchestrator HOST:PORT"), 2);
  }
  if (flags.name.empty()) return FailServe(Status::InvalidArgument("--compute needs --name"), 2);
  // The name a node's token is issued to (docs/deployment.md, "Node identity").
  Status named = transport::ValidateNodeName(flags.name, "--name");
  if (!named.ok()) return FailServe(named, 2);
  if (flags.data_dir.empty())
    return FailServe(Status::InvalidArgument("--data-dir is required"), 2);
  auto endpoint = transport::ParseEndpoint(flags.orchestrator_url);
  if (!endpoint.ok()) return FailServe(endpoint.status().WithContext("--orchestrator"), 2);
  if (!flags.ca_cert_file.empty() && !endpoint->tls) {
    return FailServe(Status::InvalidArgument("--ca-cert is for an https:// orchestrator; give "
                                             "--orchestrator https://" +
                                             endpoint->ToString()),
                     2);
  }
  if (!flags.ca_cert_file.empty() && ::access(flags.ca_cert_file.c_str(), R_OK) != 0) {
    return FailServe(Status::InvalidArgument("--ca-cert: cannot read '" + flags.ca_cert_file + "'"),
                     2);
  }
  std::string node_token;
  if (!flags.node_token_file.empty()) {
    auto token = transport::ReadTokenFile(flags.node_token_file, "--node-token-file");
    if (!token.ok()) return FailServe(token.status(), 2);
    node_token = *token;
  }
  auto labels = ParseLabels(flags.labels);
  if (!labels.ok()) return FailServe(labels.status(), 2);
  if (flags.residency != "open" && flags.residency != "strict") {
    return FailServe(Status::InvalidArgument("--residency must be open or strict, got '" +
                                             flags.residency + "'"),
                     2);
  }
  // Every node is also labelled with its name, as the devstack's are: a job can pin a node.
  labels->emplace("name", flags.name);
  // The query coordinator reads the label: a strict region never ships rows (docs/query.md).
  if (flags.residency == "strict") (*labels)[query::kResidencyLabel] = "strict";
  compute::ComputeNodeOptions options;
  options.orchestrator = *endpoint;
  options.node_token = node_token;
  options.ca_cert_file = flags.ca_cert_file;
  options.labels = *labels;
  options.max_executions = flags.max_executions;
  options.runner.node_id = flags.name;
  options.runner.work_dir = flags.data_dir;
  options.runner.allowed_local_paths = flags.allowed_local_paths;
  options.runner.env_allow_list = flags.env_allow;
  options.runner.host_environment = CurrentEnvironment();
  for (const auto& spec : flags.stores) {
    auto store = compute::ParseStoreSpec(spec, options.runner.host_environment);
    if (!store.ok()) return FailServe(store.status().WithContext("--store"), 2);
    options.runner.stores.push_back(std::move(store).value());
  }
  // A folder store that is missing is refused now; one without a bucket serves no job until a
  // bucket is made, which the operator hears now rather than from the first failed job.
  std::string described;
  for (const compute::StoreConfig& store : options.runner.stores) {
    described += "  store " + compute::DescribeStore(store);
    if (!store.is_s3()) {
      auto buckets = compute::FolderStoreBuckets(store);
      if (!buckets.ok()) return FailServe(buckets.status().WithContext("--store"), 2);
      if (buckets->empty()) {
        std::cerr << "shoal serve: warning: store " << store.name << ": the folder "
                  << store.directory
                  << " holds no bucket (no sub-folder); jobs that read or publish s3://BUCKET/... "
                     "there fail until one is made: mkdir "
                  << store.directory << "/BUCKET\n";
      } else {
        described += " (buckets: " + models::JoinComma(*buckets) + ")";
      }
    }
    described += "\n";
  }
  BlockStopSignals();
  auto node = compute::ComputeNode::Start(std::move(options));
  if (!node.ok()) return FailServe(node.status(), 1);
  std::cout << "compute node " << flags.name << " connecting to " << endpoint->Url() << "\n"
            << described << std::flush;
  WaitForStopSignal();
  (*node)->Stop();
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  CLI::App* serve = app.add_subcommand("serve", "Run an orchestrator or a compute node");
  serve->add_option("--config", flags->config_file,
                    "a YAML file of these flags without their dashes (data-dir: DIR); flags "
                    "given here win over it");
  serve->add_flag("--compute", flags->compute_mode, "run a compute node");
  auto* orchestrator = serve->add_option(
      "--orchestrator", flags->orchestrator_url,
      "with no value: run an orchestrator; with --compute: the orchestrator's HOST:PORT");
  orchestrator->expected(0, 1);
  serve->add_option("--host", flags->host, "orchestrator: address to listen on")
      ->capture_default_str();
  serve->add_option("--port", flags->port, "orchestrator: API port")->capture_default_str();
  serve->add_option("--data-dir", flags->data_dir, "where state (and sandboxes) are kept");
  serve->add_option("--ui-dir", flags->ui_dir,
                    "orchestrator: serve the web console's files from this folder (developing it)");
  serve->add_option("--name", flags->name, "compute: the node's name, e.g. compute-us-1");
  serve->add_option("--labels", flags->labels, "compute: labels, e.g. region=us,tier=ssd");
  serve->add_option(
      "--store", flags->stores,
      "compute: a store, NAME=DIR or NAME=http(s)://HOST:PORT[?region=R&style=path|vhost] "
      "(storage-local is the region's, storage the global one)");
  serve->add_option("--allow-local-path", flags->allowed_local_paths,
                    "compute: a folder localDirectory inputs may mount");
  serve
      ->add_option("--env-allow", flags->env_allow,
                   "compute: regex of host variables env:NAME may read")
      ->capture_default_str();
  serve->add_option("--max-executions", flags->max_executions, "compute: executions run at once")
      ->capture_default_str();
  serve
      ->add_option("--node-timeout", flags->node_timeout_s,
                   "orchestrator: seconds of silence before a node is lost")
      ->capture_default_str();
  serve
      ->add_option("--heartbeat-interval", flags->heartbeat_s,
                   "orchestrator: seconds between node heartbeats")
      ->capture_default_str();
  serve
      ->add_option("--http-threads", flags->http_threads,
                   "orchestrator: requests served at once; up to 7/8 of them may be nodes "
                   "waiting for work, and nodes beyond that poll at the heartbeat interval")
      ->capture_default_str();
  serve->add_flag("--require-approval", flags->require_approval,
                  "orchestrator: new nodes wait for `shoal node approve`");
  serve->add_option("--auth-token-file", flags->auth_token_file,
                    "orchestrator: file holding the token clients must send (SHOAL_API_TOKEN)");
  serve->add_option("--node-tokens-file", flags->node_tokens_file,
                    "orchestrator: each node's token, as `NAME sha256:DIGEST` lines written by "
                    "`shoal node token issue`; a node acts only for itself (re-read on change)");
  serve->add_option("--shared-node-token-file", flags->shared_node_token_file,
                    "orchestrator, legacy: one token every node may send; its holder can act as "
                    "any node");
  serve->add_option("--node-token-file", flags->node_token_file,
                    "compute: file holding this node's own token (shoal node token issue)");
  serve->add_option("--tls-cert", flags->tls_cert_file,
                    "orchestrator: serve HTTPS with this certificate (PEM, with its chain)");
  serve->add_option("--tls-key", flags->tls_key_file,
                    "orchestrator: the private key (PEM) of --tls-cert");
  serve->add_option("--ca-cert", flags->ca_cert_file,
                    "compute: the CA (PEM) that signed an https:// orchestrator's certificate "
                    "(default: the system's CAs)");
  serve
      ->add_option("--residency", flags->residency,
                   "compute: strict refuses every query that would ship table rows out of this "
                   "node's region (open or strict)")
      ->capture_default_str();
  serve->callback([flags, serve, orchestrator, &exit_code] {
    if (!flags->config_file.empty()) {
      if (Status applied = ApplyServeConfigFile(*serve, flags->config_file); !applied.ok()) {
        exit_code = FailServe(applied, 2);
        return;
      }
    }
    flags->orchestrator_mode = orchestrator->count() > 0;
    if (flags->compute_mode) {
      exit_code = ServeCompute(*flags);
    } else if (flags->orchestrator_mode) {
      if (!flags->orchestrator_url.empty()) {
        exit_code = FailServe(
            Status::InvalidArgument("--orchestrator takes a value only with --compute"), 2);
        return;
      }
      exit_code = ServeOrchestrator(*flags);
    } else {
      exit_code = FailServe(Status::InvalidArgument("give --orchestrator or --compute"), 2);
    }
  });
}

}  // namespace shoal::cli
