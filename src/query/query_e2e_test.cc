// `shoal query` over a whole devstack in-process (us + eu, folder stores and one S3 server per
// region): each of the seed's analyses written as one query equals one DuckDB over both regions'
// files, which hold NULL keys and amounts and empty strings; residency is counted per region;
// refusals and bad SQL are errors before anything runs; queries survive a restart.
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "metrics/testing/exposition_parser.h"
#include <gtest/gtest.h>
#include <unistd.h>

#include "api/api_client.h"
#include "devstack/devstack.h"
#include "devstack/s3rver_process.h"
#include "engine/engine.h"
#include "format/output_format.h"
#include "jobspec/jobspec.h"
#include "query/job_waiter.h"
#include "query/residency_report.h"
#include "query/testing/query_fixture.h"
#include "storage/s3_client.h"

namespace shoal::query {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using devstack::Devstack;
using devstack::StorageKind;

// The seed's analyses as single statements over the logical table.
const std::vector<std::string>& SeedAnalyses() {
  static const std::vector<std::string> queries = {
      // monthly trends
      "SELECT date_trunc('month', timestamp)::DATE AS month, count(*) AS total_txns, "
      "sum(total_amount)::DECIMAL(18, 2) AS revenue, count(DISTINCT customer_id) AS "
      "unique_customers, (sum(total_amount) / count(*))::DECIMAL(18, 2) AS avg_txn_value "
      "FROM transactions GROUP BY 1 ORDER BY 1",
      // hourly operations
      "SELECT hour(timestamp) AS hour, count(*) AS txns, avg(CASE WHEN payment_status = "
      "'completed' THEN 1.0 ELSE 0.0 END) AS success_rate, sum(total_amount) FILTER (WHERE "
      "payment_status = 'completed') AS revenue FROM transactions GROUP BY ALL ORDER BY hour",
      // product performance: revenue, share and rank per category
      "SELECT product_category, sum(total_amount) AS revenue, sum(total_amount) / "
      "sum(sum(total_amount)) OVER () AS share, rank() OVER (ORDER BY sum(total_amount) DESC) "
      "AS rank, count(*) FILTER (WHERE dayofweek(timestamp) IN (0, 6)) AS weekend_txns "
      "FROM transactions GROUP BY product_category ORDER BY rank",
      // customer segments: the best customers, with exact averages and spread
      "SELECT customer_id, count(*) AS orders, sum(total_amount) AS spent, avg(total_amount) "
      "AS avg_order, stddev_samp(total_amount) AS spread, median(quantity) AS median_qty "
      "FROM transactions GROUP BY customer_id ORDER BY spent DESC, customer_id LIMIT 10",
      // search: the earliest matching transactions
      "SELECT transaction_id, timestamp, region_name, total_amount FROM transactions WHERE "
      "product_name ILIKE '%pro%' ORDER BY timestamp, transaction_id LIMIT 15",
      // nested fields, region split
      "SELECT region_name, shipping_address.country AS country, count(*), "
      "var_pop(total_amount), max(estimated_delivery) FROM transactions GROUP BY ALL "
      "ORDER BY ALL",
      // the holes --null-rate leaves: a NULL group, NULLs skipped by aggregates and counted by
      // count(*), empty strings as values (the data must have each: the test checks it)
      "SELECT product_category, count(*) AS n, count(customer_id) AS known_buyers, "
      "count(DISTINCT customer_id) AS buyers, count(total_amount) AS priced, avg(quantity) AS "
      "avg_qty, sum(unit_price) AS prices, min(customer_email) AS first_email, "
      "count(*) FILTER (WHERE payment_method = '') AS no_method, count(*) FILTER (WHERE "
      "shipping_address.city = '') AS no_city FROM transactions GROUP BY ALL ORDER BY ALL",
  };
  return queries;
}

class QueryE2eTest : public testing::QueryFixture {
 protected:
  void SetUp() override {
    MakeDir("queries");
    Start();
    const std::string generator = testing::GeneratorSpec(150, "2024-05-01");
    for (const char* region : {"us", "eu"}) {
      ASSERT_NO_FATAL_FAILURE(Generate(region, generator));
    }
  }
};

using testing::ExpectSameAnswer;

TEST_P(QueryE2eTest, SeedAnalysesEqualOneDuckDbOverBothRegions) {
  const engine::ResultTable holes = Oracle(
      "SELECT count(*) FILTER (product_category IS NULL) > 0 AND count(*) FILTER (quantity IS "
      "NULL) > 0 AND count(*) FILTER (customer_email = '') > 0 FROM transactions");
  ASSERT_EQ(holes.rows().size(), 1u);
  EXPECT_EQ(holes.Text(0, 0), "true") << "the generator left no NULLs or empty strings";
  std::map<std::string, models::RegionResidency> totals;          // by region, over every query
  std::map<std::string, std::map<std::string, int64_t>> shipped;  // region -> class -> bytes
  for (const std::string& sql : SeedAnalyses()) {
    models::QueryRequest request;
    request.sql = sql;
    auto submitted = client_->SubmitQuery(request);
    ASSERT_TRUE(submitted.ok()) << submitted.status().ToString() << "\n" << sql;
    models::Query query = Finish(*submitted);
    ASSERT_EQ(query.state, models::QueryState::kCompleted) << query.message << "\n" << sql;
    auto result = client_->QueryResult(query.id);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ExpectSameAnswer(Oracle(sql), *result, sql);
    // Every region is accounted for: what it scanned and what left it.
    ASSERT_EQ(query.residency.size(), 2u);
    for (const models::RegionResidency& region : query.residency) {
      EXPECT_EQ(region.partitions, 2);
      EXPECT_GT(region.files, 0) << region.region;
      EXPECT_GT(region.bytes_scanned, 0) << region.region;
      EXPECT_GT(region.partial_bytes, 0) << region.region;
      EXPECT_GT(region.partial_rows, 0) << region.region;
      totals[region.region].bytes_scanned += region.bytes_scanned;
      totals[region.region].partial_bytes += region.partial_bytes;
      totals[region.region].partial_rows += region.partial_rows;
      shipped[region.region][query.shipping] += region.partial_bytes;
    }
  }
  // /metrics adds up what the queries reported, region by region.
  transport::HttpClient::Options http;
  http.bearer_token = stack_->client_token();
  auto text = transport::HttpClient({"127.0.0.1", stack_->port()}, http).GetBytes("/metrics");
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  auto scraped = metrics::testing::ParseExposition(*text);
  ASSERT_TRUE(scraped.ok()) << scraped.status().ToString();
  EXPECT_EQ(scraped->Sum("shoal_queries_finished_total", {{"state", "Completed"}}),
            static_cast<double>(SeedAnalyses().size()));
  EXPECT_EQ(scraped->Sum("shoal_query_duration_seconds_count"),
            static_cast<double>(SeedAnalyses().size()));
  for (const auto& [region, total] : totals) {
    EXPECT_EQ(scraped->Sum("shoal_query_scanned_bytes_total", {{"region", region}}),
              static_cast<double>(total.bytes_scanned))
        << region;
    EXPECT_EQ(scraped->Sum("shoal_query_shipped_bytes_total", {{"region", region}}),
              static_cast<double>(total.partial_bytes))
        << region;
    EXPECT_EQ(scraped->Sum("shoal_query_shipped_rows_total", {{"region", region}}),
              static_cast<double>(total.partial_rows))
        << region;
    // The partials reached the orchestrator as uploads from that region's nodes.
    EXPECT_GE(scraped->Sum("shoal_result_upload_bytes_total", {{"region", region}}),
              static_cast<double>(total.partial_bytes))
        << region;
  }

  // The residency report: the queries' figures plus what the other jobs (the generators) read
  // and uploaded, as their executions report it, region by region (two days, in case the test
  // straddles midnight UTC).
  transport::HttpClient api({"127.0.0.1", stack_->port()}, http);
  std::map<std::string, std::pair<int64_t, int64_t>> jobs;  // region -> (read, uploaded)
  auto listed = api.Get("/api/v1/orchestrator/jobs?limit=1000");
  ASSERT_TRUE(listed.ok()) << listed.status().ToString();
  for (const auto& job : (*listed)["Items"]) {
    if (job["Labels"].contains("shoal-query")) continue;
    auto executions =
        api.Get("/api/v1/orchestrator/jobs/" + job["ID"].get<std::string>() + "/executions");
    ASSERT_TRUE(executions.ok()) << executions.status().ToString();
    for (const auto& e : (*executions)["Items"]) {
      const std::string region =
          e["NodeID"].get<std::string>().find("-us-") != std::string::npos ? "us" : "eu";
      jobs[region].first += e["Stats"]["BytesRead"].get<int64_t>();
      if (e["ComputeState"]["StateType"] == "Completed" &&
          e["Stats"]["PublishedTo"] == "orchestrator") {
        jobs[region].second += e["Stats"]["PublishedBytes"].get<int64_t>();
      }
    }
  }
  auto report = api.Get("/api/v1/residency?days=2");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  std::map<std::string, nlohmann::json> by_region;
  for (const auto& day : (*report)["Items"]) {
    nlohmann::json& sum = by_region[day["Region"].get<std::string>()];
    if (sum.is_null()) sum = nlohmann::json::object();
    for (const char* field : {"Queries", "BytesScanned", "LeftBytes", "LeftRows"}) {
      sum[field] = sum.value(field, int64_t{0}) + day[field].get<int64_t>();
    }
    for (const char* kind : kResidencyClasses) {
      sum[kind] = sum.value(kind, int64_t{0}) + day["LeftBytesByClass"][kind].get<int64_t>();
    }
  }
  ASSERT_EQ(by_region.size(), 2u) << report->dump();
  for (const auto& [region, total] : totals) {
    const nlohmann::json& sum = by_region[region];
    SCOPED_TRACE(region + ": " + sum.dump());
    EXPECT_EQ(sum["Queries"], static_cast<int64_t>(SeedAnalyses().size()));
    EXPECT_EQ(sum["BytesScanned"], total.bytes_scanned + jobs[region].first);
    for (const char* kind : {"aggregates", "values", "rows"}) {
      EXPECT_EQ(sum[kind], shipped[region][kind]) << kind;
    }
    EXPECT_EQ(sum["results"], jobs[region].second);
    EXPECT_EQ(sum["LeftBytes"], total.partial_bytes + jobs[region].second);
    EXPECT_EQ(sum["LeftRows"], total.partial_rows);
  }
  EXPECT_EQ(api.Get("/api/v1/residency?days=0").status().code(), ErrorCode::kInvalidArgument);
}

TEST_P(QueryE2eTest, RegionsAndPartitionsAreTheCallersChoice) {
  models::QueryRequest request;
  request.sql = "SELECT region_name, count(*) FROM transactions GROUP BY 1 ORDER BY 1";
  request.regions = {"eu"};
  request.partitions = 5;  // more than the region's nodes
  auto too_many = client_->SubmitQuery(request);
  ASSERT_FALSE(too_many.ok());
  EXPECT_NE(too_many.status().message().find("at most"), std::string::npos);
  request.partitions = 1;
  models::Query query = Finish(*client_->SubmitQuery(request));
  ASSERT_EQ(query.state, models::QueryState::kCompleted) << query.message;
  ASSERT_EQ(query.residency.size(), 1u);
  EXPECT_EQ(query.residency[0].region, "eu");
  EXPECT_EQ(query.residency[0].partitions, 1);
  auto answer = nlohmann::json::parse(*client_->QueryResult(query.id));
  ASSERT_EQ(answer["Rows"].size(), 1u);
  EXPECT_EQ(answer["Rows"][0][0], "eu-west");  // only the EU files were read

  request.regions = {"mars"};
  auto unknown = client_->SubmitQuery(request);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("mars"), std::string::npos);
}

