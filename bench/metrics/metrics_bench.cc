// metrics_bench: what a Prometheus scrape of GET /metrics costs on a big cluster's state (issue
// 13, section 6: 200 nodes and 10,000 jobs, p99 <= 50 ms).
//
// Usage: metrics_bench [--nodes N] [--jobs N] [--scrapes N]
// Defaults: 200 nodes (100 us, 100 eu, 4 slots each), 10,000 jobs, 200 scrapes; about a minute.
//
// Setup: an orchestrator in this process with its real HTTP API on a random loopback port. The
// nodes register and the jobs are submitted through the Orchestrator's own methods (the bench
// measures the scrape, not the set-up), so the store holds what such a cluster holds: 10,000
// jobs, 800 of them running on the nodes' 800 slots, the rest queued for a slot. Then, over one
// keep-alive connection, scrapes alternate with a baseline request, GET /api/v1/agent/version
// (same server, same auth, no work), ten a second, as a scraper and a dashboard would.
//
// Printed: p50 and p99 of each, the ratio scrape / baseline, and the scrape's p99 against the
// 50 ms target. Timing never fails the run; the exit code is 1 only when something breaks.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include <httplib.h>
#include <unistd.h>

#include "orchestrator/http_api.h"

namespace {

namespace fs = std::filesystem;
using shoal::bench::Percentile;
using Steady = std::chrono::steady_clock;

struct Flags {
  int nodes = 200;
  int jobs = 10000;
  int scrapes = 200;
};

bool ParseFlags(int argc, char** argv, Flags* flags) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string name = argv[i];
    const int value = std::atoi(argv[i + 1]);
    if (value <= 0) return false;
    if (name == "--nodes") {
      flags->nodes = value;
    } else if (name == "--jobs") {
      flags->jobs = value;
    } else if (name == "--scrapes") {
      flags->scrapes = value;
    } else {
      return false;
    }
  }
  return argc % 2 == 1;
}

double Millis(Steady::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

int Fail(const std::string& what) {
  std::fprintf(stderr, "metrics_bench: %s\n", what.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  Flags flags;
  if (!ParseFlags(argc, argv, &flags)) {
    std::fprintf(stderr, "usage: metrics_bench [--nodes N] [--jobs N] [--scrapes N]\n");
    return 2;
  }
  const fs::path dir =
      fs::temp_directory_path() / ("shoal-metrics-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);
  shoal::orchestrator::OrchestratorOptions options;
  options.data_dir = dir.string();
  auto orchestrator = shoal::orchestrator::Orchestrator::Open(options);
  if (!orchestrator.ok()) return Fail(orchestrator.status().ToString());
  shoal::orchestrator::Orchestrator& o = **orchestrator;

  const auto setup_start = Steady::now();
  for (int n = 0; n < flags.nodes; ++n) {
    shoal::models::Node node;
    const std::string region = n % 2 ? "eu" : "us";
    node.id = "compute-" + region + "-" + std::to_string(n / 2 + 1);
    node.labels = {{"region", region}};
    node.engines = {"duckdb"};
    node.capacity.max_executions = 4;
    node.capacity.cpu_millis = 4000;
    node.capacity.memory_bytes = int64_t{8} << 30;
    if (auto registered = o.RegisterNode(node); !registered.ok()) {
      return Fail(registered.status().ToString());
    }
  }
  for (int j = 0; j < flags.jobs; ++j) {
    shoal::models::Job job;
    job.count = 1;
    job.task.name = "main";
    job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
    job.task.timeouts.queue_timeout = 3600;  // waits for a slot
    job.constraints.push_back(
        {"region", shoal::models::SelectorOperator::kEquals, {j % 2 ? "eu" : "us"}});
    if (auto submitted = o.SubmitJob(job, false, false); !submitted.ok()) {
      return Fail(submitted.status().ToString());
    }
  }
  std::printf("set-up: %d nodes, %d jobs in %.1f s\n", flags.nodes, flags.jobs,
              Millis(Steady::now() - setup_start) / 1000);

  shoal::transport::HttpServer server(shoal::transport::HttpServer::Options{});
  shoal::orchestrator::RegisterHttpApi(server, o);
  auto port = server.Start();
  if (!port.ok()) return Fail(port.status().ToString());
  httplib::Client client("127.0.0.1", *port);
  client.set_keep_alive(true);

  std::vector<double> scrape_ms;
  std::vector<double> baseline_ms;
  size_t scrape_bytes = 0;
  for (int i = 0; i < flags.scrapes; ++i) {
    auto start = Steady::now();
    auto scraped = client.Get("/metrics");
    scrape_ms.push_back(Millis(Steady::now() - start));
    if (!scraped || scraped->status != 200) return Fail("a scrape failed");
    scrape_bytes = scraped->body.size();
    start = Steady::now();
    auto version = client.Get("/api/v1/agent/version");
    baseline_ms.push_back(Millis(Steady::now() - start));
    if (!version || version->status != 200) return Fail("the baseline request failed");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  server.Stop();
  o.Shutdown();
  fs::remove_all(dir);

  const double scrape_p50 = Percentile(scrape_ms, 50), scrape_p99 = Percentile(scrape_ms, 99);
  const double base_p50 = Percentile(baseline_ms, 50), base_p99 = Percentile(baseline_ms, 99);
  std::printf("GET /metrics (%zu KB)        p50 %7.2f ms  p99 %7.2f ms  (%d scrapes)\n",
              scrape_bytes / 1024, scrape_p50, scrape_p99, flags.scrapes);
  std::printf("GET /api/v1/agent/version   p50 %7.2f ms  p99 %7.2f ms  (baseline)\n", base_p50,
              base_p99);
  std::printf("scrape / baseline           p50 %7.1fx     p99 %7.1fx\n", scrape_p50 / base_p50,
              scrape_p99 / base_p99);
  std::printf("scrape p99 / 50 ms target   %.2f (<= 1 meets it)\n", scrape_p99 / 50);
  return 0;
}
