// query_bench: what `shoal query` costs over one DuckDB reading the same files (issue 11, §6).
//
// Usage: query_bench PATH_TO_SHOAL [--events N] [--runs N] [--keep DIR]
// Defaults: 2000 events per node and month (a year of them: about 72 MB of JSONL per region),
// 5 runs; about a minute on 2 cores.
//
// Setup, as a user has it: a `shoal devstack` process (us + eu, 3 nodes each, folder stores, a
// random port, a temp dir); each region's data written by jobs/data-generator.yaml through
// `shoal job run` (every node of the region its own copy); `shoal table describe transactions`
// infers the devstack's table once.
//
// For each additive query (monthly trends without DISTINCT, revenue per category and payment
// method, hourly counts), in the same run:
//  - wall time of `shoal query --output json` (submit, plan, one fragment job per region, the
//    merge, the CLI's wait and print) against one `shoal sql` over every file of both regions
//    (`read_json_auto([us, eu])`), each the whole process as a user times it; a warm-up of each
//    first, then --runs rounds alternating the two; medians, and their ratio (target <= 1.3);
//  - bytes shipped / bytes scanned, from the answer's Residency (partials' bytes over the bytes
//    of the files read, both regions; target <= 1e-4);
//  - the query record's split (GET /api/v1/queries/{id}): plan, fragments, merge.
// Then planning time: the records' PlanMs over every run, p50 (target <= 5 ms), and the wall
// time of `shoal query --explain` (plans, runs nothing) for reference.
//
// The answers must agree with `shoal sql`'s (same rows; numbers within 1e-9 relative, as a
// DOUBLE sum's last digits depend on the order of the rows); the exit code is 1 only when
// something breaks (a command fails, the answers differ), never on timing.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_stats.h"
#include "devstack_bench_flags.h"
#include "typed_view.h"
#include <nlohmann/json.hpp>

#include "common/testing/run_process.h"
#include "transport/http_client.h"

namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using shoal::bench::Median;
using shoal::bench::Percentile;
using shoal::testing::BackgroundProcess;
using shoal::testing::ProcessResult;
using shoal::testing::ReadWholeFile;
using shoal::testing::RunProcess;
using Steady = std::chrono::steady_clock;

struct BenchQuery {
  std::string name;
  std::string sql;
};

const std::vector<BenchQuery>& AdditiveQueries() {
  static const std::vector<BenchQuery> queries = {
      {"monthly trends",
       "SELECT date_trunc('month', timestamp)::DATE AS month, count(*) AS txns, "
       "sum(total_amount) AS revenue, avg(total_amount) AS avg_txn_value FROM transactions "
       "GROUP BY 1 ORDER BY 1"},
      {"revenue per category and payment method",
       "SELECT product_category, payment_method, count(*) AS n, sum(total_amount) AS revenue, "
       "max(total_amount) AS largest FROM transactions GROUP BY ALL ORDER BY ALL"},
      {"hourly counts",
       "SELECT hour(timestamp) AS hour, count(*) AS txns, count(*) FILTER (WHERE payment_status "
       "= 'completed') AS completed FROM transactions GROUP BY 1 ORDER BY 1"},
  };
  return queries;
}

// What broke; thrown so that the devstack process is stopped on the way out.
struct Broken {
  std::string what;
};

[[noreturn]] void Die(const std::string& what) { throw Broken{what}; }

using Flags = shoal::bench::DevstackBenchFlags;

// A `shoal devstack` process and the CLI pointed at it.
class Stack {
 public:
  Stack(const std::string& shoal, const fs::path& dir) : shoal_(shoal), dir_(dir) {
    fs::create_directories(dir_);
    process_ = std::make_unique<BackgroundProcess>(
        std::vector<std::string>{shoal_, "devstack", "--dir", (dir_ / "stack").string(), "--port",
                                 "0"},
        (dir_ / "devstack.log").string());
    const std::string marker = "orchestrator on 127.0.0.1:";
    for (auto deadline = Steady::now() + std::chrono::seconds(30);
         port_ == 0 && Steady::now() < deadline && process_->alive();
         std::this_thread::sleep_for(std::chrono::milliseconds(50))) {
      const std::string log = ReadWholeFile(dir_ / "devstack.log");
      const size_t at = log.find(marker);
      if (log.find("Press Ctrl-C to stop.") != std::string::npos && at != std::string::npos) {
        port_ = std::atoi(log.c_str() + at + marker.size());
      }
    }
    if (port_ == 0) Die("the devstack did not start:\n" + ReadWholeFile(dir_ / "devstack.log"));
    const std::string token_file = (dir_ / "stack" / "client.token").string();
    env_ = {{"SHOAL_API_HOST", "127.0.0.1"},
            {"SHOAL_API_PORT", std::to_string(port_)},
            {"SHOAL_API_TOKEN_FILE", token_file}};
    shoal::transport::HttpClient::Options options;
    options.bearer_token = ReadWholeFile(token_file);
    while (!options.bearer_token.empty() &&
           std::isspace(static_cast<unsigned char>(options.bearer_token.back()))) {
      options.bearer_token.pop_back();
    }
    http_ = std::make_unique<shoal::transport::HttpClient>(
        shoal::transport::Endpoint{"127.0.0.1", port_}, options);
  }
  ~Stack() { process_->Kill(SIGTERM); }

