// `shoal job run FILE|-`: renders and validates a job file locally (nothing is sent when it is
// wrong), submits it, and by default waits for it and prints its results.
#include <algorithm>
#include <chrono>
#include <iostream>
#include <map>

#include "cli/api_support.h"
#include "cli/job_output.h"
#include "cli/job_verbs.h"
#include "cli/progress_line.h"
#include "cli/wait.h"
#include "common/environment.h"
#include "engine/sql_syntax.h"
#include "jobspec/jobspec.h"
#include "jobspec/template.h"
#include "models/json_codec.h"

namespace shoal::cli {

namespace {

constexpr std::string_view kJobRunCommand = "shoal job run";

int Fail(const Status& status, int exit_code) {
  return ReportError(kJobRunCommand, status, exit_code);
}

// The job as it would run, to stdout; then the orchestrator's verdict (DryRun: nothing stored).
int DryRun(const api::ApiClient& client, const models::Job& job, bool force) {
  PrintJson(models::ToJson(job), std::cout);
  std::cout.flush();
  Result<api::SubmitResponse> answer = client.SubmitJob(job, {force, /*dry_run=*/true});
  if (!answer.ok()) return Fail(answer.status(), kExitFailed);
  for (const std::string& warning : answer->warnings) ReportWarning(kJobRunCommand, warning);
  std::cerr << "dry run: the orchestrator accepts the job"
            << (answer->changed ? "" : " (no changes from the current version)") << "\n";
  return kExitOk;
}

// True for a job id as tables show it: "j-" and the first 8 hex digits of the full id.
bool IsShortJobId(const std::string& value) {
  if (value.size() != 10 || value.rfind("j-", 0) != 0) return false;
  return value.find_first_not_of("0123456789abcdef", 2) == std::string::npos;
}

// Replaces each -V value that is a short job id (as `job list` shows it) with the job's full id,
// saying so on stderr: a follow-up job (`-V JobID=...`) reads paths named by the full id, and
// would otherwise fail on its node, three times, with "No files found". A short id no job has
// is refused before anything is submitted.
Status ExpandShortJobIds(const api::ApiClient& client, jobspec::TemplateVars* vars) {
  for (auto& [name, value] : *vars) {
    if (!IsShortJobId(value)) continue;
    Result<models::Job> job = client.GetJob(value);
    if (!job.ok()) {
      if (job.status().code() != ErrorCode::kNotFound) return job.status();
      return Status::InvalidArgument("-V " + name + "=" + value +
                                     " looks like a short job id, but no job has it (give the "
                                     "full id, as `shoal job list --output json` shows it)");
    }
    if (job->id == value || job->id.rfind(value, 0) != 0) continue;  // a name, not an id
    std::cerr << kJobRunCommand << ": -V " << name << "=" << value << " is job " << job->id
              << "; using the full id\n";
    value = job->id;
  }
  return Status::Ok();
}

// --node-details: where each execution of the job's version ran, on stderr (stdout keeps the
// results, which may be CSV or JSON read by a program).
void PrintNodeDetails(const api::ApiClient& client, const models::Job& job) {
  Result<std::vector<models::Execution>> executions = client.ListExecutions(job.id);
  Result<std::vector<models::Node>> nodes = client.ListNodes();
  if (!executions.ok() || !nodes.ok()) {
    const Status& why = executions.ok() ? nodes.status() : executions.status();
    ReportWarning(kJobRunCommand, "no node details: " + why.message());
    return;
  }
  std::map<std::string, std::string> regions = NodeRegions(*nodes);
  Table table = Table::WithColumns({"EXECUTION", "NODE", "REGION", "PARTITION#", "STATE"});
  for (const models::Execution& e : *executions) {
    if (e.job_version != job.version) continue;
    table.AddTextRow({ShortId(e.id), e.node_id, regions[e.node_id],
                      std::to_string(e.partition_index),
                      std::string(models::ToString(e.compute_state.state_type))});
  }
  std::cerr << "executions of job " << job.id << " (version " << job.version << "):\n";
  (void)PrintTable(table, format::OutputFormat::kTable, std::cerr);
}

// A duckdb task's SQL through DuckDB's parser: a script that cannot run on any node is a
// problem of the job file (exit 2, nothing submitted), at the line it sits on.
std::optional<jobspec::SqlProblem> CheckSql(const std::string& sql) {
  std::optional<engine::SqlSyntaxError> error = engine::FindSqlSyntaxError(sql);
  if (!error) return std::nullopt;
  return jobspec::SqlProblem{error->message, error->offset};
}

}  // namespace

int RunJobValidate(const JobRunFlags& flags) {
  constexpr std::string_view kCommand = "shoal job validate";
  Result<jobspec::TemplateVars> vars =
      jobspec::BuildTemplateVars(flags.template_vars, flags.template_envs, CurrentEnvironment());
  if (!vars.ok()) return ReportError(kCommand, vars.status(), kExitUsage);
  jobspec::SpecOptions spec_options;
  spec_options.templating = !flags.no_template;
  spec_options.vars = std::move(vars).value();
  spec_options.check_sql = CheckSql;
  Result<jobspec::ParsedJob> parsed = jobspec::LoadJobSpecFile(flags.file, spec_options);
  if (!parsed.ok()) return ReportError(kCommand, parsed.status(), kExitUsage);
  for (const std::string& warning : parsed->warnings) ReportWarning(kCommand, warning);
  const models::Job& job = parsed->job;
  std::cout << "the job file is valid: " << (job.name.empty() ? "an unnamed job" : job.name)
            << ", type " << models::ToString(job.type);
  if (job.type != models::JobType::kOps) std::cout << ", count " << job.count;
  std::cout << "\n";
  return kExitOk;
}

int RunJobRun(const JobRunFlags& flags) {
  Result<ListOutput> output = ParseListOutput(flags.output);
  if (!output.ok()) return Fail(output.status(), kExitUsage);
  if (flags.wait_timeout_secs <= 0) {
    return Fail(Status::InvalidArgument("--wait-timeout-secs must be greater than 0"), kExitUsage);
  }

  Result<jobspec::TemplateVars> vars =
      jobspec::BuildTemplateVars(flags.template_vars, flags.template_envs, CurrentEnvironment());
  if (!vars.ok()) return Fail(vars.status(), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return Fail(client.status(), kExitUsage);
  if (!flags.no_template) {
    Status expanded = ExpandShortJobIds(*client, &vars.value());
    if (!expanded.ok()) {
      return Fail(expanded,
                  expanded.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed);
    }
  }
  jobspec::SpecOptions spec_options;
  spec_options.templating = !flags.no_template;
  spec_options.vars = std::move(vars).value();
  spec_options.check_sql = CheckSql;
  Result<jobspec::ParsedJob> parsed = jobspec::LoadJobSpecFile(flags.file, spec_options);
  if (!parsed.ok()) return Fail(parsed.status(), kExitUsage);
  if (!flags.hide_warnings) {
    for (const std::string& warning : parsed->warnings) ReportWarning(kJobRunCommand, warning);
  }
  models::Job& job = parsed->job;
  if (!flags.namespace_.empty()) job.namespace_ = flags.namespace_;

  if (flags.dry_run) return DryRun(*client, job, flags.force);

  WaitOptions wait;
  wait.timeout = std::chrono::seconds(flags.wait_timeout_secs);
  const auto submit_start = std::chrono::steady_clock::now();
  Result<api::SubmitResponse> submitted = flags.wait
                                              ? SubmitForWait(*client, job, flags.force, wait)
                                              : client->SubmitJob(job, {flags.force, false});
  if (!submitted.ok()) {
    Status status = submitted.status();
    // The API's words name its field (Force); the CLI's name its flag.
    const std::string api_words = "submit it with Force to run it again";
    if (status.code() == ErrorCode::kAlreadyExists) {
      std::string message = status.message();
      const size_t at = message.find(api_words);
      if (at != std::string::npos) {
        message.replace(at, api_words.size(), "use --force to run it again");
      } else if (message.find("--force") == std::string::npos) {
        message += " (use --force to run it again)";
      }
      status = Status(status.code(), message);
    }
    // A spec the orchestrator refuses (a plug-in type none of its nodes has) is bad input.
    return Fail(status, status.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed);
  }
  if (!flags.hide_warnings) {
    for (const std::string& warning : submitted->warnings) ReportWarning(kJobRunCommand, warning);
  }
  const std::string& job_id = submitted->job_id;
  if (flags.id_only) std::cout << job_id << std::endl;
  if (!flags.wait) {
    if (!flags.id_only) {
      std::cout << "submitted job " << job_id << " (version " << submitted->job_version << ")\n"
                << "follow it with: shoal job describe " << job_id << "\n";
    }
    return kExitOk;
  }

  // --wait-timeout-secs counts from the submission, which may have been sent more than once.
  wait.timeout = std::max(std::chrono::seconds(1),
                          wait.timeout - std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::steady_clock::now() - submit_start));
  wait.follow_events = flags.follow;
  wait.job_version = submitted->job_version;
  // Events and the progress line would overwrite each other; --id-only asks for quiet.
  wait.show_progress = !flags.follow && !flags.id_only && StderrIsTerminal();
  Result<models::Job> finished = WaitForJob(*client, job_id, wait);
  if (flags.node_details && finished.ok()) PrintNodeDetails(*client, *finished);
  if (!finished.ok()) {
    const bool gave_up = finished.status().code() == ErrorCode::kDeadlineExceeded;
    return Fail(finished.status(), gave_up ? kExitStillRunning : kExitFailed);
  }
  if (finished->state.state_type != models::JobStateType::kCompleted) {
    return Fail(JobEndedBadly(*finished), kExitFailed);
  }
  if (flags.id_only) return kExitOk;
  return PrintCompletedJob(kJobRunCommand, *client, *finished, *output, flags.merge);
}

int RunJobResults(const JobResultsFlags& flags) {
  constexpr std::string_view kCommand = "shoal job results";
  Result<ListOutput> output = ParseListOutput(flags.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<models::Job> job = client->GetJob(flags.job, flags.namespace_);
  if (!job.ok()) return ReportError(kCommand, job.status(), kExitFailed);
  const models::JobStateType state = job->state.state_type;
  if (state == models::JobStateType::kCompleted) {
    return PrintCompletedJob(kCommand, *client, *job, *output, flags.merge);
  }
  if (models::IsTerminal(state)) return ReportError(kCommand, JobEndedBadly(*job), kExitFailed);
  // Part of an answer printed as if it were the answer would be wrong without a word of warning.
  return ReportError(kCommand,
                     Status::FailedPrecondition(
                         "job " + job->id + " is " + std::string(models::ToString(state)) +
                         ": its results are printed once it has completed (see its progress "
                         "with `shoal job describe " +
                         job->id + "`)"),
                     kExitStillRunning);
}

}  // namespace shoal::cli
