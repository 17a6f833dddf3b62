// `shoal table create|list|describe|drop` as a user runs them: the real binary against a devstack
// (in this process, folder stores, one node per region), checking output and exit codes; and the
// table endpoints of `shoal serve --orchestrator`, whose catalog survives a restart.
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"
#include "devstack/devstack.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;

void WriteFile(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

class CliTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::shoal::testing::TempDir::ForCurrentTest();
    devstack::DevstackOptions options;
    options.dir = dir_.string();
    options.port = 0;
    options.nodes_per_region = 1;
    auto stack = devstack::Devstack::Start(options);
    ASSERT_TRUE(stack.ok()) << stack.status().ToString();
    stack_ = std::move(stack).value();
    ASSERT_TRUE(stack_->WaitForNodes(std::chrono::seconds(10)));
    env_ = {{"SHOAL_API_HOST", "127.0.0.1"},
            {"SHOAL_API_PORT", std::to_string(stack_->port())},
            {"SHOAL_API_TOKEN", stack_->client_token()}};
  }
  void TearDown() override { stack_.reset(); }

  ProcessResult Table(std::vector<std::string> args) {
    args.insert(args.begin(), {ShoalBinary(), "table"});
    return RunProcess(args, "", env_);
  }
  fs::path Store(const std::string& region) {
    return fs::path(stack_->StorageDir(region)) / "my-bucket";
  }

  ::shoal::testing::TempDir dir_;  // declared first: it outlives the devstack
  std::unique_ptr<devstack::Devstack> stack_;
  std::map<std::string, std::string> env_;
};

