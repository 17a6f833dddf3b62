// columnar_bench: what columnar storage (`shoal table compact`, shoal_table) buys over the landing
// JSONL on the same rows, each figure against a baseline measured in the same run.
//
// Usage: columnar_bench PATH_TO_SHOAL [--events N] [--runs N] [--keep DIR]
//   --events: events per node and month given to jobs/data-generator.yaml (its -V Events); a
//             year of them, on the 3 nodes of each of us and eu. Each event is about 1 KB of
//             JSONL, so the default 28000 is about 1M rows and 1 GB of JSONL per region (2 GB in
//             all); about 2 minutes on 2 cores. --events 3000 (110 MB a region) takes 20 s, but
//             then fixed costs (job scheduling, process starts) weigh on the time ratios.
//   --runs:   timed rounds per figure (default 3), medians; --keep DIR keeps the devstack folder.
//
// Setup, as a user has it: a `shoal devstack` process (us + eu, 3 nodes each, folder stores, a
// random port); each region's data written by jobs/data-generator.yaml through `shoal job run`.
// The query is the monthly trends: count(*), sum(total_amount) and count(DISTINCT customer_id)
// per month. The sum is over total_amount::DECIMAL(18, 2): a DOUBLE sum's last digits depend on
// the order of the rows, the DECIMAL sum is exact (the amounts are cents), so every answer must
// equal its reference to the last digit; the cast reads no other column.
//
// 1. Monthly trends, a full year, JSONL against Parquet (target Parquet/JSONL <= 1/15):
//    - `shoal query` over both regions, the whole CLI process timed. JSONL is the table without
//      its state objects: they are renamed away for the JSONL rounds and back for the Parquet
//      ones, and without a state every reader reads all landing files, exactly as before the
//      first compaction, so the two alternate round by round (the machine is shared; noise hits
//      both alike). A warm-up of each first. For context, the same query without the
//      count(DISTINCT): a distinct count ships each partition's distinct (month, customer) values
//      to the merge (about one per row, whatever the storage), an additive one a row per month.
//    - the same as a duckdb job (Count 3, region us, `shoal job run --merge`): one reads
//      shoal_table('s3://my-bucket/warehouse/transactions'), the other read_json_auto over the
//      landing files as jobs/monthly-trends.yaml splits them: by month (partition_by_regex), so
//      each month is in one partition and its count(DISTINCT) exact. (partition_by_hash would
//      split a month's three node files among partitions, whose distinct counts do not add up.)
//    - for context, one DuckDB in this process (the Session of item 2 on folders): the same
//      read_json_auto over us's landing files against shoal_table; no jobs, no shipping.
//    Note the JSONL readers differ: `shoal query` reads landing files with the table's typed
//    reader (read_json with its columns given), far faster than the read_json_auto that the job
//    and one-DuckDB baselines use, as jobs/monthly-trends.yaml does.
// 2. Pruning: June (WHERE timestamp >= '2024-06-01' AND timestamp < '2024-07-01') against the
//    full year, bytes read, over shoal_table on us's warehouse (target June/year <= 1/10), in an
//    engine Session in this process (what `shoal sql` and every node open), a fresh one per
//    query, DuckDB's external file cache off:
//    - folders: s3://my-bucket mapped onto us's folder store as the nodes map it; bytes read are
//      this process's rchar (/proc/self/io) across the query: every byte DuckDB had read() or
//      pread() return, the table state included, whether the page cache served it or the disk.
//      (read_bytes would count only what missed the page cache: 0 on a warm machine.)
//    - S3: the warehouse (state and Parquet objects) copied to an s3rver on loopback; bytes
//      fetched by GETs, from the session's S3TransferStats (as bench/s3scan). The landing files
//      are not copied: all are compacted, so shoal_table would only list them, never GET them.
// 3. Compaction throughput: `shoal table compact transactions --region us` (its warehouse
//    removed before each round, so each converts every landing file of us) against one
//    `shoal sql` running COPY (SELECT * FROM read_json_auto(<us landing files>)) TO x.parquet;
//    target compaction throughput >= 0.5x the COPY's (copy time / compaction time).
//
// Every timed or measured run's answer must equal its reference, computed in this process by one
// DuckDB over the landing JSONL (read_json_auto), compared with bench_answers.h; the COPY's file
// is checked the same way. A difference stops the bench with exit code 1; timings never do.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "bench_answers.h"
#include "bench_stats.h"
#include "columnar/columnar_harness.h"
#include "devstack_bench_flags.h"

