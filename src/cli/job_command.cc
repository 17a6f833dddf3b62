// `shoal job ...`: registers every job verb, and runs the short ones (describe, list,
// executions, history, stop) here; run is in job_run.cc, logs and get in job_fetch.cc.
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/job_verbs.h"
#include "cli/result_table.h"
#include "models/json_codec.h"
#include "models/selector.h"

namespace shoal::cli {

namespace {

// Flags shared by the verbs that name one job.
struct JobRef {
  std::string job;
  std::string namespace_;
  std::string output;
};

// The job named by `ref`, or the exit code after reporting why not.
struct Resolved {
  std::optional<api::ApiClient> client;
  std::optional<models::Job> job;
  int exit_code = kExitOk;
};

Resolved Resolve(std::string_view command, const JobRef& ref) {
  Resolved resolved;
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

std::string ExecutionError(const models::Execution& e) {
  if (!e.run_output.error_message.empty()) return e.run_output.error_message;
  if (models::IsDiscarded(e.compute_state.state_type)) return e.compute_state.message;
  return "";
}

// "Completed", or "Running 45%" while its engine reports how far it is.
std::string ExecutionState(const models::Execution& e) {
  std::string state(models::ToString(e.compute_state.state_type));
  if (e.stats.progress >= 0)
    state += " " + std::to_string(static_cast<int>(e.stats.progress * 100)) + "%";
  return state;
}

Table ExecutionsTable(const std::vector<models::Execution>& executions) {
  Table table = Table::WithColumns({"ID", "NODE", "VERSION#", "PARTITION#", "ATTEMPT#", "STATE",
                                    "DESIRED", "READ", "ROWS READ#", "RUN", "ERROR"});
  for (const models::Execution& e : executions) {
    table.AddTextRow({ShortId(e.id), e.node_id, std::to_string(e.job_version),
                      std::to_string(e.partition_index), std::to_string(e.attempt),
                      ExecutionState(e), std::string(models::ToString(e.desired_state.state_type)),
                      FormatBytes(e.stats.bytes_read), std::to_string(e.stats.rows_read),
                      std::to_string(e.stats.running_ms) + " ms", ExecutionError(e)});
  }
  return table;
}

std::vector<models::Execution> CurrentVersion(const models::Job& job,
                                              std::vector<models::Execution> executions) {
  std::erase_if(executions,
                [&](const models::Execution& e) { return e.job_version != job.version; });
  return executions;
}

template <typename T>
nlohmann::json JsonArray(const std::vector<T>& items) {
  nlohmann::json array = nlohmann::json::array();
  for (const T& item : items) array.push_back(models::ToJson(item));
  return array;
}

int Describe(const JobRef& ref) {
  constexpr std::string_view kCommand = "shoal job describe";
  if (ref.output != "text" && ref.output != "json") {
    return ReportError(
        kCommand,
        Status::InvalidArgument("--output: unknown format '" + ref.output + "'; use text or json"),
        kExitUsage);
  }
  Resolved r = Resolve(kCommand, ref);
  if (!r.job) return r.exit_code;
  const models::Job& job = *r.job;
  Result<std::vector<models::Execution>> all = r.client->ListExecutions(job.id);
  if (!all.ok()) return ReportError(kCommand, all.status(), kExitFailed);
  std::vector<models::Execution> executions = CurrentVersion(job, std::move(all).value());
  if (ref.output == "json") {
    PrintJson({{"Job", models::ToJson(job)}, {"Executions", JsonArray(executions)}}, std::cout);
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

struct ListFlags {
  std::string namespace_;
  int64_t limit = 10;
  std::string next_token;
  std::string output = "table";
  std::string labels;
};

int ListJobs(const ListFlags& flags) {
  constexpr std::string_view kCommand = "shoal job list";
  Result<ListOutput> output = ParseListOutput(flags.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  if (flags.limit < 0) {
    return ReportError(kCommand, Status::InvalidArgument("--limit must be 0 or more"), kExitUsage);
  }
  // Checked here, so a bad selector exits 2 before anything is sent.
  Result<std::vector<models::LabelSelector>> labels = models::ParseLabelSelectors(flags.labels);
  if (!labels.ok())
    return ReportError(kCommand, labels.status().WithContext("--labels"), kExitUsage);
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<api::JobPage> page =
      client->ListJobs({flags.namespace_, flags.limit, flags.next_token, flags.labels});
  if (!page.ok()) return ReportError(kCommand, page.status(), kExitFailed);
  if (*output == ListOutput::kJson) {
    PrintJson(JsonArray(page->items), std::cout);
  } else {
    Table table = Table::WithColumns({"ID", "NAME", "TYPE", "STATE", "CREATED"});
    for (const models::Job& job : page->items) {
      table.AddTextRow({ShortId(job.id), job.name, std::string(models::ToString(job.type)),
                        std::string(models::ToString(job.state.state_type)),
                        FormatTime(job.create_time)});
    }
    Status printed = PrintTable(table, PrinterFormat(*output), std::cout);
    if (!printed.ok()) return ReportError(kCommand, printed, kExitFailed);
  }
  if (!page->next_token.empty()) {
    std::cerr << "more jobs: shoal job list --next-token " << page->next_token << "\n";
  }
  return kExitOk;
}

int Executions(const JobRef& ref, bool all_versions) {
  constexpr std::string_view kCommand = "shoal job executions";
  Result<ListOutput> output = ParseListOutput(ref.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  Resolved r = Resolve(kCommand, ref);
  if (!r.job) return r.exit_code;
  Result<std::vector<models::Execution>> executions = r.client->ListExecutions(r.job->id);
  if (!executions.ok()) return ReportError(kCommand, executions.status(), kExitFailed);
  std::vector<models::Execution> shown =
      all_versions ? std::move(executions).value()
                   : CurrentVersion(*r.job, std::move(executions).value());
  if (*output == ListOutput::kJson) {
    PrintJson(JsonArray(shown), std::cout);
    return kExitOk;
  }
  Status printed = PrintTable(ExecutionsTable(shown), PrinterFormat(*output), std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

struct HistoryFlags {
  JobRef ref;
  std::string event_type = "all";
  std::string execution_id;
  bool all_versions = false;
};

int History(const HistoryFlags& flags) {
  constexpr std::string_view kCommand = "shoal job history";
  Result<ListOutput> output = ParseListOutput(flags.ref.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  if (flags.event_type != "all" && flags.event_type != "job" && flags.event_type != "execution") {
    return ReportError(kCommand,
                       Status::InvalidArgument("--event-type: unknown type '" + flags.event_type +
                                               "'; use job, execution or all"),
                       kExitUsage);
  }
  Resolved r = Resolve(kCommand, flags.ref);
  if (!r.job) return r.exit_code;
  std::vector<models::Event> events;
  api::HistoryPage page;
  do {
    Result<api::HistoryPage> next =
        r.client->History(r.job->id, {page.last_seq, flags.execution_id, {}});
    if (!next.ok()) return ReportError(kCommand, next.status(), kExitFailed);
    page = std::move(*next);
    for (models::Event& event : page.items) {
      bool job_level = event.type == models::EventType::kJobLevel;
      if ((flags.event_type == "job" && !job_level) ||
          (flags.event_type == "execution" && job_level) ||
          (!flags.all_versions && event.job_version != r.job->version)) {
        continue;
      }
      events.push_back(std::move(event));
    }
  } while (page.more);
  if (*output == ListOutput::kJson) {
    PrintJson(JsonArray(events), std::cout);
    return kExitOk;
  }
  Table table = Table::WithColumns({"TIME", "LEVEL", "EXEC. ID", "TOPIC", "EVENT"});
  for (const models::Event& event : events) {
    table.AddTextRow({FormatTime(event.time),
                      event.type == models::EventType::kJobLevel ? "Job" : "Execution",
                      ShortId(event.execution_id), event.topic, event.message});
  }
  Status printed = PrintTable(table, PrinterFormat(*output), std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

int Stop(const JobRef& ref, const std::string& reason, bool quiet) {
  constexpr std::string_view kCommand = "shoal job stop";
  Resolved r = Resolve(kCommand, ref);
  if (!r.job) return r.exit_code;
  Result<std::string> stopped = r.client->StopJob(r.job->id, reason);
  if (!stopped.ok()) return ReportError(kCommand, stopped.status(), kExitFailed);
  if (!quiet) std::cout << "stopped job " << *stopped << "\n";
  return kExitOk;
}

// Adds the ID positional and --namespace.
void AddJobRef(CLI::App* verb, JobRef& ref) {
  verb->add_option("id", ref.job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", ref.namespace_, "namespace of the job name (default: default)");
}

// The job file and how it is rendered: shared by run and validate.
void AddJobFileFlags(CLI::App* verb, JobRunFlags& flags) {
  verb->add_option("file", flags.file, "the job's YAML file, or - for stdin")->required();
  verb->add_option("-V,--template-vars", flags.template_vars,
                   "template variable NAME=VALUE for {{.NAME}} (repeatable)")
      ->allow_extra_args(false);
  verb->add_option("-E,--template-envs", flags.template_envs,
                   "import environment variables whose names match REGEX (repeatable)")
      ->allow_extra_args(false);
  verb->add_flag("--no-template", flags.no_template, "parse the file as written");
}

void AddRunVerb(CLI::App& job, int& exit_code) {
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
  run->add_option("--output", flags->output, "result format: table, json or csv")
      ->capture_default_str();
  run->add_flag("--merge", flags->merge, "print one table: the union of all partitions' rows");
  run->add_option("--namespace", flags->namespace_, "namespace (overrides the spec's)");
  run->callback([flags, &exit_code] { exit_code = RunJobRun(*flags); });

  auto validate = std::make_shared<JobRunFlags>();
  CLI::App* verb = job.add_subcommand(
      "validate", "Check a job file (render, parse, validate) without submitting it");
  AddJobFileFlags(verb, *validate);
  verb->callback([validate, &exit_code] { exit_code = RunJobValidate(*validate); });
}

void AddReadVerbs(CLI::App& job, int& exit_code) {
  auto describe = std::make_shared<JobRef>(JobRef{"", "", "text"});
  CLI::App* verb = job.add_subcommand("describe", "Show a job, its state and its executions");
  AddJobRef(verb, *describe);
  verb->add_option("--output", describe->output, "text or json")->capture_default_str();
  verb->callback([describe, &exit_code] { exit_code = Describe(*describe); });

  auto list = std::make_shared<ListFlags>();
  verb = job.add_subcommand("list", "List jobs");
  verb->add_option("--namespace", list->namespace_, "only this namespace");
  verb->add_option("--limit", list->limit, "at most this many jobs (0: the server's default)")
      ->capture_default_str();
  verb->add_option("--next-token", list->next_token, "continue a previous listing");
  verb->add_option("--labels", list->labels,
                   "only jobs whose Labels match, e.g. 'env=prod,team in (a, b),!draft'");
  verb->add_option("--output", list->output, "table, csv or json")->capture_default_str();
  verb->callback([list, &exit_code] { exit_code = ListJobs(*list); });

  auto executions = std::make_shared<JobRef>(JobRef{"", "", "table"});
  auto all_versions = std::make_shared<bool>(false);
  verb = job.add_subcommand("executions", "List a job's executions");
  AddJobRef(verb, *executions);
  verb->add_flag("--all-versions", *all_versions, "include earlier versions' executions");
  verb->add_option("--output", executions->output, "table, csv or json")->capture_default_str();
  verb->callback([executions, all_versions, &exit_code] {
    exit_code = Executions(*executions, *all_versions);
  });

  auto history = std::make_shared<HistoryFlags>();
  history->ref.output = "table";
  verb = job.add_subcommand("history", "List a job's history events");
  AddJobRef(verb, history->ref);
  verb->add_option("--event-type", history->event_type, "job, execution or all")
      ->capture_default_str();
  verb->add_option("--execution-id", history->execution_id, "only this execution's events");
  verb->add_flag("--all-versions", history->all_versions, "include earlier versions' events");
  verb->add_option("--output", history->ref.output, "table, csv or json")->capture_default_str();
  verb->callback([history, &exit_code] { exit_code = History(*history); });
}

void AddFetchVerbs(CLI::App& job, int& exit_code) {
  auto logs = std::make_shared<JobLogsFlags>();
  CLI::App* verb = job.add_subcommand("logs", "Print the stdout of a job's executions");
  verb->add_option("id", logs->job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", logs->namespace_, "namespace of the job name");
  verb->add_flag("-f,--follow", logs->follow, "keep printing until the job has finished");
  verb->add_option("-e,--execution-id", logs->execution_id, "only this execution");
  verb->callback([logs, &exit_code] { exit_code = RunJobLogs(*logs); });

  auto get = std::make_shared<JobGetFlags>();
  verb = job.add_subcommand("get", "Download a job's published result files");
  verb->add_option("id", get->job, "job ID, unique ID prefix, or job name")->required();
  verb->add_option("--namespace", get->namespace_, "namespace of the job name");
  verb->add_option("--output-dir", get->output_dir,
                   "folder to write into, as DIR/<execution-id>/<path> (default ./job-<id>)");
  verb->add_option("--fetch-timeout-secs", get->fetch_timeout_secs,
                   "how long to wait for results published to stores to be fetched")
      ->capture_default_str();
  verb->callback([get, &exit_code] { exit_code = RunJobGet(*get); });

  auto stop = std::make_shared<JobRef>();
  auto reason = std::make_shared<std::string>();
  auto quiet = std::make_shared<bool>(false);
  verb = job.add_subcommand("stop", "Stop a job");
  AddJobRef(verb, *stop);
  verb->add_option("--reason", *reason, "why, recorded in the job's history");
  verb->add_flag("-q,--quiet", *quiet, "print nothing on success");
  verb->callback([stop, reason, quiet, &exit_code] { exit_code = Stop(*stop, *reason, *quiet); });
}

}  // namespace

void AddJobCommand(CLI::App& app, int& exit_code) {
  CLI::App* job = app.add_subcommand("job", "Run and inspect jobs on the orchestrator");
  job->require_subcommand(1);
  AddRunVerb(*job, exit_code);
  AddReadVerbs(*job, exit_code);
  AddFetchVerbs(*job, exit_code);
}

}  // namespace shoal::cli