TEST_P(QueryE2eTest, RefusalsAndBadSqlAreErrorsBeforeAnythingRuns) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT approx_count_distinct(customer_id) FROM transactions", "approximate"},
      {"SELECT * FROM transactions", "every matching row"},
      {"SELECT count(*) FROM transactions WHERE random() < 0.1", "random"},
      {"SELEC count(*) FROM transactions", "syntax error"},
      {"SELECT count(*) FROM nowhere", "nowhere"},
      {"SELECT nope FROM transactions GROUP BY 1", "nope"},
  };
  for (const auto& [sql, words] : cases) {
    models::QueryRequest request;
    request.sql = sql;
    auto refused = client_->SubmitQuery(request);
    ASSERT_FALSE(refused.ok()) << sql;
    EXPECT_NE(refused.status().message().find(words), std::string::npos)
        << sql << ": " << refused.status().message();
  }
  auto listed = client_->ListQueries();
  ASSERT_TRUE(listed.ok());
  EXPECT_TRUE(listed->empty());  // nothing refused was recorded or run

  // The long-poll's wait_ms is a number of milliseconds; anything else is a 400 naming it.
  transport::HttpClient::Options http;
  http.bearer_token = stack_->client_token();
  const transport::HttpClient raw({"127.0.0.1", stack_->port()}, http);
  for (const char* wait : {"soon", "-5"}) {
    auto bad = raw.Get(std::string("/api/v1/queries/q-none?wait_ms=") + wait);
    EXPECT_EQ(bad.status().code(), ErrorCode::kInvalidArgument) << wait;
    EXPECT_NE(bad.status().message().find("wait_ms"), std::string::npos) << bad.status().message();
  }
}

