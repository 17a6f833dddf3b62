// Load harness: the pieces of issue 5's load figures (bench/load/load_bench) and of their small
// versions as tests (tests/load_e2e_test): a `shoal serve --orchestrator` process whose memory
// and CPU are read from /proc, many API clients submitting cheap jobs at once, the accounting of
// every job against the orchestrator's job list, and a fleet of simulated compute nodes that
// speak the real compute protocol over HTTP (register, heartbeat, long-poll) without running
// anything.
//
// Everything talks to the orchestrator over loopback HTTP with the product's own clients
// (api::ApiClient, transport::HttpClient), so what is measured is the production path.
//
// load_harness.cc is over 500 lines on purpose: its pieces (process, clients, accounting, node
// fleet) are each small and only make sense together; the bench and the test are its callers.
//
// Thread-safety: ProcStat readers are plain functions. LoadOrchestrator, SubmitLoad and
// AccountJobs are used from one thread (SubmitLoad runs its clients on threads of its own).
// NodeFleet and ProcSampler run their own threads; their accessors may be called from any
// thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include <sys/types.h>

#include "api/api_client.h"
#include "common/status.h"
#include "transport/http_client.h"

namespace shoal::load {

// --- /proc ------------------------------------------------------------------------------------

struct ProcStat {
  int64_t rss_kb = 0;      // VmRSS
  int64_t hwm_kb = 0;      // VmHWM: the peak RSS so far
  int64_t threads = 0;     // Threads
  double cpu_seconds = 0;  // utime + stime
};

// The process's memory and CPU; NotFound when it has exited.
Result<ProcStat> ReadProcStat(pid_t pid);

// Samples a process every `interval` on a thread of its own, tagging each sample with
// `progress()` (e.g. jobs submitted so far), until destroyed or Stop().
class ProcSampler {
 public:
  struct Sample {
    double seconds = 0;  // since the sampler started
    int64_t progress = 0;
    ProcStat stat;
  };
  ProcSampler(pid_t pid, std::chrono::milliseconds interval, std::function<int64_t()> progress);
  ~ProcSampler();
  void Stop();
  std::vector<Sample> samples() const;
  // The first sample whose progress reached `progress`; the last sample when none did.
  Sample At(int64_t progress) const;
  int64_t PeakRssKb() const;

 private:
  void Run(pid_t pid, std::chrono::milliseconds interval);

  std::function<int64_t()> progress_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool stopping_ = false;
  std::vector<Sample> samples_;
  std::thread thread_;
};

// --- Cluster ----------------------------------------------------------------------------------

// A `shoal serve --orchestrator` process on a free loopback port (and optionally real compute
// node processes), killed on destruction. Logs go to `dir`.
class LoadCluster {
 public:
  struct Options {
    std::string shoal;          // the shoal binary
    std::filesystem::path dir;  // data dirs and logs
    double heartbeat_s = 1;
    double node_timeout_s = 30;
    int compute_nodes = 0;  // real `shoal serve --compute` processes, labelled region=load
    int max_executions = 4;
    std::vector<std::string> extra_orchestrator_flags;
  };
  static Result<std::unique_ptr<LoadCluster>> Start(Options options);
  ~LoadCluster();

  pid_t orchestrator_pid() const;
  transport::Endpoint endpoint() const { return {"127.0.0.1", port_}; }
  const api::ApiClient& client() const { return *client_; }
  // Nodes the orchestrator lists as CONNECTED; -1 when it cannot be asked.
  int ConnectedNodes() const;
  // Waits until `count` nodes are connected.
  bool WaitForNodes(int count, std::chrono::seconds timeout) const;
  // The orchestrator's log (its stdout and stderr).
  std::string OrchestratorLog() const;
  // Bytes under the orchestrator's data dir: its SQLite files (and separately everything).
  int64_t StateBytes() const;
  int64_t DataDirBytes() const;
  // Stops the orchestrator and nodes (SIGTERM, then SIGKILL).
  void Stop();

 private:
  struct Process;
  LoadCluster() = default;

