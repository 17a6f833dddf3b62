// `shoal query` as a user runs it: the real binary against a `shoal devstack` process (us + eu,
// two nodes each, folder stores, a random port, a temp dir) whose regions hold events written by
// jobs/data-generator.yaml through `shoal job run`, as the README does, with NULLs in the data
// (generator_job.h). The answers, printed as CSV, equal `shoal sql`'s over both regions' files;
// the table, CSV and JSON outputs, -f and --explain; every refusal exits 2 naming the construct,
// and partials over --max-ship-bytes exit 1.
//
// One devstack serves every case of the suite (the data is generated once); no case changes it.
#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "devstack_process.h"
#include "generator_job.h"
#include "typed_view.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using ::shoal::testing::BackgroundProcess;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::ReadWholeFile;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;

// The seed's analyses as single statements. Money is summed as DECIMAL so that the sums are
// exact whatever order the rows are added in: a DOUBLE sum's last digits depend on that order,
// in one DuckDB as much as across partitions, and the CSV outputs are compared byte for byte.
constexpr const char* kMonthlyTrends =
    "SELECT date_trunc('month', timestamp)::DATE AS month, count(*) AS txns, "
    "sum(total_amount::DECIMAL(18, 2)) AS revenue, count(DISTINCT customer_id) AS buyers "
    "FROM transactions GROUP BY 1 ORDER BY 1";
constexpr const char* kTopCustomers =
    "SELECT customer_id, count(*) AS orders, sum(total_amount::DECIMAL(18, 2)) AS spent "
    "FROM transactions GROUP BY customer_id ORDER BY spent DESC, customer_id LIMIT 10";
constexpr const char* kHourlyOperations =
    "SELECT hour(timestamp) AS hour, count(*) AS txns, count(*) FILTER (WHERE payment_status = "
    "'completed') AS completed, max(total_amount) AS largest FROM transactions GROUP BY ALL "
    "ORDER BY hour";
constexpr const char* kCategoryPayment =
    "SELECT product_category, payment_method, count(*) AS n, sum(quantity) AS units, "
    "min(unit_price) AS cheapest FROM transactions WHERE shipping_address.country IS NOT NULL "
    "GROUP BY ALL ORDER BY ALL";
// The generator writes one file per month from January to June.
constexpr int kMonths = 6;

// Lines of `text` that start with `prefix`.
std::vector<std::string> LinesStartingWith(const std::string& text, const std::string& prefix) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(prefix, 0) == 0) lines.push_back(line);
  }
  return lines;
}

size_t LineCount(const std::string& text) { return std::count(text.begin(), text.end(), '\n'); }

