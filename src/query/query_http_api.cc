#include "query/query_http_api.h"

#include <algorithm>
#include <charconv>
#include <chrono>

namespace shoal::query {

using transport::Json;
using transport::Request;

namespace {
constexpr int64_t kMaxQueryWaitMs = 5000;
}  // namespace

void RegisterQueryHttpApi(transport::HttpServer& server, QueryCoordinator& coordinator) {
  const std::string one = std::string(kQueriesPath) + "/([^/]+)";
  server.HandleJson("POST", kQueriesPath, [&coordinator](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_ASSIGN_OR_RETURN(auto query_request, models::QueryRequestFromJson(body));
    SHOAL_ASSIGN_OR_RETURN(auto query, coordinator.Submit(query_request));
    return Json(models::ToJson(query));
  });
  server.HandleJson("GET", kQueriesPath, [&coordinator](const Request& request) -> Result<Json> {
    int64_t limit = 100;
    const std::string text = request.Param("limit");
    if (!text.empty()) {
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
      if (ec != std::errc() || ptr != text.data() + text.size() || limit < 1 || limit > 1000) {
        return Status::InvalidArgument("query parameter 'limit' must be 1..1000, got '" + text +
                                       "'");
      }
    }
    SHOAL_ASSIGN_OR_RETURN(auto queries, coordinator.List(limit));
    Json items = Json::array();
    for (const auto& query : queries) items.push_back(Json(models::ToJson(query)));
    return Json{{"Items", items}};
  });
  server.HandleJson("GET", one, [&coordinator](const Request& request) -> Result<Json> {
    // wait_ms: a long-poll that answers as soon as the query ends (at most 5 s: it holds one of
    // the API's threads).
    int64_t wait_ms = 0;
    const std::string wait = request.Param("wait_ms");
    if (!wait.empty()) {
      auto [ptr, ec] = std::from_chars(wait.data(), wait.data() + wait.size(), wait_ms);
      if (ec != std::errc() || ptr != wait.data() + wait.size() || wait_ms < 0) {
        return Status::InvalidArgument(
            "query parameter 'wait_ms' must be a number of milliseconds, got '" + wait + "'");
      }
    }
    SHOAL_ASSIGN_OR_RETURN(
        auto query, coordinator.Get(request.matches[1], std::chrono::milliseconds(std::min<int64_t>(
                                                            wait_ms, kMaxQueryWaitMs))));
    return Json(models::ToJson(query));
  });
  server.HandleRaw("GET", one + "/result",
                   [&coordinator](const Request& request) -> Result<transport::RawResponse> {
                     SHOAL_ASSIGN_OR_RETURN(std::string text,
                                            coordinator.ResultJson(request.matches[1]));
                     return transport::RawResponse{200, "application/json", std::move(text)};
                   });
  server.HandleJson("DELETE", one, [&coordinator](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(auto query, coordinator.Cancel(request.matches[1]));
    return Json(models::ToJson(query));
  });
}

}  // namespace shoal::query
