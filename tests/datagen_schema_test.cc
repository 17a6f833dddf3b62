// `shoal generate` read back through the engine: DuckDB must see the types of datagen/schema.h,
// the documented value domains, and the injected anomalies with a plain SQL detector. Runs the
// real binary, so it also checks that JSONL, CSV and Parquet carry the same events, NULLs and
// empty strings from --null-rate included.
#include <filesystem>
#include <memory>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "datagen/catalog.h"
#include "datagen/schema.h"
#include "engine/engine.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;

class DatagenSchemaTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    root_ = new testing::TempDir("datagen-schema");
    // One year, monthly files, every format from the same seed.
    for (const char* format : {"jsonl", "csv", "parquet"}) {
      Generate({"--count", "500", "--start-date", "2024-01-01", "--end-date", "2025-01-01",
                "--rotate-interval", "month", "--seed", "11", "--format", format, "--output",
                (*root_ / format).string()});
      // The same with --null-rate: blanks must not change what DuckDB infers.
      Generate({"--count", "500", "--start-date", "2024-01-01", "--end-date", "2024-04-01",
                "--rotate-interval", "month", "--seed", "11", "--null-rate", "0.05", "--format",
                format, "--output", (*root_ / (std::string("blank-") + format)).string()});
    }
  }
  static void TearDownTestSuite() {
    delete root_;
    root_ = nullptr;
  }

  static void Generate(std::vector<std::string> args) {
    args.insert(args.begin(), {ShoalBinary(), "generate"});
    const auto result = RunProcess(args);
    ASSERT_EQ(result.exit_code, 0) << result.err;
  }

  void SetUp() override {
    engine::SessionOptions options;
    options.threads = 1;
    auto session = engine::Session::Open(options);
    ASSERT_TRUE(session.ok()) << session.status().ToString();
    session_ = std::move(session).value();
  }

  // Rows as "a|b|c" strings, in result order.
  std::vector<std::string> Rows(const std::string& sql) {
    auto result = session_->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString() << "\n" << sql;
    std::vector<std::string> rows;
    if (!result.ok()) return rows;
    for (size_t r = 0; r < result->rows().size(); ++r) {
      std::string line;
      for (size_t c = 0; c < result->columns().size(); ++c) {
        line += (c > 0 ? "|" : "") + result->Text(r, c);
      }
      rows.push_back(line);
    }
    return rows;
  }
  std::string One(const std::string& sql) {
    const auto rows = Rows(sql);
    return rows.size() == 1 ? rows[0] : "<" + std::to_string(rows.size()) + " rows>";
  }

  static std::string Jsonl() {
    return "read_json_auto('" + (*root_ / "jsonl").string() + "/*.jsonl')";
  }
  static std::string Csv() { return "read_csv('" + (*root_ / "csv").string() + "/*.csv')"; }
  static std::string Parquet() {
    return "read_parquet('" + (*root_ / "parquet").string() + "/*.parquet')";
  }

  static testing::TempDir* root_;
  std::unique_ptr<engine::Session> session_;
};

testing::TempDir* DatagenSchemaTest::root_ = nullptr;

std::vector<std::string> ExpectedTypes(std::span<const datagen::ColumnSpec> columns) {
  std::vector<std::string> rows;
  for (const datagen::ColumnSpec& column : columns) {
    rows.push_back(std::string(column.name) + "|" + std::string(column.duckdb_type));
  }
  return rows;
}

TEST_F(DatagenSchemaTest, JsonlIsInferredWithTheDocumentedTypes) {
  EXPECT_EQ(Rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + Jsonl() + ")"),
            ExpectedTypes(datagen::TransactionJsonColumns()));
}

TEST_F(DatagenSchemaTest, ParquetKeepsTheTypesAndTheStruct) {
  EXPECT_EQ(Rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + Parquet() + ")"),
            ExpectedTypes(datagen::TransactionJsonColumns()));
}

TEST_F(DatagenSchemaTest, CsvHasTheFlattenedColumns) {
  std::vector<std::string> names;
  for (const auto& column : datagen::TransactionCsvColumns()) names.emplace_back(column.name);
  std::vector<std::string> got;
  for (const std::string& row :
       Rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + Csv() + ")")) {
    got.push_back(row.substr(0, row.find('|')));
    // DuckDB's CSV sniffer does not detect UUIDs; everything else is typed as in JSONL.
    if (row.starts_with("timestamp|") || row.starts_with("estimated_delivery|")) {
      EXPECT_TRUE(row.ends_with("|TIMESTAMP")) << row;
    }
    if (row.starts_with("total_amount|") || row.starts_with("shipping_address_latitude|")) {
      EXPECT_TRUE(row.ends_with("|DOUBLE")) << row;
    }
  }
  EXPECT_EQ(got, names);
}

