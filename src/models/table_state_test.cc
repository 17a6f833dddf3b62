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
