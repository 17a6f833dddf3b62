// `shoal job logs` (each execution's stdout, optionally followed until the job ends) and
// `shoal job get` (every published result file, downloaded into a local folder; results an `s3`
// publisher put into a store are first fetched by the orchestrator through a node that reaches
// the store, so the CLI needs no store credentials).
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <thread>

#include "cli/api_support.h"
#include "cli/job_verbs.h"

namespace shoal::cli {

namespace {

namespace fs = std::filesystem;

constexpr std::chrono::milliseconds kLogsPollInterval{250};
constexpr std::chrono::milliseconds kFetchPollInterval{200};
constexpr std::chrono::milliseconds kFetchNoteAfter{1000};

std::string LogsHeader(const api::ExecutionLogs& log) {
  return "execution " + log.execution_id + " on " + log.node_id + ":";
}

// How much of each execution's streams has been printed, for --follow.
struct Printed {
  size_t stdout_bytes = 0;
  size_t stderr_bytes = 0;
};

// Prints what is new in `logs` since `printed`, with a header line whenever the execution
// changes (unless `headers` is false).
void PrintNewLogs(const std::vector<api::ExecutionLogs>& logs, bool headers,
                  std::map<std::string, Printed>& printed, std::string& last_header) {
  for (const api::ExecutionLogs& log : logs) {
    Printed& done = printed[log.execution_id];
    bool has_new =
        log.stdout_text.size() > done.stdout_bytes || log.stderr_text.size() > done.stderr_bytes;
    if (!has_new) continue;
    if (headers && last_header != log.execution_id) {
      std::cout << LogsHeader(log) << "\n";
      last_header = log.execution_id;
    }
    std::cout << log.stdout_text.substr(std::min(done.stdout_bytes, log.stdout_text.size()));
    std::cerr << log.stderr_text.substr(std::min(done.stderr_bytes, log.stderr_text.size()));
    done = {log.stdout_text.size(), log.stderr_text.size()};
  }
  std::cout.flush();
  std::cerr.flush();
}

// --tail: how many lines of each execution's output are printed before following it.
constexpr int kTailLines = 10;

// Where the last `lines` lines of `text` start (a last line without '\n' counts).
size_t TailStart(const std::string& text, int lines) {
  size_t start = text.size();
  if (start > 0 && text.back() == '\n') --start;
  for (int seen = 0; start > 0; --start) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
  }
  return start;
}

// Marks all but the last kTailLines lines of each execution's output as printed.
void SkipToTail(const std::vector<api::ExecutionLogs>& logs,
                std::map<std::string, Printed>& printed) {
  for (const api::ExecutionLogs& log : logs) {
    printed[log.execution_id] = {TailStart(log.stdout_text, kTailLines),
                                 TailStart(log.stderr_text, kTailLines)};
  }
}

// The logs of `execution_id`, or of every execution of the job's current version.
Result<std::vector<api::ExecutionLogs>> CurrentLogs(const api::ApiClient& client,
                                                    const models::Job& job,
                                                    const std::string& execution_id) {
  if (!execution_id.empty()) return client.Logs(job.id, execution_id);
  SHOAL_ASSIGN_OR_RETURN(std::vector<models::Execution> executions, client.ListExecutions(job.id));
  std::set<std::string> current;
  for (const models::Execution& e : executions) {
    if (e.job_version == job.version) current.insert(e.id);
  }
  SHOAL_ASSIGN_OR_RETURN(std::vector<api::ExecutionLogs> logs, client.Logs(job.id));
  std::erase_if(
      logs, [&](const api::ExecutionLogs& log) { return current.count(log.execution_id) == 0; });
  return logs;
}

// A path from the server is written under the output folder only when it stays inside it.
Status CheckRelativePath(const std::string& text, const std::string& what) {
  fs::path path(text);
  if (text.empty() || path.is_absolute() || path.has_root_name() || path.has_root_directory()) {
    return Status::PermissionDenied("refusing " + what + " '" + text +
                                    "' from the orchestrator: not a relative path");
  }
  for (const fs::path& part : path) {
    if (part == "..") {
      return Status::PermissionDenied("refusing " + what + " '" + text +
                                      "' from the orchestrator: it contains '..'");
    }
  }
  return Status::Ok();
}

Status WriteFile(const fs::path& target, const std::string& bytes) {
  std::error_code error;
  fs::create_directories(target.parent_path(), error);
  if (error) {
    return Status::IoError("cannot create folder " + target.parent_path().string() + ": " +
                           error.message());
  }
  std::ofstream out(target, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  out.close();
  if (!out) return Status::IoError("cannot write " + target.string());
  return Status::Ok();
}

std::string Plural(size_t n, const std::string& one, const std::string& many) {
  return std::to_string(n) + " " + (n == 1 ? one : many);
}

// Asks the orchestrator to fetch the job's store-published results until none is pending, and
// returns why each execution whose results could not be fetched failed, by execution id. An
// execution whose fetch fails once is not waited for again (the orchestrator retries it at the
// next request, which a later `job get` makes).
Result<std::map<std::string, models::ResultFetchStatus>> FetchPublishedResults(
    const api::ApiClient& client, const std::string& job_id, std::chrono::seconds timeout,
    std::string_view command) {
  const auto start = std::chrono::steady_clock::now();
  std::map<std::string, models::ResultFetchStatus> failed;
  bool noted = false;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(std::vector<models::ResultFetchStatus> fetches,
                           client.FetchResults(job_id));
    std::vector<const models::ResultFetchStatus*> pending;
    for (const models::ResultFetchStatus& fetch : fetches) {
      if (failed.count(fetch.execution_id)) continue;
      if (fetch.state == models::FetchState::kFailed) failed[fetch.execution_id] = fetch;
      if (fetch.state == models::FetchState::kPending) pending.push_back(&fetch);
    }
    if (pending.empty()) return failed;
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited >= timeout) {
      const models::ResultFetchStatus& first = *pending.front();
      return Status(ErrorCode::kDeadlineExceeded,
                    "gave up after " + std::to_string(timeout.count()) + " s waiting for the " +
                        "results of " + Plural(pending.size(), "execution", "executions") +
                        " to be fetched from their stores (" + first.execution_id + ": " +
                        first.message + "); run the command again to keep waiting");
    }
    if (!noted && waited >= kFetchNoteAfter) {
      std::cerr << command << ": fetching the results of "
                << Plural(pending.size(), "execution", "executions")
                << " from their stores through the nodes..." << std::endl;
      noted = true;
    }
    std::this_thread::sleep_for(kFetchPollInterval);
  }
}

}  // namespace

