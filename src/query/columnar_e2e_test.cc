// Columnar storage end to end, on a devstack in-process (us + eu; folder stores and one S3
// server per region): `shoal table compact` converts each region's landing files into Parquet
// once, and every answer of `shoal query` equals one DuckDB over the landing files before a
// compaction, after it, after late data lands (for an already compacted month, a new month and a
// NULL and an infinite event time) and after that is compacted too.
#include <gtest/gtest.h>

#include "models/table_state.h"
#include "query/table_compaction.h"
#include "query/testing/query_fixture.h"

namespace shoal::query {
namespace {

using devstack::StorageKind;
using testing::ExpectSameAnswer;

constexpr const char* kStateKey = "warehouse/transactions/_shoal_table.json";

const std::vector<std::string>& Analyses() {
  static const std::vector<std::string> queries = {
      "SELECT date_trunc('month', timestamp) AS month, count(*) AS n, sum(quantity) AS units, "
      "count(DISTINCT customer_id) AS buyers, sum(total_amount) AS revenue FROM transactions "
      "GROUP BY 1 ORDER BY 1 NULLS FIRST",
      "SELECT product_category, count(*) AS n, count(customer_id) AS known, min(timestamp), "
      "max(timestamp), avg(total_amount) FROM transactions GROUP BY ALL ORDER BY ALL",
      "SELECT transaction_id, timestamp, total_amount FROM transactions WHERE timestamp >= "
      "'2024-02-01' AND timestamp < '2024-03-01' ORDER BY timestamp, transaction_id LIMIT 7",
      // A lower bound only: pruning must keep the infinite event time (in year=NULL).
      "SELECT count(*) AS n, sum(quantity) AS units FROM transactions WHERE timestamp >= "
      "'2024-04-01'",
  };
  return queries;
}

// Rows that arrive after a compaction: for February (compacted), for January 2025 (new), one
// without an event time and one at infinity (both go to year=NULL); keys the file lacks are NULL.
constexpr const char* kLateRows =
    R"({"transaction_id": "00000000-0000-4000-8000-000000000001", "timestamp": "2024-02-10 10:00:00.000001", "quantity": 3, "total_amount": 12.5, "product_category": "Books", "customer_id": "00000000-0000-4000-8000-0000000000cc"}
{"transaction_id": "00000000-0000-4000-8000-000000000002", "timestamp": "2024-02-11 00:00:00.250000", "quantity": 1, "total_amount": 99.99, "product_category": "Toys", "customer_id": "00000000-0000-4000-8000-0000000000cc"}
{"transaction_id": "00000000-0000-4000-8000-000000000003", "timestamp": "2025-01-01 00:00:00.500000", "quantity": 2, "total_amount": 0.01, "product_category": "Books"}
{"transaction_id": "00000000-0000-4000-8000-000000000004", "timestamp": null, "quantity": 5, "total_amount": 5.0}
{"transaction_id": "00000000-0000-4000-8000-000000000005", "timestamp": "infinity", "quantity": 7, "total_amount": 1.0}
)";

struct Compacted {
  int64_t version = 0;
  int64_t landing_files = 0;
  int64_t parquet_files = 0;
};

class ColumnarE2eTest : public testing::QueryFixture {
 protected:
  void SetUp() override {
    MakeDir("columnar");
    Start();
    const std::string generator = testing::GeneratorSpec(60, "2024-04-30");
    for (const char* region : {"us", "eu"}) {
      ASSERT_NO_FATAL_FAILURE(Generate(region, generator));
    }
  }

