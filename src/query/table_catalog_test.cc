#include "query/table_catalog.h"

#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace shoal::query {
namespace {

TableDefinition Table(const std::string& name) {
  TableDefinition table;
  table.name = name;
  table.format = "json";
  table.locations = {{"us", "s3://my-bucket/" + name + "/**/*.jsonl"},
                     {"eu", "s3://my-bucket/" + name + "/**/*.jsonl"}};
  return table;
}

class TableCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    Reopen();
  }
  void TearDown() override { catalog_.reset(); }
  void Reopen() {
    catalog_.reset();
    auto opened = TableCatalog::Open(dir_.string());
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    catalog_ = std::move(opened).value();
  }

  shoal::testing::TempDir dir_;  // declared first: it outlives the catalog
  std::unique_ptr<TableCatalog> catalog_;
};

TEST_F(TableCatalogTest, CreatesGetsListsAndDrops) {
  EXPECT_EQ(catalog_->path(), (dir_ / "catalog.db").string());
  auto created = catalog_->Create(Table("transactions"));
  ASSERT_TRUE(created.ok()) << created.status().ToString();
  EXPECT_GT(created->create_time, 0);
  EXPECT_EQ(created->modify_time, created->create_time);
  ASSERT_TRUE(catalog_->Create(Table("customers")).ok());

  auto got = catalog_->Get("transactions");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, *created);
  // Names are SQL identifiers: case does not matter, the stored spelling is kept.
  EXPECT_EQ(catalog_->Get("TRANSACTIONS")->name, "transactions");

  auto list = catalog_->List();
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].name, "customers");
  EXPECT_EQ((*list)[1].name, "transactions");

  EXPECT_TRUE(catalog_->Drop("Customers").ok());
  EXPECT_EQ(catalog_->List()->size(), 1u);
  Status again = catalog_->Drop("customers");
  EXPECT_EQ(again.code(), ErrorCode::kNotFound);
  EXPECT_EQ(again.message(), "table 'customers' does not exist");
  EXPECT_EQ(catalog_->Get("nope").status().message(), "table 'nope' does not exist");
}

TEST_F(TableCatalogTest, RefusesDuplicatesInAnyCaseAndInvalidDefinitions) {
  ASSERT_TRUE(catalog_->Create(Table("transactions")).ok());
  auto duplicate = catalog_->Create(Table("Transactions"));
  EXPECT_EQ(duplicate.status().code(), ErrorCode::kAlreadyExists);
  EXPECT_EQ(duplicate.status().message(), "table 'transactions' already exists");

  TableDefinition bad = Table("bad");
  bad.format = "xml";
  EXPECT_EQ(catalog_->Create(bad).status().message(),
            "Format: unknown format 'xml'; use json, csv or parquet");
  bad = Table("bad-name");
  EXPECT_EQ(catalog_->Create(bad).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(catalog_->List()->size(), 1u);
}

TEST_F(TableCatalogTest, SurvivesAReopenWithItsColumnsAndStats) {
  TableDefinition table = Table("transactions");
  table.reader_options = {{"format", "newline_delimited"}};
  auto created = catalog_->Create(table);
  ASSERT_TRUE(created.ok());
  TableDefinition inspected = *created;
  inspected.columns = {{"transaction_id", "VARCHAR"},
                       {"shipping_address", "STRUCT(street VARCHAR, city VARCHAR)"}};
  inspected.region_stats = {{"us", {18, 123456, 42}}, {"eu", {0, 0, 42}}};
  auto updated = catalog_->Update(inspected);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  EXPECT_GE(updated->modify_time, created->modify_time);

  Reopen();
  auto got = catalog_->Get("transactions");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, *updated);
  EXPECT_EQ(got->columns[1].type, "STRUCT(street VARCHAR, city VARCHAR)");
  EXPECT_EQ(got->region_stats.at("us").bytes, 123456);
  EXPECT_EQ(got->reader_options["format"], "newline_delimited");
}

TEST_F(TableCatalogTest, UpdateNeverLandsOnADroppedOrRecreatedTable) {
  auto first = catalog_->Create(Table("t"));
  ASSERT_TRUE(first.ok());
  TableDefinition inspected = *first;
  inspected.columns = {{"a", "BIGINT"}};
  ASSERT_TRUE(catalog_->Drop("t").ok());
  EXPECT_EQ(catalog_->Update(inspected).status().code(), ErrorCode::kNotFound);

  std::this_thread::sleep_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(catalog_->Create(Table("t")).ok());
  auto stale = catalog_->Update(inspected);
  EXPECT_EQ(stale.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(stale.status().message(), "table 't' was dropped and created again meanwhile");
  EXPECT_TRUE(catalog_->Get("t")->columns.empty());
}

TEST_F(TableCatalogTest, ConcurrentCreatesOfOneNameLeaveOneTable) {
  std::atomic<int> created{0}, refused{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < 8; ++i) {
    threads.emplace_back([&, i] {
      for (int j = 0; j < 10; ++j) {
        auto result = catalog_->Create(Table("t" + std::to_string(j)));
        if (result.ok()) {
          ++created;
        } else if (result.status().code() == ErrorCode::kAlreadyExists) {
          ++refused;
        }
        (void)catalog_->List();
      }
      (void)i;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created.load(), 10);
  EXPECT_EQ(refused.load(), 70);
  EXPECT_EQ(catalog_->List()->size(), 10u);
}

TEST_F(TableCatalogTest, AnUnwritableDirectoryIsAnErrorNamingIt) {
  auto opened = TableCatalog::Open("/proc/shoal-no-such-dir");
  ASSERT_FALSE(opened.ok());
  EXPECT_NE(opened.status().message().find("/proc/shoal-no-such-dir"), std::string::npos)
      << opened.status().message();
}

}  // namespace
}  // namespace shoal::query