int RunJobLogs(const JobLogsFlags& flags) {
  constexpr std::string_view kCommand = "shoal job logs";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<models::Job> job = client->GetJob(flags.job, flags.namespace_);
  if (!job.ok()) return ReportError(kCommand, job.status(), kExitFailed);

  std::map<std::string, Printed> printed;
  std::string last_header;
  if (!flags.follow) {
    Result<std::vector<api::ExecutionLogs>> logs = CurrentLogs(*client, *job, flags.execution_id);
    if (!logs.ok()) return ReportError(kCommand, logs.status(), kExitFailed);
    if (flags.tail) SkipToTail(*logs, printed);
    PrintNewLogs(*logs, logs->size() > 1, printed, last_header);
    return kExitOk;
  }
  bool first = true;
  while (true) {
    // The job's state first: once it is terminal, the logs read after it are complete.
    Result<models::Job> now = client->GetJob(job->id);
    if (!now.ok()) return ReportError(kCommand, now.status(), kExitFailed);
    Result<std::vector<api::ExecutionLogs>> logs = CurrentLogs(*client, *now, flags.execution_id);
    if (!logs.ok()) return ReportError(kCommand, logs.status(), kExitFailed);
    if (flags.tail && first) SkipToTail(*logs, printed);
    first = false;
    PrintNewLogs(*logs, flags.execution_id.empty(), printed, last_header);
    if (models::IsTerminal(now->state.state_type)) return kExitOk;
    std::this_thread::sleep_for(kLogsPollInterval);
  }
}

