// `shoal table compact NAME`: converts a columnar table's new landing files into Parquet in each
// region (docs/query.md "Columnar storage"). The orchestrator starts one compaction job per
// region; this command waits for them and prints what each did. Exit 2 for bad flags, 1 when the
// orchestrator refuses or a region's compaction fails (the other regions' still count), 3 when
// it stopped waiting for one (--wait-timeout-secs) that runs on.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/job_output.h"
#include "cli/progress_line.h"
#include "cli/result_table.h"
#include "cli/wait.h"

namespace shoal::cli {

namespace {

constexpr std::string_view kCompactCommand = "shoal table compact";

struct CompactFlags {
  std::string name;
  std::vector<std::string> regions;
  int64_t retain_seconds = 3600;
  int64_t wait_timeout_secs = 3600;
  bool no_wait = false;
};

// The row a compaction's result.json holds, as text cells: Version, LandingFiles, Rows,
// ParquetFiles, ParquetBytes.
Result<std::vector<std::string>> CompactionFigures(const api::ApiClient& client,
                                                   const models::Job& job) {
  SHOAL_ASSIGN_OR_RETURN(std::vector<ExecutionOutput> outputs, FetchExecutionOutputs(client, job));
  if (outputs.size() != 1 || !outputs[0].table || outputs[0].table->rows.size() != 1 ||
      outputs[0].table->rows[0].size() < 5) {
    return Status::Internal("job " + job.id + " completed without its compaction figures");
  }
  std::vector<std::string> figures;
  for (size_t i = 0; i < 5; ++i) figures.push_back(outputs[0].table->rows[0][i].text);
  return figures;
}

int Compact(const CompactFlags& flags) {
  if (flags.retain_seconds < 0) {
    return ReportError(kCompactCommand, Status::InvalidArgument("--retain-seconds must be >= 0"),
                       kExitUsage);
  }
  if (flags.wait_timeout_secs <= 0) {
    return ReportError(kCompactCommand, Status::InvalidArgument("--wait-timeout-secs must be > 0"),
                       kExitUsage);
  }
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCompactCommand, client.status(), kExitUsage);
  auto jobs = client->CompactTable(flags.name, flags.regions, flags.retain_seconds);
  if (!jobs.ok()) return ReportError(kCompactCommand, jobs.status(), kExitFailed);
  if (flags.no_wait) {
    for (const api::CompactionJob& job : *jobs) {
      std::cout << job.region << ": compaction job " << job.job_id << " started\n";
    }
    return kExitOk;
  }
  Table table = Table::WithColumns(
      {"REGION", "JOB", "VERSION#", "LANDING FILES#", "ROWS#", "PARQUET FILES#", "PARQUET BYTES#"});
  bool failed = false;
  bool gave_up = false;
  for (const api::CompactionJob& started : *jobs) {
    WaitOptions wait;
    wait.timeout = std::chrono::seconds(flags.wait_timeout_secs);
    wait.show_progress = StderrIsTerminal();
    Result<models::Job> job = WaitForJob(*client, started.job_id, wait);
    Status status = job.ok() ? Status::Ok() : job.status();
    if (status.ok() && job->state.state_type != models::JobStateType::kCompleted) {
      status = JobEndedBadly(*job);
    }
    Result<std::vector<std::string>> figures =
        status.ok() ? CompactionFigures(*client, *job) : Result<std::vector<std::string>>(status);
    if (!figures.ok()) {
      ReportError(kCompactCommand, figures.status().WithContext("region " + started.region),
                  kExitFailed);
      gave_up = gave_up || figures.status().code() == ErrorCode::kDeadlineExceeded;
      failed = failed || figures.status().code() != ErrorCode::kDeadlineExceeded;
      continue;
    }
    std::vector<std::string> row = {started.region, ShortId(started.job_id)};
    row.insert(row.end(), figures->begin(), figures->end());
    table.AddTextRow(row);
  }
  if (!table.rows.empty()) {
    Status printed = PrintTable(table, format::OutputFormat::kTable, std::cout);
    if (!printed.ok()) return ReportError(kCompactCommand, printed, kExitFailed);
  }
  if (failed) return kExitFailed;
  return gave_up ? kExitStillRunning : kExitOk;
}

}  // namespace

void AddTableCompactCommand(CLI::App& table, int& exit_code) {
  auto flags = std::make_shared<CompactFlags>();
  CLI::App* verb = table.add_subcommand(
      "compact", "Convert a columnar table's new landing files into Parquet, in each region");
  verb->add_option("name", flags->name, "table name")->required();
  verb->add_option("--region", flags->regions, "only this region (repeatable; default: all)");
  verb->add_option("--retain-seconds", flags->retain_seconds,
                   "keep the Parquet files a compaction replaces this long, for readers of the "
                   "previous version")
      ->capture_default_str();
  verb->add_option("--wait-timeout-secs", flags->wait_timeout_secs,
                   "stop waiting for a region's job after this long (it keeps running)")
      ->capture_default_str();
  verb->add_flag("--no-wait", flags->no_wait, "print the jobs started and return");
  verb->callback([flags, &exit_code] { exit_code = Compact(*flags); });
}

}  // namespace shoal::cli
