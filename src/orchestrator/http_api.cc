#include "orchestrator/http_api.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>

#include "console/console_http.h"

#include "models/json_codec.h"
#include "models/partition_progress.h"
#include "models/selector.h"
#include "orchestrator/admin_api.h"
#include "orchestrator/job_spec_api.h"
#include "orchestrator/node_binding.h"

namespace shoal::orchestrator {

namespace {

using transport::Json;
using transport::Request;

constexpr const char* kJobs = "/api/v1/orchestrator/jobs";
constexpr const char* kCompute = "/api/v1/compute";
constexpr int64_t kMaxPollWaitMs = 30000;
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

Result<std::string> StringField(const Json& body, const char* name) {
  if (!body.contains(name) || !body[name].is_string()) {
    return Status::InvalidArgument(std::string("request needs a string field '") + name + "'");
  }
  return body[name].get<std::string>();
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

Result<std::string> OptionalString(const Json& body, const char* name) {
  if (!body.contains(name) || body[name].is_null()) return std::string();
  return StringField(body, name);
}

// A node's report that the fetch or store task matched by `path` ended: {"NodeID", "Error"}
// (Error absent or empty: it is done), handed to `finish`.
void HandleTaskEnd(transport::HttpServer& server, const std::string& path,
                   std::function<Status(const std::string& id, const std::string& node_id,
                                        const std::string& error)>
                       finish) {
  server.HandleJson("POST", path, [finish](const Request& request) -> Result<Json> {
    SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
    SHOAL_ASSIGN_OR_RETURN(std::string node_id, StringField(body, "NodeID"));
    SHOAL_ASSIGN_OR_RETURN(std::string error, OptionalString(body, "Error"));
    SHOAL_RETURN_IF_ERROR(finish(request.matches[1], node_id, error));
    return Json::object();
  });
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
                      Json items = Json::array();
                      for (const auto& r : results) {
                        Json files = Json::array();
                        for (const auto& f : r.files) {
                          files.push_back({{"Path", f.path}, {"Size", f.size}});
                        }
                        items.push_back({{"ExecutionID", r.execution_id},
                                         {"NodeID", r.node_id},
                                         {"PartitionIndex", r.partition_index},
                                         {"Files", files}});
                      }
                      return Json{{"Items", items}};
                    });
  server.HandleJson("POST", std::string(kJobs) + "/([^/]+)/results/fetch",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(auto job, o.FindJob(request.matches[1], ""));
                      SHOAL_ASSIGN_OR_RETURN(auto statuses, o.FetchResults(job.id));
                      Json items = Json::array();
                      for (const auto& s : statuses) {
                        items.push_back({{"ExecutionID", s.execution_id},
                                         {"NodeID", s.node_id},
                                         {"PartitionIndex", s.partition_index},
                                         {"State", std::string(ToString(s.state))},
                                         {"FetchNodeID", s.fetch_node_id},
                                         {"Message", s.message}});
                      }
                      return Json{{"Items", items}};
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

void RegisterComputeChannel(transport::HttpServer& server, Orchestrator& o) {
  auto gate = std::make_shared<PollGate>(MaxWaitingPolls(server.threads()), o.metrics());
  server.HandleJson("POST", std::string(kCompute) + "/register",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
                      if (!body.is_object() || !body.contains("Node")) {
                        return Status::InvalidArgument("request needs a 'Node' object");
                      }
                      SHOAL_ASSIGN_OR_RETURN(auto node, models::NodeFromJson(body["Node"]));
                      SHOAL_ASSIGN_OR_RETURN(auto registered, o.RegisterNode(std::move(node)));
                      return Json{{"Node", models::ToJson(registered)},
                                  {"HeartbeatIntervalMs", o.options().heartbeat_interval.count()}};
                    });
  server.HandleJson("POST", std::string(kCompute) + "/heartbeat",
                    [&o](const Request& request) -> Result<Json> {
                      SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
                      SHOAL_ASSIGN_OR_RETURN(std::string node_id, StringField(body, "NodeID"));
                      std::vector<std::string> running;
                      if (body.contains("Running") && body["Running"].is_array()) {
                        for (const auto& id : body["Running"]) {
                          if (id.is_string()) running.push_back(id.get<std::string>());
                        }
                      }
                      // Progress: {execution id: Stats}; a malformed entry is left out, never
                      // a reason to refuse the heartbeat that keeps the node alive.
                      std::map<std::string, models::ExecutionStats> progress;
                      if (body.contains("Progress") && body["Progress"].is_object()) {
                        for (const auto& [id, stats] : body["Progress"].items()) {
                          auto parsed = models::ExecutionStatsFromJson(stats);
                          if (parsed.ok()) progress[id] = *parsed;
                        }
                      }
                      SHOAL_ASSIGN_OR_RETURN(bool known, o.Heartbeat(node_id, running, progress));
                      return Json{{"Known", known}};
                    });
  server.HandleJson(
      "GET", std::string(kCompute) + "/work", [&o, gate](const Request& request) -> Result<Json> {
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
        SHOAL_ASSIGN_OR_RETURN(Work work, std::move(polled));
        Json executions = Json::array();
        for (const auto& [execution, job] : work.assigned) {
          executions.push_back(
              {{"Execution", models::ToJson(execution)}, {"Job", models::ToJson(job)}});
        }
        Json fetches = Json::array();
        for (const auto& fetch : work.fetches) {
          fetches.push_back({{"FetchID", fetch.fetch_id},
                             {"ExecutionID", fetch.execution_id},
                             {"JobID", fetch.job_id},
                             {"Published", models::ToJson(fetch.published)}});
        }
        Json store_tasks = Json::array();
        for (const auto& task : work.store_tasks) store_tasks.push_back(models::ToJson(task));
        Json answer{{"Executions", executions},
                    {"Cancel", work.cancel},
                    {"Fetches", fetches},
                    {"StoreTasks", store_tasks}};
        if (retry_after_ms > 0) answer["RetryAfterMs"] = retry_after_ms;
        return answer;
      });
  server.HandleUpload("PUT", std::string(kCompute) + "/executions/([^/]+)/files/(.+)",
                      [&o](const Request& request) -> Result<Json> {
                        SHOAL_RETURN_IF_ERROR(o.StoreResultFile(
                            request.matches[1], request.Param("node_id"), request.matches[2],
                            request.body, request.Param("fetch_id")));
                        return Json::object();
                      });
  HandleTaskEnd(server, std::string(kCompute) + "/fetches/([^/]+)",
                [&o](const std::string& id, const std::string& node_id, const std::string& error) {
                  return o.FinishFetch(id, node_id, error);
                });
  HandleTaskEnd(server, std::string(kCompute) + "/store-tasks/([^/]+)",
                [&o](const std::string& id, const std::string& node_id, const std::string& error) {
                  return o.FinishStoreTask(id, node_id, error);
                });
  server.HandleJson(
      "GET", std::string(kCompute) + "/executions/([^/]+)",
      [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(auto e,
                               o.NodeExecution(request.matches[1], request.Param("node_id")));
        return Json{{"ExecutionID", e.id},
                    {"ComputeState", std::string(models::ToString(e.compute_state.state_type))}};
      });
  server.HandleJson(
      "POST", std::string(kCompute) + "/executions/([^/]+)/status",
      [&o](const Request& request) -> Result<Json> {
        SHOAL_ASSIGN_OR_RETURN(Json body, request.JsonBody());
        SHOAL_ASSIGN_OR_RETURN(std::string node_id, StringField(body, "NodeID"));
        SHOAL_ASSIGN_OR_RETURN(std::string state_text, StringField(body, "ComputeState"));
        SHOAL_ASSIGN_OR_RETURN(auto state, models::ParseExecutionComputeState(state_text));
        std::optional<models::RunOutput> run_output;
        if (body.contains("RunOutput")) {
          SHOAL_ASSIGN_OR_RETURN(run_output, models::RunOutputFromJson(body["RunOutput"]));
        }
        std::optional<models::SpecConfig> published;
        if (body.contains("PublishedResult")) {
          SHOAL_ASSIGN_OR_RETURN(published, models::SpecConfigFromJson(body["PublishedResult"]));
        }
        std::optional<models::ExecutionStats> stats;
        if (body.contains("Stats")) {
          SHOAL_ASSIGN_OR_RETURN(stats, models::ExecutionStatsFromJson(body["Stats"]));
        }
        SHOAL_ASSIGN_OR_RETURN(std::string topic, OptionalString(body, "Topic"));
        SHOAL_ASSIGN_OR_RETURN(std::string message, OptionalString(body, "Message"));
        SHOAL_RETURN_IF_ERROR(o.UpdateExecution(
            request.matches[1], node_id, state, topic, message, run_output ? &*run_output : nullptr,
            published ? &*published : nullptr, stats ? &*stats : nullptr));
        return Json::object();
      });
}

}  // namespace

int MaxWaitingPolls(int threads) { return std::max(1, threads - std::max(2, threads / 8)); }

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
  RegisterComputeChannel(server, orchestrator);
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
