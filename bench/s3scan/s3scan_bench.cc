// S3 scan benchmark: the same queries over s3:// (a real s3rver on loopback) and over the same
// files on local disk, in one run, through Shoal's engine Session.
//
// Usage: s3scan_bench PATH_TO_SHOAL [events_per_month]
// It generates a year of transactions with `shoal generate`, once as JSONL and once as Parquet
// (same seed, same events), uploads them with Shoal's S3 client, then times each query on local
// disk and on S3, best of 5 alternating rounds. It prints MB/s of the files the query scanned,
// the ratio s3 / local (targets: >= 0.7 for JSONL, >= 0.5 for Parquet projections), the same
// with 4x more DuckDB threads on S3, the server's CPU share, and the bytes and requests actually
// sent to S3. s3rver is a single-threaded Node server, so it can be the ceiling: baselines of raw
// GET throughput and of small GETs per second (the client alone, no DuckDB) are printed first.
// It never fails on timing.
//
// A timing counts only with the right answer: each query's reference is its answer over the
// local files, computed before the rounds, and every timed run (local, s3, s3 x4t) must return
// it exactly (bench_answers.h: cells as exact text, rows sorted as no query has an ORDER BY). A
// difference is printed and the bench exits 1 before that query's timings are printed.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench_answers.h"
#include <sys/wait.h>
#include <unistd.h>

#include "engine/engine.h"
#include "storage/s3_client.h"
#include "storage/testing/s3rver_fixture.h"

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;
using shoal::bench::Answer;
using shoal::bench::AnswerDifference;
using shoal::bench::AnswerRules;
using shoal::testing::S3rver;

constexpr char kBucket[] = "bench";

double Seconds(const std::function<void()>& body) {
  auto start = Clock::now();
  body();
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// What broke; thrown so that s3rver is stopped on the way out.
struct Broken {
  std::string what;
};

int Run(const std::string& command) {
  int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

struct Query {
  const char* name;
  const char* format;  // "jsonl" or "parquet": which files, and which target applies
  std::string sql;     // {} stands for the folder: a local path or s3://bench
  AnswerRules rules;
};

std::string With(std::string sql, const std::string& prefix) {
  for (size_t at; (at = sql.find("{}")) != std::string::npos;) sql.replace(at, 2, prefix);
  return sql;
}

struct Files {
  std::vector<std::string> keys;  // relative to the local root and to s3://bench/
  uint64_t bytes = 0;
};

Files ListFiles(const fs::path& root, const std::string& folder) {
  Files files;
  for (auto& entry : fs::directory_iterator(root / folder)) {
    files.keys.push_back(folder + "/" + entry.path().filename().string());
    files.bytes += entry.file_size();
  }
  std::sort(files.keys.begin(), files.keys.end());
  return files;
}

// Raw GET throughput of `files` with `threads` threads, each reading whole objects in 8 MiB
// ranges (what DuckDB's large reads look like), in MB/s.
double RawGetMBps(const shoal::storage::S3Client& client, const Files& files, int threads) {
  std::atomic<size_t> next{0};
  std::atomic<uint64_t> bytes{0};
  double seconds = Seconds([&] {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        std::string buffer(8 << 20, '\0');
        for (size_t i; (i = next.fetch_add(1)) < files.keys.size();) {
          for (uint64_t offset = 0;; offset += buffer.size()) {
            auto got =
                client.GetRange(kBucket, files.keys[i], offset, buffer.size(), buffer.data());
            if (!got.ok() || *got == 0) break;
            bytes += *got;
            if (*got < buffer.size()) break;
          }
        }
      });
    }
    for (auto& w : workers) w.join();
  });
  return bytes.load() / seconds / 1e6;
}

// The pid of the s3rver serving `data_dir` (found by its command line), or -1.
int FindServerPid(const std::string& data_dir) {
  for (auto& entry : fs::directory_iterator("/proc")) {
    const std::string name = entry.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string cmdline = shoal::testing::ReadWholeFile(entry.path() / "cmdline");
    if (cmdline.find("s3rver") != std::string::npos &&
        cmdline.find(data_dir) != std::string::npos) {
      return std::stoi(name);
    }
  }
  return -1;
}

