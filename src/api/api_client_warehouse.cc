// ApiClient's warehouse endpoints: logical tables (/api/v1/tables) and queries
// (/api/v1/queries). The rest of the client is in api_client.cc.
#include "api/answer.h"
#include "api/api_client.h"
#include "models/table.h"

namespace shoal::api {

using internal::Answer;
using internal::Query;
using transport::Json;

namespace {

constexpr const char* kTablesPath = "/api/v1/tables";

std::string TablePath(const std::string& name) {
  return std::string(kTablesPath) + "/" + transport::UrlEncode(name);
}

}  // namespace

namespace {

// {"Table": Table, "Warnings": [..]} of the table endpoints.
Result<TableResponse> DecodeTableResponse(const Json& json, const std::string& where) {
  Answer answer(json, where);
  TableResponse response;
  SHOAL_ASSIGN_OR_RETURN(response.table, answer.Model("Table", &models::TableDefinitionFromJson));
  SHOAL_RETURN_IF_ERROR(answer.StringList("Warnings", &response.warnings, /*required=*/false));
  return response;
}

}  // namespace

Result<TableResponse> ApiClient::CreateTable(const models::TableDefinition& table,
                                             const CreateTableOptions& options) const {
  Json body = models::ToJson(table);
  for (const char* owned : {"Columns", "Regions", "CreateTime", "ModifyTime"}) body.erase(owned);
  body["Inspect"] = options.inspect;
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("PUT", kTablesPath, body));
  return DecodeTableResponse(json, std::string("PUT ") + kTablesPath);
}

Result<std::vector<models::TableDefinition>> ApiClient::ListTables() const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(kTablesPath));
  return Answer(json, std::string("GET ") + kTablesPath)
      .ModelList("Items", &models::TableDefinitionFromJson);
}

Result<TableResponse> ApiClient::DescribeTable(const std::string& name, bool refresh) const {
  const std::string path = TablePath(name);
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path + Query({{"refresh", refresh ? "true" : ""}})));
  return DecodeTableResponse(json, "GET " + path);
}

Status ApiClient::DropTable(const std::string& name) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("DELETE", TablePath(name), Json()));
  (void)json;
  return Status::Ok();
}

Result<std::vector<CompactionJob>> ApiClient::CompactTable(const std::string& name,
                                                           const std::vector<std::string>& regions,
                                                           int64_t retain_seconds) const {
  const std::string path = TablePath(name) + "/compact";
  Json body{{"RetainSeconds", retain_seconds}};
  if (!regions.empty()) body["Regions"] = regions;
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("POST", path, body));
  std::vector<CompactionJob> jobs;
  Answer answer(json, "POST " + path);
  SHOAL_RETURN_IF_ERROR(answer.Each("Jobs", [&](const Json& item, const std::string& where) {
    Answer job(item, "POST " + path, where);
    CompactionJob& started = jobs.emplace_back();
    SHOAL_RETURN_IF_ERROR(job.String("Region", &started.region));
    return job.String("JobID", &started.job_id);
  }));
  return jobs;
}

namespace {

constexpr const char* kQueriesPath = "/api/v1/queries";

std::string QueryPath(const std::string& id) {
  return std::string(kQueriesPath) + "/" + transport::UrlEncode(id);
}

// A Query answer of the query endpoints.
Result<models::Query> DecodeQuery(const Json& json, const std::string& where) {
  return Answer(json, where).Decode(json, "", &models::QueryFromJson);
}

}  // namespace

Result<models::Query> ApiClient::SubmitQuery(const models::QueryRequest& request) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("POST", kQueriesPath, Json(models::ToJson(request))));
  return DecodeQuery(json, std::string("POST ") + kQueriesPath);
}

Result<models::Query> ApiClient::GetQuery(const std::string& id,
                                          std::chrono::milliseconds wait) const {
  SHOAL_ASSIGN_OR_RETURN(
      Json json, Get(QueryPath(id) +
                     Query({{"wait_ms", wait.count() > 0 ? std::to_string(wait.count()) : ""}})));
  return DecodeQuery(json, "GET " + QueryPath(id));
}

Result<std::vector<models::Query>> ApiClient::ListQueries(int64_t limit) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(kQueriesPath + Query({{"limit", std::to_string(limit)}})));
  return Answer(json, std::string("GET ") + kQueriesPath)
      .ModelList("Items", &models::QueryFromJson);
}

Result<std::string> ApiClient::QueryResult(const std::string& id) const {
  Result<std::string> bytes = http_.GetBytes(QueryPath(id) + "/result");
  if (!bytes.ok()) return Reword(bytes.status());
  return bytes;
}

Result<models::Query> ApiClient::CancelQuery(const std::string& id) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("DELETE", QueryPath(id), Json()));
  return DecodeQuery(json, "DELETE " + QueryPath(id));
}

}  // namespace shoal::api
