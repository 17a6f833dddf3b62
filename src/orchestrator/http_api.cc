#include "orchestrator/http_api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "console/console_http.h"

#include "models/json_codec.h"
#include "models/partition_progress.h"
#include "models/results.h"
#include "models/selector.h"
#include "orchestrator/admin_api.h"
#include "orchestrator/compute_channel_api.h"
#include "orchestrator/job_spec_api.h"
#include "orchestrator/node_binding.h"

namespace shoal::orchestrator {

namespace {

using transport::Json;
using transport::Request;

constexpr const char* kJobs = "/api/v1/orchestrator/jobs";
constexpr std::string_view kCompute = models::kComputeApiPath;
// A client's long-poll (history, a query) is kept short: it holds one of the API's threads.
constexpr int64_t kMaxClientWaitMs = 5000;

// The execution of `job_id` that `id` names: its full id or a unique prefix (as `job
// executions` prints them). An empty `id` means every execution and stays empty.
Result<std::string> ResolveExecutionId(Orchestrator& o, const std::string& job_id,
                                       const std::string& id) {
  if (id.empty()) return id;
  SHOAL_ASSIGN_OR_RETURN(auto executions, o.ListExecutions(job_id));
  std::vector<std::string> matches;
  for (const auto& e : executions) {
    if (e.id == id) return id;
    if (e.id.rfind(id, 0) == 0) matches.push_back(e.id);
  }
  if (matches.size() == 1) return matches[0];
  if (matches.empty()) {
    return Status::NotFound("job " + job_id + " has no execution '" + id + "'");
  }
  return Status::InvalidArgument("execution id prefix '" + id + "' matches " +
                                 std::to_string(matches.size()) + " executions of job " + job_id +
                                 "; give more of it");
}

template <typename T>
Json Items(const std::vector<T>& items) {
  Json array = Json::array();
  for (const auto& item : items) array.push_back(models::ToJson(item));
  return array;
}

// Optional fields: absent (or null) gives `fallback`; a value of another type is refused, naming
// the field (nlohmann's value() would throw, and the caller would see a 500).
Result<bool> OptionalBool(const Json& body, const char* name, bool fallback) {
  if (!body.contains(name) || body[name].is_null()) return fallback;
  if (!body[name].is_boolean()) {
    return Status::InvalidArgument(std::string("field '") + name + "' must be true or false, got " +
                                   body[name].dump());
  }
  return body[name].get<bool>();
}

void RegisterPublicApi(transport::HttpServer& server, Orchestrator& o) {
  server.HandleJson("GET", "/api/v1/agent/alive", [](const Request&) -> Result<Json> {
    return Json{{"Status", "OK"}};
  });
  server.HandleJson("GET", "/api/v1/agent/version", [](const Request&) -> Result<Json> {
    return Json{{"Version", kShoalVersion}, {"DuckDB", "1.4.4"}};
  });
  // Prometheus' scrape target, behind the client token like the rest of the public API.
  server.HandleRaw("GET", "/metrics", [&o](const Request&) -> Result<transport::RawResponse> {
    return transport::RawResponse{200, metrics::kExpositionContentType, o.metrics().Expose()};
  });

  server.HandleJson("PUT", kJobs, [&o](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    if (!body.is_object() || !body.contains("Job")) {
      return Status::InvalidArgument("request needs a 'Job' object");
    }
    SHOAL_ASSIGN_OR_RETURN(models::Job job, models::JobFromJson(body["Job"]));
    SHOAL_ASSIGN_OR_RETURN(bool force, OptionalBool(body, "Force", false));
    SHOAL_ASSIGN_OR_RETURN(bool dry_run, OptionalBool(body, "DryRun", false));
    SHOAL_ASSIGN_OR_RETURN(SubmitResult result, o.SubmitJob(std::move(job), force, dry_run));
    return Json{{"JobID", result.job_id},
                {"JobVersion", result.version},
                {"Changed", result.changed},
                {"Warnings", result.warnings}};
  });
  server.HandleJson("GET", kJobs, [&o](const Request& request) -> Result<Json> {
    JobListOptions options;
    options.namespace_ = request.Param("namespace");
    SHOAL_ASSIGN_OR_RETURN(options.limit, request.IntParam("limit", 100));
    options.next_token = request.Param("next_token");
    SHOAL_ASSIGN_OR_RETURN(options.labels, models::ParseLabelSelectors(request.Param("labels")));
    options.state = request.Param("state");
    if (!options.state.empty()) {
      SHOAL_ASSIGN_OR_RETURN(auto state, models::ParseJobStateType(options.state));
      options.state = models::ToString(state);  // as stored, whatever case was asked
    }
    options.name_contains = request.Param("name");
    // Bacalhau's names: order_by (id or created_at, the default) and reverse.
    const std::string order_by = request.Param("order_by", "created_at");
    if (order_by != "created_at" && order_by != "id") {
      return Status::InvalidArgument("order_by: '" + order_by + "' is not created_at or id");
    }
    options.order =
        order_by == "id" ? JobListOptions::Order::kId : JobListOptions::Order::kCreateTime;
    const std::string reverse = request.Param("reverse", "false");
    if (reverse != "true" && reverse != "false") {
      return Status::InvalidArgument("reverse: '" + reverse + "' is not true or false");
    }
    options.reverse = reverse == "true";
    SHOAL_ASSIGN_OR_RETURN(JobPage page, o.ListJobs(options));
    Json items = Items(page.items);
    // The console's Jobs page: each job's partitions counted here, one request for the page.
    if (request.Param("partitions") == "true") {
      for (size_t i = 0; i < page.items.size(); ++i) {
        SHOAL_ASSIGN_OR_RETURN(auto executions, o.ListExecutions(page.items[i].id));
        const models::PartitionCounts counts = models::CountPartitions(page.items[i], executions);
        items[i]["Partitions"] = {{"Total", counts.total},
                                  {"Done", counts.done},
                                  {"Running", counts.running},
                                  {"Failed", counts.failed},
                                  {"Progress", counts.Fraction(page.items[i])}};
      }
    }
    return Json{{"Items", std::move(items)}, {"NextToken", page.next_token}};
  });
  server.HandleJson(
      "GET", std::string(kJobs) + "/([^/]+)", [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], request.Param("namespace")));
        SHOAL_ASSIGN_OR_RETURN(int64_t version, request.IntParam("job_version", 0, 0));
        if (version > 0) {
          SHOAL_ASSIGN_OR_RETURN(job, o.JobVersion(job.id, version));
        }
        return Json{{"Job", models::ToJson(job)}};
      });
  server.HandleJson("GET", std::string(kJobs) + "/([^/]+)/executions",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
                      SHOAL_ASSIGN_OR_RETURN(auto executions, o.ListExecutions(job.id));
                      return Json{{"Items", Items(executions)}};
                    });
  server.HandleJson(
      "GET", std::string(kJobs) + "/([^/]+)/history", [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
        SHOAL_ASSIGN_OR_RETURN(int64_t since, request.IntParam("since", 0));
        SHOAL_ASSIGN_OR_RETURN(int64_t limit,
                               request.IntParam("limit", Orchestrator::kMaxHistoryPage, 1));
        limit = std::min<int64_t>(limit, Orchestrator::kMaxHistoryPage);
        SHOAL_ASSIGN_OR_RETURN(std::string execution_id,
                               ResolveExecutionId(o, job.id, request.Param("execution_id")));
        SHOAL_ASSIGN_OR_RETURN(int64_t wait_ms, request.IntParam("wait_ms", 0, 0));
        const auto deadline =
            std::chrono::steady_clock::now() +
            std::chrono::milliseconds(std::clamp<int64_t>(wait_ms, 0, kMaxClientWaitMs));
        // `limit` counts the events answered, so with an execution_id the events of other
        // executions are skipped first, page by page: a page is never empty while more follow.
        // With wait_ms, an empty answer waits (a long-poll) until an event comes or time is up.
        Json items = Json::array();
        int64_t last = since;
        bool more = false;
        while (true) {
          const uint64_t seen = o.ChangeCount();
          SHOAL_ASSIGN_OR_RETURN(auto events,
                                 o.History(job.id, last, Orchestrator::kMaxHistoryPage));
          for (const auto& e : events) {
            if (static_cast<int64_t>(items.size()) == limit) {
              more = true;  // an event after a full page: ask again with since=LastSeq
              break;
            }
            last = std::max(last, e.seq_num);
            if (execution_id.empty() || e.execution_id == execution_id) {
              items.push_back(models::ToJson(e));
            }
          }
          if (more) break;
          if (static_cast<int64_t>(events.size()) == Orchestrator::kMaxHistoryPage) continue;
          const auto now = std::chrono::steady_clock::now();
          if (!items.empty() || now >= deadline) break;
          o.WaitForChange(seen,
                          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - now) +
                              std::chrono::milliseconds(1));
        }
        return Json{{"Items", items}, {"LastSeq", last}, {"More", more}};
      });
  server.HandleJson("GET", std::string(kJobs) + "/([^/]+)/results",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
                      SHOAL_ASSIGN_OR_RETURN(auto results, o.Results(job.id));
                      return Json{{"Items", Items(results)}};
                    });
  server.HandleJson("POST", std::string(kJobs) + "/([^/]+)/results/fetch",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
                      SHOAL_ASSIGN_OR_RETURN(auto statuses, o.FetchResults(job.id));
                      return Json{{"Items", Items(statuses)}};
                    });
  server.HandleRaw(
      "GET", std::string(kJobs) + "/([^/]+)/results/([^/]+)/(.+)",
      [&o](const Request& request) -> Result<transport::RawResponse> {
        SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
        SHOAL_ASSIGN_OR_RETURN(std::string bytes,
                               o.ReadResultFile(job.id, request.matches[2], request.matches[3]));
        return transport::RawResponse{200, "application/octet-stream", std::move(bytes)};
      });
  server.HandleJson(
      "GET", std::string(kJobs) + "/([^/]+)/logs", [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
        SHOAL_ASSIGN_OR_RETURN(auto executions, o.ListExecutions(job.id));
        SHOAL_ASSIGN_OR_RETURN(std::string execution_id,
                               ResolveExecutionId(o, job.id, request.Param("execution_id")));
        Json items = Json::array();
        for (const auto& e : executions) {
          if (!execution_id.empty() && e.id != execution_id) continue;
          items.push_back({{"ExecutionID", e.id},
                           {"NodeID", e.node_id},
                           {"Stdout", e.run_output.stdout_text},
                           {"Stderr", e.run_output.stderr_text}});
        }
        return Json{{"Items", items}};
      });
  server.HandleJson("DELETE", std::string(kJobs) + "/([^/]+)",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
                      SHOAL_RETURN_IF_ERROR(o.StopJob(job.id, request.Param("reason")));
                      return Json{{"JobID", job.id}};
                    });
}

}  // namespace

