// cluster_bench: what a Shoal cluster adds on top of the SQL it runs (issue 3, section 10).
//
// Usage: cluster_bench PATH_TO_SHOAL [--dispatch-jobs N] [--jobs N] [--events N] [--runs N]
//                      [--only dispatch|throughput|overhead]
// Defaults: 200 dispatch jobs, 1000 throughput jobs, 250000 events (about 250 MB of JSONL), 5 runs;
// about 2 minutes on 2 cores.
//
// One file of over 500 lines on purpose: a benchmark is read top to bottom as one story (its
// setup, three measurements each beside its baseline, and what they print), and none of it is
// used elsewhere.
//
// Setup: one in-process devstack (src/devstack: the orchestrator with its real HTTP API on a
// random loopback port, 3 us + 3 eu compute nodes with 4 slots each, one store folder per
// region), driven over HTTP by the real api::ApiClient, plus the real `shoal` binary for the
// figures a user sees from the command line. In-process keeps the bench one command with a fast
// start; the nodes still reach the orchestrator only through HTTP long-polls, as separate
// processes do, so the dispatch path measured is the production one. Orchestrator, nodes and
// bench share this machine's cores, as in a devstack.
//
// Figures, each next to a baseline measured in the same run, in the order printed:
//  1. Dispatch latency over N sequential trivial jobs (`SELECT 1`, Count 1) on warm, idle nodes.
//     "submit" is the client's clock just before it sends the submit request; "running" is the
//     time the orchestrator recorded the node's Running report (the "Running Execution" history
//     event, appended when the node says it has started the execution, before DuckDB opens);
//     "completed" is the job's Completed state event (results uploaded), split into the node's
//     run (Running -> Publishing: sandbox, engine, result tree) and publishing (upload, report).
//     Orchestrator and client share one process, so one clock. Floors: a loopback HTTP round
//     trip, and opening a DuckDB session + SELECT 1 in-process. Bacalhau's published figures are
//     printed for reference.
//  2. Throughput: N small jobs submitted at once from 4 client threads, alternating us and eu,
//     over the 6 nodes: jobs/s from the first submit to the last job's terminal state (the
//     orchestrator's timestamps), with the count of every terminal state (none may be lost).
//     Baselines: the same jobs one at a time (from 1.), and bare DuckDB sessions + SELECT 1 in
//     this process, as many at a time as there are cores and as there are slots (24).
//  3. Overhead: one job on one node over generated JSONL in the region's store, against the
//     same SQL in `shoal sql` on the same files. Both are timed end to end from the user's point
//     of view, process start included: `shoal sql -c` against `shoal job run --merge` (submit,
//     wait, fetch and print the result). A third line submits through the API client and polls
//     every 5 ms, to show the part of the CLI's 100 ms wait poll. The file cache is warm for all
//     (a warm-up run first, then rounds alternate the three ways); medians of --runs rounds, and
//     the best round of each (less sensitive to other work on the machine). The job's rows must
//     equal `shoal sql`'s.
//
// Timing never fails the run; the exit code is 1 only when something breaks (a job failed or
// was lost, a command failed).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include <sys/wait.h>
#include <unistd.h>

#include "api/api_client.h"
#include "devstack/devstack.h"
#include "engine/engine.h"
#include "models/job.h"

namespace {

namespace fs = std::filesystem;
using shoal::Result;
using shoal::Status;
using shoal::api::ApiClient;
using shoal::bench::Mean;
using shoal::bench::Median;
using shoal::bench::Percentile;
using shoal::models::Job;
using shoal::models::JobStateType;
using Steady = std::chrono::steady_clock;

struct Flags {
  std::string shoal;
  int dispatch_jobs = 200;
  int jobs = 1000;
  int64_t events = 250000;
  int runs = 5;
  std::string only;  // "dispatch", "throughput" or "overhead"; empty: all three
};

// Nanoseconds since the Unix epoch: the clock of every orchestrator timestamp.
int64_t WallNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

int RunCommand(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "cluster_bench: %s\n", what.c_str());
  std::exit(1);
}

Job SqlJob(const std::string& name, const std::string& region, const std::string& sql) {
  Job job;
  job.name = name;
  job.count = 1;
  job.task.name = "main";
  job.task.engine.type = "duckdb";
  job.task.engine.params = {{"SQL", sql}};
  job.constraints.push_back({"region", shoal::models::SelectorOperator::kEquals, {region}});
  return job;
}