TEST_F(DatagenSchemaTest, EveryFormatHoldsTheSameEvents) {
  const std::string summary =
      "SELECT count(*), count(DISTINCT event_id), count(DISTINCT customer_id), min(timestamp), "
      "max(timestamp), round(sum(total_amount), 2), sum(quantity) FROM ";
  const std::string jsonl = One(summary + Jsonl());
  EXPECT_TRUE(jsonl.starts_with("6000|6000|")) << jsonl;
  EXPECT_EQ(One(summary + Csv()), jsonl);
  EXPECT_EQ(One(summary + Parquet()), jsonl);
  EXPECT_EQ(One("SELECT count(*), count(DISTINCT shipping_address.postal_code) FROM " + Jsonl()),
            One("SELECT count(*), count(DISTINCT shipping_address_postal_code) FROM " + Csv()));
}

TEST_F(DatagenSchemaTest, BlanksKeepTheTypesAndReachEveryFormat) {
  const std::string blank = (*root_ / "blank-").string();
  const std::string jsonl = "read_json_auto('" + blank + "jsonl/*.jsonl')";
  const std::string parquet = "read_parquet('" + blank + "parquet/*.parquet')";
  for (const std::string& files : {jsonl, parquet}) {
    EXPECT_EQ(Rows("SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM " + files + ")"),
              ExpectedTypes(datagen::TransactionJsonColumns()))
        << files;
  }
  // NULLs and empty strings: as many in Parquet as in JSONL, and in CSV, where `""` is an empty
  // string only for a reader told that quoted values are never NULL.
  const std::string blanks =
      "SELECT count(*), count(*) FILTER (customer_id IS NULL), count(*) FILTER (product_category "
      "IS NULL), count(*) FILTER (quantity IS NULL), count(*) FILTER (total_amount IS NULL), "
      "count(*) FILTER (customer_email = ''), count(*) FILTER (payment_method = '') FROM ";
  const std::string from_jsonl = One(blanks + jsonl);
  EXPECT_EQ(One(blanks + parquet), from_jsonl);
  EXPECT_EQ(One(blanks + "read_csv('" + blank + "csv/*.csv', allow_quoted_nulls = false)"),
            from_jsonl);
  // About 5% of each of 1,500 rows' fields: between 40 and 110 of each kind.
  std::vector<std::string> counts;
  for (size_t start = 0, bar = 0; bar != std::string::npos; start = bar + 1) {
    bar = from_jsonl.find('|', start);
    counts.push_back(from_jsonl.substr(start, bar - start));
  }
  ASSERT_EQ(counts.size(), 7u) << from_jsonl;
  EXPECT_EQ(counts[0], "1500");
  for (size_t i = 1; i < counts.size(); ++i) {
    EXPECT_GT(std::stoi(counts[i]), 40) << from_jsonl;
    EXPECT_LT(std::stoi(counts[i]), 110) << from_jsonl;
  }
  EXPECT_EQ(One("SELECT count(*) FILTER (shipping_address.city = '') > 0 FROM " + parquet), "true");
}

TEST_F(DatagenSchemaTest, FilesHoldTheirMonthExactly) {
  const auto rows = Rows(
      "SELECT month, count(*), bool_and(strftime(timestamp, '%Y-%m') = month) FROM (SELECT *, "
      "regexp_extract(filename, '(\\d{4}-\\d{2})', 1) AS month FROM read_json_auto('" +
      (*root_ / "jsonl").string() + "/*.jsonl', filename = true)) GROUP BY ALL ORDER BY 1");
  ASSERT_EQ(rows.size(), 12u);
  EXPECT_EQ(rows[0], "2024-01|500|true");
  for (const std::string& row : rows) EXPECT_TRUE(row.ends_with("|500|true")) << row;
}

