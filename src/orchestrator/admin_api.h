// The public API's administrative endpoints (docs/api.md), behind the client token like the rest:
//   GET    /api/v1/orchestrator/nodes               -> {"Items": [Node + "ActiveExecutions"]}
//   GET    /api/v1/orchestrator/nodes/{id}          -> {"Node"}
//   POST   /api/v1/orchestrator/nodes/{id}/approve and /reject -> {"Node"}
//   GET    /api/v1/orchestrator/jobs/{id}/versions  -> {"Items": [Job, ...]}, oldest first
//   PUT    /api/v1/orchestrator/jobs/{id}/rerun     -> {"JobID", "JobVersion"} (POST too)
//   DELETE /api/v1/orchestrator/nodes/{id}          -> {"NodeID"}; 412 while the node is
//                                                      connected
//
// Thread-safety: the handlers run concurrently; the Orchestrator is thread-safe.
#pragma once

#include "orchestrator/orchestrator.h"
#include "transport/http_server.h"

namespace shoal::orchestrator {

// REQUIRES: `orchestrator` outlives `server`'s serving.
void RegisterAdminApi(transport::HttpServer& server, Orchestrator& orchestrator);

}  // namespace shoal::orchestrator