TEST_F(CliTableTest, CreateListDescribeDrop) {
  WriteFile(Store("us") / "sales" / "a.csv", "id;amount;city\n1;2.5;Austin\n2;3.25;Boston\n");
  WriteFile(Store("eu") / "sales" / "a.csv", "id;amount;city\n3;4.5;Berlin\n");
  auto created =
      Table({"create", "sales", "--format", "csv", "--location", "us=s3://my-bucket/sales/*.csv",
             "--location", "eu=s3://my-bucket/sales/*.csv", "--option", "header=true", "--option",
             "delim=;"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  const int64_t us_bytes = static_cast<int64_t>(fs::file_size(Store("us") / "sales" / "a.csv"));
  const int64_t eu_bytes = static_cast<int64_t>(fs::file_size(Store("eu") / "sales" / "a.csv"));
  EXPECT_EQ(created.out, "table sales created: 3 columns; us: 1 files, " +
                             std::to_string(us_bytes) + " bytes; eu: 1 files, " +
                             std::to_string(eu_bytes) + " bytes\n");

  auto list = Table({"list"});
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "NAME         | FORMAT | REGIONS | COLUMNS\n"
            "-------------|--------|---------|--------\n"
            "sales        | csv    | us, eu  |       3\n"
            "transactions | json   | us, eu  |       0\n"
            "(2 rows)\n");
  auto csv = Table({"list", "--output", "csv"});
  EXPECT_EQ(
      csv.out,
      "NAME,FORMAT,REGIONS,COLUMNS\nsales,csv,\"us, eu\",3\ntransactions,json,\"us, eu\",0\n");

  auto described = Table({"describe", "sales"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  for (const std::string& line :
       {std::string("Format:      csv\n"), std::string("Options:     delim=\";\", header=true\n"),
        std::string("id     | BIGINT\n"), std::string("amount | DOUBLE\n"),
        std::string("city   | VARCHAR\n"),
        std::string("us     | s3://my-bucket/sales/*.csv |     1 |"),
        " " + std::to_string(us_bytes) + " | "}) {
    EXPECT_NE(described.out.find(line), std::string::npos) << line << "\nin:\n" << described.out;
  }

  auto json = Table({"describe", "sales", "--refresh", "--output", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  auto parsed = nlohmann::json::parse(json.out);
  EXPECT_EQ(parsed["Columns"][1], (nlohmann::json{{"Name", "amount"}, {"Type", "DOUBLE"}}));
  EXPECT_EQ(parsed["Regions"]["eu"]["Bytes"], eu_bytes);
  EXPECT_EQ(parsed["ReaderOptions"], (nlohmann::json{{"header", true}, {"delim", ";"}}));

  auto dropped = Table({"drop", "sales"});
  EXPECT_EQ(dropped.exit_code, 0) << dropped.err;
  EXPECT_EQ(dropped.out, "table sales dropped\n");
  auto again = Table({"drop", "sales"});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_EQ(again.err, "shoal table drop: table 'sales' does not exist\n");
}

// A columnar table: created with its event time and a column type, described, compacted in each
// region (a second run finds nothing new), and the refusals.
TEST_F(CliTableTest, ColumnarTablesCompactInEachRegion) {
  WriteFile(Store("us") / "events" / "a.csv",
            "id,ts,amount\n1,2024-01-05 10:00:00,2.5\n2,2024-02-01 00:00:00,3.25\n");
  WriteFile(Store("eu") / "events" / "a.csv", "id,ts,amount\n3,2024-03-09 12:30:00,4.5\n");
  auto created =
      Table({"create", "events", "--format", "csv", "--location", "us=s3://my-bucket/events/*.csv",
             "--location", "eu=s3://my-bucket/events/*.csv", "--event-time", "ts", "--type",
             "amount=DECIMAL(10,2)"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  auto described = Table({"describe", "events"});
  EXPECT_NE(described.out.find("Columnar:    Parquet by month of ts; us: "
                               "s3://my-bucket/warehouse/events; eu: "
                               "s3://my-bucket/warehouse/events (shoal table compact events)\n"),
            std::string::npos)
      << described.out;
  EXPECT_NE(described.out.find("amount | DECIMAL(10,2)\n"), std::string::npos) << described.out;

  auto compacted = Table({"compact", "events"});
  ASSERT_EQ(compacted.exit_code, 0) << compacted.err;
  // REGION | JOB | VERSION | LANDING FILES | ROWS | PARQUET FILES | PARQUET BYTES
  EXPECT_NE(compacted.out.find("us     | j-"), std::string::npos) << compacted.out;
  EXPECT_NE(compacted.out.find("|       1 |             1 |    2 |             2 |"),
            std::string::npos)
      << compacted.out;
  EXPECT_NE(compacted.out.find("|       1 |             1 |    1 |             1 |"),
            std::string::npos)
      << compacted.out;
  EXPECT_TRUE(fs::exists(Store("us") / "warehouse" / "events" / "_shoal_table.json"));
  auto again = Table({"compact", "events", "--region", "eu"});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("|       1 |             0 |    0 |             0 |"), std::string::npos)
      << again.out;

  auto negative = Table({"compact", "events", "--retain-seconds", "-1"});
  EXPECT_EQ(negative.exit_code, 2);
  EXPECT_EQ(negative.err, "shoal table compact: --retain-seconds must be >= 0\n");
  auto mars = Table({"compact", "events", "--region", "mars"});
  EXPECT_EQ(mars.exit_code, 1);
  EXPECT_EQ(mars.err, "shoal table compact: table events has no location in region 'mars'\n");
  auto missing = Table({"compact", "nope"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(missing.err, "shoal table compact: table 'nope' does not exist\n");
  auto bad_type = Table({"create", "bad", "--format", "csv", "--location",
                         "us=s3://my-bucket/events/*.csv", "--type", "amount=DECIMAL(10,2);"});
  EXPECT_EQ(bad_type.exit_code, 2);
  EXPECT_NE(bad_type.err.find("ColumnTypes.amount"), std::string::npos) << bad_type.err;
}

TEST_F(CliTableTest, TablesWithoutFilesAndFailures) {
  // The devstack's table before any data: described with a warning, no columns.
  auto early = Table({"describe", "transactions"});
  ASSERT_EQ(early.exit_code, 0) << early.err;
  EXPECT_NE(early.err.find("shoal table describe: warning: the columns are not known yet: table "
                           "transactions has no files in any region"),
            std::string::npos)
      << early.err;
  EXPECT_NE(early.out.find("Columns: not known yet"), std::string::npos) << early.out;
  EXPECT_NE(early.out.find("never"), std::string::npos) << early.out;

  auto later = Table(
      {"create", "later", "--format", "json", "--location", "us=s3://my-bucket/later/*.jsonl"});
  ASSERT_EQ(later.exit_code, 0) << later.err;
  EXPECT_EQ(later.out, "table later created; its columns are not known yet\n");
  EXPECT_NE(later.err.find("shoal table create: warning: table later has no files in any region"),
            std::string::npos)
      << later.err;
  auto duplicate = Table({"create", "LATER", "--format", "json", "--location", "us=/x/*.json"});
  EXPECT_EQ(duplicate.exit_code, 1);
  EXPECT_EQ(duplicate.err, "shoal table create: table 'later' already exists\n");

  WriteFile(Store("us") / "mixed" / "a.csv", "id,amount\n1,2.5\n");
  WriteFile(Store("eu") / "mixed" / "a.csv", "id,amount\n1,n/a\n");
  auto conflict =
      Table({"create", "mixed", "--format", "csv", "--location", "us=s3://my-bucket/mixed/*.csv",
             "--location", "eu=s3://my-bucket/mixed/*.csv"});
  EXPECT_EQ(conflict.exit_code, 1);
  EXPECT_EQ(conflict.err,
            "shoal table create: table mixed: the regions' files disagree: column 'amount' is "
            "DOUBLE in us but VARCHAR in eu\n");

  auto unknown = Table({"describe", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "shoal table describe: table 'nope' does not exist\n");
}

TEST_F(CliTableTest, BadFlagValuesExitTwoBeforeAnythingIsSent) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"create", "t", "--format", "xml", "--location", "us=/d/*.json"},
       "shoal table create: --format: unknown format 'xml'; use json, csv or parquet\n"},
      {{"create", "t", "--format", "json", "--location", "us"},
       "shoal table create: --location: 'us' is not REGION=GLOB\n"},
      {{"create", "t", "--format", "json", "--location", "us=data/*.json"},
       "shoal table create: --location us=data/*.json: location 'data/*.json' must start with "
       "s3:// or / (a glob over the region's storage-local store, as jobs write it)\n"},
      {{"create", "t", "--format", "json", "--location", "us=/a/*.json", "--location",
        "us=/b/*.json"},
       "shoal table create: --location: region 'us' is given twice; give one location per "
       "region\n"},
      {{"create", "t", "--format", "csv", "--location", "us=/a/*.csv", "--option", "header"},
       "shoal table create: --option: 'header' is not KEY=VALUE\n"},
      {{"create", "t", "--format", "csv", "--location", "us=/a/*.csv", "--option", "a-b=1"},
       "shoal table create: --option key: 'a-b' is not an identifier (letters, digits and '_', "
       "not starting with a digit)\n"},
      {{"create", "my-table", "--format", "json", "--location", "us=/a/*.json"},
       "shoal table create: the table name: 'my-table' is not an identifier (letters, digits "
       "and '_', not starting with a digit)\n"},
      {{"describe", "t", "--output", "xml"},
       "shoal table describe: --output: unknown format 'xml'; use table or json\n"},
      {{"list", "--output", "xml"},
       "shoal table list: --output: unknown format 'xml'; use table, csv, json or yaml\n"},
  };
  for (const auto& [args, message] : cases) {
    auto r = Table(args);
    EXPECT_EQ(r.exit_code, 2) << args[0] << " " << args[1];
    EXPECT_EQ(r.err, message);
  }
  auto missing = Table({"create", "t", "--format", "json"});  // --location is required
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("--location is required"), std::string::npos) << missing.err;
  EXPECT_EQ(Table({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(stack_->tables().List()->size(), 1u);  // only the devstack's transactions
}

// `shoal serve --orchestrator` serves the table endpoints, and its catalog survives a restart.
TEST(ServeTablesTest, TheOrchestratorKeepsItsTablesAcrossARestart) {
  const ::shoal::testing::TempDir dir("serve-tables");
  const int port = ::shoal::testing::FreePort();
  const std::map<std::string, std::string> env = {{"SHOAL_API_HOST", "127.0.0.1"},
                                                  {"SHOAL_API_PORT", std::to_string(port)}};
  auto serve = [&] {
    return std::make_unique<::shoal::testing::BackgroundProcess>(
        std::vector<std::string>{ShoalBinary(), "serve", "--orchestrator", "--host", "127.0.0.1",
                                 "--port", std::to_string(port), "--data-dir",
                                 (dir / "data").string()},
        (dir / "orchestrator.log").string());
  };
  auto wait_ready = [&] {
    for (int i = 0; i < 100; ++i) {
      if (RunProcess({ShoalBinary(), "agent", "alive"}, "", env).exit_code == 0) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return false;
  };
  auto orchestrator = serve();
  ASSERT_TRUE(wait_ready());
  // No node serves region us: creating with inspection names the region; without, it is stored.
  auto refused = RunProcess({ShoalBinary(), "table", "create", "events", "--format", "parquet",
                             "--location", "us=s3://my-bucket/events/*.parquet"},
                            "", env);
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("region 'us' has no connected, approved compute node"),
            std::string::npos)
      << refused.err;
  auto created = RunProcess({ShoalBinary(), "table", "create", "events", "--format", "parquet",
                             "--location", "us=s3://my-bucket/events/*.parquet", "--no-inspect"},
                            "", env);
  ASSERT_EQ(created.exit_code, 0) << created.err;
  orchestrator->Kill(SIGTERM);
  orchestrator = serve();
  ASSERT_TRUE(wait_ready());
  auto list = RunProcess({ShoalBinary(), "table", "list", "--output", "csv"}, "", env);
  EXPECT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "NAME,FORMAT,REGIONS,COLUMNS\nevents,parquet,us,0\n");
  EXPECT_TRUE(fs::exists(dir / "data" / "catalog.db"));
  orchestrator.reset();
}

}  // namespace
}  // namespace shoal