#include "engine/engine.h"
#include "storage/s3_client.h"
#include "storage/testing/s3rver_fixture.h"

namespace {

namespace fs = std::filesystem;
using shoal::bench::Answer;
using shoal::bench::AnswerDifference;
using shoal::bench::AnswerRules;
using shoal::bench::Median;
using shoal::bench::columnar::AnswerOfCsv;
using shoal::bench::columnar::Broken;
using shoal::bench::columnar::BytesUnder;
using shoal::bench::columnar::Die;
using shoal::bench::columnar::SecondsSince;
using shoal::bench::columnar::Stack;
using Steady = std::chrono::steady_clock;

using Flags = shoal::bench::DevstackBenchFlags;

constexpr const char* kJune = "WHERE timestamp >= '2024-06-01' AND timestamp < '2024-07-01' ";

// The monthly trends over `from`, optionally restricted by `where`; without the count(DISTINCT)
// when not `distinct`.
std::string Trends(const std::string& from, const std::string& where = "", bool distinct = true) {
  return "SELECT date_trunc('month', timestamp)::DATE AS month, count(*) AS txns, "
         "sum(total_amount::DECIMAL(18, 2)) AS revenue" +
         std::string(distinct ? ", count(DISTINCT customer_id) AS customers" : "") + " FROM " +
         from + " " + where + "GROUP BY 1 ORDER BY 1";
}

// `answer` without its last column.
Answer WithoutLastColumn(Answer answer) {
  answer.columns.pop_back();
  if (!answer.types.empty()) answer.types.pop_back();
  for (auto& row : answer.rows) row.pop_back();
  return answer;
}

std::string Quoted(const fs::path& path) { return "'" + path.string() + "'"; }

// The duckdb job of figure 1, Count 3 on the us nodes, reading `from` after `prelude`.
std::string TrendsJob(const std::string& name, const std::string& prelude,
                      const std::string& from) {
  std::string sql = "SET s3_url_style = 'path';\n" + prelude + Trends(from) + ";\n";
  std::string indented;
  for (size_t at = 0, end; at < sql.size(); at = end + 1) {
    end = sql.find('\n', at);
    indented += "          " + sql.substr(at, end - at + 1);
  }
  return "Name: " + name +
         "\nType: batch\nCount: 3\nConstraints:\n  - Key: region\n    Operator: \"==\"\n"
         "    Values: [\"us\"]\nTasks:\n  - Name: main\n    Engine:\n      Type: duckdb\n"
         "      Params:\n        SQL: |\n" +
         indented +
         "    Env:\n      AWS_ACCESS_KEY_ID: env:AWS_ACCESS_KEY_ID\n"
         "      AWS_SECRET_ACCESS_KEY: env:AWS_SECRET_ACCESS_KEY\n"
         "      DUCKDB_S3_ENDPOINT: storage-local:9000\n      DUCKDB_S3_USE_SSL: \"false\"\n";
}

// An engine Session (what `shoal sql` opens), DuckDB's external file cache off.
std::unique_ptr<shoal::engine::Session> OpenSession(const shoal::engine::SessionOptions& options) {
  auto session = shoal::engine::Session::Open(options);
  if (!session.ok()) Die("the engine did not open: " + session.status().ToString());
  auto set = (*session)->Query("SET s3_url_style = 'path'; SET enable_external_file_cache = false");
  if (!set.ok()) Die("settings refused: " + set.status().ToString());
  return std::move(*session);
}

Answer Ask(shoal::engine::Session& session, const std::string& sql) {
  auto result = session.Query(sql);
  if (!result.ok()) Die("query failed: " + result.status().ToString() + "\n  " + sql);
  return shoal::bench::AnswerOf(*result);
}

// Counts the checks; dies with both answers on the first difference.
class Checker {
 public:
  void Check(const std::string& what, const Answer& got, const Answer& want, bool ordered) {
    AnswerRules rules;
    rules.ordered = ordered;
    const std::string difference = AnswerDifference(got, want, rules);
    if (!difference.empty()) Die(what + ": the answer differs from the reference: " + difference);
    ++checked_;
  }
  int checked() const { return checked_; }

