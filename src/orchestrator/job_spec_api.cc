#include "orchestrator/job_spec_api.h"

#include <string>
#include <vector>

#include "jobspec/jobspec.h"
#include "jobspec/template.h"
#include "models/json_codec.h"

namespace shoal::orchestrator {

namespace {

using transport::Json;

// The request's Vars ({"Region": "us"}) as the CLI's -V flags would give them, checked the same
// way (identifier names).
Result<jobspec::TemplateVars> VarsOf(const Json& body) {
  std::vector<std::string> dash_v;
  if (body.contains("Vars") && !body["Vars"].is_null()) {
    if (!body["Vars"].is_object()) return Status::InvalidArgument("Vars: expected an object");
    for (const auto& [name, value] : body["Vars"].items()) {
      if (!value.is_string()) {
        return Status::InvalidArgument("Vars." + name + ": expected a string");
      }
      dash_v.push_back(name + "=" + value.get<std::string>());
    }
  }
  return jobspec::BuildTemplateVars(dash_v, {}, {});
}

}  // namespace

void RegisterJobSpecApi(transport::HttpServer& server) {
  server.HandleJson(
      "POST", "/api/v1/orchestrator/jobs/parse",
      [](const transport::Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
        if (!body.is_object() || !body.contains("Spec") || !body["Spec"].is_string()) {
          return Status::InvalidArgument("request needs 'Spec', the job file's text");
        }
        jobspec::SpecOptions options;
        if (body.contains("Template")) {
          if (!body["Template"].is_boolean()) {
            return Status::InvalidArgument("Template: expected true or false");
          }
          options.templating = body["Template"].get<bool>();
        }
        SHOAL_ASSIGN_OR_RETURN(options.vars, VarsOf(body));
        SHOAL_ASSIGN_OR_RETURN(jobspec::ParsedJob parsed,
                               jobspec::ParseJobSpec(body["Spec"].get<std::string>(), options));
        return Json{{"Job", models::ToJson(parsed.job)}, {"Warnings", parsed.warnings}};
      });
}

}  // namespace shoal::orchestrator
