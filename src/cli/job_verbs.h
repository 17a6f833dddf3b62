// The `shoal job` verbs that need more than a page: run (job_run.cc), logs and get
// (job_fetch.cc). job_command.cc parses their flags into these structs and runs them; each
// returns the process exit code (0 ok, 1 the operation failed, 2 bad usage or input) after
// writing errors to stderr as "shoal job <verb>: <message>".
//
// Thread-safety: called once from the CLI's main thread.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace shoal::cli {

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
  std::string namespace_;  // overrides the spec's Namespace when set
};
int RunJobRun(const JobRunFlags& flags);
// `shoal job validate FILE`: renders, parses and validates the file as `job run` does, on this
// machine only (no orchestrator needed); uses the file and template flags of `flags`.
int RunJobValidate(const JobRunFlags& flags);

struct JobLogsFlags {
  std::string job;
  bool follow = false;
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
};
int RunJobGet(const JobGetFlags& flags);

}  // namespace shoal::cli
