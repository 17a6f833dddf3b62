// The planner's support matrix: each supported shape gives one DuckDB's answer (through the
// oracle of testing/query_oracle.h), each refused one a message naming the construct.
#include <filesystem>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"
#include "engine/query_plan.h"
#include "engine/testing/query_oracle.h"

namespace shoal::engine {
namespace {

class QueryPlannerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    auto writer = std::move(Session::Open({})).value();
    for (int f = 0; f < 4; ++f) {
      std::string path = (dir_ / ("f" + std::to_string(f) + ".parquet")).string();
      // File 2 is empty; region 'eu' lives in file 3 only.
      int64_t rows = f == 2 ? 0 : 300 + 100 * f;
      ASSERT_TRUE(writer
                      ->Query("COPY (SELECT i % 7 AS k, CASE WHEN i % 5 = 0 THEN NULL ELSE "
                              "(i * 37 % 101)::DECIMAL(10, 2) END AS amount, "
                              "CASE WHEN " +
                              std::to_string(f) +
                              " = 3 THEN 'eu' ELSE 'us' END AS region, "
                              "'c' || (i % 13) AS customer, i::BIGINT * 1000003 AS n, "
                              "TIMESTAMP '2024-01-01' + to_days(i % 300) AS ts, "
                              "{'state': 'S' || (i % 3)} AS address "
                              "FROM range(" +
                              std::to_string(rows) + ") r(i)) TO '" + path + "' (FORMAT parquet)")
                      .ok());
      files_.push_back(path);
    }
    oracle_ = std::make_unique<testing::QueryOracle>("sales", files_, dir_.string());
    // A small replicated dimension: a label per key, key 6 missing, key 9 without sales.
    std::string dim = (dir_ / "keys.parquet").string();
    ASSERT_TRUE(writer
                    ->Query("COPY (SELECT k, 'label' || k AS label, k % 2 = 0 AS even FROM "
                            "(VALUES (0), (1), (2), (3), (4), (5), (9)) v(k)) TO '" +
                            dim + "' (FORMAT parquet)")
                    .ok());
    keys_ = oracle_->AddReplicated("keys", {dim});
    planner_ = std::move(QueryPlanner::Create()).value();
  }

  Result<QueryPlan> Plan(const std::string& sql, bool allow_rows = false) {
    return planner_->Plan({sql, {oracle_->Table(), keys_}, allow_rows});
  }

  // The distributed answer over 3 partitions equals one DuckDB's.
  void ExpectExact(const std::string& sql, bool allow_rows = false) {
    auto plan = Plan(sql, allow_rows);
    ASSERT_TRUE(plan.ok()) << plan.status().ToString() << "\n" << sql;
    auto single = oracle_->Single(sql);
    ASSERT_TRUE(single.ok()) << single.status().ToString();
    auto distributed = oracle_->Distributed(*plan, {0, 1, 1, 2}, 3);
    ASSERT_TRUE(distributed.ok()) << distributed.status().ToString() << "\n" << plan->merge_sql;
    EXPECT_EQ(testing::CompareAnswers(*single, *distributed, 1e-12), "")
        << sql << "\nfragment: " << plan->fragment_sql << "\nmerge: " << plan->merge_sql;
    // Ordered answers come back in order (an ORDER BY after the last parenthesis is the
    // statement's own, not an aggregate's or a window's).
    const size_t last_paren = sql.rfind(')');
    const std::string tail = last_paren == std::string::npos ? sql : sql.substr(last_paren);
    if (tail.find("ORDER BY") != std::string::npos) {
      for (size_t r = 0; r < single->rows().size(); ++r) {
        for (size_t c = 0; c < single->columns().size(); ++c) {
          if (!testing::IsFloating(single->columns()[c].type)) {
            EXPECT_EQ(single->Text(r, c), distributed->Text(r, c)) << sql << " row " << r;
          }
        }
      }
    }
  }