int RunJobGet(const JobGetFlags& flags) {
  constexpr std::string_view kCommand = "shoal job get";
  Result<api::ApiClient> client = ClientFromEnvironment();
  if (!client.ok()) return ReportError(kCommand, client.status(), kExitUsage);
  Result<models::Job> job = client->GetJob(flags.job, flags.namespace_);
  if (!job.ok()) return ReportError(kCommand, job.status(), kExitFailed);
  Result<std::map<std::string, models::ResultFetchStatus>> failed = FetchPublishedResults(
      *client, job->id, std::chrono::seconds(std::max<int64_t>(flags.fetch_timeout_secs, 0)),
      kCommand);
  if (!failed.ok()) return ReportError(kCommand, failed.status(), kExitFailed);
  for (const auto& [id, fetch] : *failed) {
    ReportWarning(kCommand, "the results of execution " + id + " (partition " +
                                std::to_string(fetch.partition_index) + ", node " + fetch.node_id +
                                ") could not be fetched from their store: " + fetch.message);
  }
  Result<std::vector<models::ExecutionResults>> results = client->Results(job->id);
  if (!results.ok()) return ReportError(kCommand, results.status(), kExitFailed);
  std::erase_if(*results, [&](const models::ExecutionResults& result) {
    return failed->count(result.execution_id) > 0;
  });
  if (results->empty() && !failed->empty()) {
    return ReportError(kCommand,
                       Status::Unavailable("no results of job " + job->id +
                                           " could be fetched; run the command again to retry"),
                       kExitFailed);
  }
  if (results->empty()) {
    return ReportError(kCommand,
                       Status::NotFound("job " + job->id + " has no published results (it is " +
                                        std::string(models::ToString(job->state.state_type)) + ")"),
                       kExitFailed);
  }
  // Every path is checked before anything is written, so a bad answer leaves no partial folder.
  for (const models::ExecutionResults& result : *results) {
    Status ok = CheckRelativePath(result.execution_id, "execution ID");
    if (ok.ok() && result.execution_id.find('/') != std::string::npos) {
      ok = Status::PermissionDenied("refusing execution ID '" + result.execution_id +
                                    "' from the orchestrator: it contains '/'");
    }
    for (const models::ResultFile& file : result.files) {
      if (ok.ok()) ok = CheckRelativePath(file.path, "result file path");
    }
    if (!ok.ok()) return ReportError(kCommand, ok, kExitFailed);
  }

  fs::path dir = flags.output_dir.empty() ? fs::path("job-" + JobIdDigits(job->id))
                                          : fs::path(flags.output_dir);
  size_t files = 0;
  size_t bytes = 0;
  for (const models::ExecutionResults& result : *results) {
    for (const models::ResultFile& file : result.files) {
      Result<std::string> content =
          client->ResultFileBytes(job->id, result.execution_id, file.path);
      if (!content.ok()) {
        return ReportError(kCommand, content.status().WithContext(file.path), kExitFailed);
      }
      Status written = WriteFile(dir / result.execution_id / file.path, *content);
      if (!written.ok()) return ReportError(kCommand, written, kExitFailed);
      ++files;
      bytes += content->size();
    }
  }
  std::cout << "wrote " << files << (files == 1 ? " file" : " files") << " (" << bytes
            << " bytes) of " << results->size()
            << (results->size() == 1 ? " execution" : " executions") << " to " << dir.string()
            << "\n";
  // Partition results are often merged by a script: a partial download must not look complete.
  if (!failed->empty()) {
    return ReportError(
        kCommand,
        Status::Unavailable(Plural(failed->size(), "execution's", "executions'") +
                            " results are missing (see above); run the command again to retry"),
        kExitFailed);
  }
  return kExitOk;
}

}  // namespace shoal::cli