TEST_P(QueryE2eTest, ValuesOverTheByteBudgetAreRefusedAndQueriesSurviveARestart) {
  models::QueryRequest request;
  request.sql = "SELECT count(DISTINCT transaction_id) FROM transactions";
  request.max_ship_bytes = 100;
  models::Query over = Finish(*client_->SubmitQuery(request));
  EXPECT_EQ(over.state, models::QueryState::kFailed);
  EXPECT_NE(over.message.find("--max-ship-bytes"), std::string::npos) << over.message;

  request.max_ship_bytes = int64_t{64} << 20;
  models::Query done = Finish(*client_->SubmitQuery(request));
  ASSERT_EQ(done.state, models::QueryState::kCompleted) << done.message;
  EXPECT_EQ(done.shipping, "values");
  Start();
  auto again = client_->GetQuery(done.id);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->state, models::QueryState::kCompleted);
  EXPECT_EQ(again->residency.size(), 2u);
  auto result = client_->QueryResult(done.id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  ExpectSameAnswer(Oracle(request.sql), *result, request.sql);
}

TEST_P(QueryE2eTest, ReplicatedDimensionJoinsNextToTheData) {
  // The same small CSV in every region's store (and one local copy for the oracle).
  const std::string csv =
      "product_category,department\nElectronics,tech\nBooks,media\nToys,kids\n"
      "Clothing,fashion\nBeauty,fashion\nSports,outdoor\nGarden,outdoor\n";
  const std::string dimension = (dir_ / "categories.csv").string();
  std::ofstream(dimension) << csv;
  for (const char* region : {"us", "eu"}) {
    ASSERT_NO_FATAL_FAILURE(PutStoreObject(region, "dims/categories.csv", csv));
  }
  models::TableDefinition categories;
  categories.name = "categories";
  categories.format = "csv";
  categories.reader_options = {{"header", true}};
  categories.replicated = true;
  categories.locations = {{"us", "s3://my-bucket/dims/*.csv"}, {"eu", "s3://my-bucket/dims/*.csv"}};
  auto created = client_->CreateTable(categories);
  ASSERT_TRUE(created.ok()) << created.status().ToString();

  const std::string sql =
      "SELECT c.department, count(*) AS orders, sum(t.total_amount) AS revenue, "
      "count(DISTINCT t.customer_id) AS buyers FROM transactions t LEFT JOIN categories c "
      "USING (product_category) GROUP BY ALL ORDER BY c.department NULLS LAST";
  models::QueryRequest request;
  request.sql = sql;
  auto submitted = client_->SubmitQuery(request);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  models::Query query = Finish(*submitted);
  ASSERT_EQ(query.state, models::QueryState::kCompleted) << query.message;
  auto result = client_->QueryResult(query.id);
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  // One DuckDB: the dimension read once, joined to every region's rows.
  std::string oracle_sql = sql;
  oracle_sql.replace(oracle_sql.find("categories c"), std::string("categories c").size(),
                     "read_csv('" + dimension + "', header = true) c");
  ExpectSameAnswer(Oracle(oracle_sql), *result, sql);

  // A partitioned table on the right would need a shuffle.
  request.sql = "SELECT count(*) FROM categories c JOIN transactions t USING (product_category)";
  auto refused = client_->SubmitQuery(request);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("replicated"), std::string::npos)
      << refused.status().message();
}

INSTANTIATE_TEST_SUITE_P(Stores, QueryE2eTest,
                         ::testing::Values(StorageKind::kFolders, StorageKind::kS3),
                         testing::StorageKindName);

}  // namespace
}  // namespace shoal::query