  void ExpectRefused(const std::string& sql, const std::string& words) {
    auto plan = Plan(sql);
    ASSERT_FALSE(plan.ok()) << sql << "\nfragment: " << plan->fragment_sql;
    EXPECT_EQ(plan.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(plan.status().message().find(words), std::string::npos) << plan.status().message();
  }

  shoal::testing::TempDir dir_;  // declared first: it outlives the oracle, which writes in it
  std::vector<std::string> files_;
  std::unique_ptr<testing::QueryOracle> oracle_;
  std::unique_ptr<QueryPlanner> planner_;
  PlannerTable keys_;
};

TEST_F(QueryPlannerTest, AggregateShapesAreExact) {
  for (const char* sql : {
           "SELECT count(*), sum(amount), avg(amount), min(ts), max(customer) FROM sales",
           "SELECT region, count(DISTINCT customer) AS buyers, avg(amount) AS avg_amt FROM "
           "sales GROUP BY ALL ORDER BY avg_amt DESC",
           "SELECT k, sum(n) FROM sales GROUP BY k HAVING sum(n) > 1000 ORDER BY 1",
           "SELECT k AS key, count(*) AS c FROM sales GROUP BY key ORDER BY c DESC, key "
           "LIMIT 3 OFFSET 1",
           "SELECT sales.k, sum(sales.amount) FROM sales GROUP BY k ORDER BY k",
           "SELECT s.k + 1 AS k1, count(*) * 2 FROM sales s GROUP BY s.k ORDER BY k1",
           "SELECT date_trunc('month', ts) AS month, sum(amount) / count(*) AS avg_value "
           "FROM sales GROUP BY 1 ORDER BY month",
           "SELECT address.state, count(*) FILTER (WHERE amount > 50), median(amount), "
           "quantile_disc(k, 0.75) FROM sales GROUP BY ALL ORDER BY ALL",
           "SELECT region, var_samp(amount), stddev_pop(n), variance(k) FROM sales GROUP BY "
           "region ORDER BY region",
           "SELECT k, sum(amount), rank() OVER (ORDER BY sum(amount) DESC) AS r FROM sales "
           "GROUP BY k ORDER BY r, k",
           "SELECT DISTINCT k % 2, count(*) > 10 FROM sales GROUP BY k ORDER BY ALL",
           "SELECT count(*) AS k FROM sales GROUP BY k ORDER BY k",
           "SELECT k, count(*) FROM sales GROUP BY k QUALIFY row_number() OVER (ORDER BY "
           "count(*) DESC, k) <= 2 ORDER BY k",
           "SELECT count(*), sum(amount), avg(amount) FROM sales WHERE amount > 1000",
           "SELECT k, count(*) FROM sales WHERE amount > 1000 GROUP BY k",
           "SELECT customer FROM sales GROUP BY customer ORDER BY customer",
           "SELECT 42 AS answer, count(*) FROM sales GROUP BY ALL",
           "SELECT bool_and(amount > 1), bool_or(region = 'eu'), bit_or(k), mode(region) FROM "
           "sales WHERE customer = 'c1'",
           "SELECT region, sum(DISTINCT k), avg(DISTINCT amount) FILTER (WHERE k > 2) FROM "
           "sales GROUP BY region ORDER BY region",
           "SELECT k, string_agg(customer, '|' ORDER BY customer DESC), list(amount ORDER BY "
           "amount NULLS FIRST) FILTER (WHERE n % 3 = 0) FROM sales GROUP BY k ORDER BY k",
           "SELECT region, array_agg(ts ORDER BY ts, n) FROM sales WHERE k = 1 GROUP BY ALL "
           "ORDER BY region",
           "SELECT count(DISTINCT a) AS n, sum(b) FROM sales AS t(a, b)",
           "SELECT k, count(*) AS c FROM sales GROUP BY k ORDER BY c DESC, k LIMIT 30%",
           "SELECT DISTINCT ON (region) region, k, count(*) AS c FROM sales GROUP BY ALL "
           "ORDER BY region, c DESC, k",
       }) {
    ExpectExact(sql);
  }
}

TEST_F(QueryPlannerTest, AggregateFreeShapesAreExact) {
  ExpectExact(
      "SELECT customer, amount FROM sales ORDER BY amount DESC NULLS LAST, customer, "
      "n LIMIT 7");
  ExpectExact("SELECT * FROM sales ORDER BY n DESC LIMIT 5");
  ExpectExact("SELECT n, amount * 2 AS twice FROM sales ORDER BY ts, n LIMIT 4 OFFSET 3");
  ExpectExact("SELECT DISTINCT region, k FROM sales ORDER BY ALL");
  ExpectExact("SELECT DISTINCT customer FROM sales");
  ExpectExact("SELECT k, n FROM sales WHERE n < 3000000", /*allow_rows=*/true);
}

TEST_F(QueryPlannerTest, ReplicatedTablesJoinInsideTheFragment) {
  ExpectExact(
      "SELECT keys.label, count(*), sum(sales.amount) FROM sales JOIN keys ON sales.k = "
      "keys.k GROUP BY keys.label ORDER BY 1");
  ExpectExact(
      "SELECT d.label, d.even, count(s.n), avg(s.amount) FROM sales s LEFT JOIN keys d "
      "USING (k) GROUP BY ALL ORDER BY ALL");
  ExpectExact("SELECT count(*) FROM sales SEMI JOIN keys ON sales.k = keys.k AND keys.even");
  ExpectExact("SELECT count(*), count(DISTINCT customer) FROM sales ANTI JOIN keys USING (k)");
  ExpectExact("SELECT s.n, k.label FROM sales s JOIN keys k USING (k) ORDER BY s.n DESC LIMIT 4");
  auto plan = Plan("SELECT count(*) FROM sales JOIN keys USING (k)");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_EQ(plan->joined_tables, std::vector<std::string>{"keys"});
  EXPECT_NE(plan->fragment_sql.find("shoal_files_keys"), std::string::npos) << plan->fragment_sql;
  ExpectRefused("SELECT count(*) FROM sales RIGHT JOIN keys USING (k)", "RIGHT or FULL");
  ExpectRefused("SELECT count(*) FROM sales FULL JOIN keys USING (k)", "RIGHT or FULL");
  ExpectRefused("SELECT count(*) FROM keys JOIN sales USING (k)", "replicated");
  ExpectRefused("SELECT count(*) FROM sales s1 JOIN sales s2 USING (k)", "shuffle");
  // One DuckDB takes keys.label for the key `label`; the merge has only the keys' columns (the
  // fuzzer's find: the merge did not bind, an internal error).
  ExpectRefused(
      "SELECT keys.label, count(*) FROM sales LEFT JOIN keys USING (k) GROUP BY keys, label",
      "a column outside an aggregate must be a GROUP BY key");
}

TEST_F(QueryPlannerTest, ClassifiesWhatLeavesTheRegion) {
  EXPECT_EQ(Plan("SELECT k, sum(amount) FROM sales GROUP BY k")->shipping,
            ShippingClass::kAggregates);
  EXPECT_EQ(Plan("SELECT count(DISTINCT customer) FROM sales")->shipping, ShippingClass::kValues);
  EXPECT_EQ(Plan("SELECT median(amount) FROM sales")->shipping, ShippingClass::kValues);
  EXPECT_EQ(Plan("SELECT DISTINCT region FROM sales")->shipping, ShippingClass::kValues);
  EXPECT_EQ(Plan("SELECT * FROM sales ORDER BY n LIMIT 3")->shipping, ShippingClass::kRows);
}

TEST_F(QueryPlannerTest, AnswerHasOneDuckDbsNamesAndTypes) {
  auto plan =
      Plan("SELECT k, count(*), sum(n), avg(amount) AS a, sum(amount) FROM sales GROUP BY k");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  std::vector<std::string> names, types;
  for (const Column& column : plan->output_columns) {
    names.push_back(column.name);
    types.push_back(column.type);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"k", "count_star()", "sum(n)", "a", "sum(amount)"}));
  EXPECT_EQ(types,
            (std::vector<std::string>{"BIGINT", "BIGINT", "HUGEINT", "DOUBLE", "DECIMAL(38,2)"}));
  // The integer sum travels as DECIMAL(38,0): Parquet would turn HUGEINT into DOUBLE.
  EXPECT_NE(plan->fragment_sql.find("DECIMAL(38,0)"), std::string::npos) << plan->fragment_sql;
  EXPECT_NE(plan->fragment_sql.find("getvariable('shoal_files')"), std::string::npos);
}

