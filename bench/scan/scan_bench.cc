// Scan benchmark: `shoal sql` over generated JSONL against plain DuckDB on the same files.
//
// Usage: scan_bench PATH_TO_SHOAL [events_per_month]
// It generates a year of transactions with `shoal generate`, then times three queries three
// ways, best of 5 alternating rounds: plain DuckDB in this process (the baseline: no Shoal code
// at all), Shoal's engine Session in this process, and the `shoal sql` binary as a user runs it
// (process start included). It prints rows/s and the ratio to the baseline; it never fails on
// timing.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "duckdb.hpp"
#include <sys/wait.h>

#include "engine/engine.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

double BestSeconds(int runs, const std::function<void()>& body) {
  double best = 1e300;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
  }
  return best;
}

int Run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Query {
  const char* name;
  std::string sql;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: scan_bench PATH_TO_SHOAL [events_per_month]\n");
    return 2;
  }
  const std::string shoal = argv[1];
  const std::string per_month = argc > 2 ? argv[2] : "50000";
  fs::path dir = fs::temp_directory_path() / ("shoal-scan-bench-" + std::to_string(getpid()));
  fs::create_directories(dir);

  std::printf("generating 12 months x %s events with shoal generate...\n", per_month.c_str());
  if (Run(shoal + " generate --region us --count " + per_month +
          " --start-date 2024-01-01 --end-date 2025-01-01 --rotate-interval month --output " +
          dir.string() + " > /dev/null") != 0) {
    std::fprintf(stderr, "shoal generate failed\n");
    return 1;
  }
  uintmax_t bytes = 0;
  for (auto& entry : fs::directory_iterator(dir)) bytes += entry.file_size();
  const std::string files = "read_json_auto('" + dir.string() + "/*.jsonl')";

  duckdb::DuckDB baseline_db(nullptr);
  duckdb::Connection baseline(baseline_db);
  auto rows_result = baseline.Query("SELECT count(*) FROM " + files);
  const int64_t rows = rows_result->GetValue(0, 0).GetValue<int64_t>();
  std::printf("data: %lld rows, %.1f MB of JSONL, %u threads\n\n", static_cast<long long>(rows),
              bytes / 1e6, std::thread::hardware_concurrency());

  auto session = shoal::engine::Session::Open({}).value();
  const std::vector<Query> queries = {
      {"count", "SELECT count(*) FROM " + files},
      {"agg by category",
       "SELECT product_category, count(*), sum(total_amount), avg(total_amount), "
       "stddev(total_amount) FROM " +
           files + " GROUP BY 1"},
      {"monthly distinct",
       "SELECT date_trunc('month', timestamp), count(*), sum(total_amount), "
       "count(DISTINCT customer_id) FROM " +
           files +
           " WHERE payment_status = 'completed' "
           "GROUP BY 1"},
  };

  std::printf("%-18s %14s %14s %8s %16s %8s\n", "query", "duckdb rows/s", "session rows/s", "ratio",
              "shoal sql rows/s", "ratio");
  for (const auto& q : queries) {
    // Rounds alternate the three ways so that noise from other processes hits them alike; the
    // best time of each way counts.
    double base = 1e300, in_process = 1e300, cli = 1e300;
    for (int round = 0; round < 5; ++round) {
      base = std::min(base, BestSeconds(1, [&] { baseline.Query(q.sql); }));
      in_process = std::min(in_process, BestSeconds(1, [&] { (void)session->Query(q.sql); }));
      cli = std::min(cli, BestSeconds(1, [&] {
                       Run(shoal + " sql --format csv -c \"" + q.sql + "\" > /dev/null");
                     }));
    }
    std::printf("%-18s %14.0f %14.0f %8.3f %16.0f %8.3f\n", q.name, rows / base, rows / in_process,
                base / in_process, rows / cli, base / cli);
  }
  std::printf(
      "\nratio = Shoal rows/s / plain DuckDB rows/s on the same files in this run "
      "(target >= 0.95; the shoal sql column includes process start).\n");
  fs::remove_all(dir);
  return 0;
}
