#include "query/table_http_api.h"

#include <string>
#include <vector>

#include "models/table.h"

namespace shoal::query {

namespace {

using transport::Json;
using transport::Request;

Json TableAnswerJson(const TableAnswer& answer) {
  return Json{{"Table", models::ToJson(answer.table)}, {"Warnings", answer.warnings}};
}

Result<bool> BoolParam(const Request& request, const std::string& name, bool fallback) {
  const std::string text = request.Param(name);
  if (text.empty()) return fallback;
  if (text == "true" || text == "1") return true;
  if (text == "false" || text == "0") return false;
  return Status::InvalidArgument("query parameter '" + name + "' must be true or false, got '" +
                                 text + "'");
}

struct CompactRequest {
  std::vector<std::string> regions;
  int64_t retain_seconds = kDefaultRetainSeconds;
};

Result<CompactRequest> CompactRequestFromJson(const Json& body) {
  if (!body.is_object()) return Status::InvalidArgument("the request body must be a JSON object");
  for (const auto& [field, value] : body.items()) {
    if (field == "Regions") {
      if (!value.is_array()) return Status::InvalidArgument("Regions: expected a list of regions");
    } else if (field == "RetainSeconds") {
      if (!value.is_number_integer() || value.get<int64_t>() < 0) {
        return Status::InvalidArgument("RetainSeconds: expected a whole number of seconds >= 0");
      }
    } else {
      return Status::InvalidArgument(field +
                                     ": unknown field; valid fields: Regions, RetainSeconds");
    }
  }
  CompactRequest request;
  for (const Json& region : body.value("Regions", Json::array())) {
    if (!region.is_string()) return Status::InvalidArgument("Regions: expected a list of regions");
    request.regions.push_back(region.get<std::string>());
  }
  request.retain_seconds = body.value("RetainSeconds", kDefaultRetainSeconds);
  return request;
}

}  // namespace

void RegisterTableHttpApi(transport::HttpServer& server, TableService& tables) {
  const std::string one_table = std::string(kTablesPath) + "/([^/]+)";
  server.HandleJson("PUT", kTablesPath, [&tables](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_ASSIGN_OR_RETURN(models::TableDefinition table,
                           models::TableDefinitionFromRequest(body, {"Inspect"}));
    bool inspect = true;
    if (auto it = body.find("Inspect"); it != body.end() && !it->is_null()) {
      if (!it->is_boolean()) {
        return Status::InvalidArgument("Inspect: expected true or false, got " +
                                       std::string(it->type_name()));
      }
      inspect = it->get<bool>();
    }
    SHOAL_ASSIGN_OR_RETURN(TableAnswer answer, tables.Create(std::move(table), inspect));
    return TableAnswerJson(answer);
  });
  server.HandleJson("GET", kTablesPath, [&tables](const Request&) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(auto list, tables.List());
    Json items = Json::array();
    for (const auto& table : list) items.push_back(models::ToJson(table));
    return Json{{"Items", items}};
  });
  server.HandleJson("GET", one_table, [&tables](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(bool refresh, BoolParam(request, "refresh", false));
    SHOAL_ASSIGN_OR_RETURN(TableAnswer answer, tables.Describe(request.matches[1], refresh));
    return TableAnswerJson(answer);
  });
  server.HandleJson(
      "POST", one_table + "/compact", [&tables](const Request& request) -> Result<Json> {
        Json body = Json::object();
        if (!request.body.empty()) {
          SHOAL_ASSIGN_OR_RETURN(body, request.JsonBody());
        }
        SHOAL_ASSIGN_OR_RETURN(CompactRequest compact, CompactRequestFromJson(body));
        SHOAL_ASSIGN_OR_RETURN(auto started, tables.Compact(request.matches[1], compact.regions,
                                                            compact.retain_seconds));
        Json jobs = Json::array();
        for (const CompactionStart& start : started) {
          jobs.push_back({{"Region", start.region}, {"JobID", start.job_id}});
        }
        return Json{{"Table", request.matches[1]}, {"Jobs", jobs}};
      });
  server.HandleJson("DELETE", one_table, [&tables](const Request& request) -> Result<Json> {
    SHOAL_RETURN_IF_ERROR(tables.Drop(request.matches[1]));
    return Json{{"Name", request.matches[1]}};
  });
}

}  // namespace shoal::query
