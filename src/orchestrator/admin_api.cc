#include "orchestrator/admin_api.h"

#include <string>

#include "models/json_codec.h"

namespace shoal::orchestrator {

namespace {

// Unique names: the target is compiled as one unity source with http_api.cc.
using transport::Json;
using transport::Request;

constexpr const char* kAdminJobs = "/api/v1/orchestrator/jobs";
constexpr const char* kAdminNodes = "/api/v1/orchestrator/nodes";

}  // namespace

void RegisterAdminApi(transport::HttpServer& server, Orchestrator& o) {
  server.HandleJson("GET", std::string(kAdminJobs) + "/([^/]+)/versions",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(
                          auto job, o.FindJob(request.matches[1], request.Param("namespace")));
                      SHOAL_ASSIGN_OR_RETURN(auto versions, o.JobVersions(job.id));
                      Json items = Json::array();
                      for (const models::Job& version : versions) {
                        items.push_back(models::ToJson(version));
                      }
                      return Json{{"Items", std::move(items)}};
                    });
  for (const char* method : {"PUT", "POST"}) {
    server.HandleJson(method, std::string(kAdminJobs) + "/([^/]+)/rerun",
                      [&o](const Request& request) -> Result<Json> {
                        SHOAL_ASSIGN_OR_RETURN(
                            auto job, o.FindJob(request.matches[1], request.Param("namespace")));
                        SHOAL_ASSIGN_OR_RETURN(SubmitResult rerun, o.RerunJob(job.id));
                        return Json{{"JobID", rerun.job_id},
                                    {"JobVersion", rerun.version},
                                    {"Warnings", rerun.warnings}};
                      });
  }
  server.HandleJson("DELETE", std::string(kAdminNodes) + "/([^/]+)",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_RETURN_IF_ERROR(o.DeleteNode(request.matches[1]));
                      return Json{{"NodeID", request.matches[1]}};
                    });
}

}  // namespace shoal::orchestrator
