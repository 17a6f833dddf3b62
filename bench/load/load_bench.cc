// load_bench: one orchestrator under load (issue 5, section 6).
//
// Usage: load_bench PATH_TO_SHOAL [--jobs N] [--clients N] [--window N] [--compute-nodes N]
//                   [--idle-nodes N] [--nodes N] [--heartbeat-ms N] [--measure-seconds N]
//                   [--only jobs|nodes]
// Defaults: 10,000 jobs from 16 clients over 6 nodes, then 200 simulated nodes heartbeating
// every 1000 ms for 30 s; several minutes on 2 cores.
//
// Setup: the orchestrator runs as its own `shoal serve --orchestrator` process on a random
// loopback port, so its memory (VmRSS, VmHWM) and CPU (utime + stime) are read from /proc for it
// alone. Everything else (the clients, the simulated nodes, the real compute node processes)
// shares this machine's cores with it.
//
// Figures, each next to a baseline measured in the same run:
//  1. Jobs: --jobs cheap jobs (`SELECT i`, Count 1) submitted by --clients concurrent API
//     clients to --compute-nodes real `shoal serve --compute` processes (4 slots each). Each
//     client keeps at most --window of its jobs unfinished (0: no limit), so the backlog the
//     orchestrator holds stays constant and its memory can only grow with what it keeps per job.
//     - accounting: every job terminal, and the orchestrator's job list equal to the clients'
//       submissions (none missing, none extra, none twice);
//     - submit latency p50/p99, against a bare `GET /agent/alive` round trip to the same server,
//       idle (before the load) and under the load (a probe every 50 ms while clients submit);
//     - the orchestrator's RSS at the start, after half the jobs, after all of them, at the end
//       (every job terminal), and its peak, with the growth per 1,000 jobs in each half against
//       the growth of its SQLite files.
//     --idle-nodes N attaches N simulated nodes that never get work (see 2.) during the jobs,
//     to show what a large fleet costs the job path.
//  2. Nodes: --nodes simulated compute nodes (bench/load/load_harness.h: register, heartbeat at
//     the orchestrator's interval, one 10 s long-poll each, as compute::ComputeNode does) against
//     a fresh orchestrator. The orchestrator's CPU share (utime + stime over wall time, % of one
//     core) over --measure-seconds, against the same orchestrator idle with no node for the same
//     time; heartbeat round trips p50/p99 against `GET /agent/alive`; every heartbeat answered,
//     no node declared lost, all listed CONNECTED at the end.
//
// Timing never fails the run; the exit code is 1 only when something breaks (a job lost or not
// terminal, the list disagreeing with the submissions, a heartbeat unanswered, a node lost).
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "load/load_harness.h"
#include <unistd.h>

