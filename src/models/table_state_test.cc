#include "models/table_state.h"

#include <gtest/gtest.h>

#include "models/table.h"

namespace shoal::models {
namespace {

TEST(TableStateTest, RoundTripsThroughJson) {
  TableState state;
  state.version = 3;
  state.table = "transactions";
  state.event_time = "timestamp";
  state.partition_by = "month";
  state.landing = "s3://b/transactions/**/*.jsonl";
  state.landing_reader = "read_json($shoal_landing_files, format='newline_delimited')";
  state.columns = {{"id", "BIGINT"}, {"timestamp", "TIMESTAMP"}};
  state.commit_time = 17;
  state.execution_id = "e-1";
  state.files = {{"year=2024/month=1/part-e-1-0.parquet", "year=2024/month=1", 10, 999}};
  state.compacted = {{"s3://b/transactions/a.jsonl", 1234}};
  state.retired = {{"year=2024/month=1/part-e-0-0.parquet", 5}};
  auto parsed = ParseTableState(ToJson(state).dump());
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(*parsed, state);
}

TEST(TableStateTest, RefusesAnotherFormatAndBadFields) {
  EXPECT_NE(
      ParseTableState("{\"Format\": \"shoal-table/9\"}").status().message().find("shoal-table/9"),
      std::string::npos);
  EXPECT_FALSE(ParseTableState("not json").ok());
  auto bad = ParseTableState(R"({"Format": "shoal-table/1", "Files": [{"Rows": "x"}]})");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Files[0].Rows"), std::string::npos)
      << bad.status().message();
}

TEST(TableStateTest, PartitionColumnsFollowTheGranularity) {
  EXPECT_EQ(PartitionColumns("year"), (std::vector<std::string>{"year"}));
  EXPECT_EQ(PartitionColumns("month"), (std::vector<std::string>{"year", "month"}));
  EXPECT_EQ(PartitionColumns("day"), (std::vector<std::string>{"year", "month", "day"}));
}

TEST(TableStateTest, PartitionRangesAreUtcCalendarSpans) {
  constexpr int64_t kDay = 86400LL * 1000000;
  auto june = ParsePartitionRange("year=2024/month=6");
  ASSERT_TRUE(june.has_value());
  EXPECT_FALSE(june->null_time);
  EXPECT_EQ(june->start_us, 19875 * kDay);  // 2024-06-01
  EXPECT_EQ(june->end_us - june->start_us, 30 * kDay);
  EXPECT_EQ(ParsePartitionRange("year=2024/month=2")->end_us -
                ParsePartitionRange("year=2024/month=2")->start_us,
            29 * kDay);  // a leap year
  EXPECT_EQ(ParsePartitionRange("year=1969")->start_us, -365 * kDay);
  EXPECT_EQ(ParsePartitionRange("year=2024/month=12/day=31")->end_us,
            ParsePartitionRange("year=2025")->start_us);
  EXPECT_TRUE(ParsePartitionRange("year=NULL/month=NULL")->null_time);
  for (const char* bad : {"", "month=1", "year=x", "year=2024/month=13", "year=2023/month=2/day=29",
                          "year=2024/month=1/day=1/hour=2", "year=2024/day=1"}) {
    EXPECT_FALSE(ParsePartitionRange(bad).has_value()) << bad;
  }
}

TableDefinition Columnar() {
  TableDefinition table;
  table.name = "transactions";
  table.format = "json";
  table.locations = {{"us", "s3://my-bucket/transactions/**/*.jsonl", ""},
                     {"eu", "/srv/eu/*.jsonl", "s3://eu-bucket/wh/transactions"}};
  table.event_time = "timestamp";
  return table;
}

TEST(ColumnarTableTest, WarehouseDefaultsBesideTheLandingBucket) {
  TableDefinition table = Columnar();
  EXPECT_TRUE(ValidateTableDefinition(table).ok());
  EXPECT_EQ(table.WarehouseOf(table.locations[0]), "s3://my-bucket/warehouse/transactions");
  EXPECT_EQ(table.WarehouseOf(table.locations[1]), "s3://eu-bucket/wh/transactions");
  EXPECT_EQ(table.PartitionGranularity(), "month");
  auto round = TableDefinitionFromJson(ToJson(table));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(*round, table);
}

TEST(ColumnarTableTest, RefusalsNameTheField) {
  auto message = [](const TableDefinition& table) {
    return ValidateTableDefinition(table).message();
  };
  TableDefinition table = Columnar();
  table.locations[1].warehouse = "";
  EXPECT_NE(message(table).find("Locations[1].Warehouse: required"), std::string::npos)
      << message(table);
  table = Columnar();
  table.locations[1].warehouse = "s3://eu-bucket/wh/*";
  EXPECT_NE(message(table).find("not a glob"), std::string::npos) << message(table);
  table = Columnar();
  table.partition_by = "week";
  EXPECT_NE(message(table).find("PartitionBy: unknown 'week'"), std::string::npos);
  table = Columnar();
  table.replicated = true;
  EXPECT_NE(message(table).find("EventTime: a replicated table"), std::string::npos);
  table = Columnar();
  table.event_time = "";
  EXPECT_NE(message(table).find("Locations[1].Warehouse: only a table with an EventTime"),
            std::string::npos)
      << message(table);
  table.locations[1].warehouse = "";
  table.partition_by = "day";
  EXPECT_NE(message(table).find("PartitionBy: only"), std::string::npos);
}

TEST(ColumnarTableTest, ColumnTypesAreTypeTextOnly) {
  TableDefinition table = Columnar();
  table.column_types = {{"total_amount", "DECIMAL(18, 2)"}, {"tags", "VARCHAR[]"}};
  EXPECT_NE(ValidateTableDefinition(table).message().find("ColumnTypes.tags"), std::string::npos);
  table.column_types = {{"total_amount", "DECIMAL(18,2)); DROP TABLE x; --"}};
  EXPECT_NE(ValidateTableDefinition(table).message().find("is not a DuckDB type"),
            std::string::npos);
  table.column_types = {{"total_amount", "DECIMAL(18, 2)"}, {"id", "UUID"}};
  EXPECT_TRUE(ValidateTableDefinition(table).ok()) << ValidateTableDefinition(table).message();
  auto round = TableDefinitionFromJson(ToJson(table));
  ASSERT_TRUE(round.ok());
  EXPECT_EQ(round->column_types, table.column_types);
}

}  // namespace
}  // namespace shoal::models
