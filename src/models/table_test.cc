#include "models/table.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

using nlohmann::json;

TableDefinition Transactions() {
  TableDefinition table;
  table.name = "transactions";
  table.format = "json";
  table.locations = {{"us", "s3://my-bucket/transactions/**/*.jsonl"},
                     {"eu", "s3://my-bucket/transactions/**/*.jsonl"}};
  return table;
}

std::string Error(const TableDefinition& table) { return ValidateTableDefinition(table).message(); }

TEST(TableDefinitionTest, ValidDefinitionsPass) {
  TableDefinition table = Transactions();
  EXPECT_TRUE(ValidateTableDefinition(table).ok());
  table.format = "csv";
  table.reader_options = {{"header", true}, {"delim", "\t"}, {"skip", 2}, {"sample", 0.5}};
  table.locations = {{"eu-west.1", "/srv/data/it's here/*.csv"}};  // a quote is fine
  EXPECT_TRUE(ValidateTableDefinition(table).ok()) << Error(table);
}

TEST(TableDefinitionTest, EveryRuleNamesItsField) {
  TableDefinition table = Transactions();
  table.name = "";
  EXPECT_EQ(Error(table), "Name is required");
  table.name = "9lives";
  EXPECT_NE(Error(table).find("Name: '9lives' is not an identifier"), std::string::npos);
  table.name = "a-b";
  EXPECT_NE(Error(table).find("Name: 'a-b' is not an identifier"), std::string::npos);
  table.name = std::string(65, 'a');
  EXPECT_NE(Error(table).find("longer than 64"), std::string::npos);
  table.name = std::string(64, 'a');
  EXPECT_TRUE(ValidateTableDefinition(table).ok());

  table = Transactions();
  table.format = "";
  EXPECT_EQ(Error(table), "Format is required: json, csv or parquet");
  table.format = "xml";
  EXPECT_EQ(Error(table), "Format: unknown format 'xml'; use json, csv or parquet");

  table = Transactions();
  table.locations.clear();
  EXPECT_EQ(Error(table), "Locations: a table needs a location in at least one region");
  table.locations = {{"us", "s3://a/x"}, {"us", "s3://a/y"}};
  EXPECT_EQ(Error(table),
            "Locations[1].Region: region 'us' has two locations; give one per region");
  table.locations = {{"", "s3://a/x"}};
  EXPECT_EQ(Error(table), "Locations[0].Region: the region is empty");
  table.locations = {{"us east", "s3://a/x"}};
  EXPECT_NE(Error(table).find("Locations[0].Region: region 'us east' is not a label value"),
            std::string::npos);
  table.locations = {{"us", "data/*.json"}};
  EXPECT_NE(Error(table).find("Locations[0].Location: location 'data/*.json' must start with "
                              "s3:// or /"),
            std::string::npos);
  table.locations = {{"us", "s3:///x"}};
  EXPECT_NE(Error(table).find("names no bucket"), std::string::npos);
  table.locations = {{"us", "/x\n/y"}};
  EXPECT_EQ(Error(table),
            "Locations[0].Location: the location holds a control character (at byte 2)");
  table.locations = {{"us", "/x\xff"}};
  EXPECT_NE(Error(table).find("not valid UTF-8"), std::string::npos);

  table = Transactions();
  table.reader_options = json::array();
  EXPECT_EQ(Error(table), "ReaderOptions: expected an object, got array");
  table.reader_options = {{"bad key", 1}};
  EXPECT_NE(Error(table).find("ReaderOptions key: 'bad key' is not an identifier"),
            std::string::npos);
  table.reader_options = {{"columns", {{"a", "INT"}}}};
  EXPECT_EQ(Error(table),
            "ReaderOptions.columns: expected a string, a number or true/false, got object");
  table.reader_options = {{"nullstr", nullptr}};
  EXPECT_NE(Error(table).find("ReaderOptions.nullstr: expected a string"), std::string::npos);
}

TEST(TableDefinitionTest, JsonRoundTripKeepsEveryField) {
  TableDefinition table = Transactions();
  table.reader_options = {{"format", "newline_delimited"}};
  table.replicated = true;
  table.columns = {{"transaction_id", "VARCHAR"},
                   {"shipping_address", "STRUCT(street VARCHAR, city VARCHAR)"}};
  table.region_stats = {{"us", {3, 1000, 17}}, {"eu", {0, 0, 17}}};
  table.create_time = 1700000000000000000;
  table.modify_time = 1700000000000000001;
  json j = ToJson(table);
  EXPECT_EQ(j["Locations"][0], (json{{"Region", "us"}, {"Location", table.locations[0].location}}));
  EXPECT_EQ(j["Columns"][1]["Type"], "STRUCT(street VARCHAR, city VARCHAR)");
  EXPECT_EQ(j["Regions"]["us"], (json{{"Files", 3}, {"Bytes", 1000}, {"InferredTime", 17}}));
  auto back = TableDefinitionFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, table);
  EXPECT_EQ(back->LocationOf("eu"), &back->locations[1]);
  EXPECT_EQ(back->LocationOf("ap"), nullptr);

  j["Regions"]["us"]["Files"] = "3";
  EXPECT_EQ(TableDefinitionFromJson(j).status().message(),
            "Regions.us.Files: expected an integer, got string");
  EXPECT_EQ(TableDefinitionFromJson(json::array()).status().message(),
            "document: expected a JSON object, got array");
}

TEST(TableDefinitionTest, RequestsRefuseUnknownAndShoalOwnedFields) {
  json request = {{"Name", "t"},
                  {"Format", "csv"},
                  {"ReaderOptions", {{"header", true}}},
                  {"Locations", {{{"Region", "us"}, {"Location", "/data/*.csv"}}}},
                  {"Inspect", false}};
  auto table = TableDefinitionFromRequest(request, {"Inspect"});
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->reader_options, (json{{"header", true}}));

  EXPECT_EQ(TableDefinitionFromRequest(request, {}).status().message(),
            "Inspect: unknown field; valid fields: Name, Format, ReaderOptions, Locations, "
            "Replicated, EventTime, PartitionBy, ColumnTypes");
  json typo = request;
  typo["Formt"] = "csv";
  EXPECT_EQ(TableDefinitionFromRequest(typo, {"Inspect"}).status().message(),
            "Formt: unknown field; did you mean Format?");
  json nested = request;
  nested["Locations"][0]["Path"] = "/x";
  EXPECT_EQ(TableDefinitionFromRequest(nested, {"Inspect"}).status().message(),
            "Locations[0].Path: unknown field; valid fields: Region, Location, Warehouse");
  json columns = request;
  columns["Columns"] = json::array();
  EXPECT_NE(TableDefinitionFromRequest(columns, {"Inspect"})
                .status()
                .message()
                .find("Columns: set by Shoal"),
            std::string::npos);
  json wrong_type = request;
  wrong_type["Replicated"] = "yes";
  EXPECT_EQ(TableDefinitionFromRequest(wrong_type, {"Inspect"}).status().message(),
            "Replicated: expected true or false, got string");
  json invalid = request;
  invalid["Format"] = "xls";
  EXPECT_EQ(TableDefinitionFromRequest(invalid, {"Inspect"}).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace shoal::models