// Polls the job every `interval` until it is terminal.
Result<Job> WaitForJob(const ApiClient& client, const std::string& id,
                       std::chrono::milliseconds interval, std::chrono::seconds timeout) {
  auto deadline = Steady::now() + timeout;
  while (true) {
    auto job = client.GetJob(id);
    if (!job.ok()) return job.status();
    if (shoal::models::IsTerminal(job->state.state_type)) return job;
    if (Steady::now() > deadline) {
      return Status::Internal("job " + id + " did not finish in " +
                              std::to_string(timeout.count()) + " s");
    }
    std::this_thread::sleep_for(interval);
  }
}

// --- 1. Dispatch latency ---------------------------------------------------------------------

struct DispatchFigures {
  std::vector<double> scheduled_ms, running_ms, completed_ms;
  // Phases of the node's work: Running -> Publishing (sandbox, engine, result tree) and
  // Publishing -> Completed (upload, final report).
  std::vector<double> run_ms, publish_ms;
};

DispatchFigures MeasureDispatch(const ApiClient& client, int jobs) {
  constexpr int kWarmUp = 10;  // every node has run a job before the measured ones
  DispatchFigures figures;
  for (int i = 0; i < kWarmUp + jobs; ++i) {
    const std::string region = i % 2 == 0 ? "us" : "eu";
    Job job = SqlJob("dispatch-" + std::to_string(i), region, "SELECT 1 AS one");
    const int64_t submitted = WallNanos();
    auto response = client.SubmitJob(job, {});
    if (!response.ok()) Die("submit: " + response.status().ToString());
    // The figures come from the orchestrator's timestamps; this poll only paces the jobs.
    auto done = WaitForJob(client, response->job_id, std::chrono::milliseconds(5),
                           std::chrono::seconds(60));
    if (!done.ok()) Die(done.status().ToString());
    if (done->state.state_type != JobStateType::kCompleted) {
      Die("dispatch job " + done->id + " ended " + done->state.message);
    }
    if (i < kWarmUp) continue;
    auto history = client.History(response->job_id, {});
    if (!history.ok()) Die("history: " + history.status().ToString());
    int64_t scheduled = 0, running = 0, publishing = 0, completed = 0;
    for (const auto& event : history->items) {
      if (event.topic == "Scheduling" && scheduled == 0) scheduled = event.time;
      if (event.topic == "Running Execution" && running == 0) running = event.time;
      if (event.topic == "Publishing Results" && publishing == 0) publishing = event.time;
      if (event.topic == "State Update" && event.message.rfind("Completed", 0) == 0) {
        completed = event.time;
      }
    }
    if (scheduled == 0 || running == 0 || publishing == 0 || completed == 0) {
      Die("job " + response->job_id +
          " lacks a Scheduling, Running, Publishing or Completed event");
    }
    figures.scheduled_ms.push_back((scheduled - submitted) / 1e6);
    figures.running_ms.push_back((running - submitted) / 1e6);
    figures.completed_ms.push_back((completed - submitted) / 1e6);
    figures.run_ms.push_back((publishing - running) / 1e6);
    figures.publish_ms.push_back((completed - publishing) / 1e6);
  }
  return figures;
}

std::vector<double> MeasureRoundTrips(const ApiClient& client, int count) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto start = Steady::now();
    if (!client.Alive().ok()) Die("GET /api/v1/agent/alive failed");
    ms.push_back(SecondsSince(start) * 1e3);
  }
  return ms;
}

// Opening a DuckDB session with Shoal's functions and running `SELECT 1`: what every execution
// of a trivial job does at least once.
double SessionSeconds() {
  auto start = Steady::now();
  auto session = shoal::engine::Session::Open({});
  if (!session.ok()) Die("engine: " + session.status().ToString());
  if (!(*session)->Query("SELECT 1 AS one").ok()) Die("engine: SELECT 1 failed");
  return SecondsSince(start);
}

// Sessions per second with `threads` workers.
double SessionRate(int sessions, int threads) {
  std::atomic<int> next{0};
  auto start = Steady::now();
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&] {
      while (next.fetch_add(1) < sessions) SessionSeconds();
    });
  }
  for (auto& worker : workers) worker.join();
  return sessions / SecondsSince(start);
}

// --- 2. Throughput ---------------------------------------------------------------------------