// CPU seconds (user + system) process `pid` has used so far.
double CpuSeconds(int pid) {
  if (pid <= 0) return 0;
  std::string stat = shoal::testing::ReadWholeFile("/proc/" + std::to_string(pid) + "/stat");
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return 0;
  std::vector<std::string> fields;
  size_t at = close + 2;
  while (at < stat.size()) {
    size_t space = stat.find(' ', at);
    fields.push_back(stat.substr(at, space - at));
    if (space == std::string::npos) break;
    at = space + 1;
  }
  // Fields after the command: state is [0], utime [11], stime [12] (in clock ticks).
  if (fields.size() < 13) return 0;
  return (std::stod(fields[11]) + std::stod(fields[12])) /
         static_cast<double>(sysconf(_SC_CLK_TCK));
}

// Small ranged GETs per second (64 KiB each, the size of a Parquet footer read) with `threads`
// threads for `seconds`: the per-request ceiling of the server.
double SmallGetsPerSecond(const shoal::storage::S3Client& client, const std::string& key,
                          int threads, double seconds) {
  std::atomic<uint64_t> requests{0};
  const auto until = Clock::now() + std::chrono::duration<double>(seconds);
  double took = Seconds([&] {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        std::string buffer(64 << 10, '\0');
        while (Clock::now() < until) {
          if (!client.GetRange(kBucket, key, 0, buffer.size(), buffer.data()).ok()) return;
          ++requests;
        }
      });
    }
    for (auto& w : workers) w.join();
  });
  return requests.load() / took;
}

