#include "load/load_harness.h"

#include <algorithm>
#include <cmath>
#include <csignal>
#include <deque>
#include <fstream>
#include <set>
#include <sstream>

#include <unistd.h>

#include "common/testing/run_process.h"
#include "models/job.h"
#include "models/json_codec.h"
#include "models/node.h"

namespace shoal::load {

namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

double MsSince(Steady::time_point start) {
  return std::chrono::duration<double, std::milli>(Steady::now() - start).count();
}

int64_t KbField(const std::string& line) {
  std::istringstream in(line.substr(line.find(':') + 1));
  int64_t value = 0;
  in >> value;
  return value;
}

}  // namespace

// --- /proc ------------------------------------------------------------------------------------

Result<ProcStat> ReadProcStat(pid_t pid) {
  const std::string base = "/proc/" + std::to_string(pid);
  std::ifstream status(base + "/status");
  std::ifstream stat(base + "/stat");
  if (!status || !stat) return Status::NotFound("no process " + std::to_string(pid));
  ProcStat result;
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmRSS:", 0) == 0) result.rss_kb = KbField(line);
    if (line.rfind("VmHWM:", 0) == 0) result.hwm_kb = KbField(line);
    if (line.rfind("Threads:", 0) == 0) result.threads = KbField(line);
  }
  // Fields 14 and 15 (utime, stime) follow the command name, which sits in parentheses and may
  // hold spaces: count from the last ')'.
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  size_t close = text.rfind(')');
  if (close == std::string::npos) return Status::Internal("cannot parse " + base + "/stat");
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  int64_t utime = 0, stime = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i) {
    if (i == 14) utime = std::stoll(field);
    if (i == 15) stime = std::stoll(field);
  }
  result.cpu_seconds =
      static_cast<double>(utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
  return result;
}

ProcSampler::ProcSampler(pid_t pid, std::chrono::milliseconds interval,
                         std::function<int64_t()> progress)
    : progress_(std::move(progress)) {
  thread_ = std::thread([this, pid, interval] { Run(pid, interval); });
}

ProcSampler::~ProcSampler() { Stop(); }

void ProcSampler::Stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProcSampler::Run(pid_t pid, std::chrono::milliseconds interval) {
  const auto start = Steady::now();
  std::unique_lock lock(mu_);
  while (!stopping_) {
    lock.unlock();
    const int64_t progress = progress_ ? progress_() : 0;
    auto stat = ReadProcStat(pid);
    lock.lock();
    if (stat.ok()) samples_.push_back({MsSince(start) / 1e3, progress, *stat});
    wake_.wait_for(lock, interval, [this] { return stopping_; });
  }
}

std::vector<ProcSampler::Sample> ProcSampler::samples() const {
  std::lock_guard lock(mu_);
  return samples_;
}

ProcSampler::Sample ProcSampler::At(int64_t progress) const {
  std::lock_guard lock(mu_);
  for (const Sample& sample : samples_) {
    if (sample.progress >= progress) return sample;
  }
  return samples_.empty() ? Sample{} : samples_.back();
}

int64_t ProcSampler::PeakRssKb() const {
  std::lock_guard lock(mu_);
  int64_t peak = 0;
  for (const Sample& sample : samples_)
    peak = std::max({peak, sample.stat.rss_kb, sample.stat.hwm_kb});
  return peak;
}

// --- Cluster ----------------------------------------------------------------------------------

struct LoadCluster::Process : testing::BackgroundProcess {
  using testing::BackgroundProcess::BackgroundProcess;
};