class CliQueryTest : public ::testing::Test {
 protected:
  // Starts the devstack and generates the data; a failure is kept in setup_error_ and reported
  // by every case (gtest would run the cases after a failed SetUpTestSuite anyway).
  static void SetUpTestSuite() {
    temp_dir_ = testing::TempDir("cli-query");
    dir_ = temp_dir_.path();
    devstack_ = std::make_unique<testing::DevstackProcess>(dir_);
    if (!devstack_->Start({"--nodes-per-region", "2"})) {
      setup_error_ = "the devstack did not start:\n" + DevstackLog();
      return;
    }
    env_ = devstack_->Environment();
    for (const std::string region : {"us", "eu"}) {
      auto generated =
          Shoal({"job", "run", "-V", "Region=" + region, "-V", "Events=100", "-V",
                 "StartDate=2024-01-01", "-V", "EndDate=2024-06-30", "-V", "RotateInterval=month",
                 testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, dir_)});
      if (generated.exit_code != 0) {
        setup_error_ = "generating " + region + " failed: " + generated.err + DevstackLog();
        return;
      }
    }
    // Infer the table's columns now, as `shoal table describe` does: the first query would
    // otherwise run the inspection jobs, and the cases count the jobs that queries start.
    auto described = Shoal({"table", "describe", "transactions", "--output", "json"});
    if (described.exit_code != 0 || described.out.find("customer_id") == std::string::npos) {
      setup_error_ = "describing transactions failed: " + described.err + described.out;
    }
    description_ = described.out;
  }

  static void TearDownTestSuite() {
    if (devstack_) devstack_->Stop();
    devstack_.reset();
    temp_dir_ = testing::TempDir();  // removes the folder, unless a case failed
  }

  void SetUp() override { ASSERT_TRUE(setup_error_.empty()) << setup_error_; }

  static std::string DevstackLog() { return ReadWholeFile(dir_ / "devstack.log"); }

  static ProcessResult Shoal(std::vector<std::string> args) {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, "", env_);
  }
  static ProcessResult Query(std::vector<std::string> args) {
    args.insert(args.begin(), "query");
    return Shoal(std::move(args));
  }

  // `shoal sql` (one DuckDB) over the regions' files, `transactions` a view over them with the
  // table's types, as CSV.
  static ProcessResult OneDuckDb(const std::string& sql,
                                 const std::vector<std::string>& regions = {"us", "eu"}) {
    std::string files;
    for (const std::string& region : regions) {
      const fs::path glob =
          dir_ / "stack" / "storage" / region / "my-bucket" / "transactions" / "**" / "*.jsonl";
      files += (files.empty() ? "'" : ", '") + glob.string() + "'";
    }
    return RunProcess(
        {ShoalBinary(), "sql", "--format", "csv", "-c",
         testing::TypedJsonView("transactions", description_, "[" + files + "]") + sql});
  }

  // How many jobs the orchestrator has (every fragment of a query is one job per region).
  static size_t JobCount() {
    auto list = Shoal({"job", "list", "--limit", "1000", "--output", "csv"});
    EXPECT_EQ(list.exit_code, 0) << list.err;
    return LineCount(list.out) - 1;  // the header
  }

  static inline testing::TempDir temp_dir_;
  static inline fs::path dir_;             // temp_dir_'s path
  static inline std::string description_;  // `shoal table describe transactions --output json`
  static inline std::unique_ptr<testing::DevstackProcess> devstack_;
  static inline std::map<std::string, std::string> env_;
  static inline std::string setup_error_;
};

TEST_F(CliQueryTest, PrintsTheTableThenOneResidencyLinePerRegion) {
  auto answer = Query({kMonthlyTrends});
  ASSERT_EQ(answer.exit_code, 0) << answer.err << DevstackLog();
  std::string header = answer.out.substr(0, answer.out.find('\n'));
  std::erase(header, ' ');
  EXPECT_EQ(header, "month|txns|revenue|buyers") << answer.out;
  EXPECT_TRUE(answer.out.ends_with("(" + std::to_string(kMonths) + " rows)\n")) << answer.out;
  // stderr holds the account of each region and nothing else.
  const auto us = LinesStartingWith(answer.err, "residency us: 2 partitions read ");
  const auto eu = LinesStartingWith(answer.err, "residency eu: 2 partitions read ");
  ASSERT_EQ(us.size(), 1u) << answer.err;
  ASSERT_EQ(eu.size(), 1u) << answer.err;
  EXPECT_EQ(LineCount(answer.err), 2u) << answer.err;
  for (const std::string& line : {us[0], eu[0]}) {
    EXPECT_NE(line.find(" of partials (values); shipped/scanned "), std::string::npos) << line;
  }
}

TEST_F(CliQueryTest, JsonCarriesColumnsRowsAndTheResidencyOfEachRegion) {
  auto answer = Query({"--output", "json", kMonthlyTrends});
  ASSERT_EQ(answer.exit_code, 0) << answer.err << DevstackLog();
  auto json = nlohmann::json::parse(answer.out);
  EXPECT_TRUE(json["Query"].get<std::string>().starts_with("q-")) << json["Query"];
  std::vector<std::string> names;
  for (const auto& column : json["Columns"]) names.push_back(column["Name"]);
  EXPECT_EQ(names, (std::vector<std::string>{"month", "txns", "revenue", "buyers"}));
  EXPECT_EQ(json["Columns"][2]["Type"], "DECIMAL(38,2)");
  ASSERT_EQ(json["Rows"].size(), static_cast<size_t>(kMonths));
  EXPECT_EQ(json["Rows"][0][0], "2024-01-01");
  ASSERT_EQ(json["Residency"].size(), 2u) << json["Residency"].dump();
  for (const std::string region : {"us", "eu"}) {
    const auto& account = json["Residency"][region];
    EXPECT_EQ(account["Region"], region);
    EXPECT_EQ(account["Partitions"], 2) << account;
    EXPECT_GT(account["Files"].get<int64_t>(), 0) << account;
    EXPECT_GT(account["BytesScanned"].get<int64_t>(), 0) << account;
    EXPECT_GT(account["PartialRows"].get<int64_t>(), 0) << account;
    EXPECT_GT(account["PartialBytes"].get<int64_t>(), 0) << account;
    EXPECT_EQ(account["Shipping"], "values") << account;
  }
}