TEST_F(QueryPlannerTest, RefusesWhatItCannotAnswerExactly) {
  ExpectRefused("SELECT approx_count_distinct(customer) FROM sales", "approximate");
  ExpectRefused("SELECT first(customer) FROM sales", "not determined");
  ExpectRefused("SELECT string_agg(customer, ',') FROM sales", "ORDER BY");
  ExpectRefused("SELECT string_agg(DISTINCT customer, ',' ORDER BY customer) FROM sales",
                "DISTINCT");
  ExpectRefused("SELECT max(customer ORDER BY n) FROM sales", "ORDER BY");
  ExpectRefused("SELECT k, count(*) FROM sales GROUP BY ROLLUP (k)", "ROLLUP");
  ExpectRefused("SELECT k FROM sales UNION SELECT k FROM sales", "UNION");
  ExpectRefused("WITH x AS (SELECT * FROM sales) SELECT count(*) FROM x", "WITH");
  ExpectRefused("SELECT count(*) FROM sales WHERE k IN (SELECT k FROM sales)", "subquery");
  ExpectRefused("SELECT k, row_number() OVER (ORDER BY n) FROM sales ORDER BY n LIMIT 3", "window");
  ExpectRefused("SELECT count(*) FROM sales WHERE random() < 0.5", "random");
  ExpectRefused("SELECT count(*) FROM sales WHERE ts < now()", "now");
  ExpectRefused("SELECT k, n FROM sales", "every matching row");
  ExpectRefused("SELECT k FROM sales LIMIT 3", "LIMIT without ORDER BY");
  ExpectRefused("COPY sales TO '/tmp/x.csv'", "only reads");
  ExpectRefused("CREATE TABLE x AS SELECT 1", "only reads");
  ExpectRefused("SELECT count(*) FROM read_csv('/etc/passwd')", "logical table");
  ExpectRefused("SELECT count(*) FROM sales USING SAMPLE 10%", "SAMPLE");
  ExpectRefused("SELECT kurtosis(n) FROM sales", "kurtosis");
  ExpectRefused("SELECT count(*) FROM sales TABLESAMPLE reservoir(10 ROWS) REPEATABLE (1)",
                "TABLESAMPLE");
  ExpectRefused("SELECT count(*) FROM sales TABLESAMPLE 10%", "TABLESAMPLE");
  ExpectRefused("SELECT max(COLUMNS('am.*')) FROM sales", "COLUMNS");
  ExpectRefused("SELECT count(*) FROM sales WHERE getvariable('shoal_files') IS NULL",
                "getvariable");
  ExpectRefused("SELECT current_setting('threads'), count(*) FROM sales GROUP BY ALL",
                "current_setting");
  ExpectRefused("SELECT histogram(k) FROM sales", "no exact split");
  ExpectRefused("SELECT list(DISTINCT region) FROM sales", "ORDER BY");
  ExpectRefused("SELECT list(DISTINCT region ORDER BY region) FROM sales", "DISTINCT");
  auto schema = Plan("SELECT count(*) FROM main.sales");
  ASSERT_FALSE(schema.ok());
  EXPECT_NE(schema.status().message().find("without a schema"), std::string::npos)
      << schema.status().message();
}

