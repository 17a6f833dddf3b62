// The orchestrator's HTTP endpoints (docs/api.md): the public API for the CLI and the compute
// channel for nodes, both mapped onto an Orchestrator.
//
// Thread-safety: handlers run concurrently; the Orchestrator is thread-safe.
#pragma once

#include "orchestrator/orchestrator.h"
#include "transport/http_server.h"

namespace shoal::orchestrator {

inline constexpr const char* kShoalVersion = "0.1.0";

// REQUIRES: `orchestrator` outlives `server`'s serving.
void RegisterHttpApi(transport::HttpServer& server, Orchestrator& orchestrator);

}  // namespace shoal::orchestrator