transport::BearerAuth ApiAuth(const ApiTokens& tokens) {
  transport::BearerAuth auth;
  auth.Require("/", tokens.client, "client API");
  transport::TokenResolver node_of;
  if (tokens.nodes != nullptr) {
    node_of = [nodes = tokens.nodes](std::string_view token) { return nodes->NodeFor(token); };
  }
  auth.Require(std::string(kCompute) + "/", tokens.shared_node, "node channel", std::move(node_of));
  auth.Open("/api/v1/agent/alive");
  // The console's static files hold no data: the page asks for the client token and sends it on
  // every API call it makes.
  auth.Require(console::kConsolePrefix, "", "console");
  auth.Open("/");
  return auth;
}

void RegisterHttpApi(transport::HttpServer& server, Orchestrator& orchestrator,
                     const ApiTokens& tokens, transport::HttpServer::AuditSink audit) {
  server.SetMetrics(orchestrator.metrics());
  RegisterPublicApi(server, orchestrator);
  RegisterJobSpecApi(server);
  RegisterAdminApi(server, orchestrator);
  RegisterComputeChannelApi(server, orchestrator);
  // On the whole prefix, not per endpoint: a compute endpoint registered anywhere, now or later,
  // is bound to the node that authenticated.
  const bool anonymous_allowed = tokens.nodes == nullptr || !tokens.shared_node.empty();
  server.Authorize(std::string(kCompute) + "/", [anonymous_allowed](const Request& request) {
    return CheckNodeBinding(request, anonymous_allowed);
  });
  transport::BearerAuth auth = ApiAuth(tokens);
  if (auth.any_token()) server.SetAuth(std::move(auth), std::move(audit));
}

}  // namespace shoal::orchestrator
