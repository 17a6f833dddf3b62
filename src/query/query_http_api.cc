#include "query/query_http_api.h"

#include <algorithm>
#include <chrono>

namespace shoal::query {

using transport::Json;
using transport::Request;

namespace {

constexpr int64_t kMaxQueryWaitMs = 5000;
constexpr int64_t kNanosPerDay = int64_t{86400} * 1000000000;

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
    SHOAL_ASSIGN_OR_RETURN(int64_t limit, request.IntParam("limit", 100, 1, 1000));
    SHOAL_ASSIGN_OR_RETURN(auto queries, coordinator.List(limit));
    Json items = Json::array();
    for (const auto& query : queries) items.push_back(Json(models::ToJson(query)));
    return Json{{"Items", items}};
  });
  // The days of the report end today (UTC): `days=1` is today so far. `hours=N` reports what
  // started in the last N hours instead (still grouped by day).
  server.HandleJson("GET", kResidencyPath, [&coordinator](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(int64_t days, request.IntParam("days", 30, 1, 366));
    SHOAL_ASSIGN_OR_RETURN(int64_t hours, request.IntParam("hours", 0, 0, 366 * 24));
    const int64_t now = std::chrono::duration_cast<std::chrono::nanoseconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
    const int64_t since = hours > 0 ? now - hours * (kNanosPerDay / 24)
                                    : (now / kNanosPerDay - (days - 1)) * kNanosPerDay;
    SHOAL_ASSIGN_OR_RETURN(auto report, coordinator.Residency(since));
    Json items = Json::array();
    for (const RegionDay& day : report) items.push_back(Json(ToJson(day)));
    return Json{{"Since", since}, {"Items", items}};
  });
  server.HandleJson("GET", one, [&coordinator](const Request& request) -> Result<Json> {
    // wait_ms: a long-poll that answers as soon as the query ends (at most 5 s: it holds one of
    // the API's threads).
    // Longer waits are cut to 5 s, as the history's long-poll does.
    SHOAL_ASSIGN_OR_RETURN(int64_t wait_ms, request.IntParam("wait_ms", 0, 0));
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