int RunBench(int argc, char** argv) {
  const std::string shoal = argv[1];
  const std::string per_month = argc > 2 ? argv[2] : "50000";
  fs::path root = fs::temp_directory_path() / ("shoal-s3scan-bench-" + std::to_string(getpid()));
  fs::create_directories(root);
  // The generated files go away on every way out, std::exit included.
  static fs::path cleanup;
  cleanup = root;
  std::atexit([] {
    std::error_code ec;
    fs::remove_all(cleanup, ec);
  });

  std::printf("generating 12 months x %s events with shoal generate (JSONL and Parquet)...\n",
              per_month.c_str());
  for (const char* format : {"jsonl", "parquet"}) {
    if (Run(shoal + " generate --region us --count " + per_month +
            " --start-date 2024-01-01 --end-date 2025-01-01 --rotate-interval month --format " +
            format + " --output " + (root / format).string() + " > /dev/null") != 0) {
      throw Broken{"shoal generate failed"};
    }
  }
  const Files jsonl = ListFiles(root, "jsonl");
  const Files parquet = ListFiles(root, "parquet");

  S3rver server(S3rver::Options{{kBucket}});
  if (!server.ok()) {
    throw Broken{server.error()};
  }
  shoal::storage::S3Config config;
  config.endpoint = server.endpoint();
  config.url_style = shoal::storage::UrlStyle::kPath;
  config.use_ssl = false;
  config.credentials = {S3rver::kAccessKey, S3rver::kSecretKey, ""};
  auto client = shoal::storage::S3Client::Create(config).value();
  double upload_seconds = Seconds([&] {
    for (const Files* files : {&jsonl, &parquet}) {
      for (const auto& key : files->keys) {
        auto put = client->PutObjectFromFile(kBucket, key, (root / key).string());
        if (!put.ok()) throw Broken{"upload failed: " + put.status().ToString()};
      }
    }
  });
  std::printf(
      "data: %zu JSONL files, %.1f MB; %zu Parquet files, %.1f MB; uploaded to s3rver "
      "in %.1f s; %u cores\n\n",
      jsonl.keys.size(), jsonl.bytes / 1e6, parquet.keys.size(), parquet.bytes / 1e6,
      upload_seconds, std::thread::hardware_concurrency());

  // The ceiling: how fast s3rver serves bytes to the client alone.
  std::printf("raw GET from s3rver (S3Client, 8 MiB ranges, no DuckDB), best of 3:\n");
  for (int threads : {1, 2, 4}) {
    double best = 0;
    for (int i = 0; i < 3; ++i) best = std::max(best, RawGetMBps(*client, jsonl, threads));
    std::printf("  %d thread%s %8.1f MB/s\n", threads, threads == 1 ? ": " : "s:", best);
  }
  std::printf("raw 64 KiB GETs from s3rver (the per-request ceiling):\n");
  for (int threads : {1, 2, 4}) {
    std::printf("  %d thread%s %8.0f GETs/s\n", threads, threads == 1 ? ": " : "s:",
                SmallGetsPerSecond(*client, parquet.keys.front(), threads, 1.0));
  }
  double local_read = 0;
  for (int i = 0; i < 3; ++i) {
    uint64_t total = 0;
    double seconds = Seconds([&] {
      std::string buffer(8 << 20, '\0');
      for (const auto& key : jsonl.keys) {
        FILE* f = std::fopen((root / key).c_str(), "rb");
        for (size_t n; f != nullptr && (n = std::fread(buffer.data(), 1, buffer.size(), f)) > 0;)
          total += n;
        if (f != nullptr) std::fclose(f);
      }
    });
    local_read = std::max(local_read, total / seconds / 1e6);
  }
  std::printf("  local disk read (page cache):  %8.1f MB/s\n\n", local_read);

  shoal::engine::SessionOptions options;
  options.s3.environment = {{"DUCKDB_S3_ENDPOINT", server.endpoint()},
                            {"DUCKDB_S3_USE_SSL", "false"},
                            {"AWS_ACCESS_KEY_ID", S3rver::kAccessKey},
                            {"AWS_SECRET_ACCESS_KEY", S3rver::kSecretKey}};
  options.s3.stats = std::make_shared<shoal::engine::S3TransferStats>();
  auto session = shoal::engine::Session::Open(options).value();
  // Every round must fetch from S3 again: DuckDB would otherwise serve repeated reads of the
  // same ranges from its external file cache.
  if (!session->Query("SET s3_url_style = 'path'; SET enable_external_file_cache = false").ok()) {
    throw Broken{"settings refused"};
  }
  const std::string json = "read_json_auto('{}/jsonl/*.jsonl')";
  const std::string pq = "read_parquet('{}/parquet/*.parquet')";
  // total_amount is a DOUBLE, and a DOUBLE sum's last digits depend on the order in which
  // threads add the rows: two runs over the same local files differ. The amounts are prices in
  // cents (with float noise, as 4615.330000000001), so sums and averages are taken over
  // DECIMAL(18, 2): the sum is exact, the average is that sum / count, both the same every run,
  // so S3 and local must agree to the last digit. The cast reads no other column, so the
  // Parquet projections still fetch what they name.
  const std::string amount = "total_amount::DECIMAL(18, 2)";
  const std::vector<Query> queries = {
      {"jsonl count", "jsonl", "SELECT count(*) FROM " + json, {}},
      {"jsonl agg",
       "jsonl",
       "SELECT product_category, count(*), sum(" + amount + "), avg(" + amount + ") FROM " + json +
           " GROUP BY 1",
       {}},
      {"parquet 1 column", "parquet", "SELECT sum(" + amount + ") FROM " + pq, {}},
      {"parquet 2 columns",
       "parquet",
       "SELECT product_category, count(*), avg(" + amount + ") FROM " + pq + " GROUP BY 1",
       {}},
      {"parquet all cols", "parquet", "SELECT count(DISTINCT COLUMNS(*)) FROM " + pq, {}},
  };
  const int server_pid = FindServerPid(server.data_dir().string());
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  // Runs `q`'s `sql` with `threads` DuckDB threads; returns its time and sets `answer`.
  auto timed = [&](const Query& q, const std::string& sql, int threads, Answer& answer) {
    shoal::Result<shoal::engine::ResultTable> r = shoal::Status::Internal("not run");
    const double seconds = Seconds(
        [&] { r = session->Query("SET threads = " + std::to_string(threads) + "; " + sql); });
    if (!r.ok()) throw Broken{std::string(q.name) + ": " + r.status().ToString()};
    answer = shoal::bench::AnswerOf(*r);
    return seconds;
  };
  // The same, the answer checked (outside the timing) against `reference`.
  auto run = [&](const Query& q, const Answer& reference, const char* where, const std::string& sql,
                 int threads) {
    Answer answer;
    const double seconds = timed(q, sql, threads, answer);
    const std::string difference = AnswerDifference(answer, reference, q.rules);
    if (!difference.empty()) {
      throw Broken{std::string(q.name) + ": the answer " + where +
                   " differs from the local copy's, so its timing does not count: " + difference};
    }
    return seconds;
  };
  std::printf("%-18s %10s %10s %7s %7s %12s %7s %11s %9s %6s %15s\n", "query", "local MB/s",
              "s3 MB/s", "ratio", "target", "s3 MB/s x4t", "ratio", "s3rver cpu", "fetched", "GETs",
              "answers checked");
  for (const auto& q : queries) {
    const Files& files = std::string(q.format) == "jsonl" ? jsonl : parquet;
    const double target = std::string(q.format) == "jsonl" ? 0.7 : 0.5;
    const std::string local_sql = With(q.sql, root.string());
    const std::string s3_sql = With(q.sql, std::string("s3://") + kBucket);
    // The reference, untimed: the answer over the local files.
    Answer reference;
    (void)timed(q, local_sql, cores, reference);
    int checked = 0;
    double local = 1e300, remote = 1e300, remote_wide = 1e300;
    double server_share = 0;
    uint64_t fetched = 0;
    uint64_t gets = 0;
    // Rounds alternate the ways so that noise from other processes hits them alike; the best
    // time of each way counts.
    for (int round = 0; round < 5; ++round) {
      local = std::min(local, run(q, reference, "over the local files (again)", local_sql, cores));
      const uint64_t before = options.s3.stats->bytes_read.load();
      const uint64_t gets_before = options.s3.stats->get_requests.load();
      const double cpu_before = CpuSeconds(server_pid);
      const double seconds = run(q, reference, "read from S3", s3_sql, cores);
      if (seconds < remote) {
        remote = seconds;
        server_share = (CpuSeconds(server_pid) - cpu_before) / seconds;
      }
      fetched = options.s3.stats->bytes_read.load() - before;
      gets = options.s3.stats->get_requests.load() - gets_before;
      // I/O-bound scans profit from more DuckDB threads than cores (as with httpfs).
      remote_wide =
          std::min(remote_wide, run(q, reference, "read from S3 (x4 threads)", s3_sql, 4 * cores));
      checked += 3;
    }
    const std::string answers =
        std::to_string(checked) + " x " + std::to_string(reference.rows.size()) + " rows";
    std::printf("%-18s %10.1f %10.1f %7.3f %7.1f %12.1f %7.3f %10.0f%% %8.1f%% %6llu %15s\n",
                q.name, files.bytes / local / 1e6, files.bytes / remote / 1e6, local / remote,
                target, files.bytes / remote_wide / 1e6, local / remote_wide, 100 * server_share,
                100.0 * fetched / files.bytes, static_cast<unsigned long long>(gets),
                answers.c_str());
  }
  std::printf(
      "\nMB/s = size of all files of the scanned format / query time (best of 5); ratio = local "
      "time / s3 time, same query, same files, this run; local and s3 use %u DuckDB threads, "
      "x4t uses %u; s3rver cpu = the server's CPU time during the best s3 run as a share of one "
      "core; fetched = bytes GOT from S3 in one s3 run / size of the files; GETs = requests in one "
      "s3 run; answers checked = timed runs whose answer equals the one over the local files "
      "(exactly, rows sorted); a differing answer stops the bench with exit code 1.\n",
      cores, 4 * cores);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: s3scan_bench PATH_TO_SHOAL [events_per_month]\n");
    return 2;
  }
  try {
    return RunBench(argc, argv);
  } catch (const Broken& broken) {
    std::fprintf(stderr, "s3scan_bench: %s\n", broken.what.c_str());
    return 1;
  }
}