  // Runs `shoal ARGS...` against the devstack; dies naming the command when it fails.
  ProcessResult Shoal(std::vector<std::string> args) const {
    const std::string what = args.empty() ? "" : args[0];
    args.insert(args.begin(), shoal_);
    ProcessResult result = RunProcess(args, "", env_);
    if (result.exit_code != 0) Die("shoal " + what + " failed: " + result.err);
    return result;
  }

  // The query's record (GET /api/v1/queries/{id}).
  json QueryRecord(const std::string& id) const {
    auto record = http_->Get("/api/v1/queries/" + id);
    if (!record.ok()) Die("GET query " + id + ": " + record.status().ToString());
    return *record;
  }

  // The folder store of a region, as its nodes see it.
  fs::path Store(const std::string& region) const { return dir_ / "stack" / "storage" / region; }

 private:
  std::string shoal_;
  fs::path dir_;
  std::unique_ptr<BackgroundProcess> process_;
  int port_ = 0;
  std::map<std::string, std::string> env_;
  std::unique_ptr<shoal::transport::HttpClient> http_;
};

double SecondsSince(Steady::time_point start) {
  return std::chrono::duration<double>(Steady::now() - start).count();
}

// Same rows, strings and integers equal, numbers within 1e-9 relative; "" when they agree.
std::string Disagreement(const json& ours, const json& duckdb) {
  if (ours.size() != duckdb.size()) {
    return std::to_string(ours.size()) + " rows against " + std::to_string(duckdb.size());
  }
  for (size_t r = 0; r < ours.size(); ++r) {
    if (ours[r].size() != duckdb[r].size()) return "row " + std::to_string(r) + " differs";
    for (size_t c = 0; c < ours[r].size(); ++c) {
      const json& a = ours[r][c];
      const json& b = duckdb[r][c];
      const bool close =
          a.is_number() && b.is_number()
              ? std::fabs(a.get<double>() - b.get<double>()) <=
                    1e-9 * std::max(std::fabs(a.get<double>()), std::fabs(b.get<double>()))
              : a == b;
      if (!close) {
        return "row " + std::to_string(r) + " column " + std::to_string(c) + ": " + a.dump() +
               " against " + b.dump();
      }
    }
  }
  return "";
}

// `shoal sql --format json`'s objects (one per row, keys in column order) as arrays of cells.
json RowsOfSqlJson(const std::string& text) {
  json rows = json::array();
  for (const auto& object : nlohmann::ordered_json::parse(text)) {
    json row = json::array();
    for (const auto& [column, cell] : object.items()) row.push_back(json::parse(cell.dump()));
    rows.push_back(row);
  }
  return rows;
}

struct QueryFigures {
  std::vector<double> query_s, sql_s;
  std::vector<double> fragments_ms, merge_ms;
  int64_t scanned = 0, shipped = 0;
};

