// The query endpoints of the orchestrator's API (docs/api.md "Queries"), mapped onto a
// QueryCoordinator: POST /api/v1/queries (plan and start, or explain), GET /api/v1/queries,
// GET /api/v1/queries/{id}, GET /api/v1/queries/{id}/result (result.json, exact numbers) and
// DELETE /api/v1/queries/{id} (cancel). The client token guards them like every public path.
//
// Thread-safety: handlers run concurrently; the coordinator is thread-safe.
#pragma once

#include "query/query_coordinator.h"
#include "transport/http_server.h"

namespace shoal::query {

inline constexpr const char* kQueriesPath = "/api/v1/queries";
inline constexpr const char* kResidencyPath = "/api/v1/residency";

// REQUIRES: `coordinator` outlives the server's serving; called before server.Start().
void RegisterQueryHttpApi(transport::HttpServer& server, QueryCoordinator& coordinator);

}  // namespace shoal::query