namespace {

namespace fs = std::filesystem;
using shoal::load::Percentile;
using Steady = std::chrono::steady_clock;

struct Flags {
  std::string shoal;
  int jobs = 10000;
  int clients = 16;
  int window = 16;
  int compute_nodes = 6;
  int idle_nodes = 0;  // simulated nodes attached during the jobs (they never get work)
  int nodes = 200;
  int heartbeat_ms = 1000;
  int measure_seconds = 30;
  std::string only;  // "jobs" or "nodes"; empty: both
};

[[noreturn]] void Die(const std::string& what) {
  std::fprintf(stderr, "load_bench: %s\n", what.c_str());
  std::exit(1);
}

double Mb(int64_t kb) { return static_cast<double>(kb) / 1024.0; }

void PrintLatencies(const char* what, const std::vector<double>& ms, const char* note = "") {
  std::printf("   %-40s %8.2f %8.2f %8.2f %7zu   %s\n", what, Percentile(ms, 50),
              Percentile(ms, 99), Percentile(ms, 100), ms.size(), note);
}

// --- 1. Jobs ----------------------------------------------------------------------------------

bool RunJobs(const Flags& flags, const fs::path& dir) {
  shoal::load::LoadCluster::Options options;
  options.shoal = flags.shoal;
  options.dir = dir / "jobs";
  options.compute_nodes = flags.compute_nodes;
  auto cluster = shoal::load::LoadCluster::Start(options);
  if (!cluster.ok()) Die(cluster.status().ToString());
  if (!(*cluster)->WaitForNodes(flags.compute_nodes, std::chrono::seconds(60))) {
    Die("the compute nodes did not connect");
  }
  const auto& client = (*cluster)->client();
  const pid_t pid = (*cluster)->orchestrator_pid();
  std::printf(
      "1. jobs: %d cheap jobs (SELECT i, Count 1) from %d clients (at most %d unfinished each) "
      "over %d nodes (4 slots each); orchestrator pid %d\n",
      flags.jobs, flags.clients, flags.window, flags.compute_nodes, pid);
  std::fflush(stdout);

  // Idle simulated nodes (region=sim: no job matches them) long-polling beside the real ones:
  // what the job path costs on an orchestrator with a large fleet.
  std::unique_ptr<shoal::load::NodeFleet> idle_fleet;
  if (flags.idle_nodes > 0) {
    shoal::load::NodeFleet::Options fleet_options;
    fleet_options.orchestrator = (*cluster)->endpoint();
    fleet_options.count = flags.idle_nodes;
    idle_fleet = std::make_unique<shoal::load::NodeFleet>(fleet_options);
    idle_fleet->Start();
    if (!idle_fleet->WaitRegistered(std::chrono::seconds(120))) Die("idle nodes did not register");
    std::printf("   with %d idle simulated nodes long-polling\n", flags.idle_nodes);
  }
  const std::vector<double> alive_idle = shoal::load::AliveRoundTrips(client, 200);
  std::atomic<int64_t> submitted{0};
  shoal::load::ProcSampler sampler(pid, std::chrono::milliseconds(200),
                                   [&] { return submitted.load(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // a first sample before load
  const auto start_sample = sampler.At(0);

  // The floor under load: the same server's cheapest call, every 50 ms while clients submit.
  std::atomic<bool> probing{true};
  std::vector<double> alive_loaded;
  std::thread prober([&] {
    while (probing) {
      auto ms = shoal::load::AliveRoundTrips(client, 1);
      alive_loaded.insert(alive_loaded.end(), ms.begin(), ms.end());
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
  shoal::load::SubmitOptions submit;
  submit.jobs = flags.jobs;
  submit.clients = flags.clients;
  submit.window = flags.window;
  const auto submit_figures = shoal::load::SubmitLoad(client, submit, &submitted);
  probing = false;
  prober.join();
  const auto all_submitted = sampler.At(flags.jobs);
  // With a window the clients have seen every job terminal: the end of the run, before the job
  // list is read (its 1,000-job pages cost the orchestrator memory of their own).
  auto end = shoal::load::ReadProcStat(pid);
  if (!end.ok()) Die("the orchestrator exited during the run");
  auto accounting = shoal::load::AccountJobs(client, submit_figures.ids,
                                             std::chrono::seconds(120 + flags.jobs / 10));
  if (!accounting.ok()) Die("job list: " + accounting.status().ToString());
  sampler.Stop();
  auto listed = shoal::load::ReadProcStat(pid);
  if (!listed.ok()) Die("the orchestrator exited during the run");
  const auto half = sampler.At(flags.jobs / 2);
  const int64_t state_bytes = (*cluster)->StateBytes();
  const int64_t data_bytes = (*cluster)->DataDirBytes();

  const auto& a = *accounting;
  std::printf(
      "   accounting: %lld submitted, %lld listed (%lld distinct), %zu missing, %zu extra, "
      "%lld not terminal: %s\n",
      static_cast<long long>(a.submitted), static_cast<long long>(a.listed),
      static_cast<long long>(a.listed_distinct), a.missing.size(), a.extra.size(),
      static_cast<long long>(a.not_terminal), a.exact() && a.not_terminal == 0 ? "exact" : "WRONG");
  std::printf("   terminal states:");
  for (const auto& [state, count] : a.states) {
    std::printf(" %s %lld", state.c_str(), static_cast<long long>(count));
  }
  std::printf("\n   submissions failed after retries: %zu; retried: %d (%d after an HTTP error)\n",
              submit_figures.errors.size(), submit_figures.retries, submit_figures.http_errors);
  for (size_t i = 0; i < std::min<size_t>(5, submit_figures.errors.size()); ++i) {
    std::printf("     %s\n", submit_figures.errors[i].c_str());
  }
  const double all_terminal_s = submit_figures.drained_seconds + a.seconds_to_terminal;
  std::printf("   submitted in %.1f s (%.0f submits/s); all terminal after %.1f s (%.1f jobs/s)\n",
              submit_figures.seconds, flags.jobs / submit_figures.seconds, all_terminal_s,
              flags.jobs / all_terminal_s);
  std::printf("   %-40s %8s %8s %8s %7s\n", "latency, ms", "p50", "p99", "max", "n");
  PrintLatencies("submit (PUT /jobs)", submit_figures.submit_ms);
  PrintLatencies("baseline: GET /agent/alive, idle", alive_idle);
  PrintLatencies("baseline: GET /agent/alive, under load", alive_loaded);
  std::printf(
      "   submit p50 = %.1f x alive idle, %.1f x alive under load; p99 = %.1f x alive "
      "under load\n",
      Percentile(submit_figures.submit_ms, 50) / Percentile(alive_idle, 50),
      Percentile(submit_figures.submit_ms, 50) / Percentile(alive_loaded, 50),
      Percentile(submit_figures.submit_ms, 99) / Percentile(alive_loaded, 99));

  const double first_half_mb = Mb(half.stat.rss_kb - start_sample.stat.rss_kb);
  const double second_half_mb = Mb(all_submitted.stat.rss_kb - half.stat.rss_kb);
  const double per_thousand = 1000.0 / (flags.jobs / 2.0);
  std::printf(
      "   orchestrator RSS, MB: start %.1f, after %d jobs submitted %.1f, after %d %.1f, end "
      "(all terminal) %.1f, peak %.1f; after listing every job (pages of 1,000) %.1f, peak "
      "(VmHWM) %.1f; %lld threads\n",
      Mb(start_sample.stat.rss_kb), flags.jobs / 2, Mb(half.stat.rss_kb), flags.jobs,
      Mb(all_submitted.stat.rss_kb), Mb(end->rss_kb), Mb(end->hwm_kb), Mb(listed->rss_kb),
      Mb(listed->hwm_kb), static_cast<long long>(listed->threads));
  std::printf(
      "   RSS growth per 1,000 jobs: first half %+.2f MB, second half %+.2f MB; SQLite "
      "state %.1f MB (%.2f MB per 1,000 jobs); data dir with results %.1f MB\n",
      first_half_mb * per_thousand, second_half_mb * per_thousand, state_bytes / 1048576.0,
      state_bytes / 1048576.0 * 1000.0 / flags.jobs, data_bytes / 1048576.0);
  std::printf("   orchestrator CPU: %.1f s over the run\n\n", listed->cpu_seconds);
  std::fflush(stdout);
  if (idle_fleet) idle_fleet->RequestStop();
  (*cluster)->Stop();
  if (idle_fleet) idle_fleet->Stop();
  return a.exact() && a.not_terminal == 0 && submit_figures.errors.empty() &&
         a.states.size() == 1 && a.states.count("Completed") == 1;
}

// --- 2. Nodes ---------------------------------------------------------------------------------

bool RunNodes(const Flags& flags, const fs::path& dir) {
  shoal::load::LoadCluster::Options options;
  options.shoal = flags.shoal;
  options.dir = dir / "nodes";
  options.heartbeat_s = flags.heartbeat_ms / 1000.0;
  auto cluster = shoal::load::LoadCluster::Start(options);
  if (!cluster.ok()) Die(cluster.status().ToString());
  const pid_t pid = (*cluster)->orchestrator_pid();
  const auto& client = (*cluster)->client();
  std::printf(
      "2. nodes: %d simulated nodes, a heartbeat every %d ms and one 10 s long-poll each, "
      "%d s measured; orchestrator pid %d\n",
      flags.nodes, flags.heartbeat_ms, flags.measure_seconds, pid);
  std::fflush(stdout);
  const std::vector<double> alive_idle = shoal::load::AliveRoundTrips(client, 200);

  auto cpu_over = [&](int seconds) {
    auto before = shoal::load::ReadProcStat(pid);
    const auto start = Steady::now();
    std::this_thread::sleep_for(std::chrono::seconds(seconds));
    auto after = shoal::load::ReadProcStat(pid);
    if (!before.ok() || !after.ok()) Die("the orchestrator exited during the run");
    const double wall = std::chrono::duration<double>(Steady::now() - start).count();
    return (after->cpu_seconds - before->cpu_seconds) / wall * 100.0;
  };
  const double idle_cpu = cpu_over(flags.measure_seconds);

  shoal::load::NodeFleet::Options fleet_options;
  fleet_options.orchestrator = (*cluster)->endpoint();
  fleet_options.count = flags.nodes;
  shoal::load::NodeFleet fleet(fleet_options);
  const auto registering = Steady::now();
  fleet.Start();
  if (!fleet.WaitRegistered(std::chrono::seconds(120))) Die("not every node registered");
  const double register_s = std::chrono::duration<double>(Steady::now() - registering).count();
  // Two intervals of warm-up: every node heartbeating and long-polling before measuring.
  std::this_thread::sleep_for(std::chrono::milliseconds(2 * flags.heartbeat_ms));
  fleet.ResetFigures();
  std::vector<double> alive_loaded;
  std::atomic<bool> probing{true};
  std::thread prober([&] {
    while (probing) {
      auto ms = shoal::load::AliveRoundTrips(client, 1);
      alive_loaded.insert(alive_loaded.end(), ms.begin(), ms.end());
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  const double loaded_cpu = cpu_over(flags.measure_seconds);
  probing = false;
  prober.join();
  const auto figures = fleet.figures();
  const int connected = (*cluster)->ConnectedNodes();
  auto stat = shoal::load::ReadProcStat(pid);
  fleet.RequestStop();
  (*cluster)->Stop();  // ends the long-polls in flight
  fleet.Stop();

  const int64_t expected =
      static_cast<int64_t>(flags.measure_seconds) * 1000 / flags.heartbeat_ms * flags.nodes;
  std::printf("   all %d registered in %.2f s\n", flags.nodes, register_s);
  std::printf(
      "   orchestrator CPU, %% of one core: idle (no node) %.2f%%, with %d nodes %.2f%% "
      "(+%.2f points, %.1f x idle; %.3f%% per node)\n",
      idle_cpu, flags.nodes, loaded_cpu, loaded_cpu - idle_cpu,
      idle_cpu > 0 ? loaded_cpu / idle_cpu : NAN, (loaded_cpu - idle_cpu) / flags.nodes);
  std::printf(
      "   heartbeats: %lld sent (%lld expected at the interval), %lld answered Known, "
      "%lld answered unknown (node lost), %lld failed, %lld sent late; long-polls "
      "answered %lld, failed %lld\n",
      static_cast<long long>(figures.heartbeats), static_cast<long long>(expected),
      static_cast<long long>(figures.heartbeats_ok),
      static_cast<long long>(figures.heartbeats_unknown),
      static_cast<long long>(figures.heartbeats_failed),
      static_cast<long long>(figures.late_heartbeats), static_cast<long long>(figures.polls),
      static_cast<long long>(figures.polls_failed));
  for (const auto& error : figures.errors) std::printf("     %s\n", error.c_str());
  std::printf("   %-40s %8s %8s %8s %7s\n", "latency, ms", "p50", "p99", "max", "n");
  PrintLatencies("heartbeat (POST /compute/heartbeat)", figures.heartbeat_ms);
  PrintLatencies("baseline: GET /agent/alive, idle", alive_idle);
  PrintLatencies("baseline: GET /agent/alive, with nodes", alive_loaded);
  std::printf("   heartbeat p50 = %.1f x alive idle; p99 = %.1f x alive with nodes\n",
              Percentile(figures.heartbeat_ms, 50) / Percentile(alive_idle, 50),
              Percentile(figures.heartbeat_ms, 99) / Percentile(alive_loaded, 99));
  std::printf("   nodes CONNECTED at the end: %d of %d; orchestrator %lld threads, RSS %.1f MB\n",
              connected, flags.nodes, stat.ok() ? static_cast<long long>(stat->threads) : -1LL,
              stat.ok() ? Mb(stat->rss_kb) : NAN);
  std::fflush(stdout);
  return figures.heartbeats_failed == 0 && figures.heartbeats_unknown == 0 &&
         figures.polls_failed == 0 && connected == flags.nodes;
}

Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(
        stderr,
        "usage: load_bench PATH_TO_SHOAL [--jobs N] [--clients N] [--window N] "
        "[--compute-nodes N] [--idle-nodes N] [--nodes N] [--heartbeat-ms N] [--measure-seconds N] "
        "[--only jobs|nodes]\n");
    std::exit(2);
  }
  flags.shoal = fs::absolute(argv[1]).string();
  for (int i = 2; i < argc; ++i) {
    std::string name = argv[i];
    if (i + 1 >= argc) Die("flag " + name + " needs a value");
    if (name == "--only") {
      flags.only = argv[++i];
      if (flags.only != "jobs" && flags.only != "nodes") Die("--only takes jobs or nodes");
      continue;
    }
    int64_t value = std::atoll(argv[++i]);
    if (value < 0 || (value == 0 && name != "--window" && name != "--idle-nodes"))
      Die("flag " + name + " needs a positive number");
    if (name == "--jobs") {
      flags.jobs = static_cast<int>(value);
    } else if (name == "--clients") {
      flags.clients = static_cast<int>(value);
    } else if (name == "--window") {
      flags.window = static_cast<int>(value);
    } else if (name == "--idle-nodes") {
      flags.idle_nodes = static_cast<int>(value);
    } else if (name == "--compute-nodes") {
      flags.compute_nodes = static_cast<int>(value);
    } else if (name == "--nodes") {
      flags.nodes = static_cast<int>(value);
    } else if (name == "--heartbeat-ms") {
      flags.heartbeat_ms = static_cast<int>(value);
    } else if (name == "--measure-seconds") {
      flags.measure_seconds = static_cast<int>(value);
    } else {
      Die("unknown flag " + name);
    }
  }
  return flags;
}

}  // namespace

int main(int argc, char** argv) {
  const Flags flags = ParseFlags(argc, argv);
  const fs::path dir = fs::temp_directory_path() / ("shoal-load-bench-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::printf(
      "load: one `shoal serve --orchestrator` process on loopback, %u cores shared with "
      "every client and node\n\n",
      std::thread::hardware_concurrency());
  bool ok = true;
  if (flags.only.empty() || flags.only == "jobs") ok = RunJobs(flags, dir) && ok;
  if (flags.only.empty() || flags.only == "nodes") ok = RunNodes(flags, dir) && ok;
  if (!ok) {
    std::fprintf(stderr, "load_bench: jobs or heartbeats went missing; kept %s\n", dir.c_str());
    return 1;
  }
  fs::remove_all(dir);
  return 0;
}