int Run(int argc, char** argv) {
  const Flags flags =
      shoal::bench::ParseDevstackBenchFlags(argc, argv, "query_bench", 2000, 5, Die);
  const fs::path& dir = flags.dir;
  fs::remove_all(dir);
  auto stack = std::make_unique<Stack>(flags.shoal, dir);

  std::printf(
      "query_bench: a shoal devstack (us + eu, 3 nodes each); %d events per node and "
      "month, a year, written by jobs/data-generator.yaml\n",
      flags.events);
  const auto generating = Steady::now();
  for (const std::string region : {"us", "eu"}) {
    stack->Shoal({"job", "run", "-V", "Region=" + region, "-V",
                  "Events=" + std::to_string(flags.events), "-V", "StartDate=2024-01-01", "-V",
                  "EndDate=2024-12-31", "-V", "RotateInterval=month",
                  std::string(SHOAL_SOURCE_ROOT) + "/jobs/data-generator.yaml"});
  }
  const std::string description =
      stack->Shoal({"table", "describe", "transactions", "--output", "json"}).out;
  std::printf("data generated and the table described in %.1f s\n\n", SecondsSince(generating));

  std::string files;
  for (const std::string region : {"us", "eu"}) {
    const fs::path glob = stack->Store(region) / "my-bucket" / "transactions" / "**" / "*.jsonl";
    files += (files.empty() ? "'" : ", '") + glob.string() + "'";
  }
  // One DuckDB reads the files with the table's types (money as DECIMAL), as shoal query does.
  const std::string view =
      shoal::testing::TypedJsonView("transactions", description, "[" + files + "]");

  std::vector<double> all_plan_ms;
  std::printf("%-40s | %9s | %9s | %5s | %9s | %8s | %7s | %8s | %6s\n", "query (medians of runs)",
              "query s", "sql s", "ratio", "scanned", "shipped", "ratio", "fragments", "merge");
  for (const BenchQuery& bench : AdditiveQueries()) {
    QueryFigures figures;
    json reference;
    for (int run = 0; run <= flags.runs; ++run) {  // run 0 warms both up
      // Odd rounds time `shoal sql` first, even ones `shoal query`.
      ProcessResult query, single;
      double query_s = 0, sql_s = 0;
      for (int turn = 0; turn < 2; ++turn) {
        const auto start = Steady::now();
        if ((turn + run) % 2 == 0) {
          query = stack->Shoal({"query", "--output", "json", bench.sql});
          query_s = SecondsSince(start);
        } else {
          single = stack->Shoal({"sql", "--format", "json", "-c", view + bench.sql});
          sql_s = SecondsSince(start);
        }
      }

      const json answer = json::parse(query.out);
      if (reference.is_null()) reference = RowsOfSqlJson(single.out);
      const std::string disagreement = Disagreement(answer["Rows"], reference);
      if (!disagreement.empty())
        Die(bench.name + ": shoal query and shoal sql differ: " + disagreement + "\n" + query.out +
            "\n" + single.out);
      const json record = stack->QueryRecord(answer["Query"]);
      all_plan_ms.push_back(record["PlanMs"].get<double>());
      if (run == 0) continue;
      figures.query_s.push_back(query_s);
      figures.sql_s.push_back(sql_s);
      figures.fragments_ms.push_back(record["FragmentsMs"].get<double>());
      figures.merge_ms.push_back(record["MergeMs"].get<double>());
      figures.scanned = figures.shipped = 0;
      for (const auto& [region, account] : answer["Residency"].items()) {
        figures.scanned += account["BytesScanned"].get<int64_t>();
        figures.shipped += account["PartialBytes"].get<int64_t>();
      }
    }
    const double query_s = Median(figures.query_s), sql_s = Median(figures.sql_s);
    std::printf(
        "%-40s | %9.3f | %9.3f | %5.2f | %6.1f MB | %6lld B | %7.1e | %6.0f ms | %3.0f ms\n",
        bench.name.c_str(), query_s, sql_s, query_s / sql_s, figures.scanned / 1e6,
        static_cast<long long>(figures.shipped),
        static_cast<double>(figures.shipped) / static_cast<double>(figures.scanned),
        Median(figures.fragments_ms), Median(figures.merge_ms));
  }
  std::printf("targets: ratio query/sql <= 1.3; shipped/scanned <= 1e-4\n\n");

  // Planning: the coordinator's own clock, and `--explain` as the user sees it.
  std::vector<double> explain_ms;
  for (int run = 0; run < 4 * flags.runs; ++run) {
    const BenchQuery& bench = AdditiveQueries()[run % AdditiveQueries().size()];
    auto start = Steady::now();
    stack->Shoal({"query", "--explain", bench.sql});
    explain_ms.push_back(SecondsSince(start) * 1e3);
  }
  std::printf(
      "planning time (the query records' PlanMs, %zu queries): p50 %.2f ms, p90 %.2f ms "
      "(target p50 <= 5 ms)\n",
      all_plan_ms.size(), Median(all_plan_ms), Percentile(all_plan_ms, 90));
  std::printf("`shoal query --explain` wall time (process start to exit, %zu runs): p50 %.1f ms\n",
              explain_ms.size(), Median(explain_ms));
  stack.reset();
  if (flags.keep.empty()) fs::remove_all(dir);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const Broken& broken) {
    std::fprintf(stderr, "query_bench: %s\n", broken.what.c_str());
    return 1;
  }
}
