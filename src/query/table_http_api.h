// The HTTP endpoints of logical tables (docs/api.md "Tables"), mapped onto a TableService:
//
//   PUT    /api/v1/tables          body: a definition (+ "Inspect": bool)  -> {"Table", "Warnings"}
//   GET    /api/v1/tables                                                 -> {"Items": [Table]}
//   GET    /api/v1/tables/{name}   ?refresh=true                          -> {"Table", "Warnings"}
//   DELETE /api/v1/tables/{name}                                          -> {"Name"}
//   POST   /api/v1/tables/{name}/compact  body: {"Regions", "RetainSeconds"} (both optional)
//                                         -> {"Table", "Jobs": [{"Region", "JobID"}]}
//
// Errors are Status values, answered with their HTTP status as every endpoint does; a request
// field of the wrong type, an unknown field or a field Shoal sets is a 400 naming it. Who may
// call them is the server's auth (the client token, like the rest of the public API).
//
// Thread-safety: handlers run concurrently; the TableService is thread-safe and must outlive
// the server.
#pragma once

#include <cstdint>

#include "query/table_service.h"
#include "transport/http_server.h"

namespace shoal::query {

inline constexpr const char* kTablesPath = "/api/v1/tables";
// How long a compaction keeps the files it replaced for readers of the previous state.
inline constexpr int64_t kDefaultRetainSeconds = 3600;

// REQUIRES: called before server.Start().
void RegisterTableHttpApi(transport::HttpServer& server, TableService& tables);

}  // namespace shoal::query