TEST_F(CliQueryTest, CsvOutputAndSqlFromAFile) {
  auto csv = Query({"--output", "csv", kTopCustomers});
  ASSERT_EQ(csv.exit_code, 0) << csv.err << DevstackLog();
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\n')), "customer_id,orders,spent");
  EXPECT_EQ(LineCount(csv.out), 11u) << csv.out;
  const fs::path file = dir_ / "top-customers.sql";
  std::ofstream(file) << kTopCustomers << ";\n";
  auto from_file = Query({"-f", file.string(), "--output", "csv"});
  ASSERT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, csv.out);
  EXPECT_EQ(LinesStartingWith(from_file.err, "residency ").size(), 2u) << from_file.err;
}

TEST_F(CliQueryTest, ExplainPrintsThePlanAndRunsNothing) {
  const size_t jobs = JobCount();
  auto values = Query({"--explain", kMonthlyTrends});
  ASSERT_EQ(values.exit_code, 0) << values.err;
  for (const std::string part :
       {"table:    transactions\n", "shipping: values\n",
        "fragment (each partition, next to its "
        "files):\n  SELECT ",
        "merge (over every partial, as __shoal_partials):\n  SELECT ", "count(DISTINCT "}) {
    EXPECT_NE(values.out.find(part), std::string::npos) << part << "\nin:\n" << values.out;
  }
  EXPECT_EQ(values.err, "");  // nothing ran, so no region has an account
  auto aggregates = Query({"--explain", kHourlyOperations});
  ASSERT_EQ(aggregates.exit_code, 0) << aggregates.err;
  EXPECT_NE(aggregates.out.find("shipping: aggregates\n"), std::string::npos) << aggregates.out;
  EXPECT_EQ(JobCount(), jobs) << "--explain started a job";
}

// The distributed answer, printed as CSV, is one DuckDB's over the same files, byte for byte.
TEST_F(CliQueryTest, AnswersEqualOneDuckDbOverBothRegionsFiles) {
  // The data has the holes the answers are meant to survive.
  EXPECT_EQ(OneDuckDb("SELECT count(*) FILTER (customer_id IS NULL) > 0 AND count(*) FILTER "
                      "(total_amount IS NULL) > 0 AND count(*) FILTER (payment_method = '') > 0 "
                      "AS holes FROM transactions")
                .out,
            "holes\ntrue\n");
  for (const char* sql : {kMonthlyTrends, kTopCustomers, kHourlyOperations, kCategoryPayment}) {
    auto distributed = Query({"--output", "csv", sql});
    ASSERT_EQ(distributed.exit_code, 0) << sql << "\n" << distributed.err << DevstackLog();
    auto single = OneDuckDb(sql);
    ASSERT_EQ(single.exit_code, 0) << sql << "\n" << single.err;
    EXPECT_GT(LineCount(single.out), 2u) << sql << "\n" << single.out;
    EXPECT_EQ(distributed.out, single.out) << sql;
  }
  // One region, in one partition: only its files.
  auto eu = Query({"--output", "csv", "--regions", "eu", "--partitions", "1", kMonthlyTrends});
  ASSERT_EQ(eu.exit_code, 0) << eu.err;
  EXPECT_EQ(eu.out, OneDuckDb(kMonthlyTrends, {"eu"}).out);
  EXPECT_EQ(LinesStartingWith(eu.err, "residency eu: 1 partitions read ").size(), 1u) << eu.err;
  EXPECT_EQ(LinesStartingWith(eu.err, "residency us").size(), 0u) << eu.err;
}

