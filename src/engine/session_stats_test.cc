// Session::Stats: what an execution's statements read, as a compute node reports it. Rows are
// DuckDB's own count of what the sources delivered; bytes and files are counted by the sandbox's
// file system. Checked against the files' sizes and row counts, for CSV, JSON and Parquet, over
// several statements and with a failing one.
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

class SessionStatsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    fs::create_directories(root_ / "data");
    fs::create_directories(root_ / "tmp");
    {
      std::ofstream csv(root_ / "data/a.csv");
      csv << "k,v\n";
      for (int i = 0; i < 5000; ++i) csv << i % 7 << ",value-" << i << "\n";
    }
    {
      std::ofstream json(root_ / "data/b.jsonl");
      for (int i = 0; i < 3000; ++i) json << "{\"k\": " << i % 5 << ", \"v\": \"x" << i << "\"}\n";
    }
    // A Parquet file of 100,000 rows in 10 row groups (a scan's progress moves a row group at a
    // time), written by a session that counts nothing.
    auto writer = Session::Open({});
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)
                    ->Query("COPY (SELECT range AS k, md5(range::VARCHAR) AS v FROM range(100000)) "
                            "TO '" +
                            (root_ / "data/c.parquet").string() + "' (ROW_GROUP_SIZE 10000)")
                    .ok());
  }

  std::unique_ptr<Session> Open(bool collect_stats = true, Partition partition = {}) {
    SessionOptions options;
    options.partition = partition;
    options.threads = 1;
    options.sandboxed = true;
    options.path_mappings = {{"/data", (root_ / "data").string()}};
    options.temp_directory = (root_ / "tmp").string();
    options.collect_stats = collect_stats;
    auto session = Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(*session) : nullptr;
  }

  int64_t SizeOf(const std::string& name) const {
    return static_cast<int64_t>(fs::file_size(root_ / "data" / name));
  }

  shoal::testing::TempDir root_;
};

TEST_F(SessionStatsTest, WholeFilesReadCountTheirRowsAndBytes) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->Stats().rows_read, 0);
  auto counted = session->Query("SELECT count(*), sum(k) FROM read_csv('/data/a.csv')");
  ASSERT_TRUE(counted.ok()) << counted.status().ToString();
  SessionStats after_csv = session->Stats();
  EXPECT_EQ(after_csv.rows_read, 5000);
  EXPECT_EQ(after_csv.bytes_read, SizeOf("a.csv"));  // read whole, once
  EXPECT_EQ(after_csv.files_read, 1);
  EXPECT_EQ(after_csv.progress, -1);  // nothing runs now

  // A script of several statements adds up; a SET the session applies itself runs no query.
  ASSERT_TRUE(session
                  ->Query("SET s3_region = 'eu-west-1'; CREATE TABLE j AS SELECT * FROM "
                          "read_json('/data/b.jsonl'); SELECT count(*) FROM j WHERE k = 1")
                  .ok());
  SessionStats after_json = session->Stats();
  // 3000 rows from the file, then the 600 of table j with k = 1: the filter is pushed into the
  // scan, which delivers only the rows that pass.
  EXPECT_EQ(after_json.rows_read, 5000 + 3000 + 600);
  EXPECT_GE(after_json.bytes_read, after_csv.bytes_read + SizeOf("b.jsonl"));
  EXPECT_EQ(after_json.files_read, 2);
}

TEST_F(SessionStatsTest, ParquetCountsTheBytesOfTheColumnsItReads) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->Query("SELECT sum(k) FROM read_parquet('/data/c.parquet')").ok());
  SessionStats one_column = session->Stats();
  EXPECT_EQ(one_column.rows_read, 100000);
  // The metadata and the one column read: more than nothing, less than the whole file (the md5
  // strings are most of it). DuckDB's own TOTAL_BYTES_READ counts only the metadata.
  EXPECT_GT(one_column.bytes_read, SizeOf("c.parquet") / 10);
  EXPECT_LT(one_column.bytes_read, SizeOf("c.parquet") / 2);
  ASSERT_TRUE(
      session->Query("SELECT count(*) FROM read_parquet('/data/c.parquet') WHERE k < 10").ok());
  // Rows the scan delivered, after the filter it was given.
  EXPECT_EQ(session->Stats().rows_read, 100000 + 10);
  EXPECT_EQ(session->Stats().files_read, 1);
}

TEST_F(SessionStatsTest, AFailedStatementAddsNoRows) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  ASSERT_TRUE(session->Query("SELECT count(*) FROM read_csv('/data/a.csv')").ok());
  const SessionStats before = session->Stats();
  EXPECT_FALSE(session->Query("SELECT * FROM read_csv('/data/missing.csv')").ok());
  EXPECT_EQ(session->Stats().rows_read, before.rows_read);
  EXPECT_EQ(session->Stats().files_read, before.files_read);
}

TEST_F(SessionStatsTest, AnEmptyPartitionsStatementAddsNothing) {
  // Partition 1 of 2 selects no file here (md5_number_lower('/data/a.csv') % 2 = 0, which the
  // first statement checks): DuckDB refuses the empty file list, and the statement yields no
  // rows; the previous statement's profile must not be counted again.
  auto session = Open(/*collect_stats=*/true, Partition{1, 2});
  ASSERT_NE(session, nullptr);
  auto hash = session->Query(
      "SELECT md5_number_lower('/data/a.csv') % 2 FROM read_csv('/data/a.csv') LIMIT 1");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  ASSERT_EQ(hash->Text(0, 0), "0");
  const SessionStats before = session->Stats();
  ASSERT_TRUE(session
                  ->Query("SET VARIABLE files = (SELECT list(file) FROM "
                          "partition_by_hash('/data/*.csv')); SELECT count(*) FROM "
                          "read_csv(getvariable('files'))")
                  .ok());
  EXPECT_EQ(session->Stats().rows_read, before.rows_read);  // the file list had no row either
}

TEST_F(SessionStatsTest, ProgressIsSeenWhileAStatementRunsAndNothingIsCountedWhenOff) {
  // DuckDB moves the progress between tasks of up to 50 chunks, so the scan must span many of
  // them: c.parquet's 49 chunks can run as one task, leaving nothing to see before the end.
  auto writer = Session::Open({});
  ASSERT_TRUE(writer.ok());
  ASSERT_TRUE((*writer)
                  ->Query("COPY (SELECT range AS k FROM range(1000000)) TO '" +
                          (root_ / "data/d.parquet").string() + "' (ROW_GROUP_SIZE 100000)")
                  .ok());
  auto session = Open();
  ASSERT_NE(session, nullptr);
  std::atomic<bool> done{false};
  double seen = -1;
  std::thread reader([&] {
    while (!done) {
      const double progress = session->Stats().progress;
      if (progress > seen) seen = progress;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  });
  auto slow = session->Query(
      "SELECT sum(length(repeat(k::VARCHAR, 300))) FROM read_parquet('/data/d.parquet')");
  done = true;
  reader.join();
  ASSERT_TRUE(slow.ok()) << slow.status().ToString();
  EXPECT_GT(seen, 0) << "no progress seen while the statement ran";
  EXPECT_LE(seen, 1);

  auto quiet = Open(/*collect_stats=*/false);
  ASSERT_NE(quiet, nullptr);
  ASSERT_TRUE(quiet->Query("SELECT count(*) FROM read_csv('/data/a.csv')").ok());
  const SessionStats none = quiet->Stats();
  EXPECT_EQ(none.rows_read, 0);
  EXPECT_EQ(none.bytes_read, 0);
  EXPECT_EQ(none.files_read, 0);
}

}  // namespace
}  // namespace shoal::engine