struct ThroughputFigures {
  double submit_seconds = 0;
  int submit_retries = 0;  // submissions sent again after the orchestrator was unreachable
  double total_seconds = 0;
  std::map<std::string, int> states;  // terminal state (or "lost") -> jobs
};

ThroughputFigures MeasureThroughput(const ApiClient& client, int jobs) {
  constexpr int kSubmitThreads = 4;
  std::vector<std::string> ids(jobs);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::atomic<int> retries{0};
  const int64_t start = WallNanos();
  auto steady_start = Steady::now();
  std::vector<std::thread> submitters;
  for (int t = 0; t < kSubmitThreads; ++t) {
    submitters.emplace_back([&] {
      for (int i = next.fetch_add(1); i < jobs; i = next.fetch_add(1)) {
        Job job = SqlJob("throughput-" + std::to_string(i), i % 2 == 0 ? "us" : "eu",
                         "SELECT " + std::to_string(i) + " AS job");
        auto response = client.SubmitJob(job, {});
        // A client that cannot connect tries again, as a user would. Should the first attempt
        // have been stored after all, the same name and spec answer kAlreadyExists: look it up.
        for (int attempt = 1; attempt < 5 && !response.ok() &&
                              response.status().code() == shoal::ErrorCode::kUnavailable;
             ++attempt) {
          ++retries;
          std::this_thread::sleep_for(std::chrono::milliseconds(100));
          response = client.SubmitJob(job, {});
          if (response.status().code() == shoal::ErrorCode::kAlreadyExists) {
            auto stored = client.GetJob(job.name);
            if (!stored.ok()) break;
            response = shoal::api::SubmitResponse{stored->id, stored->version, false, {}};
          }
        }
        if (!response.ok()) {
          std::fprintf(stderr, "submit %d: %s\n", i, response.status().ToString().c_str());
          failed = true;
          continue;
        }
        ids[i] = response->job_id;
      }
    });
  }
  for (auto& submitter : submitters) submitter.join();
  ThroughputFigures figures;
  figures.submit_seconds = SecondsSince(steady_start);
  figures.submit_retries = retries;
  if (failed) Die("some submissions failed");

  // Poll the job list (newest first, so ours come first) once a second until every job is
  // terminal; the figure itself comes from the orchestrator's timestamps, not from this poll.
  std::set<std::string> pending(ids.begin(), ids.end());
  std::map<std::string, Job> final_jobs;
  const auto deadline = Steady::now() + std::chrono::seconds(60 + jobs / 2);
  while (!pending.empty() && Steady::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    shoal::api::JobListOptions options;
    options.limit = 1000;
    const size_t wanted = pending.size();
    size_t seen = 0;
    do {
      auto page = client.ListJobs(options);
      if (!page.ok()) Die("list jobs: " + page.status().ToString());
      for (auto& job : page->items) {
        if (!pending.count(job.id)) continue;
        ++seen;
        if (shoal::models::IsTerminal(job.state.state_type)) {
          pending.erase(job.id);
          final_jobs[job.id] = std::move(job);
        }
      }
      options.next_token = page->next_token;
    } while (!options.next_token.empty() && seen < wanted);
  }
  int64_t last = start;
  for (const auto& [id, job] : final_jobs) {
    ++figures.states[std::string(shoal::models::ToString(job.state.state_type))];
    last = std::max(last, job.modify_time);
  }
  if (!pending.empty()) figures.states["lost (not terminal)"] = static_cast<int>(pending.size());
  figures.total_seconds = (last - start) / 1e9;
  return figures;
}

// --- 3. Overhead over `shoal sql` ------------------------------------------------------------

// A query that reads every event: JSON parsing dominates, as in the seed's reports. The sum is
// exact (DECIMAL) so that both ways print the same digits whatever the order of addition.
std::string OverheadSql(const std::string& files) {
  return "SELECT product_category, count(*) AS n, sum(total_amount::DECIMAL(18, 2)) AS revenue, "
         "count(DISTINCT customer_id) AS customers FROM read_json_auto('" +
         files + "') GROUP BY 1 ORDER BY 1";
}

struct OverheadFigures {
  std::vector<double> sql_s, job_run_s, api_s;
  bool same_rows = true;
};

std::vector<std::string> SortedLines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(line);
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