TEST_F(QueryPlannerTest, BadSqlNamesTheProblem) {
  auto syntax = Plan("SELEC count(*) FROM sales");
  ASSERT_FALSE(syntax.ok());
  EXPECT_NE(syntax.status().message().find("syntax error"), std::string::npos)
      << syntax.status().message();
  auto column = Plan("SELECT nope FROM sales ORDER BY 1 LIMIT 1");
  ASSERT_FALSE(column.ok());
  EXPECT_NE(column.status().message().find("nope"), std::string::npos);
  auto table = Plan("SELECT count(*) FROM elsewhere");
  ASSERT_FALSE(table.ok());
  EXPECT_EQ(table.status().code(), ErrorCode::kNotFound);
  EXPECT_NE(table.status().message().find("elsewhere"), std::string::npos);
  EXPECT_FALSE(Plan("SELECT 1; SELECT 2").ok());
  EXPECT_FALSE(Plan("").ok());
}

// A columnar table's reader gets the bounds the WHERE puts on its event time (for partition
// pruning), inclusive and only from top-level conjuncts with constants.
TEST_F(QueryPlannerTest, EventTimeBoundsReachTheColumnarReader) {
  PlannerTable sales = oracle_->Table();
  sales.event_time = "ts";
  sales.reader_sql = "shoal_table('wh'" + std::string(kTimeBoundsMarker) + ")";
  auto bounds = [&](const std::string& sql) {
    auto plan = planner_->Plan({sql, {sales, keys_}, false});
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    return plan.ok() ? plan->fact_time_bounds : "?";
  };
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE ts >= '2024-06-01' AND ts < '2024-07-01'"),
            ", time_min := TRY_CAST('2024-06-01' AS TIMESTAMP), time_before := "
            "TRY_CAST('2024-07-01' AS TIMESTAMP)");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales s WHERE k = 1 AND TIMESTAMP '2024-03-01' <= s.ts"),
            ", time_min := TRY_CAST(CAST('2024-03-01' AS TIMESTAMP) AS TIMESTAMP)");
  EXPECT_EQ(bounds("SELECT k, count(*) FROM sales WHERE ts BETWEEN '2024-01-01' AND "
                   "'2024-01-31' GROUP BY k"),
            ", time_min := TRY_CAST('2024-01-01' AS TIMESTAMP), time_max := "
            "TRY_CAST('2024-01-31' AS TIMESTAMP)");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE ts = '2024-02-02'"),
            ", time_min := TRY_CAST('2024-02-02' AS TIMESTAMP), time_max := "
            "TRY_CAST('2024-02-02' AS TIMESTAMP)");
  // Not bounds: OR, a column on both sides, a non-constant, another column, no WHERE.
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE ts < '2024-02-01' OR k = 1"), "");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE ts < ts + INTERVAL 1 DAY"), "");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE ts < TIMESTAMP '2024-01-01' + to_days(k)"),
            "");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales WHERE n > 5"), "");
  EXPECT_EQ(bounds("SELECT count(*) FROM sales"), "");
  auto plan =
      planner_->Plan({"SELECT count(*) FROM sales WHERE ts > '2024-05-01'", {sales}, false});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  EXPECT_NE(plan->fragment_sql.find("shoal_table('wh', time_after := TRY_CAST('2024-05-01'"),
            std::string::npos)
      << plan->fragment_sql;
}

TEST_F(QueryPlannerTest, EveryPartitionEmptyStillAnswers) {
  for (const char* sql : {"SELECT count(*), sum(amount), avg(n) FROM sales",
                          "SELECT k, count(*) FROM sales GROUP BY k"}) {
    auto plan = Plan(sql);
    ASSERT_TRUE(plan.ok());
    auto merged = MergePartials(*plan, {});
    ASSERT_TRUE(merged.ok()) << merged.status().ToString();
    auto single = oracle_->Single(std::string(sql) + "");
    ASSERT_TRUE(single.ok());
  }
  auto global = MergePartials(*Plan("SELECT count(*), sum(amount) FROM sales"), {});
  ASSERT_EQ(global->rows().size(), 1u);
  EXPECT_EQ(global->Text(0, 0), "0");
  EXPECT_EQ(global->Text(0, 1), "NULL");
  EXPECT_EQ(MergePartials(*Plan("SELECT k, count(*) FROM sales GROUP BY k"), {})->rows().size(),
            0u);
}

}  // namespace
}  // namespace shoal::engine
