// ApiClient: the typed client of the orchestrator's public HTTP API (docs/api.md), one method
// per endpoint, answers decoded into models types. Used by the `shoal job|node|agent` verbs.
//
// Errors are the server's, as Status values carrying its message (404 -> kNotFound, 409 ->
// kAlreadyExists, ...). A server that cannot be reached at all is kUnavailable with the message
// "cannot reach the orchestrator at HOST:PORT (set SHOAL_API_HOST/SHOAL_API_PORT)". A refused
// token (401) is kUnauthenticated: "the orchestrator refused the API token (<reason>): set
// SHOAL_API_TOKEN ...". An answer that does not have the documented shape is kInternal naming
// the endpoint and the field.
//
// Thread-safety: all methods are const and safe to call concurrently (each call opens its own
// connection).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "models/query.h"
#include "models/results.h"
#include "models/table.h"
#include "transport/http_client.h"

namespace shoal::api {

// The orchestrator's address from the client environment: SHOAL_API_HOST and SHOAL_API_PORT,
// each falling back to BACALHAU_API_HOST / BACALHAU_API_PORT, then to localhost:1234. The host
// may carry a scheme ("http://orch"). A port that is not 1..65535 is an InvalidArgument error
// naming the variable.
Result<transport::Endpoint> EndpointFromEnvironment(
    const std::map<std::string, std::string>& environment);

// How a client reaches and authenticates to the orchestrator.
struct ClientSettings {
  transport::Endpoint endpoint;         // tls with an https:// host
  transport::HttpClient::Options http;  // bearer_token and ca_cert_file
};

// EndpointFromEnvironment's address, plus the client token from SHOAL_API_TOKEN or from the file
// SHOAL_API_TOKEN_FILE names (not both; trailing newline ignored), and SHOAL_API_CA_CERT, the CA
// that signed an https orchestrator's certificate (it needs an https:// SHOAL_API_HOST: TLS is
// asked for by the scheme alone, never implied). Errors are InvalidArgument naming the variable;
// a token is never part of a message.
Result<ClientSettings> ClientSettingsFromEnvironment(
    const std::map<std::string, std::string>& environment);

struct SubmitOptions {
  bool force = false;    // submit even when the spec equals the current version
  bool dry_run = false;  // validate and answer, store nothing
};

struct SubmitResponse {
  std::string job_id;
  int64_t job_version = 0;
  bool changed = true;  // false when the spec equals the current version (or a dry run says so)
  std::vector<std::string> warnings;
};

struct JobListOptions {
  std::string namespace_;  // empty: the server's default
  int64_t limit = 0;       // 0: the server's default
  std::string next_token;
  std::string labels;    // a label selector (models::ParseLabelSelectors); empty: every job
  std::string order_by;  // "created_at" (newest first) or "id"; empty: the server's default
  bool reverse = false;
};

struct JobPage {
  std::vector<models::Job> items;
  std::string next_token;  // empty on the last page
};

struct HistoryOptions {
  int64_t since = 0;         // sequence number, exclusive
  std::string execution_id;  // empty: every event
  // > 0: when no event is newer than `since`, the orchestrator waits up to this long for one
  // (a long-poll, at most 5 s) before answering an empty page.
  std::chrono::milliseconds wait{0};
};

struct HistoryPage {
  std::vector<models::Event> items;
  int64_t last_seq = 0;  // pass as `since` to get only newer events
  bool more = false;     // the page was full: newer events may follow at once
};

struct ExecutionLogs {
  std::string execution_id;
  std::string node_id;
  std::string stdout_text;
  std::string stderr_text;
};

// A logical table as the table endpoints answer it, with what the server warns about (e.g. a
// table created before its files exist, whose columns are not known yet).
struct TableResponse {
  models::TableDefinition table;
  std::vector<std::string> warnings;
};

struct CreateTableOptions {
  // Infer the columns on the regions' nodes before storing (a table with no files yet is
  // still created, with a warning); false stores the definition alone.
  bool inspect = true;
};

// A compaction job the orchestrator started for one region of a table.
struct CompactionJob {
  std::string region;
  std::string job_id;
};

struct AgentVersion {
  std::string version;
  std::string duckdb;
};

class ApiClient {
 public:
  explicit ApiClient(transport::Endpoint endpoint)
      : ApiClient(std::move(endpoint), transport::HttpClient::Options{}) {}
  ApiClient(transport::Endpoint endpoint, transport::HttpClient::Options options);

  const transport::Endpoint& endpoint() const { return http_.endpoint(); }

  // GET /api/v1/agent/alive: OK when the server answers {"Status": "OK"}.
  Status Alive() const;
  // GET /api/v1/agent/version.
  Result<AgentVersion> Version() const;