OverheadFigures MeasureOverhead(const Flags& flags, const ApiClient& client, int port,
                                const std::string& token_file, const fs::path& bench_dir,
                                const fs::path& data_dir) {
  const std::string local_sql = OverheadSql((data_dir / "*.jsonl").string());
  const std::string job_sql = OverheadSql("s3://my-bucket/bench/*.jsonl");
  const fs::path yaml = bench_dir / "overhead.yaml";
  {
    std::ofstream out(yaml);
    out << "Name: overhead-{{.Run}}\nType: batch\nCount: 1\n"
           "Constraints:\n  - {Key: region, Operator: \"==\", Values: [us]}\n"
           "Tasks:\n  - Name: main\n    Engine:\n      Type: duckdb\n      Params:\n"
           "        SQL: |\n          "
        << job_sql << "\n";
  }
  const fs::path sql_out = bench_dir / "sql.csv";
  const fs::path job_out = bench_dir / "job.csv";
  const std::string sql_command =
      flags.shoal + " sql --format csv -c \"" + local_sql + "\" > " + sql_out.string();
  const std::string env = "SHOAL_API_HOST=127.0.0.1 SHOAL_API_PORT=" + std::to_string(port) +
                          " SHOAL_API_TOKEN_FILE=" + token_file + " ";

  auto time_command = [](const std::string& command) {
    auto start = Steady::now();
    if (RunCommand(command) != 0) Die("command failed: " + command);
    return SecondsSince(start);
  };
  OverheadFigures figures;
  time_command(sql_command);  // warm-up: files into the page cache
  for (int round = 0; round < flags.runs; ++round) {
    figures.sql_s.push_back(time_command(sql_command));
    figures.job_run_s.push_back(time_command(env + flags.shoal + " job run " + yaml.string() +
                                             " -V Run=cli-" + std::to_string(round) +
                                             " --output csv --merge > " + job_out.string()));
    if (round == 0 && SortedLines(sql_out) != SortedLines(job_out)) {
      figures.same_rows = false;
      std::fprintf(stderr, "cluster_bench: rows differ; compare %s and %s\n", sql_out.c_str(),
                   job_out.c_str());
    }

    auto start = Steady::now();
    auto response =
        client.SubmitJob(SqlJob("overhead-api-" + std::to_string(round), "us", job_sql), {});
    if (!response.ok()) Die("submit: " + response.status().ToString());
    auto done = WaitForJob(client, response->job_id, std::chrono::milliseconds(5),
                           std::chrono::seconds(600));
    if (!done.ok() || done->state.state_type != JobStateType::kCompleted) {
      Die("overhead job " + response->job_id + " did not complete");
    }
    auto results = client.Results(response->job_id);
    if (!results.ok() || results->size() != 1) Die("overhead job results missing");
    auto bytes =
        client.ResultFileBytes(response->job_id, (*results)[0].execution_id, "result.json");
    if (!bytes.ok()) Die("result.json: " + bytes.status().ToString());
    figures.api_s.push_back(SecondsSince(start));
  }
  return figures;
}

// --- Reports ----------------------------------------------------------------------------------

// Prints figure 1; returns the mean completion latency in ms (the one-at-a-time baseline of 2.).
double ReportDispatch(const Flags& flags, const ApiClient& client) {
  DispatchFigures dispatch = MeasureDispatch(client, flags.dispatch_jobs);
  std::vector<double> rtt = MeasureRoundTrips(client, 200);
  std::vector<double> session_ms;
  for (int i = 0; i < 20; ++i) session_ms.push_back(SessionSeconds() * 1e3);
  const double running_p50 = Percentile(dispatch.running_ms, 50);
  const double running_p99 = Percentile(dispatch.running_ms, 99);
  std::printf("1. dispatch latency: %d sequential `SELECT 1` jobs (Count 1) on warm nodes, ms\n",
              flags.dispatch_jobs);
  std::printf("   %-32s %8s %8s   %s\n", "", "p50", "p99", "reference");
  std::printf("   %-32s %8.2f %8.2f   Bacalhau 17\n", "submit -> scheduled on a node",
              Percentile(dispatch.scheduled_ms, 50), Percentile(dispatch.scheduled_ms, 99));
  std::printf("   %-32s %8.2f %8.2f   Bacalhau 83; target p50 <= 10, p99 <= 50\n",
              "submit -> execution Running", running_p50, running_p99);
  std::printf("   %-32s %8.2f %8.2f   Bacalhau 1039 (docker start)\n", "submit -> job Completed",
              Percentile(dispatch.completed_ms, 50), Percentile(dispatch.completed_ms, 99));
  std::printf("   %-32s %8.2f %8.2f\n", "  of which Running -> Publishing",
              Percentile(dispatch.run_ms, 50), Percentile(dispatch.run_ms, 99));
  std::printf("   %-32s %8.2f %8.2f\n", "  of which Publishing -> Completed",
              Percentile(dispatch.publish_ms, 50), Percentile(dispatch.publish_ms, 99));
  std::printf("   %-32s %8.2f %8.2f   floor of each HTTP hop\n", "baseline: loopback HTTP call",
              Percentile(rtt, 50), Percentile(rtt, 99));
  std::printf("   %-32s %8.2f %8.2f   floor of a job's run\n", "baseline: DuckDB open+SELECT 1",
              Percentile(session_ms, 50), Percentile(session_ms, 99));
  std::printf("   running p50 = %.1f x one HTTP call; p50 %s 10 ms, p99 %s 50 ms\n\n",
              running_p50 / Percentile(rtt, 50), running_p50 <= 10 ? "meets" : "MISSES",
              running_p99 <= 50 ? "meets" : "MISSES");
  std::fflush(stdout);
  return Mean(dispatch.completed_ms);
}