  Options options_;
  int port_ = 0;
  std::unique_ptr<Process> orchestrator_;
  std::vector<std::unique_ptr<Process>> nodes_;
  std::unique_ptr<api::ApiClient> client_;
};

// --- Jobs ---------------------------------------------------------------------------------------

// A cheap job: `SELECT <i>` in DuckDB, Count 1, on the nodes labelled region=load.
models::Job CheapJob(const std::string& name, int i);

struct SubmitOptions {
  int jobs = 500;
  int clients = 8;
  // Each client keeps at most this many of its jobs unfinished (it polls the oldest before
  // submitting more), so the orchestrator's backlog stays constant and what grows with the job
  // count is only what it keeps per job. 0: submit as fast as possible.
  int window = 16;
  // With a window: how long a client waits for one job before giving up on it.
  std::chrono::seconds job_timeout{300};
  std::string name_prefix = "load";
};

struct SubmitFigures {
  std::vector<std::string> ids;     // by job index; empty where the submission failed
  std::vector<double> submit_ms;    // latency of each successful submit request
  std::vector<std::string> errors;  // one line per failed submission (after retries)
  int retries = 0;                  // submits sent again after the orchestrator was unreachable
  int http_errors = 0;              // answers with an HTTP error status (5xx or 4xx), retried
  double seconds = 0;               // first submit to last submit answered
  // With a window: first submit until the clients saw every job of theirs terminal.
  double drained_seconds = 0;
};

// Submits `options.jobs` cheap jobs from `options.clients` threads. With a window each client
// then waits until its jobs are terminal, so when this returns every job is (a job still
// unfinished after job_timeout is given up on). `submitted` (when given) counts the submissions
// answered, as they are.
SubmitFigures SubmitLoad(const api::ApiClient& client, const SubmitOptions& options,
                         std::atomic<int64_t>* submitted = nullptr);

struct Accounting {
  int64_t submitted = 0;                  // distinct job ids the clients got back
  int64_t listed = 0;                     // rows in the orchestrator's job list
  int64_t listed_distinct = 0;            // distinct ids in it
  std::vector<std::string> missing;       // submitted, not listed
  std::vector<std::string> extra;         // listed, never submitted
  std::map<std::string, int64_t> states;  // final state of every listed job
  int64_t not_terminal = 0;
  double seconds_to_terminal = 0;  // from the call until every job was terminal (or timeout)
  bool exact() const {
    return missing.empty() && extra.empty() && listed == submitted && listed_distinct == submitted;
  }
};

// Waits (polling the whole job list every second, up to `timeout`) until every listed job is
// terminal, then compares the list with `ids`.
Result<Accounting> AccountJobs(const api::ApiClient& client, const std::vector<std::string>& ids,
                               std::chrono::seconds timeout);

// --- Simulated nodes ----------------------------------------------------------------------------

// `count` simulated compute nodes: each registers (labels region=sim), heartbeats every
// interval the orchestrator asks for (the register answer's HeartbeatIntervalMs), and keeps one
// long-poll for work open, as compute::ComputeNode does, each on its own threads. They never
// run anything (no job targets region=sim).
class NodeFleet {
 public:
  struct Options {
    transport::Endpoint orchestrator;
    int count = 50;
    std::chrono::milliseconds poll_wait{10000};  // ComputeNode's default
    std::string name_prefix = "sim";
  };
  struct Figures {
    int64_t registered = 0;          // nodes whose registration succeeded at least once
    int64_t registrations = 0;       // register calls answered (re-registrations included)
    int64_t heartbeats = 0;          // heartbeats sent
    int64_t heartbeats_ok = 0;       // answered with Known=true
    int64_t heartbeats_unknown = 0;  // answered Known=false: the node had been declared lost
    int64_t heartbeats_failed = 0;   // no answer or an HTTP error
    int64_t polls = 0;               // long-polls answered
    int64_t polls_failed = 0;
    int64_t polls_told_to_retry = 0;   // answered at once with RetryAfterMs (no free slot)
    int64_t late_heartbeats = 0;       // sent more than one interval after they were due
    std::vector<double> heartbeat_ms;  // round trip of each answered heartbeat
    std::vector<std::string> errors;   // the first few failures
  };

  explicit NodeFleet(Options options);
  ~NodeFleet();
  void Start();
  // Waits until every node registered.
  bool WaitRegistered(std::chrono::seconds timeout) const;
  // Drops the figures gathered so far (registration warm-up), keeping the nodes running.
  void ResetFigures();
  // Asks the nodes to stop, without waiting (stop the orchestrator next, and long-polls in
  // flight end at once).
  void RequestStop();
  // Stops heartbeating and polling; joins the threads (a long-poll in flight is waited for,
  // unless the orchestrator is gone).
  void Stop();
  Figures figures() const;

 private:
  void HeartbeatLoop(int index);
  void PollLoop(int index);
  std::string Name(int index) const;
  bool Register(int index, std::chrono::milliseconds* interval);
  void RecordError(const std::string& what);
  void SleepFor(std::chrono::milliseconds delay);

  Options options_;
  transport::HttpClient http_;
  std::atomic<bool> stopping_{false};
  std::atomic<int64_t> registered_count_{0};
  std::vector<std::unique_ptr<std::atomic<bool>>> registered_;
  mutable std::mutex mu_;
  std::condition_variable wake_;
  Figures figures_;
  std::vector<std::thread> threads_;
};

// --- Figures ------------------------------------------------------------------------------------

using bench::Percentile;

// Round trips of `GET /api/v1/agent/alive`, ms: the floor of any call to the same server.
std::vector<double> AliveRoundTrips(const api::ApiClient& client, int count);

}  // namespace shoal::load
