// `shoal job list`, `shoal job executions` and `shoal job history`: the job verbs that print a
// list, with Bacalhau's listing flags (--output table|csv|json|yaml, --hide-header, --no-style,
// --wide; job list also --labels, --order-by, --order-reversed, --limit, --next-token).
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/job_verbs.h"
#include "cli/list_output.h"
#include "cli/result_table.h"
#include "models/json_codec.h"
#include "models/selector.h"

namespace shoal::cli {

namespace {

template <typename T>
nlohmann::json ModelArray(const std::vector<T>& items) {
  nlohmann::json array = nlohmann::json::array();
  for (const T& item : items) array.push_back(models::ToJson(item));
  return array;
}

struct JobListFlags {
  ListFlags list;
  std::string namespace_;
  int64_t limit = 10;
  std::string next_token;
  std::string labels;
  std::string order_by = "created_at";
  bool order_reversed = false;
};

int ListJobs(const JobListFlags& flags) {
  constexpr std::string_view kCommand = "shoal job list";
  Result<ListOutput> output = ParseListOutput(flags.list.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  if (flags.limit < 0) {
    return ReportError(kCommand, Status::InvalidArgument("--limit must be 0 or more"), kExitUsage);
  }
  if (flags.order_by != "created_at" && flags.order_by != "id") {
    return ReportError(kCommand,
                       Status::InvalidArgument("--order-by: unknown field '" + flags.order_by +
                                               "'; use created_at (newest first) or id"),
                       kExitUsage);
  }
  // Checked here, so a bad selector exits 2 before anything is sent.
  Result<std::vector<models::LabelSelector>> labels = models::ParseLabelSelectors(flags.labels);
  if (!labels.ok()) {
    return ReportError(kCommand, labels.status().WithContext("--labels"), kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<api::JobPage> page =
      client->ListJobs({flags.namespace_, flags.limit, flags.next_token, flags.labels,
                        flags.order_by, flags.order_reversed});
  if (!page.ok()) return ReportError(kCommand, page.status(), kExitFailed);
  if (IsStructured(*output)) {
    PrintStructured(*output, ModelArray(page->items), std::cout);
  } else {
    Table table = Table::WithColumns({"ID", "NAME", "TYPE", "STATE", "CREATED"});
    for (const models::Job& job : page->items) {
      table.AddTextRow({flags.list.Id(job.id), job.name, std::string(models::ToString(job.type)),
                        std::string(models::ToString(job.state.state_type)),
                        FormatTime(job.create_time)});
    }
    Status printed = PrintListTable(table, *output, flags.list, std::cout);
    if (!printed.ok()) return ReportError(kCommand, printed, kExitFailed);
  }
  if (!page->next_token.empty()) {
    // The token is valid in its order only: the hint repeats it.
    std::cerr << "more jobs: shoal job list" << (flags.order_by == "id" ? " --order-by id" : "")
              << (flags.order_reversed ? " --order-reversed" : "") << " --next-token "
              << page->next_token << "\n";
  }
  return kExitOk;
}

struct ExecutionsFlags {
  JobRef ref;
  ListFlags list;
  bool all_versions = false;
};

int Executions(const ExecutionsFlags& flags) {
  constexpr std::string_view kCommand = "shoal job executions";
  Result<ListOutput> output = ParseListOutput(flags.list.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  ResolvedJob r = ResolveJob(kCommand, flags.ref);
  if (!r.job) return r.exit_code;
  Result<std::vector<models::Execution>> executions = r.client->ListExecutions(r.job->id);
  if (!executions.ok()) return ReportError(kCommand, executions.status(), kExitFailed);
  std::vector<models::Execution> shown = std::move(executions).value();
  if (!flags.all_versions) {
    std::erase_if(shown,
                  [&](const models::Execution& e) { return e.job_version != r.job->version; });
  }
  if (IsStructured(*output)) {
    PrintStructured(*output, ModelArray(shown), std::cout);
    return kExitOk;
  }
  Table table = Table::WithColumns({"ID", "NODE", "VERSION#", "PARTITION#", "ATTEMPT#", "STATE",
                                    "DESIRED", "READ", "ROWS READ#", "RUN", "ERROR"});
  for (const models::Execution& e : shown) {
    table.AddTextRow({flags.list.Id(e.id), e.node_id, std::to_string(e.job_version),
                      std::to_string(e.partition_index), std::to_string(e.attempt),
                      ExecutionState(e), std::string(models::ToString(e.desired_state.state_type)),
                      FormatBytes(e.stats.bytes_read), std::to_string(e.stats.rows_read),
                      std::to_string(e.stats.running_ms) + " ms", ExecutionError(e)});
  }
  Status printed = PrintListTable(table, *output, flags.list, std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

struct HistoryFlags {
  JobRef ref;
  ListFlags list;
  std::string event_type = "all";
  std::string execution_id;
  bool all_versions = false;
};

int History(const HistoryFlags& flags) {
  constexpr std::string_view kCommand = "shoal job history";
  Result<ListOutput> output = ParseListOutput(flags.list.output);
  if (!output.ok()) return ReportError(kCommand, output.status(), kExitUsage);
  if (flags.event_type != "all" && flags.event_type != "job" && flags.event_type != "execution") {
    return ReportError(kCommand,
                       Status::InvalidArgument("--event-type: unknown type '" + flags.event_type +
                                               "'; use job, execution or all"),
                       kExitUsage);
  }
  ResolvedJob r = ResolveJob(kCommand, flags.ref);
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
  if (IsStructured(*output)) {
    PrintStructured(*output, ModelArray(events), std::cout);
    return kExitOk;
  }
  Table table = Table::WithColumns({"TIME", "LEVEL", "EXEC. ID", "TOPIC", "EVENT"});
  for (const models::Event& event : events) {
    table.AddTextRow({FormatTime(event.time),
                      event.type == models::EventType::kJobLevel ? "Job" : "Execution",
                      flags.list.Id(event.execution_id), event.topic, event.message});
  }
  Status printed = PrintListTable(table, *output, flags.list, std::cout);
  return printed.ok() ? kExitOk : ReportError(kCommand, printed, kExitFailed);
}

constexpr const char* kListFormats = "table, csv, json or yaml";

}  // namespace

void AddJobListingVerbs(CLI::App& job, int& exit_code) {
  auto list = std::make_shared<JobListFlags>();
  CLI::App* verb = job.add_subcommand("list", "List jobs");
  verb->add_option("--namespace", list->namespace_, "only this namespace");
  verb->add_option("--limit", list->limit, "at most this many jobs (0: the server's default)")
      ->capture_default_str();
  verb->add_option("--next-token", list->next_token, "continue a previous listing");
  verb->add_option("--labels", list->labels,
                   "only jobs whose Labels match, e.g. 'env=prod,team in (a, b),!draft'");
  verb->add_option("--order-by", list->order_by, "created_at (newest first) or id")
      ->capture_default_str();
  verb->add_flag("--order-reversed", list->order_reversed, "the other way round");
  AddListFlags(verb, list->list, kListFormats);
  verb->callback([list, &exit_code] { exit_code = ListJobs(*list); });

  auto executions = std::make_shared<ExecutionsFlags>();
  verb = job.add_subcommand("executions", "List a job's executions");
  AddJobRef(verb, executions->ref);
  verb->add_flag("--all-versions", executions->all_versions,
                 "include earlier versions' executions");
  AddListFlags(verb, executions->list, kListFormats);
  verb->callback([executions, &exit_code] { exit_code = Executions(*executions); });

  auto history = std::make_shared<HistoryFlags>();
  verb = job.add_subcommand("history", "List a job's history events");
  AddJobRef(verb, history->ref);
  verb->add_option("--event-type", history->event_type, "job, execution or all")
      ->capture_default_str();
  verb->add_option("--execution-id", history->execution_id, "only this execution's events");
  verb->add_flag("--all-versions", history->all_versions, "include earlier versions' events");
  AddListFlags(verb, history->list, kListFormats);
  verb->callback([history, &exit_code] { exit_code = History(*history); });
}

}  // namespace shoal::cli