// Prints figure 2; false when a job did not complete.
bool ReportThroughput(const Flags& flags, const ApiClient& client, double sequential_ms) {
  ThroughputFigures throughput = MeasureThroughput(client, flags.jobs);
  const double jobs_per_s = flags.jobs / throughput.total_seconds;
  // Bare sessions as many at a time as there are cores, and as many as the cluster has slots.
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  constexpr int kSlots = 6 * 4;
  const double sessions_per_s = SessionRate(std::min(flags.jobs, 200), cores);
  const double slot_sessions_per_s = SessionRate(std::min(flags.jobs, 200), kSlots);
  std::printf("2. throughput: %d concurrent small jobs over 6 nodes (us/eu alternating)\n",
              flags.jobs);
  std::printf(
      "   submitted in %.2f s (%.0f submits/s, 4 client threads; %d retried after a failed "
      "connect)\n",
      throughput.submit_seconds, flags.jobs / throughput.submit_seconds, throughput.submit_retries);
  std::printf("   all terminal after %.2f s: %.1f jobs/s\n", throughput.total_seconds, jobs_per_s);
  std::printf("   terminal states:");
  for (const auto& [state, count] : throughput.states) std::printf(" %s %d", state.c_str(), count);
  std::printf("\n");
  if (!std::isnan(sequential_ms)) {
    std::printf("   baseline: one at a time (1.)        %8.1f jobs/s   ratio %.2f\n",
                1e3 / sequential_ms, jobs_per_s * sequential_ms / 1e3);
  }
  std::printf(
      "   baseline: bare DuckDB open+SELECT 1 %8.1f /s       ratio %.2f (%d at a time: cores)\n",
      sessions_per_s, jobs_per_s / sessions_per_s, cores);
  std::printf(
      "   baseline: bare DuckDB open+SELECT 1 %8.1f /s       ratio %.2f (%d at a time: slots)\n\n",
      slot_sessions_per_s, jobs_per_s / slot_sessions_per_s, kSlots);
  std::fflush(stdout);
  return throughput.states.size() == 1 && throughput.states.count("Completed") == 1;
}

