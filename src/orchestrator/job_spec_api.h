// POST /api/v1/orchestrator/jobs/parse: a job file's text (YAML, Bacalhau's format) rendered with
// template variables, parsed and validated exactly as `shoal job run` does it on the client, for
// callers that hold no parser: the web console's Submit page. Nothing is stored; the caller
// submits the returned Job with PUT /api/v1/orchestrator/jobs.
//
// Thread-safety: the handler is safe to run concurrently.
#pragma once

#include "transport/http_server.h"

namespace shoal::orchestrator {

void RegisterJobSpecApi(transport::HttpServer& server);

}  // namespace shoal::orchestrator