 private:
  int checked_ = 0;
};

// One line of the final table.
struct Figure {
  std::string name, baseline, columnar;
  double ratio = 0;
  double target = 0;
  bool at_most = true;  // the target is an upper bound (else a lower one)
};

std::string Format(const char* format, double value) {
  char text[64];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

std::string Mb(double bytes) { return Format("%.2f MB", bytes / 1e6); }

// Alternates `a` and `b` for a warm-up round (not kept) and `runs` rounds; their seconds.
void Alternate(int runs, bool warm_up, const std::function<double()>& a,
               const std::function<double()>& b, std::vector<double>& a_s,
               std::vector<double>& b_s) {
  for (int run = warm_up ? 0 : 1; run <= runs; ++run) {
    for (int turn = 0; turn < 2; ++turn) {
      const bool first = (turn + run) % 2 == 0;
      const double seconds = first ? a() : b();
      if (run > 0) (first ? a_s : b_s).push_back(seconds);
    }
  }
}

int Run(int argc, char** argv) {
  const Flags flags =
      shoal::bench::ParseDevstackBenchFlags(argc, argv, "columnar_bench", 28000, 3, Die);
  const fs::path& dir = flags.dir;
  fs::remove_all(dir);
  // Removes the folder on every way out (after the devstack, declared later, has stopped).
  struct Cleanup {
    fs::path dir;
    ~Cleanup() {
      std::error_code error;
      if (!dir.empty()) fs::remove_all(dir, error);
    }
  } cleanup{flags.keep.empty() ? dir : fs::path()};
  auto stack = std::make_unique<Stack>(flags.shoal, dir);
  Checker checker;
  std::vector<Figure> figures;

  std::printf(
      "columnar_bench: a shoal devstack (us + eu, 3 nodes each, folder stores); %d events per "
      "node and month, a year, written by jobs/data-generator.yaml; rounds per figure: %d\n",
      flags.events, flags.runs);
  const auto generating = Steady::now();
  for (const std::string region : {"us", "eu"}) {
    stack->Shoal({"job", "run", "-V", "Region=" + region, "-V",
                  "Events=" + std::to_string(flags.events), "-V", "StartDate=2024-01-01", "-V",
                  "EndDate=2024-12-31", "-V", "RotateInterval=month",
                  std::string(SHOAL_SOURCE_ROOT) + "/jobs/data-generator.yaml"});
  }
  stack->Shoal({"table", "describe", "transactions"});
  const fs::path us_glob = stack->Landing("us") / "**" / "*.jsonl";
  const fs::path eu_glob = stack->Landing("eu") / "**" / "*.jsonl";
  const double us_jsonl = static_cast<double>(BytesUnder(stack->Landing("us"), ".jsonl"));
  const double eu_jsonl = static_cast<double>(BytesUnder(stack->Landing("eu"), ".jsonl"));
  std::printf("data generated in %.1f s: JSONL %s (us) + %s (eu)\n", SecondsSince(generating),
              Mb(us_jsonl).c_str(), Mb(eu_jsonl).c_str());

  // The references: one DuckDB over the landing JSONL.
  const auto referencing = Steady::now();
  shoal::engine::SessionOptions plain;
  const Answer both_ref = Ask(*OpenSession(plain), Trends("read_json_auto([" + Quoted(us_glob) +
                                                          ", " + Quoted(eu_glob) + "])"));
  const Answer us_ref = Ask(*OpenSession(plain), Trends("read_json_auto(" + Quoted(us_glob) + ")"));
  const Answer june_ref =
      Ask(*OpenSession(plain), Trends("read_json_auto(" + Quoted(us_glob) + ")", kJune));
  int64_t rows = 0;
  for (const auto& row : both_ref.rows) rows += std::atoll(row[1].value_or("0").c_str());
  std::printf("references (one DuckDB over the JSONL) in %.1f s: %lld rows in both regions\n\n",
              SecondsSince(referencing), static_cast<long long>(rows));

  // 3. Compaction throughput (first, as it makes the warehouse the other figures read).
  const fs::path copy_file = dir / "copy.parquet";
  const std::string copy_sql = "COPY (SELECT * FROM read_json_auto(" + Quoted(us_glob) + ")) TO " +
                               Quoted(copy_file) + " (FORMAT parquet)";
  std::vector<double> compact_s, copy_s;
  Alternate(
      flags.runs, false,
      [&] {
        fs::remove_all(stack->Warehouse("us"));
        double seconds = 0;
        stack->Shoal({"table", "compact", "transactions", "--region", "us"}, &seconds);
        return seconds;
      },
      [&] {
        fs::remove(copy_file);
        double seconds = 0;
        stack->Shoal({"sql", "-c", copy_sql}, &seconds);
        return seconds;
      },
      compact_s, copy_s);
  checker.Check("the COPY's Parquet file",
                Ask(*OpenSession(plain), Trends("read_parquet(" + Quoted(copy_file) + ")")), us_ref,
                true);
  stack->Shoal({"table", "compact", "transactions"});  // eu; us has nothing new
  const double us_parquet = static_cast<double>(BytesUnder(stack->Warehouse("us"), ".parquet"));
  const double eu_parquet = static_cast<double>(BytesUnder(stack->Warehouse("eu"), ".parquet"));
  std::printf("compacted: Parquet %s (us) + %s (eu); the COPY's file %s\n", Mb(us_parquet).c_str(),
              Mb(eu_parquet).c_str(), Mb(static_cast<double>(fs::file_size(copy_file))).c_str());
  figures.push_back({"3. compaction of us (throughput, x)",
                     "sql COPY " + Format("%.1f MB/s", us_jsonl / 1e6 / Median(copy_s)),
                     "compact " + Format("%.1f MB/s", us_jsonl / 1e6 / Median(compact_s)),
                     Median(copy_s) / Median(compact_s), 0.5, false});

  // 1. Monthly trends through `shoal query`, JSONL (states hidden) against Parquet.
  auto query = [&](bool parquet, bool distinct) {
    stack->ShowTableStates(parquet);
    double seconds = 0;
    auto result =
        stack->Shoal({"query", "--output", "csv", Trends("transactions", "", distinct)}, &seconds);
    checker.Check(std::string("shoal query over ") + (parquet ? "Parquet" : "JSONL"),
                  AnswerOfCsv(result.out), distinct ? both_ref : WithoutLastColumn(both_ref), true);
    return seconds;
  };
  for (const bool distinct : {true, false}) {
    std::vector<double> jsonl_s, parquet_s;
    Alternate(
        flags.runs, true, [&] { return query(false, distinct); },
        [&] { return query(true, distinct); }, jsonl_s, parquet_s);
    figures.push_back({distinct ? "1. shoal query, monthly trends, us + eu (s)"
                                : "   the same without count(DISTINCT) (s)",
                       "JSONL " + Format("%.3f s", Median(jsonl_s)),
                       "Parquet " + Format("%.3f s", Median(parquet_s)),
                       Median(parquet_s) / Median(jsonl_s), 1.0 / 15, true});
  }
  stack->ShowTableStates(true);

  // 1. The same as a duckdb job of Count 3 on the us nodes.
  const fs::path jsonl_job = dir / "trends-jsonl.yaml", parquet_job = dir / "trends-parquet.yaml";
  std::ofstream(jsonl_job) << TrendsJob(
      "bench-trends-jsonl",
      "SET VARIABLE files = (SELECT LIST(file) FROM partition_by_regex(\n"
      "  's3://my-bucket/transactions/**/*.jsonl', '_(\\d{4}-\\d{2})\\.jsonl$'));\n",
      "read_json_auto(getvariable('files'))");
  std::ofstream(parquet_job) << TrendsJob("bench-trends-parquet", "",
                                          "shoal_table('s3://my-bucket/warehouse/transactions')");
  std::vector<double> job_jsonl_s, job_parquet_s;
  auto job = [&](const fs::path& file, const std::string& what) {
    double seconds = 0;
    auto result = stack->Shoal(
        {"job", "run", "--merge", "--output", "csv", "--force", file.string()}, &seconds);
    checker.Check("the job over " + what, AnswerOfCsv(result.out), us_ref, false);
    return seconds;
  };
  Alternate(
      flags.runs, true, [&] { return job(jsonl_job, "JSONL"); },
      [&] { return job(parquet_job, "Parquet"); }, job_jsonl_s, job_parquet_s);
  figures.push_back({"1. duckdb job, Count 3, us (s)",
                     "JSONL " + Format("%.3f s", Median(job_jsonl_s)),
                     "Parquet " + Format("%.3f s", Median(job_parquet_s)),
                     Median(job_parquet_s) / Median(job_jsonl_s), 1.0 / 15, true});

  // 1. The same in one DuckDB in this process, us's folder store mapped as its nodes map it.
  const std::string table = "shoal_table('s3://my-bucket/warehouse/transactions')";
  shoal::engine::SessionOptions folders;
  folders.path_mappings.push_back({"s3://my-bucket", stack->Bucket("us").string(), true});
  auto in_process = [&](const std::string& from) {
    auto session = OpenSession(folders);
    const auto start = Steady::now();
    const Answer answer = Ask(*session, Trends(from));
    const double seconds = SecondsSince(start);
    checker.Check("one DuckDB over " + from, answer, us_ref, true);
    return seconds;
  };
  std::vector<double> duckdb_jsonl_s, duckdb_parquet_s;
  Alternate(
      flags.runs, true,
      [&] { return in_process("read_json_auto('s3://my-bucket/transactions/**/*.jsonl')"); },
      [&] { return in_process(table); }, duckdb_jsonl_s, duckdb_parquet_s);
  figures.push_back({"   one DuckDB (engine Session), us (s)",
                     "JSONL " + Format("%.3f s", Median(duckdb_jsonl_s)),
                     "Parquet " + Format("%.3f s", Median(duckdb_parquet_s)),
                     Median(duckdb_parquet_s) / Median(duckdb_jsonl_s), 1.0 / 15, true});

  // 2. Pruning: June against the full year over shoal_table, on folders and on S3. The June
  // reader gets the bounds shoal query's planner derives from the WHERE (docs/query.md).
  const std::string june_table =
      "shoal_table('s3://my-bucket/warehouse/transactions', time_min := TRY_CAST('2024-06-01' AS "
      "TIMESTAMP), time_before := TRY_CAST('2024-07-01' AS TIMESTAMP))";
  auto reader = [&](const std::string& where) { return where.empty() ? table : june_table; };
  auto folder_bytes = [&](const std::string& where, const Answer& reference) {
    auto session = OpenSession(folders);
    const uint64_t before = shoal::bench::columnar::CharsReadByThisProcess();
    const Answer answer = Ask(*session, Trends(reader(where), where));
    const uint64_t read = shoal::bench::columnar::CharsReadByThisProcess() - before;
    checker.Check("shoal_table on folders", answer, reference, true);
    return static_cast<double>(read);
  };
  const double folder_year = folder_bytes("", us_ref);
  const double folder_june = folder_bytes(kJune, june_ref);
  figures.push_back({"2. pruning, folders (bytes read)", "year " + Mb(folder_year),
                     "June " + Mb(folder_june), folder_june / folder_year, 0.1, true});

  shoal::testing::S3rver server(shoal::testing::S3rver::Options{{"my-bucket"}});
  if (!server.ok()) Die(server.error());
  shoal::storage::S3Config config;
  config.endpoint = server.endpoint();
  config.url_style = shoal::storage::UrlStyle::kPath;
  config.use_ssl = false;
  config.credentials = {shoal::testing::S3rver::kAccessKey, shoal::testing::S3rver::kSecretKey, ""};
  auto client = shoal::storage::S3Client::Create(config);
  if (!client.ok()) Die("the S3 client: " + client.status().ToString());
  for (const auto& entry : fs::recursive_directory_iterator(stack->Warehouse("us"))) {
    if (!entry.is_regular_file()) continue;
    const std::string key = "warehouse/transactions/" +
                            fs::relative(entry.path(), stack->Warehouse("us")).generic_string();
    auto put = (*client)->PutObjectFromFile("my-bucket", key, entry.path().string());
    if (!put.ok()) Die("uploading " + key + ": " + put.status().ToString());
  }
  shoal::engine::SessionOptions s3;
  s3.s3.environment = {{"DUCKDB_S3_ENDPOINT", server.endpoint()},
                       {"DUCKDB_S3_USE_SSL", "false"},
                       {"AWS_ACCESS_KEY_ID", shoal::testing::S3rver::kAccessKey},
                       {"AWS_SECRET_ACCESS_KEY", shoal::testing::S3rver::kSecretKey}};
  uint64_t gets[2] = {0, 0};
  auto s3_bytes = [&](const std::string& where, const Answer& reference, uint64_t& requests) {
    s3.s3.stats = std::make_shared<shoal::engine::S3TransferStats>();
    const Answer answer = Ask(*OpenSession(s3), Trends(reader(where), where));
    checker.Check("shoal_table on S3", answer, reference, true);
    requests = s3.s3.stats->get_requests.load();
    return static_cast<double>(s3.s3.stats->bytes_read.load());
  };
  const double s3_year = s3_bytes("", us_ref, gets[0]);
  const double s3_june = s3_bytes(kJune, june_ref, gets[1]);
  figures.push_back({"2. pruning, S3 (bytes fetched)",
                     "year " + Mb(s3_year) + Format(" %.0f GETs", static_cast<double>(gets[0])),
                     "June " + Mb(s3_june) + Format(" %.0f GETs", static_cast<double>(gets[1])),
                     s3_june / s3_year, 0.1, true});

  std::printf("\n%-44s | %-26s | %-26s | %7s | %-8s | %s\n", "figure (medians)", "baseline",
              "columnar", "ratio", "target", "met");
  for (const Figure& f : figures) {
    const bool met = f.at_most ? f.ratio <= f.target : f.ratio >= f.target;
    std::printf("%-44s | %-26s | %-26s | %7.3f | %s %-5.3f | %s\n", f.name.c_str(),
                f.baseline.c_str(), f.columnar.c_str(), f.ratio, f.at_most ? "<=" : ">=", f.target,
                met ? "yes" : "no");
  }
  std::printf(
      "\nratio: columnar / baseline (time or bytes), except 3: compaction throughput / the "
      "COPY's (COPY time / compaction time). Rounds alternate baseline and columnar; a warm-up "
      "of each first for 1. Bytes read on folders: rchar of this process across the query; on "
      "S3: bytes GOT. %d answers checked against one DuckDB over the JSONL, all equal.\n",
      checker.checked());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  std::setvbuf(stdout, nullptr, _IOLBF, 0);  // progress shows as it happens, even in a pipe
  try {
    return Run(argc, argv);
  } catch (const Broken& broken) {
    std::fprintf(stderr, "columnar_bench: %s\n", broken.what.c_str());
    return 1;
  }
}
