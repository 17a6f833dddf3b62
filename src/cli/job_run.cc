// `shoal job run FILE|-`: renders and validates a job file locally (nothing is sent when it is
// wrong), submits it, and by default waits for it and prints its results.
#include <iostream>
#include <sstream>

#include "cli/api_support.h"
#include "cli/job_output.h"
#include "cli/job_verbs.h"
#include "cli/wait.h"
#include "common/environment.h"
#include "jobspec/jobspec.h"
#include "jobspec/template.h"
#include "models/json_codec.h"

namespace shoal::cli {

namespace {

constexpr std::string_view kCommand = "shoal job run";

int Fail(const Status& status, int exit_code) { return ReportError(kCommand, status, exit_code); }

// The job as it would run, to stdout; then the orchestrator's verdict (DryRun: nothing stored).
int DryRun(const api::ApiClient& client, const models::Job& job, bool force) {
  PrintJson(models::ToJson(job), std::cout);
  std::cout.flush();
  Result<api::SubmitResponse> answer = client.SubmitJob(job, {force, /*dry_run=*/true});
  if (!answer.ok()) return Fail(answer.status(), kExitFailed);
  for (const std::string& warning : answer->warnings) ReportWarning(kCommand, warning);
  std::cerr << "dry run: the orchestrator accepts the job"
            << (answer->changed ? "" : " (no changes from the current version)") << "\n";
  return kExitOk;
}

// A message for a job that ended without completing.
Status JobEndedBadly(const models::Job& job) {
  std::string how =
      job.state.state_type == models::JobStateType::kStopped ? "was stopped" : "failed";
  std::string message = "job " + job.id + " " + how;
  if (!job.state.message.empty()) message += ": " + job.state.message;
  return Status(ErrorCode::kFailedPrecondition, message);
}

}  // namespace

int RunJobRun(const JobRunFlags& flags) {
  Result<ListOutput> output = ParseListOutput(flags.output);
  if (!output.ok()) return Fail(output.status(), kExitUsage);
  if (flags.wait_timeout_secs <= 0) {
    return Fail(Status::InvalidArgument("--wait-timeout-secs must be greater than 0"), kExitUsage);
  }

  Result<jobspec::TemplateVars> vars =
      jobspec::BuildTemplateVars(flags.template_vars, flags.template_envs, CurrentEnvironment());
  if (!vars.ok()) return Fail(vars.status(), kExitUsage);
  jobspec::SpecOptions spec_options;
  spec_options.templating = !flags.no_template;
  spec_options.vars = std::move(vars).value();
  Result<jobspec::ParsedJob> parsed = jobspec::LoadJobSpecFile(flags.file, spec_options);
  if (!parsed.ok()) return Fail(parsed.status(), kExitUsage);
  for (const std::string& warning : parsed->warnings) ReportWarning(kCommand, warning);
  models::Job& job = parsed->job;
  if (!flags.namespace_.empty()) job.namespace_ = flags.namespace_;

  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return Fail(client.status(), kExitUsage);
  if (flags.dry_run) return DryRun(*client, job, flags.force);

  Result<api::SubmitResponse> submitted = client->SubmitJob(job, {flags.force, false});
  if (!submitted.ok()) {
    Status status = submitted.status();
    if (status.code() == ErrorCode::kAlreadyExists &&
        status.message().find("--force") == std::string::npos) {
      status = Status(status.code(), status.message() + " (use --force to run it again)");
    }
    return Fail(status, kExitFailed);
  }
  for (const std::string& warning : submitted->warnings) ReportWarning(kCommand, warning);
  const std::string& job_id = submitted->job_id;
  if (flags.id_only) std::cout << job_id << std::endl;
  if (!flags.wait) {
    if (!flags.id_only) {
      std::cout << "submitted job " << job_id << " (version " << submitted->job_version << ")\n"
                << "follow it with: shoal job describe " << job_id << "\n";
    }
    return kExitOk;
  }

  WaitOptions wait;
  wait.timeout = std::chrono::seconds(flags.wait_timeout_secs);
  wait.follow_events = flags.follow;
  wait.job_version = submitted->job_version;
  // Events and the progress line would overwrite each other; --id-only asks for quiet.
  wait.show_progress = !flags.follow && !flags.id_only && StderrIsTerminal();
  Result<models::Job> finished = WaitForJob(*client, job_id, wait);
  if (!finished.ok()) return Fail(finished.status(), kExitFailed);
  if (finished->state.state_type != models::JobStateType::kCompleted) {
    return Fail(JobEndedBadly(*finished), kExitFailed);
  }
  if (flags.id_only) return kExitOk;

  Result<std::vector<ExecutionOutput>> outputs = FetchExecutionOutputs(*client, *finished);
  if (!outputs.ok()) return Fail(outputs.status(), kExitFailed);
  std::ostringstream printed;
  Status status = PrintExecutionOutputs(*finished, *outputs, *output, flags.merge, printed);
  if (!status.ok()) return Fail(status, kExitFailed);
  if (*output == ListOutput::kTable) {
    // The id is what `job get`, `job describe` and a follow-up job (-V JobID=) need.
    std::cout << "job " << job_id << " (" << finished->name << ", version " << finished->version
              << ") completed\n\n";
  }
  std::cout << printed.str() << std::flush;
  return kExitOk;
}

}  // namespace shoal::cli
