// Logical tables over a whole devstack in-process: the devstack's `transactions` over the data
// the seed's generator writes in us and eu, its columns inferred on the nodes and equal to one
// DuckDB's inference over the same files; schema conflicts between regions; the endpoints'
// errors; the catalog across a restart. The transactions test runs with folder stores and with
// one S3 server per region.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "api/api_client.h"
#include "devstack/devstack.h"
#include "engine/engine.h"
#include "jobspec/jobspec.h"
#include "query/job_waiter.h"
#include "query/table_http_api.h"
#include "query/testing/devstack_fixture.h"
#include "transport/http_client.h"

namespace shoal::query {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using devstack::Devstack;
using devstack::StorageKind;
using transport::Json;

class TableE2eTest : public testing::DevstackFixture {
 protected:
  void SetUp() override {
    MakeDir("tables");
    Start();
  }
  void Start() {
    ASSERT_NO_FATAL_FAILURE(DevstackFixture::Start());
    transport::HttpClient::Options http;
    http.bearer_token = stack_->client_token();
    raw_ = std::make_unique<transport::HttpClient>(transport::Endpoint{"127.0.0.1", stack_->port()},
                                                   http);
  }
  void Generate(const std::string& region) {
    DevstackFixture::Generate(region, testing::GeneratorSpec(100, "2024-04-01"));
  }

  // One DuckDB over the region's store, as its nodes see it.
  std::unique_ptr<engine::Session> Oracle(const std::string& region) {
    engine::SessionOptions options;
    if (std::string url = stack_->StoreUrl(region); !url.empty()) {
      options.s3.environment = {{"DUCKDB_S3_ENDPOINT", url},
                                {"AWS_ACCESS_KEY_ID", devstack::S3rverProcess::kAccessKey},
                                {"AWS_SECRET_ACCESS_KEY", devstack::S3rverProcess::kSecretKey}};
    } else {
      options.path_mappings = {{"s3://my-bucket", stack_->StorageDir(region) + "/my-bucket"}};
    }
    return engine::Session::Open(options).value();
  }

