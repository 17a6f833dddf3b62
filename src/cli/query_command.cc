// `shoal query`: one SQL statement over logical tables in every region (docs/query.md). The
// orchestrator plans it, runs a fragment next to the data in each region and merges the
// partials; the CLI waits, prints the answer like `shoal sql`, and then, on stderr, what each
// region scanned and what left it.
#include <chrono>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include <fmt/format.h>

#include "cli/api_support.h"
#include "cli/command.h"
#include "cli/progress_line.h"
#include "cli/result_table.h"
#include "cli/signals.h"

namespace shoal::cli {

namespace {

constexpr std::string_view kQueryCommand = "shoal query";
// The longest one wait for the answer lasts: how often Ctrl-C and --timeout are looked at.
constexpr std::chrono::milliseconds kQueryLongPoll{250};

struct QueryFlags {
  std::string sql;
  std::string file;
  std::string regions;
  int64_t partitions = 0;
  std::string output = "table";
  bool explain = false;
  bool allow_rows = false;
  int64_t max_ship_bytes = int64_t{64} << 20;
  double timeout_s = 0;
};

// The progress line of a running query (progress_line.h): its fragment jobs, one per region,
// found by name; a region whose job is not submitted yet counts its partitions as waiting.
std::string QueryProgressLine(const api::ApiClient& client, const models::Query& query,
                              std::chrono::milliseconds elapsed) {
  RunProgress progress;
  progress.label = ShortId(query.id);
  progress.elapsed = elapsed;
  for (const models::RegionResidency& region : query.residency) {
    auto job = client.GetJob("shoal-query-" + query.id + "-" + region.region);
    auto executions = job.ok() ? client.ListExecutions(job->id) : job.status();
    if (executions.ok()) {
      AddJobProgress(*job, *executions, {}, region.region, &progress);
    } else {
      progress.overall.total += region.partitions;
      progress.regions[region.region].total += region.partitions;
    }
  }
  return FormatProgressLine(progress);
}

// One line per region: what its partitions scanned and what left it.
void PrintResidency(const models::Query& query, std::ostream& err) {
  for (const models::RegionResidency& r : query.residency) {
    const double ratio = r.bytes_scanned > 0 ? static_cast<double>(r.partial_bytes) /
                                                   static_cast<double>(r.bytes_scanned)
                                             : 0.0;
    err << fmt::format(
        "residency {}: {} partitions read {} files, {} scanned; left the region: {} rows, {} "
        "of partials ({}); shipped/scanned {:.2g}\n",
        r.region, r.partitions, r.files, FormatBytes(r.bytes_scanned), r.partial_rows,
        FormatBytes(r.partial_bytes), query.shipping, ratio);
  }
}

nlohmann::ordered_json ResidencyJson(const models::Query& query) {
  nlohmann::ordered_json regions = nlohmann::ordered_json::object();
  for (const models::RegionResidency& r : query.residency) {
    auto entry = models::ToJson(r);
    entry["Shipping"] = query.shipping;
    regions[r.region] = entry;
  }
  return regions;
}

void PrintExplain(const models::Query& query) {
  std::cout << "table:    " << query.table << "\n"
            << "shipping: " << query.shipping << "\n"
            << "fragment (each partition, next to its files):\n  " << query.fragment_sql << "\n"
            << "merge (over every partial, as "
            << "__shoal_partials):\n  " << query.merge_sql << "\n";
}

Result<std::string> ReadSql(const QueryFlags& flags) {
  if (flags.sql.empty() == flags.file.empty()) {
    return Status::InvalidArgument("give the SQL as an argument or with -f FILE (one of them)");
  }
  if (!flags.sql.empty()) return flags.sql;
  std::ifstream in(flags.file, std::ios::binary);
  if (!in) return Status::InvalidArgument("-f: cannot read '" + flags.file + "'");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int Run(const QueryFlags& flags) {
  auto sql = ReadSql(flags);
  if (!sql.ok()) return ReportError(kQueryCommand, sql.status(), kExitUsage);
  auto output = format::ParseOutputFormat(flags.output);
  if (!output.ok())
    return ReportError(kQueryCommand, output.status().WithContext("--output"), kExitUsage);
  models::QueryRequest request;
  request.sql = *sql;
  std::stringstream regions(flags.regions);
  for (std::string region; std::getline(regions, region, ',');) {
    if (!region.empty()) request.regions.push_back(region);
  }
  request.partitions = flags.partitions;
  request.allow_rows = flags.allow_rows;
  request.max_ship_bytes = flags.max_ship_bytes;
  request.explain = flags.explain;

  auto client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kQueryCommand, client.status(), kExitUsage);
  auto submitted = client->SubmitQuery(request);
  if (!submitted.ok()) {
    // Bad SQL, a refusal, an unknown table or region: the user's input.
    const ErrorCode code = submitted.status().code();
    const bool input = code == ErrorCode::kInvalidArgument || code == ErrorCode::kNotFound;
    return ReportError(kQueryCommand, submitted.status(), input ? kExitUsage : kExitFailed);
  }
  if (flags.explain) {
    PrintExplain(*submitted);
    return kExitOk;
  }

  // Wait for the answer; Ctrl-C (or SIGTERM) cancels the query, as does --timeout.
  BlockStopSignals();
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<int64_t>(flags.timeout_s * 1000));
  models::Query query = *submitted;
  const bool show_progress = StderrIsTerminal();
  ProgressDisplay display(std::cerr, StderrColumns());
  while (!models::IsTerminal(query.state)) {
    if (show_progress && display.Due()) {
      display.Draw(QueryProgressLine(*client, query, display.Elapsed()));
    }
    // A long-poll: the orchestrator answers as soon as the query ends. Between two, Ctrl-C and
    // --timeout are looked at (a signal waits blocked until then).
    auto current = client->GetQuery(query.id, kQueryLongPoll);
    if (!current.ok()) {
      display.Clear();
      return ReportError(kQueryCommand, current.status(), kExitFailed);
    }
    query = std::move(current).value();
    if (models::IsTerminal(query.state)) break;
    const bool interrupted = StopSignalWithin(std::chrono::milliseconds(0));
    const bool late = flags.timeout_s > 0 && std::chrono::steady_clock::now() > deadline;
    if (interrupted || late) {
      display.Clear();
      (void)client->CancelQuery(query.id);
      return ReportError(
          kQueryCommand,
          Status(ErrorCode::kCancelled,
                 std::string(interrupted ? "interrupted" : "no answer within --timeout") +
                     "; query " + query.id + " cancelled"),
          kExitFailed);
    }
  }
  display.Clear();
  if (query.state != models::QueryState::kCompleted) {
    return ReportError(
        kQueryCommand,
        Status::Internal("query " + query.id + " " + std::string(models::ToString(query.state)) +
                         ": " + query.message),
        kExitFailed);
  }
  auto result_text = client->QueryResult(query.id);
  if (!result_text.ok()) return ReportError(kQueryCommand, result_text.status(), kExitFailed);
  auto table = ParseResultJson(*result_text);
  if (!table.ok()) return ReportError(kQueryCommand, table.status(), kExitFailed);
  if (*output == format::OutputFormat::kJson) {
    nlohmann::ordered_json answer;
    answer["Query"] = query.id;
    answer["Columns"] = ColumnsJson(*table);
    answer["Rows"] = RowsJson(*table);
    answer["Residency"] = ResidencyJson(query);
    std::cout << answer.dump(2) << "\n";
  } else {
    Status printed = PrintTable(*table, *output, std::cout);
    if (!printed.ok()) return ReportError(kQueryCommand, printed, kExitFailed);
  }
  std::cout << std::flush;
  PrintResidency(query, std::cerr);
  return kExitOk;
}

}  // namespace

void AddQueryCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<QueryFlags>();
  CLI::App* query = app.add_subcommand(
      "query", "Run one SQL statement over logical tables in every region (docs/query.md)");
  query->add_option("sql", flags->sql, "the SELECT to run");
  query->add_option("-f,--file", flags->file, "read the SQL from FILE");
  query->add_option("--regions", flags->regions,
                    "comma-separated regions to read (default: every region of the table)");
  query->add_option("--partitions", flags->partitions,
                    "partitions per region (default: one per connected node of the region)");
  query->add_option("--output", flags->output, "table, csv, json or jsonl")->capture_default_str();
  query->add_flag("--explain", flags->explain,
                  "print the fragment each partition runs, the merge and the shipping class; run "
                  "nothing");
  query->add_flag("--allow-rows", flags->allow_rows,
                  "let a query without aggregates ship the matching rows out of their regions");
  query
      ->add_option("--max-ship-bytes", flags->max_ship_bytes,
                   "most bytes of distinct values or rows that may leave the regions")
      ->capture_default_str();
  query->add_option("--timeout", flags->timeout_s, "seconds to wait before cancelling (0: none)");
  query->callback([flags, &exit_code] { exit_code = Run(*flags); });
}

}  // namespace shoal::cli