TEST_F(DatagenSchemaTest, ValuesStayInTheirDomains) {
  const std::string t = Jsonl();
  EXPECT_EQ(One("SELECT string_agg(DISTINCT region_name, ',' ORDER BY region_name) FROM " + t),
            "ap-south,eu-west,us-east,us-west");
  EXPECT_EQ(One("SELECT count(DISTINCT product_category), bool_and(product_category IN "
                "('Electronics','Clothing','Books','Home','Sports','Food','Beauty','Toys',"
                "'Automotive','Garden')) FROM " +
                t),
            "10|true");
  EXPECT_EQ(One("SELECT string_agg(DISTINCT payment_method, ',' ORDER BY payment_method), "
                "string_agg(DISTINCT payment_status, ',' ORDER BY payment_status), "
                "string_agg(DISTINCT shipping_method, ',' ORDER BY shipping_method), "
                "string_agg(DISTINCT customer_type, ',' ORDER BY customer_type), "
                "string_agg(DISTINCT currency, ',') FROM " +
                t),
            "bank_transfer,credit_card,crypto,paypal|completed,failed,pending,refunded|"
            "express,overnight,standard|basic,premium,vip|USD");
  EXPECT_EQ(One("SELECT min(quantity), max(quantity), min(tax_rate), max(tax_rate) FROM " + t),
            "1|5|0.05|0.15");
  EXPECT_EQ(One("SELECT bool_and(unit_price BETWEEN 10 AND 1000), "
                "bool_and(subtotal = unit_price * quantity), "
                "bool_and(abs(tax_amount - subtotal * tax_rate) <= 0.005 + 1e-9), "
                "bool_and(total_amount = subtotal + tax_amount), "
                "bool_and(estimated_delivery - timestamp BETWEEN INTERVAL 1 DAY AND INTERVAL 7 "
                "DAY), bool_and(timestamp >= '2024-01-01' AND timestamp < '2025-01-01') FROM " +
                t),
            "true|true|true|true|true|true");
  EXPECT_EQ(One("SELECT bool_and(shipping_address.country = region_country), "
                "bool_and(shipping_address.timezone = region_timezone) FROM " +
                t),
            "true|true");
  // Every shipping address lies inside its region's box.
  std::string boxes;
  for (const datagen::Region& region : datagen::Regions()) {
    boxes += fmt::format(
        " WHEN '{}' THEN shipping_address.latitude BETWEEN {} AND {} AND "
        "shipping_address.longitude BETWEEN {} AND {}",
        region.name, region.min_latitude, region.max_latitude, region.min_longitude,
        region.max_longitude);
  }
  EXPECT_EQ(One("SELECT bool_and(CASE region_name" + boxes + " END) FROM " + t), "true");
}

TEST_F(DatagenSchemaTest, CustomersRepeatWithStableDetails) {
  const std::string t = Jsonl();
  EXPECT_EQ(One("SELECT count(*) FROM (SELECT customer_id FROM " + t +
                " GROUP BY customer_id HAVING count(DISTINCT customer_email) > 1 OR "
                "count(DISTINCT customer_type) > 1 OR count(DISTINCT region_name) > 1)"),
            "0");
  EXPECT_EQ(One("SELECT count(DISTINCT customer_email) = count(DISTINCT customer_id), "
                "count(*) > 2 * count(DISTINCT customer_id), max(n) >= 20 FROM (SELECT *, "
                "count(*) OVER (PARTITION BY customer_id) AS n FROM " +
                t + ")"),
            "true|true|true");
}

// The anomalies `--list-anomalies` reports are exactly what two simple SQL detectors find.
TEST_F(DatagenSchemaTest, InjectedAnomaliesAreFoundBySql) {
  const fs::path dir = *root_ / "anomalies";
  const std::vector<std::string> flags = {"--count", "300000", "--start-date",   "2024-06-03",
                                          "--days",  "14",     "--anomaly-rate", "0.04",
                                          "--seed",  "6"};
  std::vector<std::string> args = {ShoalBinary(), "generate", "--list-anomalies"};
  args.insert(args.end(), flags.begin(), flags.end());
  const auto listed = RunProcess(args);
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  std::set<std::string> bursts, failures;
  std::string_view rest = listed.out;
  rest.remove_prefix(rest.find('\n') + 1);  // header
  while (!rest.empty()) {
    const std::string line(rest.substr(0, rest.find('\n')));
    rest.remove_prefix(line.size() + 1);
    const std::string key = line.substr(0, line.find(',', line.find(',') + 1));  // hour,region
    (line.find(",volume_burst,") != std::string::npos ? bursts : failures).insert(key);
  }
  ASSERT_GE(bursts.size(), 2u);
  ASSERT_GE(failures.size(), 2u);

  std::vector<std::string> generate = flags;
  generate.insert(generate.end(), {"--output", dir.string()});
  Generate(generate);
  const std::string hourly =
      "WITH c AS (SELECT date_trunc('hour', timestamp) AS h, region_name AS r, count(*) AS n, "
      "avg((payment_status = 'failed')::INT) AS failed FROM read_json_auto('" +
      dir.string() + "/*.jsonl') GROUP BY ALL) ";
  auto keys = [&](const std::string& sql) {
    std::set<std::string> found;
    for (std::string row : Rows(sql)) found.insert(row.replace(row.find('|'), 1, ","));
    return found;
  };
  // A burst: the region's hour holds over 3x its usual count at that hour of day.
  EXPECT_EQ(keys(hourly + "SELECT strftime(h, '%Y-%m-%d %H:%M:%S'), r FROM (SELECT *, "
                          "median(n) OVER (PARTITION BY r, hour(h)) AS usual FROM c) "
                          "WHERE n > 3 * usual"),
            bursts);
  // A failure spike: most of the hour's payments in that region failed (25% normally).
  EXPECT_EQ(keys(hourly + "SELECT strftime(h, '%Y-%m-%d %H:%M:%S'), r FROM c WHERE failed > 0.6"),
            failures);
}

}  // namespace
}  // namespace shoal
