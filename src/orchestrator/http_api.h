// The orchestrator's HTTP endpoints (docs/api.md): the public API for the CLI and the compute
// channel for nodes, both mapped onto an Orchestrator, and who may call which.
//
// Tokens split the callers: the client token opens the public API (jobs, results, nodes,
// approvals), node tokens open the compute channel (/api/v1/compute/...), and neither opens the
// other's endpoints, so a node cannot submit jobs or approve itself and a client cannot pose as
// a node. Each node has a token of its own (transport/node_tokens.h), and a compute-channel
// request may act only for the node its token belongs to (orchestrator/node_binding.h), so a
// node cannot report for, or take the work of, another. A legacy shared node token, when given,
// opens the channel without that binding. GET /api/v1/agent/alive stays open for health checks;
// GET /metrics (Prometheus) is the public API's, behind the client token.
// A side without tokens is open (an orchestrator started without token files).
//
// Thread-safety: handlers run concurrently; the Orchestrator and NodeTokens are thread-safe.
#pragma once

#include "orchestrator/compute_channel_api.h"
#include "orchestrator/orchestrator.h"
#include "transport/http_server.h"
#include "transport/node_tokens.h"

namespace shoal::orchestrator {

struct ApiTokens {
  std::string client;  // the public API; empty: open
  // The compute channel's per-node tokens: each authenticates one node, which may act only for
  // itself. Null: none. Not owned; must outlive the server's serving.
  const transport::NodeTokens* nodes = nullptr;
  // Legacy (serve --shared-node-token-file): one token for every node. Its holder is not bound
  // to a node name and may act as any node. Empty: none. Neither this nor `nodes`: open.
  std::string shared_node;
};

// The rules for `tokens` (see the header comment).
transport::BearerAuth ApiAuth(const ApiTokens& tokens);

// Registers every endpoint and the node binding on the whole compute channel, counts the
// server's requests in the orchestrator's metrics, and, with a token in `tokens`, sets the auth
// rules, refusals audited to `audit` (HttpServer's default sink, stderr, when null).
// REQUIRES: `orchestrator` outlives `server`'s serving; called before server.Start().
void RegisterHttpApi(transport::HttpServer& server, Orchestrator& orchestrator,
                     const ApiTokens& tokens = {},
                     transport::HttpServer::AuditSink audit = nullptr);

}  // namespace shoal::orchestrator
