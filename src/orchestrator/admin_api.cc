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
  server.HandleJson("GET", kAdminNodes, [&o](const Request&) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(auto nodes, o.ListNodes());
    SHOAL_ASSIGN_OR_RETURN(auto active, o.ActiveExecutionsByNode());
    Json items = Json::array();
    for (const models::Node& node : nodes) {
      Json item = models::ToJson(node);
      auto it = active.find(node.id);
      item["ActiveExecutions"] = it == active.end() ? 0 : it->second;
      items.push_back(std::move(item));
    }
    return Json{{"Items", std::move(items)}};
  });
  server.HandleJson("GET", std::string(kAdminNodes) + "/([^/]+)",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto node, o.GetNode(request.matches[1]));
                      return Json{{"Node", models::ToJson(node)}};
                    });
  server.HandleJson(
      "POST", std::string(kAdminNodes) + "/([^/]+)/(approve|reject)",
      [&o](const Request& request) -> Result<Json> {
        auto membership = request.matches[2] == "approve" ? models::NodeMembership::kApproved
                                                          : models::NodeMembership::kRejected;
        SHOAL_ASSIGN_OR_RETURN(auto node, o.SetNodeMembership(request.matches[1], membership));
        return Json{{"Node", models::ToJson(node)}};
      });
  server.HandleJson("DELETE", std::string(kAdminNodes) + "/([^/]+)",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_RETURN_IF_ERROR(o.DeleteNode(request.matches[1]));
                      return Json{{"NodeID", request.matches[1]}};
                    });
}

}  // namespace shoal::orchestrator