  std::unique_ptr<transport::HttpClient> raw_;
};

TEST_P(TableE2eTest, TransactionsColumnsAreDuckDbsInferenceAndStatsMatchTheFiles) {
  // The devstack defines the table at start; with no data its columns are not known yet.
  auto tables = client_->ListTables();
  ASSERT_TRUE(tables.ok()) << tables.status().ToString();
  ASSERT_EQ(tables->size(), 1u);
  EXPECT_EQ((*tables)[0].name, "transactions");
  EXPECT_EQ((*tables)[0].locations.size(), 2u);
  EXPECT_TRUE((*tables)[0].columns.empty());
  auto early = client_->DescribeTable("transactions");
  ASSERT_TRUE(early.ok()) << early.status().ToString();
  EXPECT_TRUE(early->table.columns.empty());
  ASSERT_EQ(early->warnings.size(), 1u);
  EXPECT_NE(early->warnings[0].find("table transactions has no files in any region"),
            std::string::npos)
      << early->warnings[0];

  ASSERT_NO_FATAL_FAILURE(Generate("us"));
  ASSERT_NO_FATAL_FAILURE(Generate("eu"));
  auto described = client_->DescribeTable("transactions");
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_TRUE(described->warnings.empty());
  const TableDefinition& table = described->table;

  // The columns are exactly what one DuckDB infers over a region's files, but for the types the
  // devstack gives the money columns (ColumnTypes).
  auto oracle = Oracle("us");
  auto expected = oracle->Query(
      "DESCRIBE SELECT * FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl')");
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  ASSERT_EQ(table.columns.size(), expected->rows().size());
  for (size_t i = 0; i < table.columns.size(); ++i) {
    EXPECT_EQ(table.columns[i].name, expected->Text(i, 0));
    auto given = table.column_types.find(table.columns[i].name);
    EXPECT_EQ(table.columns[i].type,
              given == table.column_types.end() ? expected->Text(i, 1) : given->second);
  }
  std::map<std::string, std::string> types;
  for (const auto& column : table.columns) types[column.name] = column.type;
  EXPECT_EQ(types["transaction_id"], "UUID");  // DuckDB recognises the generator's UUIDs
  EXPECT_EQ(types["total_amount"], "DECIMAL(18,2)");
  EXPECT_EQ(types["tax_rate"], "DOUBLE");
  EXPECT_EQ(types["shipping_address"].rfind("STRUCT(", 0), 0u) << types["shipping_address"];

  // Files and bytes per region are the region's files.
  for (const char* region : {"us", "eu"}) {
    SCOPED_TRACE(region);
    auto files = Oracle(region)->Query(
        "SELECT count(*), sum(size) FROM read_blob('s3://my-bucket/transactions/**/*.jsonl')");
    ASSERT_TRUE(files.ok()) << files.status().ToString();
    const RegionStats& stats = table.region_stats.at(region);
    EXPECT_EQ(std::to_string(stats.files), files->Text(0, 0));
    EXPECT_EQ(std::to_string(stats.bytes), files->Text(0, 1));
    EXPECT_EQ(stats.files, 6);  // 2 nodes x 3 months
    EXPECT_GT(stats.inferred_time, 0);
    if (GetParam() == StorageKind::kFolders) {
      int64_t on_disk = 0, bytes = 0;
      for (const auto& entry : fs::recursive_directory_iterator(
               fs::path(stack_->StorageDir(region)) / "my-bucket" / "transactions")) {
        if (entry.is_regular_file() && entry.path().extension() == ".jsonl") {
          ++on_disk;
          bytes += static_cast<int64_t>(entry.file_size());
        }
      }
      EXPECT_EQ(stats.files, on_disk);
      EXPECT_EQ(stats.bytes, bytes);
    }
  }

  // Resolve (what queries plan with) answers from the catalog now; a restart keeps it all.
  auto resolved = stack_->tables().Resolve("Transactions");
  ASSERT_TRUE(resolved.ok()) << resolved.status().ToString();
  EXPECT_EQ(resolved->columns, table.columns);
  ASSERT_NO_FATAL_FAILURE(Start());
  auto after = client_->DescribeTable("transactions");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->table, table);
  EXPECT_EQ(client_->ListTables()->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Stores, TableE2eTest,
                         ::testing::Values(StorageKind::kFolders, StorageKind::kS3),
                         [](const ::testing::TestParamInfo<StorageKind>& info) {
                           return info.param == StorageKind::kS3 ? "S3" : "Folders";
                         });

// The rest needs files written straight into the regions' stores: folder stores.
class TableFoldersTest : public TableE2eTest {};

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST_P(TableFoldersTest, RegionsThatDisagreeAreRefusedNamingTheColumn) {
  const fs::path us = fs::path(stack_->StorageDir("us")) / "my-bucket" / "sales";
  const fs::path eu = fs::path(stack_->StorageDir("eu")) / "my-bucket" / "sales";
  WriteFile(us / "a.csv", "id,amount\n1,2.5\n2,3.25\n");
  WriteFile(eu / "a.csv", "id,amount\n1,n/a\n2,3.25\n");
  TableDefinition sales;
  sales.name = "sales";
  sales.format = "csv";
  sales.reader_options = {{"header", true}};
  sales.locations = {{"us", "s3://my-bucket/sales/*.csv"}, {"eu", "s3://my-bucket/sales/*.csv"}};
  auto conflict = client_->CreateTable(sales);
  ASSERT_FALSE(conflict.ok());
  EXPECT_EQ(conflict.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(conflict.status().message(),
            "table sales: the regions' files disagree: column 'amount' is DOUBLE in us but "
            "VARCHAR in eu");
  EXPECT_EQ(client_->DescribeTable("sales").status().code(), ErrorCode::kNotFound);

  // Once the files agree the table is created with the common schema and each region's stats.
  WriteFile(eu / "a.csv", "id,amount\n1,4.5\n");
  auto created = client_->CreateTable(sales);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->warnings.empty());
  ASSERT_EQ(created->table.columns.size(), 2u);
  EXPECT_EQ(created->table.columns[1], (TableColumn{"amount", "DOUBLE"}));
  EXPECT_EQ(created->table.region_stats.at("eu").bytes,
            static_cast<int64_t>(fs::file_size(eu / "a.csv")));
  EXPECT_EQ(client_->CreateTable(sales).status().code(), ErrorCode::kAlreadyExists);

  // A refresh sees new files; a region without files reports 0 and takes the others' schema.
  WriteFile(us / "b.csv", "id,amount\n3,1.5\n");
  fs::remove(eu / "a.csv");
  auto refreshed = client_->DescribeTable("sales", /*refresh=*/true);
  ASSERT_TRUE(refreshed.ok()) << refreshed.status().ToString();
  EXPECT_EQ(refreshed->table.region_stats.at("us").files, 2);
  EXPECT_EQ(refreshed->table.region_stats.at("eu").files, 0);
  EXPECT_EQ(refreshed->table.columns, created->table.columns);
  EXPECT_TRUE(client_->DropTable("sales").ok());
  EXPECT_EQ(client_->DropTable("sales").message(), "table 'sales' does not exist");
}

TEST_P(TableFoldersTest, TablesWithoutFilesOrWithBadOptions) {
  TableDefinition later;
  later.name = "later";
  later.format = "parquet";
  later.locations = {{"us", "s3://my-bucket/later/**/*.parquet"}};
  auto created = client_->CreateTable(later);
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_TRUE(created->table.columns.empty());
  ASSERT_EQ(created->warnings.size(), 1u);
  EXPECT_NE(created->warnings[0].find("table later has no files in any region (locations us: "
                                      "s3://my-bucket/later/**/*.parquet)"),
            std::string::npos)
      << created->warnings[0];
  auto resolved = stack_->tables().Resolve("later");
  EXPECT_EQ(resolved.status().code(), ErrorCode::kNotFound);

  // The files arrive: the next describe infers the columns.
  const fs::path us = fs::path(stack_->StorageDir("us")) / "my-bucket" / "later";
  fs::create_directories(us);
  auto writer = Oracle("us");
  ASSERT_TRUE(writer
                  ->Query("COPY (SELECT 1::INTEGER AS n, 'x' AS s) TO '" +
                          (us / "p.parquet").string() + "' (FORMAT parquet)")
                  .ok());
  auto described = client_->DescribeTable("later");
  ASSERT_TRUE(described.ok()) << described.status().ToString();
  EXPECT_EQ(described->table.columns,
            (std::vector<TableColumn>{{"n", "INTEGER"}, {"s", "VARCHAR"}}));

  // A reader option DuckDB refuses: the table is not created, DuckDB's message says why.
  WriteFile(fs::path(stack_->StorageDir("us")) / "my-bucket" / "bad" / "a.csv", "a\n1\n");
  TableDefinition bad;
  bad.name = "bad";
  bad.format = "csv";
  bad.reader_options = {{"no_such_option", 1}};
  bad.locations = {{"us", "s3://my-bucket/bad/*.csv"}};
  auto refused = client_->CreateTable(bad);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("inspecting table bad in region us"), std::string::npos)
      << refused.status().message();
  EXPECT_NE(refused.status().message().find("no_such_option"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(client_->DescribeTable("bad").status().code(), ErrorCode::kNotFound);

  // A region no node serves.
  bad.reader_options = nlohmann::json::object();
  bad.locations.push_back({"ap", "s3://my-bucket/bad/*.csv"});
  auto no_nodes = client_->CreateTable(bad);
  EXPECT_EQ(no_nodes.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(no_nodes.status().message().find("region 'ap' has no connected"), std::string::npos);
  api::CreateTableOptions stored_only;
  stored_only.inspect = false;
  EXPECT_TRUE(client_->CreateTable(bad, stored_only).ok());
}

TEST_P(TableFoldersTest, TheEndpointsRefuseBadRequestsNamingTheField) {
  auto put = [&](const Json& body) { return raw_->Put(kTablesPath, body); };
  Json good = {{"Name", "t"},
               {"Format", "json"},
               {"Locations", {{{"Region", "us"}, {"Location", "s3://my-bucket/t/*.json"}}}},
               {"Inspect", false}};
  Json body = good;
  body["Replicate"] = true;
  EXPECT_EQ(put(body).status().message(), "Replicate: unknown field; did you mean Replicated?");
  body = good;
  body["Columns"] = Json::array();
  EXPECT_EQ(put(body).status().code(), ErrorCode::kInvalidArgument);
  body = good;
  body["Inspect"] = "no";
  EXPECT_EQ(put(body).status().message(), "Inspect: expected true or false, got string");
  body = good;
  body["Locations"][0]["Location"] = "relative/*.json";
  EXPECT_NE(put(body).status().message().find("Locations[0].Location: location "
                                              "'relative/*.json' must start with s3:// or /"),
            std::string::npos);
  EXPECT_EQ(put(Json::array()).status().message(), "document: expected a JSON object, got array");
  EXPECT_TRUE(put(good).ok());
  auto wrong = raw_->Get(std::string(kTablesPath) + "/t?refresh=maybe");
  EXPECT_EQ(wrong.status().message(),
            "query parameter 'refresh' must be true or false, got 'maybe'");
  auto missing = raw_->Get(std::string(kTablesPath) + "/nope");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "table 'nope' does not exist");
}

INSTANTIATE_TEST_SUITE_P(Stores, TableFoldersTest, ::testing::Values(StorageKind::kFolders),
                         [](const ::testing::TestParamInfo<StorageKind>&) { return "Folders"; });

}  // namespace
}  // namespace shoal::query
