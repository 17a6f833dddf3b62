#include "api/api_client.h"

#include <algorithm>
#include <charconv>
#include <utility>

#include <unistd.h>

#include "api/answer.h"
#include "models/json_codec.h"
#include "transport/auth.h"

namespace shoal::api {

namespace {

using internal::Answer;
using internal::Query;
using transport::Json;

constexpr std::string_view kDefaultHost = "localhost";
constexpr int kDefaultPort = 1234;
constexpr const char* kJobsPath = "/api/v1/orchestrator/jobs";
constexpr const char* kNodesPath = "/api/v1/orchestrator/nodes";

std::string EnvValue(const std::map<std::string, std::string>& environment,
                     const std::string& name) {
  auto it = environment.find(name);
  return it == environment.end() ? "" : it->second;
}

std::string JobPath(const std::string& job_id) {
  return std::string(kJobsPath) + "/" + transport::UrlEncode(job_id);
}

std::string NodePath(const std::string& node_id) {
  return std::string(kNodesPath) + "/" + transport::UrlEncode(node_id);
}

}  // namespace

Result<transport::Endpoint> EndpointFromEnvironment(
    const std::map<std::string, std::string>& environment) {
  transport::Endpoint endpoint{std::string(kDefaultHost), kDefaultPort};
  for (const char* name : {"SHOAL_API_HOST", "BACALHAU_API_HOST"}) {
    std::string host = EnvValue(environment, name);
    if (host.empty()) continue;
    // ParseEndpoint strips a scheme and reads an optional ":port" the host may carry.
    Result<transport::Endpoint> parsed = transport::ParseEndpoint(host);
    if (!parsed.ok()) return parsed.status().WithContext(name);
    endpoint = *parsed;
    break;
  }
  for (const char* name : {"SHOAL_API_PORT", "BACALHAU_API_PORT"}) {
    std::string text = EnvValue(environment, name);
    if (text.empty()) continue;
    int port = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), port);
    if (ec != std::errc() || ptr != text.data() + text.size() || port <= 0 || port > 65535) {
      return Status::InvalidArgument(std::string(name) + ": '" + text +
                                     "' is not a port number (1 to 65535)");
    }
    endpoint.port = port;
    break;
  }
  return endpoint;
}

Result<ClientSettings> ClientSettingsFromEnvironment(
    const std::map<std::string, std::string>& environment) {
  ClientSettings settings;
  SHOAL_ASSIGN_OR_RETURN(settings.endpoint, EndpointFromEnvironment(environment));
  const std::string token = EnvValue(environment, "SHOAL_API_TOKEN");
  const std::string token_file = EnvValue(environment, "SHOAL_API_TOKEN_FILE");
  if (!token.empty() && !token_file.empty()) {
    return Status::InvalidArgument(
        "SHOAL_API_TOKEN and SHOAL_API_TOKEN_FILE are both set: set only one");
  }
  if (!token.empty()) {
    SHOAL_RETURN_IF_ERROR(transport::ValidateToken(token, "SHOAL_API_TOKEN"));
    settings.http.bearer_token = token;
  } else if (!token_file.empty()) {
    SHOAL_ASSIGN_OR_RETURN(settings.http.bearer_token,
                           transport::ReadTokenFile(token_file, "SHOAL_API_TOKEN_FILE"));
  }
  const std::string ca = EnvValue(environment, "SHOAL_API_CA_CERT");
  if (!ca.empty()) {
    if (!settings.endpoint.tls) {
      return Status::InvalidArgument(
          "SHOAL_API_CA_CERT is set but the orchestrator's address is not https: set "
          "SHOAL_API_HOST=https://" +
          settings.endpoint.host);
    }
    if (::access(ca.c_str(), R_OK) != 0) {
      return Status::InvalidArgument("SHOAL_API_CA_CERT: cannot read '" + ca + "'");
    }
    settings.http.ca_cert_file = ca;
  }
  return settings;
}

ApiClient::ApiClient(transport::Endpoint endpoint, transport::HttpClient::Options options)
    : http_(std::move(endpoint), options) {}

Status ApiClient::Reword(Status status) const {
  // HttpClient says "cannot reach HOST:PORT: <reason>" when no connection could be made; a 503
  // from a running server is also kUnavailable but carries the server's own message.
  const std::string prefix = "cannot reach " + endpoint().ToString() + ":";
  if (status.code() == ErrorCode::kUnavailable && status.message().rfind(prefix, 0) == 0) {
    return Status::Unavailable("cannot reach the orchestrator at " + endpoint().ToString() +
                               " (set SHOAL_API_HOST/SHOAL_API_PORT)");
  }
  if (status.code() == ErrorCode::kUnauthenticated) {
    return Status(status.code(),
                  "the orchestrator refused the API token (" + status.message() +
                      "): set SHOAL_API_TOKEN, or SHOAL_API_TOKEN_FILE to a file holding it, to "
                      "the client token (the one in the orchestrator's --auth-token-file; a "
                      "`shoal devstack` writes it to client.token in its --dir, "
                      ".shoal-devstack/client.token by default, anew at every start)");
  }
  if (status.code() == ErrorCode::kFailedPrecondition &&
      status.message().rfind("the TLS certificate of ", 0) == 0) {
    return Status(status.code(),
                  status.message() + " (set SHOAL_API_CA_CERT to the CA that signed it)");
  }
  return status;
}

