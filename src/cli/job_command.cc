// `shoal job ...`: registers every job verb, and runs the short ones that name one job
// (describe, versions, rerun, stop) here; run, validate and results are in job_run.cc, list,
// executions and history in job_listing.cc, logs and get in job_fetch.cc.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/job_verbs.h"
#include "cli/list_output.h"
#include "cli/result_table.h"
#include "models/json_codec.h"
#include "models/selector.h"

namespace shoal::cli {

namespace {

std::string EngineText(const models::Task& task) {
  std::string text = task.engine.type;
  if (task.original_engine) {
    text += " (written as " + task.original_engine->type;
    auto image = task.original_engine->params.find("Image");
    if (image != task.original_engine->params.end() && image->is_string()) {
      text += " " + image->get<std::string>();
    }
    text += ")";
  }
  return text;
}

struct DescribeFlags {
  JobRef ref;
  std::string output = "text";
  bool pretty = false;  // Bacalhau's; Shoal's JSON and YAML are always indented
  int64_t version = 0;  // 0: the current version
};

int Describe(const DescribeFlags& flags) {
  constexpr std::string_view kCommand = "shoal job describe";
  std::optional<ListOutput> structured;
  if (flags.output == "json") structured = ListOutput::kJson;
  if (flags.output == "yaml") structured = ListOutput::kYaml;
  if (flags.output != "text" && !structured) {
    return ReportError(kCommand,
                       Status::InvalidArgument("--output: unknown format '" + flags.output +
                                               "'; use text, json or yaml"),
                       kExitUsage);
  }
  if (flags.version < 0) {
    return ReportError(kCommand, Status::InvalidArgument("--version must be 1 or more"),
                       kExitUsage);
  }
  ResolvedJob r = ResolveJob(kCommand, flags.ref);
  if (!r.job) return r.exit_code;
  if (flags.version > 0 && flags.version != r.job->version) {
    Result<models::Job> earlier = r.client->GetJobVersion(r.job->id, flags.version);
    if (!earlier.ok()) return ReportError(kCommand, earlier.status(), kExitFailed);
    r.job = std::move(earlier).value();
  }
  const models::Job& job = *r.job;
  Result<std::vector<models::Execution>> all = r.client->ListExecutions(job.id);
  if (!all.ok()) return ReportError(kCommand, all.status(), kExitFailed);
  std::vector<models::Execution> executions = std::move(all).value();
  std::erase_if(executions,
                [&](const models::Execution& e) { return e.job_version != job.version; });
  if (structured) {
    nlohmann::json array = nlohmann::json::array();
    for (const models::Execution& e : executions) array.push_back(models::ToJson(e));
    PrintStructured(*structured,
                    nlohmann::json{{"Job", models::ToJson(job)}, {"Executions", array}}, std::cout);
    return kExitOk;
  }
  std::string state(models::ToString(job.state.state_type));
  if (!job.state.message.empty()) state += ": " + job.state.message;
  std::string constraints;
  for (const models::LabelSelector& c : job.constraints) {
    constraints += (constraints.empty() ? "" : ", ") + c.ToString();
  }
  std::cout << "ID:          " << job.id << "\n"
            << "Name:        " << job.name << "\n"
            << "Namespace:   " << job.namespace_ << "\n"
            << "Type:        " << models::ToString(job.type) << "\n"
            << "State:       " << state << "\n"
            << "Version:     " << job.version << "\n"
            << "Count:       " << job.count << "\n"
            << "Constraints: " << (constraints.empty() ? "none" : constraints) << "\n"
            << "Engine:      " << EngineText(job.task) << "\n"
            << "Created:     " << FormatTime(job.create_time) << "\n"
            << "Modified:    " << FormatTime(job.modify_time) << "\n"
            << "\nExecutions (version " << job.version << "):\n";
  // What each execution read and produced, as its node measured it (docs/api.md).
  Table table = Table::WithColumns({"ID", "NODE", "PARTITION#", "STATE", "ATTEMPT#", "READ",
                                    "ROWS READ#", "RESULT ROWS#", "RUN", "ERROR"});
  for (const models::Execution& e : executions) {
    table.AddTextRow({ShortId(e.id), e.node_id, std::to_string(e.partition_index),
                      ExecutionState(e), std::to_string(e.attempt), FormatBytes(e.stats.bytes_read),
                      std::to_string(e.stats.rows_read), std::to_string(e.stats.result_rows),
                      std::to_string(e.stats.running_ms) + " ms", ExecutionError(e)});
  }
  Status printed = PrintTable(table, format::OutputFormat::kTable, std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

struct VersionsFlags {
  JobRef ref;
  ListFlags list;
};

// `shoal job versions`: one row per version, as submitted.
int Versions(const VersionsFlags& flags) {
  constexpr std::string_view kCommand = "shoal job versions";
  Result<ListOutput> output = ParseListOutput(flags.list.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  ResolvedJob r = ResolveJob(kCommand, flags.ref);
  if (!r.job) return r.exit_code;
  Result<std::vector<models::Job>> versions = r.client->JobVersions(r.job->id);
  if (!versions.ok()) return ReportError(kCommand, versions.status(), kExitFailed);
  if (IsStructured(*output)) {
    nlohmann::json array = nlohmann::json::array();
    for (const models::Job& version : *versions) array.push_back(models::ToJson(version));
    PrintStructured(*output, array, std::cout);
    return kExitOk;
  }
  Table table = Table::WithColumns({"VERSION#", "STATE", "SUBMITTED", "ENGINE", "COUNT#"});
  for (const models::Job& version : *versions) {
    table.AddTextRow({std::to_string(version.version),
                      std::string(models::ToString(version.state.state_type)),
                      FormatTime(version.version_time), EngineText(version.task),
                      std::to_string(version.count)});
  }
  Status printed = PrintListTable(table, *output, flags.list, std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

// `shoal job rerun`: the current spec again, as a new version.
int Rerun(const JobRef& ref, bool id_only) {
  constexpr std::string_view kCommand = "shoal job rerun";
  ResolvedJob r = ResolveJob(kCommand, ref);
  if (!r.job) return r.exit_code;
  Result<api::SubmitResponse> rerun = r.client->RerunJob(r.job->id);
  if (!rerun.ok()) return ReportError(kCommand, rerun.status(), kExitFailed);
  for (const std::string& warning : rerun->warnings) ReportWarning(kCommand, warning);
  if (id_only) {
    std::cout << rerun->job_id << "\n";
    return kExitOk;
  }
  std::cout << "job " << rerun->job_id << " runs again as version " << rerun->job_version
            << "\nfollow it with: shoal job describe " << rerun->job_id
            << "\nits results, once it has completed: shoal job results " << rerun->job_id << "\n";
  return kExitOk;
}

int Stop(const JobRef& ref, const std::string& reason, bool quiet) {
  constexpr std::string_view kCommand = "shoal job stop";
  ResolvedJob r = ResolveJob(kCommand, ref);
  if (!r.job) return r.exit_code;
  Result<std::string> stopped = r.client->StopJob(r.job->id, reason);
  if (!stopped.ok()) return ReportError(kCommand, stopped.status(), kExitFailed);
  if (!quiet) std::cout << "stopped job " << *stopped << "\n";
  return kExitOk;
}
// The job file and how it is rendered: shared by run and validate.
void AddJobFileFlags(CLI::App* verb, JobRunFlags& flags) {
  verb->add_option("file", flags.file, "the job's YAML file, or - for stdin")->required();
  verb->add_option("-V,--template-vars", flags.template_vars,
                   "template variable NAME=VALUE for {{.NAME}} (repeatable; also "
                   "NAME=VALUE,NAME2=VALUE2)")
      ->allow_extra_args(false);
  verb->add_option("-E,--template-envs", flags.template_envs,
                   "import environment variables whose names match REGEX (repeatable)")
      ->allow_extra_args(false);
  verb->add_flag("--no-template", flags.no_template, "parse the file as written");
}

void AddRunVerbs(CLI::App& job, int& exit_code) {
  auto flags = std::make_shared<JobRunFlags>();
  CLI::App* run = job.add_subcommand("run",
                                     "Submit a job file and (by default) wait for its "
                                     "results");
  AddJobFileFlags(run, *flags);
  run->add_flag("--wait,!--no-wait", flags->wait, "wait for the job to finish (default)");
  run->add_flag("--id-only", flags->id_only, "print only the job ID");
  run->add_flag("-f,--follow", flags->follow, "print the job's history events as they happen");
  run->add_flag("--dry-run", flags->dry_run, "print the job and validate it; store nothing");
  run->add_flag("--force", flags->force, "submit even if the spec equals the current version");
  run->add_option("--wait-timeout-secs", flags->wait_timeout_secs, "how long to wait")
      ->capture_default_str();
  run->add_option("--output", flags->output, "result format: table, csv, json or yaml")
      ->capture_default_str();
  run->add_flag("--merge", flags->merge, "print one table: the union of all partitions' rows");
  run->add_flag("--node-details", flags->node_details,
                "once the job has ended, list its executions: node, region, state (stderr)");
  run->add_flag("--hide-warnings", flags->hide_warnings, "do not print warnings");
  run->add_option("--namespace", flags->namespace_, "namespace (overrides the spec's)");
  run->callback([flags, &exit_code] { exit_code = RunJobRun(*flags); });

  auto validate = std::make_shared<JobRunFlags>();
  CLI::App* verb = job.add_subcommand(
      "validate", "Check a job file (render, parse, validate) without submitting it");
  AddJobFileFlags(verb, *validate);
  verb->callback([validate, &exit_code] { exit_code = RunJobValidate(*validate); });

  auto results = std::make_shared<JobResultsFlags>();
  verb = job.add_subcommand("results", "Print a completed job's results as job run does");
  verb->add_option("id", results->job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", results->namespace_, "namespace of the job name");
  verb->add_flag("--merge", results->merge, "print one table: the union of all partitions' rows");
  verb->add_option("--output", results->output, "table, csv, json or yaml")->capture_default_str();
  verb->callback([results, &exit_code] { exit_code = RunJobResults(*results); });
}

void AddDescribeVerb(CLI::App& job, int& exit_code) {
  auto describe = std::make_shared<DescribeFlags>();
  CLI::App* verb = job.add_subcommand("describe", "Show a job, its state and its executions");
  AddJobRef(verb, describe->ref);
  verb->add_option("--output", describe->output, "text, json or yaml")->capture_default_str();
  verb->add_flag("--pretty", describe->pretty, "indent json and yaml (they always are)");
  verb->add_option("-v,--version", describe->version, "this version instead of the current one");
  verb->callback([describe, &exit_code] { exit_code = Describe(*describe); });
}

void AddVersionVerbs(CLI::App& job, int& exit_code) {
  auto versions = std::make_shared<VersionsFlags>();
  CLI::App* verb = job.add_subcommand("versions", "List a job's versions");
  AddJobRef(verb, versions->ref);
  AddListFlags(verb, versions->list, "table, csv, json or yaml");
  verb->callback([versions, &exit_code] { exit_code = Versions(*versions); });

  auto rerun = std::make_shared<JobRef>();
  auto id_only = std::make_shared<bool>(false);
  verb = job.add_subcommand("rerun", "Run a job's current spec again, as a new version");
  AddJobRef(verb, *rerun);
  verb->add_flag("--id-only", *id_only, "print only the job ID");
  verb->callback([rerun, id_only, &exit_code] { exit_code = Rerun(*rerun, *id_only); });
}

void AddStopVerb(CLI::App& job, int& exit_code) {
  auto stop = std::make_shared<JobRef>();
  auto reason = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* verb = job.add_subcommand("stop", "Stop a job");
  AddJobRef(verb, *stop);
  verb->add_option("--reason", *reason, "why, recorded in the job's history");
  verb->add_flag("-q,--quiet", *quiet, "print nothing on success");
  verb->callback([stop, reason, quiet, &exit_code] { exit_code = Stop(*stop, *reason, *quiet); });
}

void AddFetchVerbs(CLI::App& job, int& exit_code) {
  auto logs = std::make_shared<JobLogsFlags>();
  CLI::App* verb = job.add_subcommand("logs", "Print the stdout of a job's executions");
  verb->add_option("id", logs->job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", logs->namespace_, "namespace of the job name");
  verb->add_flag("-f,--follow", logs->follow, "keep printing until the job has finished");
  verb->add_flag("-t,--tail", logs->tail,
                 "start from the end: only the last 10 lines of each execution's output");
  verb->add_option("-e,--execution-id", logs->execution_id, "only this execution");
  verb->callback([logs, &exit_code] { exit_code = RunJobLogs(*logs); });

  auto get = std::make_shared<JobGetFlags>();
  verb = job.add_subcommand("get", "Download a job's published result files");
  verb->add_option("id", get->job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", get->namespace_, "namespace of the job name");
  verb->add_option("--output-dir", get->output_dir,
                   "folder to write into, as DIR/<execution-id>/<path> (default ./job-<id>)");
  verb->add_option("--fetch-timeout-secs,--download-timeout-secs", get->fetch_timeout_secs,
                   "how long to wait for results published to stores to be fetched")
      ->capture_default_str();
  verb->add_flag("--raw", get->raw,
                 "one folder per execution (Shoal always writes them so; accepted for Bacalhau's "
                 "scripts)");
  verb->callback([get, &exit_code] { exit_code = RunJobGet(*get); });
}

}  // namespace

void AddJobRef(CLI::App* verb, JobRef& ref) {
  verb->add_option("id", ref.job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", ref.namespace_, "namespace of the job name (default: default)");
}

ResolvedJob ResolveJob(std::string_view command, const JobRef& ref) {
  ResolvedJob resolved;
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) {
    resolved.exit_code = ReportError(command, client.status(), kExitUsage);
    return resolved;
  }
  resolved.client.emplace(std::move(client).value());
  Result<models::Job> job = resolved.client->GetJob(ref.job, ref.namespace_);
  if (!job.ok()) {
    resolved.exit_code = ReportError(command, job.status(), kExitFailed);
    return resolved;
  }
  resolved.job.emplace(std::move(job).value());
  return resolved;
}

std::string ExecutionState(const models::Execution& e) {
  std::string state(models::ToString(e.compute_state.state_type));
  if (e.stats.progress >= 0) {
    state += " " + std::to_string(static_cast<int>(e.stats.progress * 100)) + "%";
  }
  return state;
}

std::string ExecutionError(const models::Execution& e) {
  if (!e.run_output.error_message.empty()) return e.run_output.error_message;
  if (models::IsDiscarded(e.compute_state.state_type)) return e.compute_state.message;
  return "";
}

void AddJobCommand(CLI::App& app, int& exit_code) {
  CLI::App* job = app.add_subcommand("job", "Run and inspect jobs on the orchestrator");
  job->require_subcommand(1);
  // In the order `shoal job --help` lists them.
  AddRunVerbs(*job, exit_code);
  AddDescribeVerb(*job, exit_code);
  AddJobListingVerbs(*job, exit_code);
  AddVersionVerbs(*job, exit_code);
  AddFetchVerbs(*job, exit_code);
  AddStopVerb(*job, exit_code);
}

}  // namespace shoal::cli