Result<std::unique_ptr<LoadCluster>> LoadCluster::Start(Options options) {
  std::unique_ptr<LoadCluster> cluster(new LoadCluster());
  cluster->options_ = std::move(options);
  const Options& o = cluster->options_;
  fs::create_directories(o.dir);
  cluster->port_ = testing::FreePort();
  std::vector<std::string> argv = {o.shoal,
                                   "serve",
                                   "--orchestrator",
                                   "--host",
                                   "127.0.0.1",
                                   "--port",
                                   std::to_string(cluster->port_),
                                   "--data-dir",
                                   (o.dir / "orchestrator").string(),
                                   "--heartbeat-interval",
                                   std::to_string(o.heartbeat_s),
                                   "--node-timeout",
                                   std::to_string(o.node_timeout_s)};
  argv.insert(argv.end(), o.extra_orchestrator_flags.begin(), o.extra_orchestrator_flags.end());
  cluster->orchestrator_ = std::make_unique<Process>(argv, (o.dir / "orchestrator.log").string());
  if (cluster->orchestrator_->pid() <= 0) return Status::Internal("cannot start " + o.shoal);
  transport::HttpClient::Options http;
  http.connect_timeout = std::chrono::milliseconds(10000);
  http.read_timeout = std::chrono::milliseconds(60000);
  cluster->client_ = std::make_unique<api::ApiClient>(cluster->endpoint(), http);
  const auto deadline = Steady::now() + std::chrono::seconds(30);
  while (!cluster->client_->Alive().ok()) {
    if (Steady::now() > deadline || !cluster->orchestrator_->alive()) {
      return Status::Unavailable("the orchestrator did not come up:\n" +
                                 cluster->OrchestratorLog());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  for (int i = 1; i <= o.compute_nodes; ++i) {
    const std::string name = "compute-" + std::to_string(i);
    cluster->nodes_.push_back(std::make_unique<Process>(
        std::vector<std::string>{o.shoal, "serve", "--compute", "--orchestrator",
                                 cluster->endpoint().ToString(), "--name", name, "--labels",
                                 "region=load", "--data-dir", (o.dir / name).string(),
                                 "--max-executions", std::to_string(o.max_executions)},
        (o.dir / (name + ".log")).string()));
  }
  return cluster;
}

LoadCluster::~LoadCluster() { Stop(); }

pid_t LoadCluster::orchestrator_pid() const { return orchestrator_ ? orchestrator_->pid() : -1; }

int LoadCluster::ConnectedNodes() const {
  auto nodes = client_->ListNodes();
  if (!nodes.ok()) return -1;
  int connected = 0;
  for (const auto& node : *nodes) {
    connected += node.connection == models::NodeConnection::kConnected;
  }
  return connected;
}

bool LoadCluster::WaitForNodes(int count, std::chrono::seconds timeout) const {
  const auto deadline = Steady::now() + timeout;
  while (Steady::now() < deadline) {
    if (ConnectedNodes() >= count) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return false;
}

std::string LoadCluster::OrchestratorLog() const {
  return testing::ReadWholeFile(options_.dir / "orchestrator.log");
}

int64_t LoadCluster::StateBytes() const {
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(options_.dir / "orchestrator", ec)) {
    if (entry.is_regular_file() && entry.path().filename().string().rfind("state.db", 0) == 0) {
      bytes += static_cast<int64_t>(entry.file_size());
    }
  }
  return bytes;
}

int64_t LoadCluster::DataDirBytes() const {
  int64_t bytes = 0;
  std::error_code ec;
  for (const auto& entry : fs::recursive_directory_iterator(options_.dir / "orchestrator", ec)) {
    if (entry.is_regular_file(ec)) bytes += static_cast<int64_t>(entry.file_size(ec));
  }
  return bytes;
}

void LoadCluster::Stop() {
  for (auto& node : nodes_) node->Kill(SIGKILL);
  nodes_.clear();
  if (orchestrator_) orchestrator_->Kill(SIGTERM);
  orchestrator_.reset();
}

// --- Jobs ---------------------------------------------------------------------------------------

models::Job CheapJob(const std::string& name, int i) {
  models::Job job;
  job.name = name;
  job.count = 1;
  job.task.name = "main";
  job.task.engine.type = "duckdb";
  job.task.engine.params = {{"SQL", "SELECT " + std::to_string(i) + " AS job"}};
  job.constraints.push_back({"region", models::SelectorOperator::kEquals, {"load"}});
  return job;
}

SubmitFigures SubmitLoad(const api::ApiClient& client, const SubmitOptions& options,
                         std::atomic<int64_t>* submitted) {
  SubmitFigures figures;
  figures.ids.resize(options.jobs);
  std::mutex mu;  // guards figures' vectors and counters
  std::atomic<int> next{0};
  const auto start = Steady::now();
  auto client_loop = [&] {
    std::deque<std::string> unfinished;
    std::vector<double> latencies;
    // Waits until the oldest unfinished job of this client is terminal, or gives up on it after
    // job_timeout (a lost job must not hang the run: AccountJobs reports it).
    auto wait_oldest = [&] {
      const auto deadline = Steady::now() + options.job_timeout;
      while (!unfinished.empty()) {
        auto job = client.GetJob(unfinished.front());
        if ((job.ok() && models::IsTerminal(job->state.state_type)) || Steady::now() > deadline) {
          unfinished.pop_front();
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
      }
    };
    for (int i = next.fetch_add(1); i < options.jobs; i = next.fetch_add(1)) {
      if (options.window > 0 && static_cast<int>(unfinished.size()) >= options.window) {
        wait_oldest();
      }
      models::Job job = CheapJob(options.name_prefix + "-" + std::to_string(i), i);
      auto sent = Steady::now();
      auto response = client.SubmitJob(job, {});
      double ms = MsSince(sent);
      // A submit without an answer, or with a server error, is sent again, as a user would.
      // Should the first one have been stored after all, the same name and spec answer
      // kAlreadyExists ("no changes"): the job is then looked up by name.
      for (int attempt = 1;
           attempt < 5 && !response.ok() && response.status().code() != ErrorCode::kAlreadyExists &&
           response.status().code() != ErrorCode::kInvalidArgument;
           ++attempt) {
        {
          std::lock_guard lock(mu);
          ++figures.retries;
          if (response.status().code() != ErrorCode::kUnavailable) ++figures.http_errors;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        sent = Steady::now();
        response = client.SubmitJob(job, {});
        ms = MsSince(sent);
        if (response.status().code() == ErrorCode::kAlreadyExists) {
          auto stored = client.GetJob(job.name);
          if (stored.ok()) response = api::SubmitResponse{stored->id, stored->version, false, {}};
        }
      }
      if (!response.ok()) {
        std::lock_guard lock(mu);
        figures.errors.push_back("submit " + job.name + ": " + response.status().ToString());
        continue;
      }
      latencies.push_back(ms);
      figures.ids[i] = response->job_id;  // each index is written by one client only
      unfinished.push_back(response->job_id);
      if (submitted != nullptr) ++*submitted;
    }
    const double submit_seconds = MsSince(start) / 1e3;
    if (options.window > 0) {
      while (!unfinished.empty()) wait_oldest();
    }
    std::lock_guard lock(mu);
    figures.submit_ms.insert(figures.submit_ms.end(), latencies.begin(), latencies.end());
    figures.seconds = std::max(figures.seconds, submit_seconds);
  };
  std::vector<std::thread> clients;
  for (int c = 0; c < options.clients; ++c) clients.emplace_back(client_loop);
  for (auto& c : clients) c.join();
  figures.drained_seconds = MsSince(start) / 1e3;
  return figures;
}

Result<Accounting> AccountJobs(const api::ApiClient& client, const std::vector<std::string>& ids,
                               std::chrono::seconds timeout) {
  const auto start = Steady::now();
  const auto deadline = start + timeout;
  Accounting accounting;
  std::vector<models::Job> listed;
  while (true) {
    listed.clear();
    api::JobListOptions options;
    options.limit = 1000;
    do {
      SHOAL_ASSIGN_OR_RETURN(api::JobPage page, client.ListJobs(options));
      for (auto& job : page.items) listed.push_back(std::move(job));
      options.next_token = page.next_token;
    } while (!options.next_token.empty());
    accounting.not_terminal = 0;
    for (const auto& job : listed) {
      accounting.not_terminal += !models::IsTerminal(job.state.state_type);
    }
    if (accounting.not_terminal == 0 || Steady::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::seconds(1));
  }
  accounting.seconds_to_terminal = MsSince(start) / 1e3;
  std::set<std::string> submitted;
  for (const auto& id : ids) {
    if (!id.empty()) submitted.insert(id);
  }
  std::set<std::string> seen;
  for (const auto& job : listed) {
    seen.insert(job.id);
    ++accounting.states[std::string(models::ToString(job.state.state_type))];
    if (!submitted.count(job.id)) accounting.extra.push_back(job.id);
  }
  for (const auto& id : submitted) {
    if (!seen.count(id)) accounting.missing.push_back(id);
  }
  accounting.submitted = static_cast<int64_t>(submitted.size());
  accounting.listed = static_cast<int64_t>(listed.size());
  accounting.listed_distinct = static_cast<int64_t>(seen.size());
  return accounting;
}

// --- Simulated nodes ----------------------------------------------------------------------------

namespace {

transport::HttpClient::Options FleetHttpOptions() {
  transport::HttpClient::Options options;
  options.connect_timeout = std::chrono::milliseconds(10000);
  options.read_timeout = std::chrono::milliseconds(40000);  // above the long-poll wait
  return options;
}

}  // namespace

NodeFleet::NodeFleet(Options options)
    : options_(std::move(options)), http_(options_.orchestrator, FleetHttpOptions()) {
  for (int i = 0; i < options_.count; ++i) {
    registered_.push_back(std::make_unique<std::atomic<bool>>(false));
  }
}

NodeFleet::~NodeFleet() { Stop(); }

std::string NodeFleet::Name(int index) const {
  return options_.name_prefix + "-" + std::to_string(index);
}

void NodeFleet::Start() {
  for (int i = 0; i < options_.count; ++i) {
    threads_.emplace_back([this, i] { HeartbeatLoop(i); });
    threads_.emplace_back([this, i] { PollLoop(i); });
  }
}

bool NodeFleet::WaitRegistered(std::chrono::seconds timeout) const {
  const auto deadline = Steady::now() + timeout;
  while (registered_count_.load() < options_.count) {
    if (Steady::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

void NodeFleet::ResetFigures() {
  std::lock_guard lock(mu_);
  Figures fresh;
  fresh.registered = figures_.registered;
  figures_ = std::move(fresh);
}

void NodeFleet::RequestStop() {
  {
    std::lock_guard lock(mu_);  // so a sleeper cannot miss the wake-up
    stopping_ = true;
  }
  wake_.notify_all();
}

void NodeFleet::Stop() {
  RequestStop();
  for (auto& thread : threads_) {
    if (thread.joinable()) thread.join();
  }
  threads_.clear();
}

NodeFleet::Figures NodeFleet::figures() const {
  std::lock_guard lock(mu_);
  return figures_;
}

void NodeFleet::RecordError(const std::string& what) {
  std::lock_guard lock(mu_);
  if (figures_.errors.size() < 10) figures_.errors.push_back(what);
}

void NodeFleet::SleepFor(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  wake_.wait_for(lock, delay, [this] { return stopping_.load(); });
}

bool NodeFleet::Register(int index, std::chrono::milliseconds* interval) {
  models::Node node;
  node.id = Name(index);
  node.labels = {{"region", "sim"}};
  node.engines = {"duckdb"};
  node.capacity.max_executions = 4;
  node.version = "0.1.0";
  auto answer =
      http_.Post("/api/v1/compute/register", transport::Json{{"Node", models::ToJson(node)}});
  if (!answer.ok()) {
    RecordError(node.id + " register: " + answer.status().ToString());
    return false;
  }
  *interval = std::chrono::milliseconds(answer->value("HeartbeatIntervalMs", int64_t{1000}));
  std::lock_guard lock(mu_);
  ++figures_.registrations;
  if (!registered_[index]->exchange(true)) {
    ++figures_.registered;
    ++registered_count_;
  }
  return true;
}

void NodeFleet::HeartbeatLoop(int index) {
  std::chrono::milliseconds interval{1000};
  bool registered = false;
  auto due = Steady::now();
  while (!stopping_) {
    if (!registered) {
      registered = Register(index, &interval);
      if (!registered) {
        SleepFor(std::chrono::milliseconds(500));
        continue;
      }
      due = Steady::now();
    }
    const auto sent = Steady::now();
    const bool late = sent - due > interval;
    auto answer = http_.Post("/api/v1/compute/heartbeat",
                             {{"NodeID", Name(index)}, {"Running", transport::Json::array()}});
    const double ms = MsSince(sent);
    {
      std::lock_guard lock(mu_);
      ++figures_.heartbeats;
      figures_.late_heartbeats += late;
      if (!answer.ok()) {
        ++figures_.heartbeats_failed;
      } else if (!answer->value("Known", true)) {
        ++figures_.heartbeats_unknown;
        figures_.heartbeat_ms.push_back(ms);
      } else {
        ++figures_.heartbeats_ok;
        figures_.heartbeat_ms.push_back(ms);
      }
    }
    if (!answer.ok()) RecordError(Name(index) + " heartbeat: " + answer.status().ToString());
    // Known=false: declared lost, so register again, as ComputeNode does.
    if (answer.ok() && !answer->value("Known", true)) registered = false;
    // A fixed rate, as the orchestrator expects one heartbeat per interval: a slow answer
    // shortens the next sleep instead of stretching the period.
    due += interval;
    const auto now = Steady::now();
    if (due < now) due = now;
    SleepFor(std::chrono::duration_cast<std::chrono::milliseconds>(due - now));
  }
}

void NodeFleet::PollLoop(int index) {
  while (!stopping_) {
    if (!registered_[index]->load()) {
      SleepFor(std::chrono::milliseconds(50));
      continue;
    }
    auto work = http_.Get("/api/v1/compute/work?node_id=" + transport::UrlEncode(Name(index)) +
                          "&wait_ms=" + std::to_string(options_.poll_wait.count()));
    // An orchestrator whose long-poll slots are all taken answers at once and says when to
    // come back (docs/api.md), as it tells compute::ComputeNode.
    const int64_t retry_ms = work.ok() ? work->value("RetryAfterMs", int64_t{0}) : 0;
    {
      std::lock_guard lock(mu_);
      if (work.ok()) {
        ++figures_.polls;
        figures_.polls_told_to_retry += retry_ms > 0;
      } else {
        ++figures_.polls_failed;
      }
    }
    if (!work.ok()) {
      if (!stopping_) RecordError(Name(index) + " poll: " + work.status().ToString());
      SleepFor(std::chrono::milliseconds(500));
    } else if (retry_ms > 0) {
      SleepFor(std::chrono::milliseconds(std::min(retry_ms, options_.poll_wait.count())));
    }
  }
}

// --- Figures ------------------------------------------------------------------------------------

std::vector<double> AliveRoundTrips(const api::ApiClient& client, int count) {
  std::vector<double> ms;
  for (int i = 0; i < count; ++i) {
    auto start = Steady::now();
    if (client.Alive().ok()) ms.push_back(MsSince(start));
  }
  return ms;
}

}  // namespace shoal::load