Result<Json> ApiClient::Get(const std::string& path) const {
  Result<Json> answer = http_.Get(path);
  if (!answer.ok()) return Reword(answer.status());
  return answer;
}

Result<Json> ApiClient::Send(const std::string& method, const std::string& path,
                             const Json& body) const {
  Result<Json> answer = method == "PUT"    ? http_.Put(path, body)
                        : method == "POST" ? http_.Post(path, body)
                                           : http_.Delete(path);
  if (!answer.ok()) return Reword(answer.status());
  return answer;
}

Status ApiClient::Alive() const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get("/api/v1/agent/alive"));
  Answer answer(json, "GET /api/v1/agent/alive");
  std::string status;
  SHOAL_RETURN_IF_ERROR(answer.String("Status", &status));
  if (status != "OK") return Status::Unavailable("the orchestrator says its status is " + status);
  return Status::Ok();
}

Result<AgentVersion> ApiClient::Version() const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get("/api/v1/agent/version"));
  Answer answer(json, "GET /api/v1/agent/version");
  AgentVersion version;
  SHOAL_RETURN_IF_ERROR(answer.String("Version", &version.version));
  SHOAL_RETURN_IF_ERROR(answer.String("DuckDB", &version.duckdb, /*required=*/false));
  return version;
}

Result<SubmitResponse> ApiClient::SubmitJob(const models::Job& job,
                                            const SubmitOptions& options) const {
  Json body{{"Job", models::ToJson(job)}, {"Force", options.force}, {"DryRun", options.dry_run}};
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("PUT", kJobsPath, body));
  Answer answer(json, std::string("PUT ") + kJobsPath);
  SubmitResponse response;
  SHOAL_RETURN_IF_ERROR(answer.String("JobID", &response.job_id));
  SHOAL_RETURN_IF_ERROR(answer.Int("JobVersion", &response.job_version, /*required=*/false));
  SHOAL_RETURN_IF_ERROR(answer.Bool("Changed", &response.changed, /*required=*/false));
  SHOAL_RETURN_IF_ERROR(answer.StringList("Warnings", &response.warnings, /*required=*/false));
  return response;
}

Result<JobPage> ApiClient::ListJobs(const JobListOptions& options) const {
  std::string path =
      kJobsPath + Query({{"namespace", options.namespace_},
                         {"limit", options.limit > 0 ? std::to_string(options.limit) : ""},
                         {"next_token", options.next_token},
                         {"labels", options.labels},
                         {"order_by", options.order_by},
                         {"reverse", options.reverse ? "true" : ""}});
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path));
  Answer answer(json, "GET " + std::string(kJobsPath));
  JobPage page;
  SHOAL_ASSIGN_OR_RETURN(page.items, answer.ModelList("Items", &models::JobFromJson));
  SHOAL_RETURN_IF_ERROR(answer.String("NextToken", &page.next_token, /*required=*/false));
  return page;
}

Result<models::Job> ApiClient::GetJob(const std::string& id, const std::string& namespace_) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(JobPath(id) + Query({{"namespace", namespace_}})));
  return Answer(json, "GET " + JobPath(id)).Model("Job", &models::JobFromJson);
}

Result<std::vector<models::Execution>> ApiClient::ListExecutions(const std::string& job_id) const {
  std::string path = JobPath(job_id) + "/executions";
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path));
  return Answer(json, "GET " + path).ModelList("Items", &models::ExecutionFromJson);
}

Result<HistoryPage> ApiClient::History(const std::string& job_id,
                                       const HistoryOptions& options) const {
  std::string path = JobPath(job_id) + "/history";
  SHOAL_ASSIGN_OR_RETURN(
      Json json,
      Get(path + Query({{"since", options.since > 0 ? std::to_string(options.since) : ""},
                        {"execution_id", options.execution_id},
                        {"wait_ms",
                         options.wait.count() > 0 ? std::to_string(options.wait.count()) : ""}})));
  Answer answer(json, "GET " + path);
  HistoryPage page;
  SHOAL_ASSIGN_OR_RETURN(page.items, answer.ModelList("Items", &models::EventFromJson));
  page.last_seq = options.since;
  SHOAL_RETURN_IF_ERROR(answer.Int("LastSeq", &page.last_seq, /*required=*/false));
  SHOAL_RETURN_IF_ERROR(answer.Bool("More", &page.more, /*required=*/false));
  for (const models::Event& event : page.items) {
    page.last_seq = std::max(page.last_seq, event.seq_num);
  }
  return page;
}