// Prints figure 3; false when the job's rows differ from `shoal sql`'s.
bool ReportOverhead(const Flags& flags, const ApiClient& client,
                    const shoal::devstack::Devstack& stack, const fs::path& dir) {
  const fs::path data_dir = fs::path(stack.StorageDir("us")) / "my-bucket" / "bench";
  constexpr int kMonths = 5;
  std::printf(
      "3. overhead: generating %lld events (%d monthly JSONL files) with shoal generate...\n",
      static_cast<long long>(flags.events), kMonths);
  std::fflush(stdout);
  if (RunCommand(flags.shoal + " generate --region us --count " +
                 std::to_string(flags.events / kMonths) +
                 " --start-date 2024-01-01 --end-date 2024-06-01 --rotate-interval month "
                 "--output " +
                 data_dir.string() + " > /dev/null") != 0) {
    Die("shoal generate failed");
  }
  uintmax_t bytes = 0;
  for (const auto& entry : fs::directory_iterator(data_dir)) bytes += entry.file_size();
  OverheadFigures overhead =
      MeasureOverhead(flags, client, stack.port(), stack.client_token_file(), dir, data_dir);
  const double sql_s = Median(overhead.sql_s);
  const double job_run_s = Median(overhead.job_run_s);
  const double api_s = Median(overhead.api_s);
  const double sql_best = Percentile(overhead.sql_s, 1);
  const double job_run_best = Percentile(overhead.job_run_s, 1);
  const double api_best = Percentile(overhead.api_s, 1);
  std::printf(
      "   %.0f MB of JSONL; medians of %d rounds, end to end, process start included,"
      " warm file cache\n",
      bytes / 1e6, flags.runs);
  std::printf("   %-46s %8s %8s %7s %7s\n", "", "median", "ratio", "best", "ratio");
  std::printf("   %-46s %7.3fs %8s %6.3fs %7s   baseline%s\n", "shoal sql -c (one process)", sql_s,
              "", sql_best, "", sql_s < 1.0 ? "; under 1 s: raise --events" : "");
  std::printf("   %-46s %7.3fs %8.3f %6.3fs %7.3f   target <= 1.10\n",
              "shoal job run --merge (1 job, 1 node)", job_run_s, job_run_s / sql_s, job_run_best,
              job_run_best / sql_best);
  std::printf("   %-46s %7.3fs %8.3f %6.3fs %7.3f\n",
              "API client (submit, poll 5 ms, fetch result)", api_s, api_s / sql_s, api_best,
              api_best / sql_best);
  std::printf(
      "   job run - shoal sql: %+.0f ms median, %+.0f ms best (its wait polls every 100 ms)\n",
      (job_run_s - sql_s) * 1e3, (job_run_best - sql_best) * 1e3);
  std::printf("   same rows from shoal sql and shoal job run: %s\n",
              overhead.same_rows ? "yes" : "NO");
  return overhead.same_rows;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr,
                 "usage: cluster_bench PATH_TO_SHOAL [--dispatch-jobs N] [--jobs N] "
                 "[--events N] [--runs N] [--only dispatch|throughput|overhead]\n");
    std::exit(2);
  }
  flags.shoal = fs::absolute(argv[1]).string();
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (i + 1 >= argc) Die("flag " + name + " needs a value");
    if (name == "--only") {
      flags.only = argv[++i];
      if (flags.only != "dispatch" && flags.only != "throughput" && flags.only != "overhead") {
        Die("--only takes dispatch, throughput or overhead");
      }
      continue;
    }
    int64_t value = std::atoll(argv[++i]);
    if (value < 1) Die("flag " + name + " needs a positive number");
    if (name == "--dispatch-jobs") {
      flags.dispatch_jobs = static_cast<int>(value);
    } else if (name == "--jobs") {
      flags.jobs = static_cast<int>(value);
    } else if (name == "--events") {
      flags.events = value;
    } else if (name == "--runs") {
      flags.runs = static_cast<int>(value);
    } else {
      Die("unknown flag " + name);
    }
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const fs::path dir =
      fs::temp_directory_path() / ("shoal-cluster-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);

  shoal::devstack::DevstackOptions options;
  options.dir = (dir / "devstack").string();
  options.port = 0;
  auto stack = shoal::devstack::Devstack::Start(options);
  if (!stack.ok()) Die("devstack: " + stack.status().ToString());
  if (!(*stack)->WaitForNodes(std::chrono::seconds(30))) Die("nodes did not register");
  shoal::transport::HttpClient::Options http;
  http.bearer_token = (*stack)->client_token();  // the devstack's API asks for its token
  ApiClient client(shoal::transport::Endpoint{"127.0.0.1", (*stack)->port()}, http);
  std::printf(
      "cluster: in-process devstack, 3 us + 3 eu nodes (4 slots each), HTTP on 127.0.0.1:%d,"
      " %u cores\n\n",
      (*stack)->port(), std::thread::hardware_concurrency());

  bool ok = true;
  double sequential_ms = NAN;
  if (flags.only.empty() || flags.only == "dispatch") sequential_ms = ReportDispatch(flags, client);
  if (flags.only.empty() || flags.only == "throughput") {
    ok = ReportThroughput(flags, client, sequential_ms) && ok;
  }
  if (flags.only.empty() || flags.only == "overhead") {
    ok = ReportOverhead(flags, client, **stack, dir) && ok;
  }

  (*stack)->Stop();
  if (!ok) {
    std::fprintf(stderr, "cluster_bench: some jobs did not complete or results differ; kept %s\n",
                 dir.c_str());
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
