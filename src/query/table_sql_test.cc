#include "query/table_sql.h"

#include <gtest/gtest.h>

namespace shoal::query {
namespace {
using models::RegionLocation;
using models::TableColumn;
using models::TableDefinition;

TEST(TableSqlTest, StringLiteralsDoubleQuotes) {
  EXPECT_EQ(SqlStringLiteral(""), "''");
  EXPECT_EQ(SqlStringLiteral("plain"), "'plain'");
  EXPECT_EQ(SqlStringLiteral("it's"), "'it''s'");
  EXPECT_EQ(SqlStringLiteral("x'); DROP TABLE t; --"), "'x''); DROP TABLE t; --'");
}

TEST(TableSqlTest, ReaderCallsCarryTheirOptions) {
  TableDefinition table;
  table.name = "t";
  table.format = "csv";
  table.reader_options = {{"header", true}, {"delim", ";"}, {"skip", 2}, {"nullstr", "N'A"}};
  EXPECT_EQ(ReaderCall(table, "'/data/*.csv'"),
            "read_csv_auto('/data/*.csv', delim=';', header=true, nullstr='N''A', skip=2)");
  table.format = "parquet";
  table.reader_options = nlohmann::json::object();
  EXPECT_EQ(ReaderCall(table, "getvariable('f')"), "read_parquet(getvariable('f'))");
  table.format = "json";
  table.reader_options = {{"sample_size", -1}, {"ratio", 0.5}};
  EXPECT_EQ(ReaderCall(table, "'x'"), "read_json_auto('x', ratio=0.5, sample_size=-1)");
}

TEST(TableSqlTest, FragmentsReadJsonAndCsvWithTheCatalogsColumns) {
  TableDefinition table;
  table.name = "t";
  table.format = "json";
  table.columns = {{"id", "BIGINT"}, {"it's", "STRUCT(a VARCHAR)"}};
  table.reader_options = {{"format", "newline_delimited"}};
  EXPECT_EQ(TypedReaderCall(table, "getvariable('f')"),
            "read_json(getvariable('f'), columns = {'id': 'BIGINT', 'it''s': 'STRUCT(a "
            "VARCHAR)'}, format='newline_delimited')");
  table.format = "csv";
  table.reader_options = {{"header", true}};
  EXPECT_EQ(TypedReaderCall(table, "x"),
            "read_csv(x, columns = {'id': 'BIGINT', 'it''s': 'STRUCT(a VARCHAR)'}, header=true)");
  table.format = "parquet";  // Parquet carries its own types
  EXPECT_EQ(TypedReaderCall(table, "x"), "read_parquet(x, header=true)");
}

TEST(TableSqlTest, InspectionSqlReadsTheLocationAsALiteral) {
  TableDefinition table;
  table.name = "t";
  table.format = "json";
  RegionLocation location{"us", "s3://my-bucket/it's/**/*.jsonl"};
  table.locations = {location};
  const std::string sql = InspectionSql(table, location);
  EXPECT_NE(sql.find("partition_by_hash('s3://my-bucket/it''s/**/*.jsonl')"), std::string::npos)
      << sql;
  EXPECT_NE(sql.find("read_json_auto(getvariable('shoal_table_files'))"), std::string::npos) << sql;
}

}  // namespace
}  // namespace shoal::query