Result<std::vector<models::ExecutionResults>> ApiClient::Results(const std::string& job_id) const {
  std::string path = JobPath(job_id) + "/results";
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path));
  return Answer(json, "GET " + path).ModelList("Items", &models::ExecutionResultsFromJson);
}

Result<std::vector<models::ResultFetchStatus>> ApiClient::FetchResults(
    const std::string& job_id) const {
  std::string path = JobPath(job_id) + "/results/fetch";
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("POST", path, Json::object()));
  return Answer(json, "POST " + path).ModelList("Items", &models::ResultFetchStatusFromJson);
}

Result<std::string> ApiClient::ResultFileBytes(const std::string& job_id,
                                               const std::string& execution_id,
                                               const std::string& path) const {
  Result<std::string> bytes =
      http_.GetBytes(JobPath(job_id) + "/results/" + transport::UrlEncode(execution_id) + "/" +
                     transport::UrlEncodePath(path));
  if (!bytes.ok()) return Reword(bytes.status());
  return bytes;
}

Result<std::vector<ExecutionLogs>> ApiClient::Logs(const std::string& job_id,
                                                   const std::string& execution_id) const {
  std::string path = JobPath(job_id) + "/logs";
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path + Query({{"execution_id", execution_id}})));
  Answer answer(json, "GET " + path);
  std::vector<ExecutionLogs> logs;
  SHOAL_RETURN_IF_ERROR(
      answer.Each("Items", [&](const Json& item, const std::string& path) -> Status {
        Answer entry(item, answer.where(), path);
        ExecutionLogs& out = logs.emplace_back();
        SHOAL_RETURN_IF_ERROR(entry.String("ExecutionID", &out.execution_id));
        SHOAL_RETURN_IF_ERROR(entry.String("NodeID", &out.node_id, /*required=*/false));
        SHOAL_RETURN_IF_ERROR(entry.String("Stdout", &out.stdout_text, /*required=*/false));
        return entry.String("Stderr", &out.stderr_text, /*required=*/false);
      }));
  return logs;
}

Result<models::Job> ApiClient::GetJobVersion(const std::string& id, int64_t version,
                                             const std::string& namespace_) const {
  SHOAL_ASSIGN_OR_RETURN(
      Json json, Get(JobPath(id) +
                     Query({{"namespace", namespace_}, {"job_version", std::to_string(version)}})));
  return Answer(json, "GET " + JobPath(id)).Model("Job", &models::JobFromJson);
}

Result<std::vector<models::Job>> ApiClient::JobVersions(const std::string& id,
                                                        const std::string& namespace_) const {
  const std::string path = JobPath(id) + "/versions";
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(path + Query({{"namespace", namespace_}})));
  return Answer(json, "GET " + path).ModelList("Items", &models::JobFromJson);
}

Result<SubmitResponse> ApiClient::RerunJob(const std::string& id,
                                           const std::string& namespace_) const {
  const std::string path = JobPath(id) + "/rerun";
  SHOAL_ASSIGN_OR_RETURN(Json json,
                         Send("PUT", path + Query({{"namespace", namespace_}}), Json::object()));
  Answer answer(json, "PUT " + path);
  SubmitResponse response;
  SHOAL_RETURN_IF_ERROR(answer.String("JobID", &response.job_id));
  SHOAL_RETURN_IF_ERROR(answer.Int("JobVersion", &response.job_version));
  SHOAL_RETURN_IF_ERROR(answer.StringList("Warnings", &response.warnings, /*required=*/false));
  return response;
}

Result<std::string> ApiClient::StopJob(const std::string& job_id, const std::string& reason) const {
  std::string path = JobPath(job_id);
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("DELETE", path + Query({{"reason", reason}}), Json()));
  std::string stopped = job_id;
  SHOAL_RETURN_IF_ERROR(Answer(json, "DELETE " + path).String("JobID", &stopped, false));
  return stopped;
}

Result<std::vector<models::Node>> ApiClient::ListNodes() const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(kNodesPath));
  return Answer(json, std::string("GET ") + kNodesPath).ModelList("Items", &models::NodeFromJson);
}

Result<models::Node> ApiClient::GetNode(const std::string& node_id) const {
  SHOAL_ASSIGN_OR_RETURN(Json json, Get(NodePath(node_id)));
  return Answer(json, "GET " + NodePath(node_id)).Model("Node", &models::NodeFromJson);
}

Result<models::Node> ApiClient::ApproveNode(const std::string& node_id) const {
  std::string path = NodePath(node_id) + "/approve";
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("POST", path, Json::object()));
  return Answer(json, "POST " + path).Model("Node", &models::NodeFromJson);
}

Result<models::Node> ApiClient::RejectNode(const std::string& node_id) const {
  std::string path = NodePath(node_id) + "/reject";
  SHOAL_ASSIGN_OR_RETURN(Json json, Send("POST", path, Json::object()));
  return Answer(json, "POST " + path).Model("Node", &models::NodeFromJson);
}

Status ApiClient::DeleteNode(const std::string& node_id) const {
  return Send("DELETE", NodePath(node_id), Json()).status();
}

}  // namespace shoal::api