  // PUT /api/v1/orchestrator/jobs.
  Result<SubmitResponse> SubmitJob(const models::Job& job, const SubmitOptions& options) const;
  // GET /api/v1/orchestrator/jobs.
  Result<JobPage> ListJobs(const JobListOptions& options) const;
  // GET /api/v1/orchestrator/jobs/{id-or-name}; `id` is a full ID, a unique prefix or a Name.
  Result<models::Job> GetJob(const std::string& id, const std::string& namespace_ = "") const;
  // GET .../jobs/{id}/executions: every version's executions, oldest first.
  Result<std::vector<models::Execution>> ListExecutions(const std::string& job_id) const;
  // GET .../jobs/{id}/history.
  Result<HistoryPage> History(const std::string& job_id, const HistoryOptions& options) const;
  // GET .../jobs/{id}/results: completed executions of the current version and their files.
  Result<std::vector<models::ExecutionResults>> Results(const std::string& job_id) const;
  // POST .../jobs/{id}/results/fetch: asks the orchestrator to fetch results published to
  // stores (through nodes that reach them) and reports each completed execution's state.
  // Idempotent: call it again to see progress.
  Result<std::vector<models::ResultFetchStatus>> FetchResults(const std::string& job_id) const;
  // GET .../jobs/{id}/results/{execution-id}/{path}: one result file's bytes.
  Result<std::string> ResultFileBytes(const std::string& job_id, const std::string& execution_id,
                                      const std::string& path) const;
  // GET .../jobs/{id}/logs; `execution_id` empty: every execution.
  Result<std::vector<ExecutionLogs>> Logs(const std::string& job_id,
                                          const std::string& execution_id = "") const;
  // GET .../jobs/{id}?job_version=N: one version of the job as it was submitted.
  Result<models::Job> GetJobVersion(const std::string& id, int64_t version,
                                    const std::string& namespace_ = "") const;
  // GET .../jobs/{id}/versions: every version, oldest first.
  Result<std::vector<models::Job>> JobVersions(const std::string& id,
                                               const std::string& namespace_ = "") const;
  // PUT .../jobs/{id}/rerun: the job's current spec submitted again as a new version.
  Result<SubmitResponse> RerunJob(const std::string& id, const std::string& namespace_ = "") const;
  // DELETE .../jobs/{id}?reason=; returns the stopped job's full ID.
  Result<std::string> StopJob(const std::string& job_id, const std::string& reason = "") const;

  // GET /api/v1/orchestrator/nodes.
  Result<std::vector<models::Node>> ListNodes() const;
  // GET /api/v1/orchestrator/nodes/{id}.
  Result<models::Node> GetNode(const std::string& node_id) const;
  // POST /api/v1/orchestrator/nodes/{id}/approve and /reject: the node after the change.
  Result<models::Node> ApproveNode(const std::string& node_id) const;
  Result<models::Node> RejectNode(const std::string& node_id) const;
  // DELETE /api/v1/orchestrator/nodes/{id}: forgets a node that is not connected.
  Status DeleteNode(const std::string& node_id) const;

  // PUT /api/v1/tables: the definition's user-written fields (Columns and Regions are Shoal's).
  Result<TableResponse> CreateTable(const models::TableDefinition& table,
                                    const CreateTableOptions& options = {}) const;
  // GET /api/v1/tables: every table, by name.
  Result<std::vector<models::TableDefinition>> ListTables() const;
  // GET /api/v1/tables/{name}[?refresh=true]: `refresh` infers the columns again.
  Result<TableResponse> DescribeTable(const std::string& name, bool refresh = false) const;
  // DELETE /api/v1/tables/{name}.
  Status DropTable(const std::string& name) const;
  // POST /api/v1/tables/{name}/compact: starts the compaction jobs (`regions` empty: every region
  // of the table) and returns them; they run like any job.
  Result<std::vector<CompactionJob>> CompactTable(const std::string& name,
                                                  const std::vector<std::string>& regions,
                                                  int64_t retain_seconds) const;

  // POST /api/v1/queries: plans the query (errors come back at once) and starts it; an explain
  // answers the plan only.
  Result<models::Query> SubmitQuery(const models::QueryRequest& request) const;
  // GET /api/v1/queries/{id}.
  // With `wait`, the orchestrator answers once the query ends or `wait` (at most 5 s) passed.
  Result<models::Query> GetQuery(
      const std::string& id, std::chrono::milliseconds wait = std::chrono::milliseconds(0)) const;
  // GET /api/v1/queries?limit=: newest first.
  Result<std::vector<models::Query>> ListQueries(int64_t limit = 100) const;
  // GET /api/v1/queries/{id}/result: the answer as result.json text (exact numbers).
  Result<std::string> QueryResult(const std::string& id) const;
  // DELETE /api/v1/queries/{id}: cancels a running query; answers the query.
  Result<models::Query> CancelQuery(const std::string& id) const;

 private:
  // The HTTP calls, with an unreachable server reworded (see the header comment).
  Result<transport::Json> Get(const std::string& path) const;
  Result<transport::Json> Send(const std::string& method, const std::string& path,
                               const transport::Json& body) const;
  Status Reword(Status status) const;

  transport::HttpClient http_;
};

}  // namespace shoal::api
