#include "query/query_http_api.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <limits>

namespace shoal::query {

using transport::Json;
using transport::Request;

namespace {

constexpr int64_t kMaxQueryWaitMs = 5000;
constexpr int64_t kNanosPerDay = int64_t{86400} * 1000000000;

// The integer query parameter `name` in [low, high], or `fallback` when absent.
Result<int64_t> IntParamIn(const Request& request, const std::string& name, int64_t fallback,
                           int64_t low, int64_t high) {
  const std::string text = request.Param(name);
  if (text.empty()) return fallback;
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size() || value < low || value > high) {
    return Status::InvalidArgument("query parameter '" + name + "' must be " + std::to_string(low) +
                                   ".." + std::to_string(high) + ", got '" + text + "'");
  }
  return value;
}

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
    SHOAL_ASSIGN_OR_RETURN(int64_t limit, IntParamIn(request, "limit", 100, 1, 1000));
    SHOAL_ASSIGN_OR_RETURN(auto queries, coordinator.List(limit));
    Json items = Json::array();
    for (const auto& query : queries) items.push_back(Json(models::ToJson(query)));
    return Json{{"Items", items}};
  });
  // The days of the report end today (UTC): `days=1` is today so far. `hours=N` reports what
  // started in the last N hours instead (still grouped by day).
  server.HandleJson("GET", kResidencyPath, [&coordinator](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(int64_t days, IntParamIn(request, "days", 30, 1, 366));
    SHOAL_ASSIGN_OR_RETURN(int64_t hours, IntParamIn(request, "hours", 0, 0, 366 * 24));
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
    SHOAL_ASSIGN_OR_RETURN(
        int64_t wait_ms, IntParamIn(request, "wait_ms", 0, 0, std::numeric_limits<int64_t>::max()));
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
