#include "orchestrator/compute_channel_api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>

#include "models/json_codec.h"
#include "models/node_protocol.h"

namespace shoal::orchestrator {

namespace {

using transport::Json;
using transport::Request;

constexpr int64_t kMaxPollWaitMs = 30000;
// The regular expression a route matches an id with, in place of the id (node_protocol.h).
constexpr std::string_view kId = "([^/]+)";

// Counts the long-polls waiting, up to a limit (see MaxWaitingPolls), and shows them in the
// metrics: how many wait now, how many were answered at once for want of a slot.
class PollGate {
 public:
  PollGate(int limit, metrics::Registry& registry)
      : limit_(limit),
        waiting_gauge_(registry
                           .AddGauge("shoal_compute_polls_waiting",
                                     "Nodes' long-polls for work held open now.")
                           .With({})),
        refused_(registry
                     .AddCounter("shoal_compute_polls_refused_total",
                                 "Nodes' long-polls answered at once because every slot to wait "
                                 "in was taken (the node comes back after RetryAfterMs).")
                     .With({})) {}
  // True when the caller may wait; it must then call Leave().
  bool TryEnter() {
    if (waiting_.fetch_add(1) < limit_) {
      waiting_gauge_.Add(1);
      return true;
    }
    waiting_.fetch_sub(1);
    refused_.Increment();
    return false;
  }
  void Leave() {
    waiting_.fetch_sub(1);
    waiting_gauge_.Add(-1);
  }

 private:
  const int limit_;
  std::atomic<int> waiting_{0};
  metrics::Gauge& waiting_gauge_;
  metrics::Counter& refused_;
};

}  // namespace

int MaxWaitingPolls(int threads) { return std::max(1, threads - std::max(2, threads / 8)); }

void RegisterComputeChannelApi(transport::HttpServer& server, Orchestrator& o) {
  auto gate = std::make_shared<PollGate>(MaxWaitingPolls(server.threads()), o.metrics());
  server.HandleJson("POST", models::RegisterPath(), [&o](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_ASSIGN_OR_RETURN(models::RegisterRequest registering,
                           models::RegisterRequestFromJson(body));
    SHOAL_ASSIGN_OR_RETURN(models::Node node, o.RegisterNode(std::move(registering.node)));
    return models::ToJson(
        models::RegisterAnswer{std::move(node), o.options().heartbeat_interval.count()});
  });
  server.HandleJson("POST", models::HeartbeatPath(), [&o](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_ASSIGN_OR_RETURN(models::HeartbeatRequest heartbeat,
                           models::HeartbeatRequestFromJson(body));
    SHOAL_ASSIGN_OR_RETURN(bool known,
                           o.Heartbeat(heartbeat.node_id, heartbeat.running, heartbeat.progress));
    return models::ToJson(models::HeartbeatAnswer{known});
  });
  server.HandleJson("GET", models::WorkPath(), [&o, gate](const Request& request) -> Result<Json> {
    std::string node_id = request.Param("node_id");
    if (node_id.empty()) return Status::InvalidArgument("node_id is required");
    SHOAL_ASSIGN_OR_RETURN(int64_t wait, request.IntParam("wait_ms", 0));
    wait = std::clamp<int64_t>(wait, 0, kMaxPollWaitMs);
    // No free slot to wait in: answer at once and send the node back after a heartbeat
    // interval, instead of holding one of the threads heartbeats need.
    int64_t retry_after_ms = 0;
    const bool waits = wait > 0 && gate->TryEnter();
    if (wait > 0 && !waits) {
      retry_after_ms = std::min<int64_t>(wait, o.options().heartbeat_interval.count());
      wait = 0;
    }
    auto polled = o.PollWork(node_id, std::chrono::milliseconds(wait));
    if (waits) gate->Leave();
    SHOAL_ASSIGN_OR_RETURN(models::Work work, std::move(polled));
    work.retry_after_ms = retry_after_ms;
    return models::ToJson(work);
  });
  server.HandleUpload(
      "PUT", models::ResultFilePath(kId, "(.+)"), [&o](const Request& request) -> Result<Json> {
        SHOAL_RETURN_IF_ERROR(o.StoreResultFile(request.matches[1], request.Param("node_id"),
                                                request.matches[2], request.body,
                                                request.Param("fetch_id")));
        return Json::object();
      });
  server.HandleJson(
      "POST", models::FetchEndPath(kId), [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
        SHOAL_ASSIGN_OR_RETURN(models::TaskEnd end, models::TaskEndFromJson(body));
        SHOAL_RETURN_IF_ERROR(o.FinishFetch(request.matches[1], end.node_id, end.error));
        return Json::object();
      });
  server.HandleJson(
      "POST", models::StoreTaskEndPath(kId), [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
        SHOAL_ASSIGN_OR_RETURN(models::TaskEnd end, models::TaskEndFromJson(body));
        SHOAL_RETURN_IF_ERROR(o.FinishStoreTask(request.matches[1], end.node_id, end.error));
        return Json::object();
      });
  server.HandleJson(
      "GET", models::NodeExecutionPath(kId), [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(auto e,
                               o.NodeExecution(request.matches[1], request.Param("node_id")));
        return models::ToJson(models::NodeExecutionAnswer{e.id, e.compute_state.state_type});
      });
  server.HandleJson(
      "POST", models::ExecutionStatusPath(kId), [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
        SHOAL_ASSIGN_OR_RETURN(models::StatusReport report, models::StatusReportFromJson(body));
        SHOAL_RETURN_IF_ERROR(o.UpdateExecution(request.matches[1], report.node_id, report.state,
                                                report.topic, report.message,
                                                report.run_output ? &*report.run_output : nullptr,
                                                report.published ? &*report.published : nullptr,
                                                report.stats ? &*report.stats : nullptr));
        return Json::object();
      });
}

}  // namespace shoal::orchestrator