TEST_F(CliQueryTest, RefusalsExitTwoNamingTheConstruct) {
  const size_t jobs = JobCount();
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"SELECT approx_count_distinct(customer_id) FROM transactions"}, "approx_count_distinct"},
      {{"SELECT count(*) FROM transactions UNION ALL SELECT 1"}, "UNION"},
      {{"SELECT count(*) FROM transactions WHERE total_amount > "
        "(SELECT avg(total_amount) FROM transactions)"},
       "subquer"},
      {{"SELECT product_category, payment_method, count(*) FROM transactions "
        "GROUP BY ROLLUP (product_category, payment_method)"},
       "ROLLUP"},
      {{"SELECT count(*) FROM transactions WHERE random() < 0.5"}, "random()"},
      {{"SELECT count(*) FROM transactions a JOIN transactions b USING (transaction_id)"}, "join"},
      {{"SELECT * FROM transactions"}, "--allow-rows"},
      {{"SELEC count(*) FROM transactions"}, "syntax error"},
      {{"SELECT count(*) FROM nowhere"}, "'nowhere'"},
      {{"--regions", "mars", "SELECT count(*) FROM transactions"}, "'mars'"},
      {{"--partitions", "99", "SELECT count(*) FROM transactions"}, "--partitions"},
      {{}, "give the SQL as an argument or with -f FILE"},
      {{"-f", (dir_ / "any.sql").string(), "SELECT count(*) FROM transactions"},
       "give the SQL as an argument or with -f FILE"},
  };
  std::ofstream(dir_ / "any.sql") << "SELECT count(*) FROM transactions\n";
  for (const auto& [args, words] : cases) {
    const std::string what = args.empty() ? "(no SQL)" : args.back();
    auto refused = Query(args);
    EXPECT_EQ(refused.exit_code, 2) << what << "\n" << refused.err;
    EXPECT_EQ(refused.out, "") << what;
    EXPECT_TRUE(refused.err.starts_with("shoal query: ")) << what << "\n" << refused.err;
    EXPECT_NE(refused.err.find(words), std::string::npos) << what << "\n" << refused.err;
    EXPECT_EQ(LineCount(refused.err), 1u) << what << "\n" << refused.err;
  }
  EXPECT_EQ(JobCount(), jobs) << "a refused query started a job";
}

TEST_F(CliQueryTest, ShippedValuesOverTheBudgetExitOne) {
  auto over =
      Query({"--max-ship-bytes", "10", "SELECT count(DISTINCT customer_id) FROM transactions"});
  EXPECT_EQ(over.exit_code, 1) << over.err;
  EXPECT_EQ(over.out, "");
  EXPECT_NE(over.err.find("over the budget of 10 (--max-ship-bytes)"), std::string::npos)
      << over.err;
  // Aggregates are not values: the budget does not apply to them.
  auto aggregates = Query({"--max-ship-bytes", "10", "SELECT count(*) FROM transactions"});
  EXPECT_EQ(aggregates.exit_code, 0) << aggregates.err;
}

TEST_F(CliQueryTest, CtrlCCancelsTheQueryAndStopsItsFragmentJobs) {
  for (const auto& [name, value] : env_) setenv(name.c_str(), value.c_str(), 1);
  const size_t jobs_before = JobCount();
  const fs::path log = dir_ / "interrupted.log";
  // Each row hashes a long string: the fragments run for seconds.
  BackgroundProcess query({ShoalBinary(), "query",
                           "SELECT count(*) FROM transactions WHERE "
                           "length(md5(repeat(customer_email, 50000))) = 32"},
                          log.string());
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       JobCount() == jobs_before && std::chrono::steady_clock::now() < deadline;
       std::this_thread::sleep_for(50ms)) {
  }
  ASSERT_GT(JobCount(), jobs_before) << ReadWholeFile(log);
  ASSERT_TRUE(query.alive()) << "the query ended before it was interrupted: " << ReadWholeFile(log);
  query.Kill(SIGINT);
  EXPECT_NE(ReadWholeFile(log).find("interrupted; query q-"), std::string::npos)
      << ReadWholeFile(log);
  // Its fragment jobs end Stopped.
  std::string list;
  for (auto deadline = std::chrono::steady_clock::now() + 20s;
       std::chrono::steady_clock::now() < deadline; std::this_thread::sleep_for(100ms)) {
    list = Shoal({"job", "list", "--limit", "1000", "--output", "csv"}).out;
    size_t running = 0;
    std::istringstream lines(list);
    for (std::string line; std::getline(lines, line);) {
      if (line.find("shoal-query-") != std::string::npos &&
          (line.find("Running") != std::string::npos ||
           line.find("Pending") != std::string::npos)) {
        ++running;
      }
    }
    if (running == 0) break;
  }
  EXPECT_NE(list.find("Stopped"), std::string::npos) << list;
}