  // Runs `shoal table compact transactions` and waits; the figures per region.
  std::map<std::string, Compacted> Compact(int64_t retain_seconds = 3600) {
    auto jobs = client_->CompactTable("transactions", {}, retain_seconds);
    EXPECT_TRUE(jobs.ok()) << jobs.status().ToString();
    std::map<std::string, Compacted> figures;
    if (!jobs.ok()) return figures;
    for (const api::CompactionJob& started : *jobs) {
      models::Job job;
      for (int i = 0; i < 1200; ++i) {
        job = stack_->orchestrator().FindJob(started.job_id, "").value();
        if (models::IsTerminal(job.state.state_type)) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
      EXPECT_EQ(job.state.state_type, models::JobStateType::kCompleted) << job.state.message;
      auto results = stack_->orchestrator().Results(job.id);
      EXPECT_TRUE(results.ok() && results->size() == 1);
      if (!results.ok() || results->size() != 1) continue;
      auto result = ReadResultJson(stack_->orchestrator(), job.id, (*results)[0].execution_id);
      EXPECT_TRUE(result.ok()) << result.status().ToString();
      if (!result.ok() || result->rows.size() != 1) continue;
      const auto& row = result->rows[0];
      figures[started.region] = {row[0].get<int64_t>(), row[1].get<int64_t>(),
                                 row[3].get<int64_t>()};
    }
    return figures;
  }

  // A Count-2 duckdb job of `region` running `sql`; the sum of its partitions' first cells, or
  // the job's error.
  Result<int64_t> JobTotal(const std::string& region, const std::string& sql) {
    models::Job job;
    job.name = "columnar-reader-" + region;
    job.type = models::JobType::kBatch;
    job.count = 2;
    job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {region}}};
    job.task.engine = {"duckdb", {{"SQL", sql}}};
    SHOAL_ASSIGN_OR_RETURN(FinishedJob finished, RunJobToCompletion(stack_->orchestrator(), job,
                                                                    std::chrono::seconds(60)));
    int64_t total = 0;
    for (const auto& execution : finished.results) {
      SHOAL_ASSIGN_OR_RETURN(
          ResultJson result,
          ReadResultJson(stack_->orchestrator(), finished.job.id, execution.execution_id));
      if (!result.rows.empty()) total += result.rows[0][0].get<int64_t>();
    }
    return total;
  }

  models::TableState State(const std::string& region) {
    auto text = ReadStoreObject(region, kStateKey);
    EXPECT_TRUE(text.has_value()) << region << " has no table state";
    auto state = models::ParseTableState(text.value_or("{}"));
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? *state : models::TableState();
  }

  // Every analysis through `shoal query` equals one DuckDB over the landing files.
  void ExpectAnswersEqualTheOracle(const std::string& when) {
    SCOPED_TRACE(when);
    for (const std::string& sql : Analyses()) {
      models::QueryRequest request;
      request.sql = sql;
      auto submitted = client_->SubmitQuery(request);
      ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
      models::Query query = Finish(*submitted);
      ASSERT_EQ(query.state, models::QueryState::kCompleted) << query.message << "\n" << sql;
      ExpectSameAnswer(Oracle(sql), *client_->QueryResult(query.id), sql);
    }
  }
};

