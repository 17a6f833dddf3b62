// The compute channel's endpoints (docs/api.md, "Compute channel"), mapped onto the
// Orchestrator's compute-channel methods over the wire of models/node_protocol.h, whose path
// functions give the routes:
//   POST /api/v1/compute/register                       RegisterRequest -> RegisterAnswer
//   POST /api/v1/compute/heartbeat                      HeartbeatRequest -> HeartbeatAnswer
//   GET  /api/v1/compute/work?node_id=&wait_ms=         -> Work (a long-poll)
//   GET  /api/v1/compute/executions/{id}?node_id=       -> {ExecutionID, ComputeState}
//   POST /api/v1/compute/executions/{id}/status         StatusReport -> {}
//   PUT  /api/v1/compute/executions/{id}/files/{path}?node_id=[&fetch_id=]  bytes -> {}
//   POST /api/v1/compute/fetches/{id} and /store-tasks/{id}  TaskEnd -> {}
// Who may call them is http_api.h's business (node tokens, node binding).
//
// Thread-safety: the handlers run concurrently; the Orchestrator is thread-safe.
#pragma once

#include "orchestrator/orchestrator.h"
#include "transport/http_server.h"

namespace shoal::orchestrator {

// Long-polls for work (GET /api/v1/compute/work) that may wait at once on a server with `threads`
// threads. Each waiting poll holds a thread; the rest of the pool stays free for heartbeats,
// status reports and the public API, so those never queue behind polls. A poll beyond the limit
// is answered at once (with any work there is) and carries RetryAfterMs: the node pauses that
// long before polling again.
int MaxWaitingPolls(int threads);

// REQUIRES: `orchestrator` outlives `server`'s serving.
void RegisterComputeChannelApi(transport::HttpServer& server, Orchestrator& orchestrator);

}  // namespace shoal::orchestrator
