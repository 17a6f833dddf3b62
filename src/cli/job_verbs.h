// The `shoal job` verbs that need more than a page: run, validate and results (job_run.cc),
// logs and get (job_fetch.cc), and what the job verbs share. job_command.cc parses their flags into
// these structs and runs them; each returns the process exit code (0 ok, 1 the operation failed, 2
// bad usage or input) after writing errors to stderr as "shoal job <verb>: <message>".
//
// Thread-safety: called once from the CLI's main thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "api/api_client.h"
#include "models/execution.h"
#include "models/job.h"

namespace shoal::cli {

// The job a verb names: an ID, a unique ID prefix or a name (in --namespace).
struct JobRef {
  std::string job;
  std::string namespace_;
};
// Adds the ID positional and --namespace.
void AddJobRef(CLI::App* verb, JobRef& ref);

// The job `ref` names and the client that found it, or the exit code after reporting why not.
struct ResolvedJob {
  std::optional<api::ApiClient> client;
  std::optional<models::Job> job;
  int exit_code = 0;
};
ResolvedJob ResolveJob(std::string_view command, const JobRef& ref);

// "Completed", or "Running 45%" while its engine reports how far it is.
std::string ExecutionState(const models::Execution& e);
// Why the execution failed or was discarded; empty otherwise.
std::string ExecutionError(const models::Execution& e);

// `job list`, `job executions` and `job history` (job_listing.cc).
void AddJobListingVerbs(CLI::App& job, int& exit_code);

struct JobRunFlags {
  std::string file;                        // "-" reads stdin
  std::vector<std::string> template_vars;  // -V NAME=VALUE
  std::vector<std::string> template_envs;  // -E REGEX
  bool no_template = false;
  bool wait = true;
  bool id_only = false;
  bool follow = false;
  bool dry_run = false;
  bool force = false;
  int64_t wait_timeout_secs = 600;
  std::string output = "table";
  bool merge = false;
  std::string namespace_;     // overrides the spec's Namespace when set
  bool node_details = false;  // list the executions (node, region, state) once it has ended
  bool hide_warnings = false;
};
int RunJobRun(const JobRunFlags& flags);
// `shoal job validate FILE`: renders, parses and validates the file as `job run` does, on this
// machine only (no orchestrator needed); uses the file and template flags of `flags`.
int RunJobValidate(const JobRunFlags& flags);

// `shoal job results ID`: a completed job's results, printed as `job run` prints them.
struct JobResultsFlags {
  std::string job;
  std::string namespace_;
  std::string output = "table";
  bool merge = false;
};
int RunJobResults(const JobResultsFlags& flags);

struct JobLogsFlags {
  std::string job;
  bool follow = false;
  bool tail = false;  // only the last 10 lines of each execution's output, then (-f) what comes
  std::string execution_id;
  std::string namespace_;
};
int RunJobLogs(const JobLogsFlags& flags);

struct JobGetFlags {
  std::string job;
  std::string output_dir;  // default ./job-<first 8 hex digits of the job ID>
  std::string namespace_;
  // How long to wait for results published to stores to be fetched by the orchestrator.
  int64_t fetch_timeout_secs = 600;
  bool raw = false;  // Bacalhau's; the layout is one folder per execution either way
};
int RunJobGet(const JobGetFlags& flags);

}  // namespace shoal::cli