TEST_P(ColumnarE2eTest, EveryLandingRowIsReadOnceBeforeAndAfterEachCompaction) {
  ASSERT_NO_FATAL_FAILURE(ExpectAnswersEqualTheOracle("before any compaction"));

  std::map<std::string, Compacted> first = Compact();
  ASSERT_EQ(first.size(), 2u);
  for (const char* region : {"us", "eu"}) {
    EXPECT_EQ(first[region].version, 1) << region;
    EXPECT_GT(first[region].landing_files, 0) << region;
    EXPECT_EQ(first[region].parquet_files, 4) << region << ": one file per month, Jan-Apr";
    models::TableState state = State(region);
    EXPECT_EQ(state.version, 1);
    EXPECT_EQ(static_cast<int64_t>(state.compacted.size()), first[region].landing_files);
    for (const auto& file : state.files) {
      EXPECT_TRUE(ReadStoreObject(region, "warehouse/transactions/" + file.path)) << file.path;
      EXPECT_EQ(file.path.rfind(file.partition + "/part-", 0), 0u) << file.path;
    }
  }
  ASSERT_NO_FATAL_FAILURE(ExpectAnswersEqualTheOracle("after the first compaction"));
  // The Parquet files are what a query reads now: every file it counts is one of them.
  models::QueryRequest count;
  count.sql = "SELECT count(*) FROM transactions";
  models::Query counted = Finish(*client_->SubmitQuery(count));
  for (const auto& region : counted.residency) {
    EXPECT_EQ(region.files, 4) << region.region;
  }

  // A WHERE on the event time prunes the months out of range: February's file alone is read.
  count.sql =
      "SELECT count(*) FROM transactions WHERE timestamp >= '2024-02-01' AND timestamp < "
      "'2024-03-01'";
  counted = Finish(*client_->SubmitQuery(count));
  ASSERT_EQ(counted.state, models::QueryState::kCompleted) << counted.message;
  ExpectSameAnswer(Oracle(count.sql), *client_->QueryResult(counted.id), count.sql);
  for (const auto& region : counted.residency) {
    EXPECT_EQ(region.files, 1) << region.region;
  }

  // Jobs read the table through shoal_table(): each partition its share of the Parquet files.
  int64_t job_rows = 0;
  for (const char* region : {"us", "eu"}) {
    auto rows = JobTotal(
        region, "SELECT count(*) FROM shoal_table('s3://my-bucket/warehouse/transactions')");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    job_rows += *rows;
  }
  EXPECT_EQ(std::to_string(job_rows), Oracle("SELECT count(*) FROM transactions").Text(0, 0));
  // Another spelling of the landing glob would read the converted files twice: refused.
  auto twice = JobTotal("us",
                        "SELECT count(*) FROM shoal_table('s3://my-bucket/warehouse/transactions', "
                        "landing := 's3://my-bucket/transactions/*/*.jsonl')");
  ASSERT_FALSE(twice.ok());
  EXPECT_NE(twice.status().message().find("read twice"), std::string::npos)
      << twice.status().message();

  // Idempotent: nothing new, nothing written.
  std::map<std::string, Compacted> again = Compact();
  EXPECT_EQ(again["us"].version, 1);
  EXPECT_EQ(again["us"].landing_files, 0);
  EXPECT_EQ(State("us").version, 1);

  ASSERT_NO_FATAL_FAILURE(PutStoreObject("us", "transactions/late/late.jsonl", kLateRows));
  ASSERT_NO_FATAL_FAILURE(ExpectAnswersEqualTheOracle("late data not compacted yet"));

  const std::vector<std::string> february_before =
      ListStore("us", "warehouse/transactions/year=2024/month=2/");
  ASSERT_EQ(february_before.size(), 1u);
  std::map<std::string, Compacted> late = Compact(/*retain_seconds=*/0);
  EXPECT_EQ(late["us"].version, 2);
  EXPECT_EQ(late["us"].landing_files, 1);
  EXPECT_EQ(late["us"].parquet_files, 3) << "February rewritten, January 2025 and NULL added";
  EXPECT_EQ(late["eu"].version, 1);
  EXPECT_EQ(late["eu"].landing_files, 0);
  // February was rewritten: its old file is gone (retained 0 s), one new file holds the month.
  const std::vector<std::string> february_after =
      ListStore("us", "warehouse/transactions/year=2024/month=2/");
  ASSERT_EQ(february_after.size(), 1u);
  EXPECT_NE(february_after, february_before);
  EXPECT_EQ(ListStore("us", "warehouse/transactions/year=2025/month=1/").size(), 1u);
  EXPECT_EQ(ListStore("us", "warehouse/transactions/year=NULL/month=NULL/").size(), 1u);
  EXPECT_TRUE(State("us").retired.empty());
  ASSERT_NO_FATAL_FAILURE(ExpectAnswersEqualTheOracle("after compacting the late data"));
}

TEST_P(ColumnarE2eTest, RefusalsNameTheProblem) {
  auto unknown = client_->CompactTable("nope", {}, 60);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("nope"), std::string::npos);
  auto region = client_->CompactTable("transactions", {"mars"}, 60);
  ASSERT_FALSE(region.ok());
  EXPECT_NE(region.status().message().find("mars"), std::string::npos);

  models::TableDefinition plain;
  plain.name = "plain";
  plain.format = "json";
  plain.locations = {{"us", "s3://my-bucket/transactions/**/*.jsonl"}};
  ASSERT_TRUE(client_->CreateTable(plain).ok());
  auto not_columnar = client_->CompactTable("plain", {}, 60);
  ASSERT_FALSE(not_columnar.ok());
  EXPECT_NE(not_columnar.status().message().find("--event-time"), std::string::npos)
      << not_columnar.status().message();
}

INSTANTIATE_TEST_SUITE_P(Stores, ColumnarE2eTest,
                         ::testing::Values(StorageKind::kFolders, StorageKind::kS3),
                         testing::StorageKindName);

}  // namespace
}  // namespace shoal::query