// The percentages of the progress lines drawn on a terminal ("\r 0:02 [===>   ] 45% j-...").
std::vector<int> DrawnPercentages(const std::string& terminal, const std::string& label) {
  std::vector<int> percentages;
  for (size_t at = terminal.find("% " + label); at != std::string::npos;
       at = terminal.find("% " + label, at + 1)) {
    percentages.push_back(std::atoi(terminal.c_str() + terminal.rfind(' ', at - 1) + 1));
  }
  return percentages;
}

// The bytes read of each progress line drawn ("· 4.9 MB read, 1.2 MB/s"), in bytes.
std::vector<double> DrawnBytesRead(const std::string& terminal) {
  static const std::regex kRead(" ([0-9.]+) (B|KB|MB|GB) read, ");
  const std::map<std::string, double> unit = {{"B", 1}, {"KB", 1e3}, {"MB", 1e6}, {"GB", 1e9}};
  std::vector<double> bytes;
  for (auto it = std::sregex_iterator(terminal.begin(), terminal.end(), kRead);
       it != std::sregex_iterator(); ++it) {
    bytes.push_back(std::stod((*it)[1]) * unit.at((*it)[2]));
  }
  return bytes;
}

// On a terminal `shoal job run` and `shoal query` draw one progress line in place while they
// wait: the bar moves with what the running partitions report in their nodes' heartbeats, and
// the line is erased before the answer is printed.
TEST_F(CliQueryTest, OnATerminalJobRunAndQueryDrawALiveProgressLine) {
  const fs::path spec = dir_ / "progress-line.yaml";
  std::ofstream(spec) << R"(Name: progress-line
Type: batch
Count: 2
Constraints:
  - {Key: region, Operator: "==", Values: [us]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SELECT count(*) AS events FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl');
          CREATE TABLE t AS SELECT range AS k FROM range(2000000);
          SELECT sum(length(repeat(k::VARCHAR, 600))) AS chars FROM t;
    Resources: {CPU: "1"}
)";
  auto run = testing::RunProcessOnTerminal({ShoalBinary(), "job", "run", spec.string()}, env_);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find("chars"), std::string::npos) << run.out;
  EXPECT_EQ(run.out.find("\r"), std::string::npos) << "progress belongs on stderr only";
  const std::vector<int> percentages = DrawnPercentages(run.err, "j-");
  ASSERT_FALSE(percentages.empty()) << run.err;
  EXPECT_TRUE(
      std::any_of(percentages.begin(), percentages.end(), [](int p) { return p > 0 && p < 99; }))
      << "the bar never moved between start and end:\n"
      << run.err;
  EXPECT_TRUE(std::is_sorted(percentages.begin(), percentages.end())) << run.err;
  // What was read only grows: a partition that uploads its results still counts its reads.
  const std::vector<double> read = DrawnBytesRead(run.err);
  ASSERT_FALSE(read.empty()) << run.err;
  EXPECT_TRUE(std::is_sorted(read.begin(), read.end())) << run.err;
  EXPECT_NE(run.err.find(" running · us 0/2 · "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find(" read, "), std::string::npos) << run.err;
  EXPECT_NE(run.err.find("M rows"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.substr(run.err.size() - 4), "\r\x1b[K") << "the line is erased at the end";

  // Each row hashes a long string: the fragments run for seconds.
  auto query = testing::RunProcessOnTerminal({ShoalBinary(), "query",
                                              "SELECT count(*) AS n FROM transactions WHERE "
                                              "length(md5(repeat(customer_email, 100000))) = 32"},
                                             env_);
  ASSERT_EQ(query.exit_code, 0) << query.err;
  EXPECT_NE(query.out.find("n"), std::string::npos) << query.out;
  ASSERT_FALSE(DrawnPercentages(query.err, "q-").empty()) << query.err;
  EXPECT_NE(query.err.find(" · eu "), std::string::npos) << query.err;
  EXPECT_NE(query.err.find(" us "), std::string::npos) << query.err;
  // After the erased line, the residency lines as without a terminal.
  EXPECT_NE(query.err.find("\r\x1b[Kresidency "), std::string::npos) << query.err;
}

}  // namespace
}  // namespace shoal
