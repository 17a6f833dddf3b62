// Shoal's SQL functions checked against an oracle: Bacalhau's macros written with DuckDB's own
// built-ins (md5_number_lower, regexp_extract, strptime, date_trunc) over the same files.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

std::unique_ptr<Session> OpenSession(Partition partition = {}) {
  SessionOptions options;
  options.partition = partition;
  options.threads = 1;
  auto session = Session::Open(options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return std::move(session).value();
}

// Rows as "a|b|c" strings, in result order.
std::vector<std::string> Rows(Session& session, const std::string& sql) {
  auto result = session.Query(sql);
  EXPECT_TRUE(result.ok()) << result.status().ToString() << "\n" << sql;
  std::vector<std::string> rows;
  if (!result.ok()) return rows;
  for (size_t r = 0; r < result->rows().size(); ++r) {
    std::string line;
    for (size_t c = 0; c < result->columns().size(); ++c) {
      if (c > 0) line += "|";
      line += result->Text(r, c);
    }
    rows.push_back(line);
  }
  return rows;
}

std::string Quote(const std::string& s) { return "'" + s + "'"; }

class PartitionFunctionsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    // 3 regions x 14 months x 2 days: 84 files whose paths carry a region and a date.
    for (const char* region : {"us-east", "us-west", "eu-west"}) {
      for (int m = 1; m <= 14; ++m) {
        int year = m <= 12 ? 2024 : 2025;
        int month = m <= 12 ? m : m - 12;
        for (int day : {3, 17}) {
          char name[128];
          std::snprintf(name, sizeof(name), "%s/events_%04d-%02d-%02d.jsonl", region, year, month,
                        day);
          fs::create_directories(root_ / region);
          std::ofstream(root_ / name) << "{\"v\": " << m * day << "}\n";
        }
      }
    }
    std::ofstream(root_ / "README.txt") << "no date here\n";
    pattern_ = (root_ / "**" / "*").string();
  }

  shoal::testing::TempDir root_;
  std::string pattern_;
};

TEST_F(PartitionFunctionsTest, HashMatchesOracleAndCoversEachFileOnce) {
  auto oracle = OpenSession();
  auto all = Rows(*oracle, "SELECT file FROM glob(" + Quote(pattern_) + ") ORDER BY file");
  ASSERT_EQ(all.size(), 85u);
  for (int64_t count : {1, 2, 3, 5}) {
    std::multiset<std::string> seen;
    for (int64_t index = 0; index < count; ++index) {
      auto session = OpenSession({index, count});
      auto mine = Rows(*session,
                       "SELECT file FROM partition_by_hash(" + Quote(pattern_) + ") ORDER BY file");
      auto expected =
          Rows(*oracle, "SELECT file FROM glob(" + Quote(pattern_) +
                            ") WHERE md5_number_lower(file) % " + std::to_string(count) + " = " +
                            std::to_string(index) + " ORDER BY file");
      EXPECT_EQ(mine, expected) << index << "/" << count;
      seen.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(std::vector<std::string>(seen.begin(), seen.end()), all) << "count " << count;
  }
}

TEST_F(PartitionFunctionsTest, RegexMatchesOracleAndKeepsGroupsTogether) {
  auto oracle = OpenSession();
  const std::string regex = "(us|eu)-(east|west)";
  for (int group : {0, 1, 2}) {
    std::multiset<std::string> seen;
    for (int64_t index = 0; index < 3; ++index) {
      auto session = OpenSession({index, 3});
      std::string args =
          Quote(pattern_) + ", " + Quote(regex) + ", group_num := " + std::to_string(group);
      auto mine = Rows(*session, "SELECT file, matched_part FROM partition_by_regex(" + args +
                                     ") ORDER BY file");
      std::string extract =
          "regexp_extract(file, " + Quote(regex) + ", " + std::to_string(group) + ")";
      auto expected = Rows(*oracle, "SELECT file, " + extract + " FROM glob(" + Quote(pattern_) +
                                        ") WHERE md5_number_lower(" + extract +
                                        ") % 3 = " + std::to_string(index) + " ORDER BY file");
      EXPECT_EQ(mine, expected) << "group " << group << " index " << index;
      seen.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(seen.size(), 85u);  // README.txt hashes '' and still lands in exactly one
  }
  // Default group is 1: both us regions share a partition.
  auto session = OpenSession({0, 1});
  auto parts = Rows(*session, "SELECT DISTINCT matched_part FROM partition_by_regex(" +
                                  Quote(pattern_) + ", " + Quote(regex) + ") ORDER BY 1");
  EXPECT_EQ(parts, (std::vector<std::string>{"", "eu", "us"}));
}

TEST_F(PartitionFunctionsTest, DateMatchesOracleForEveryPart) {
  auto oracle = OpenSession();
  const std::string regex = "(\\d{4})-(\\d{1,2})-(\\d{2})";
  for (const char* part : {"day", "week", "month", "quarter", "year"}) {
    std::multiset<std::string> seen;
    for (int64_t index = 0; index < 4; ++index) {
      auto session = OpenSession({index, 4});
      auto mine = Rows(*session, "SELECT * FROM partition_by_date(" + Quote(pattern_) + ", " +
                                     Quote(regex) + ", part := " + Quote(part) + ") ORDER BY file");
      std::string sql =
          "WITH x AS (SELECT file, regexp_extract(file, " + Quote(regex) +
          ", ['year','month','day']) AS p FROM glob(" + Quote(pattern_) +
          ") WHERE regexp_matches(file, " + Quote(regex) +
          ")), y AS (SELECT file, TRY_CAST(try_strptime(p.year || '-' || lpad(p.month, 2, '0') || "
          "'-' || p.day, '%Y-%m-%d') AS DATE) AS d FROM x) SELECT file, d, date_trunc(" +
          Quote(part) + ", d) AS pd FROM y WHERE d IS NOT NULL AND md5_number_lower(CAST(" +
          "date_trunc(" + Quote(part) + ", d) AS VARCHAR)) % 4 = " + std::to_string(index) +
          " ORDER BY file";
      EXPECT_EQ(mine, Rows(*oracle, sql)) << part << " index " << index;
      seen.insert(mine.begin(), mine.end());
    }
    EXPECT_EQ(seen.size(), 84u) << part;  // every dated file exactly once; README.txt in none
  }
}

TEST_F(PartitionFunctionsTest, BelongsToPartitionCastsAnyValue) {
  auto session = OpenSession({1, 3});
  EXPECT_EQ(Rows(*session,
                 "SELECT belongs_to_partition('/data/hash/2.json'), "
                 "belongs_to_partition('/data/hash/1.json'), belongs_to_partition('a'), "
                 "belongs_to_partition(NULL::VARCHAR)"),
            (std::vector<std::string>{"true|false|true|NULL"}));
  auto oracle = OpenSession();
  auto mine =
      Rows(*session, "SELECT i FROM range(300) t(i) WHERE belongs_to_partition(i) ORDER BY i");
  auto expected = Rows(*oracle,
                       "SELECT i FROM range(300) t(i) WHERE md5_number_lower(CAST(i AS "
                       "VARCHAR)) % 3 = 1 ORDER BY i");
  EXPECT_EQ(mine, expected);
  EXPECT_GT(mine.size(), 50u);
  EXPECT_EQ(Rows(*session,
                 "SELECT getvariable('bacalhau_partition_index'), "
                 "getvariable('bacalhau_partition_count')"),
            (std::vector<std::string>{"1|3"}));
}

TEST(SessionVariablesTest, ValuesReachSqlAsValuesNeverAsSql) {
  SessionOptions options;
  options.variables = {{"PATTERN", "O'Brien'; DROP TABLE t; --"}, {"Empty", ""}};
  auto session = Session::Open(options);
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  EXPECT_EQ(Rows(**session,
                 "SELECT getvariable('pattern'), typeof(getvariable('PATTERN')), "
                 "length(getvariable('Empty')), 'x O''Brien''; DROP TABLE t; -- y' "
                 "LIKE '%' || getvariable('PATTERN') || '%'"),
            (std::vector<std::string>{"O'Brien'; DROP TABLE t; --|VARCHAR|0|true"}));
}

std::string ErrorOf(Session& session, const std::string& sql) {
  auto result = session.Query(sql);
  EXPECT_FALSE(result.ok()) << sql;
  return result.ok() ? "" : result.status().message();
}

TEST_F(PartitionFunctionsTest, BadArgumentsGiveClearErrors) {
  auto session = OpenSession({0, 2});
  EXPECT_NE(ErrorOf(*session, "SELECT * FROM partition_by_regex('" + pattern_ + "', '(unclosed')")
                .find("partition_by_regex: regex '(unclosed' is not a valid regular expression"),
            std::string::npos);
  EXPECT_NE(ErrorOf(*session,
                    "SELECT * FROM partition_by_regex('" + pattern_ + "', '(us)', group_num := 2)")
                .find("group_num 2 is out of range: regex '(us)' has 1 capture group(s)"),
            std::string::npos);
  EXPECT_NE(
      ErrorOf(*session, "SELECT * FROM partition_by_date('" + pattern_ + "', '(\\d{4})-(\\d{2})')")
          .find("has 2 capture group(s); it needs 3, for year, month and day"),
      std::string::npos);
  EXPECT_NE(ErrorOf(*session, "SELECT * FROM partition_by_date('" + pattern_ +
                                  "', '(\\d{4})-(\\d{2})-(\\d{2})', part := 'fortnight')")
                .find("part 'fortnight' is not a date part"),
            std::string::npos);

  auto out_of_range = OpenSession({3, 3});
  EXPECT_NE(ErrorOf(*out_of_range, "SELECT * FROM partition_by_hash('" + pattern_ + "')")
                .find("partition index 3 is out of range for partition count 3"),
            std::string::npos);
  EXPECT_NE(ErrorOf(*out_of_range, "SELECT belongs_to_partition('x')")
                .find("partition index must be in [0, 2], got 3"),
            std::string::npos);
  auto zero = OpenSession({0, 0});
  EXPECT_NE(ErrorOf(*zero, "SELECT * FROM partition_by_hash('" + pattern_ + "')")
                .find("partition count is 0; it must be at least 1"),
            std::string::npos);
}

TEST_F(PartitionFunctionsTest, EmptyPartitionYieldsNoRowsButTyposStayErrors) {
  // Only one file, so with count 2 one of the two partitions is empty.
  fs::path one = root_ / "single";
  fs::create_directories(one);
  std::ofstream(one / "only.jsonl") << "{\"v\": 1}\n";
  std::string glob = (one / "*.jsonl").string();
  int64_t empty_index = BelongsToPartition((one / "only.jsonl").string(), {0, 2}) ? 1 : 0;

  const std::string script = "SET VARIABLE files = (SELECT LIST(file) FROM partition_by_hash('" +
                             glob +
                             "'));\n"
                             "SELECT count(*) AS n FROM read_json_auto(getvariable('files'));";
  auto full = OpenSession({1 - empty_index, 2});
  EXPECT_EQ(Rows(*full, script), (std::vector<std::string>{"1"}));

  auto empty = OpenSession({empty_index, 2});
  ResultTable sink;
  std::vector<StatementOutcome> outcomes;
  ASSERT_TRUE(empty->ExecuteScript(script, sink, &outcomes).ok());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_FALSE(outcomes[0].empty_file_list);
  EXPECT_TRUE(outcomes[1].empty_file_list);
  EXPECT_TRUE(sink.rows().empty());

  // Without an empty partition selection, an empty or NULL file list is the user's mistake.
  auto fresh = OpenSession({0, 1});
  EXPECT_NE(
      ErrorOf(*fresh, "SELECT * FROM read_json_auto(getvariable('misspelled'))").find("NULL list"),
      std::string::npos);
  EXPECT_NE(
      ErrorOf(*fresh, "SELECT * FROM read_json_auto('" + (root_ / "nothing*.json").string() + "')")
          .find("No files found"),
      std::string::npos);
}

TEST(SessionTest, ReportsWhichStatementFailed) {
  auto session = OpenSession();
  auto result = session->Query("SELECT 1;\nSELECT * FROM no_such_table;\nSELECT 3;");
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.status().message().find("statement 2 of 3 failed:"), std::string::npos);
  EXPECT_NE(result.status().message().find("no_such_table"), std::string::npos);
  EXPECT_NE(result.status().message().find("in: SELECT * FROM no_such_table"), std::string::npos);

  auto parse = session->Query("SELEC 1");
  ASSERT_FALSE(parse.ok());
  EXPECT_NE(parse.status().message().find("could not be parsed"), std::string::npos);
}

TEST(SessionTest, AcceptsHttpfsSettingsWithoutDownloadingAnything) {
  auto session = OpenSession();
  auto result = session->Query(
      "SET s3_url_style = 'path'; SET s3_endpoint = 'storage-local:9000'; SET s3_use_ssl = false;"
      "SELECT current_setting('s3_endpoint'), current_setting('s3_use_ssl')");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->Text(0, 0), "storage-local:9000");
  EXPECT_EQ(result->Text(0, 1), "false");
  // Nothing is installed or loaded on demand.
  auto autoload = session->Query("SELECT current_setting('autoinstall_known_extensions')");
  EXPECT_EQ(autoload->Text(0, 0), "false");
}

TEST(SessionTest, ConvertsValuesToTypedCells) {
  auto session = OpenSession();
  auto result = session->Query(
      "SELECT 42 AS i, 1.5::DOUBLE AS d, 12.30::DECIMAL(10,2) AS dec, 'x' AS s, NULL AS n, true AS "
      "b,"
      " {'a': 1, 'b': [1, 2]} AS st, DATE '2024-01-02' AS dt");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  const auto& cols = result->columns();
  EXPECT_TRUE(cols[0].numeric);
  EXPECT_FALSE(cols[3].numeric);
  const auto& row = result->rows().at(0);
  EXPECT_EQ(row[0], (Cell{CellKind::kNumber, "42"}));
  EXPECT_EQ(row[1], (Cell{CellKind::kNumber, "1.5"}));
  EXPECT_EQ(row[2], (Cell{CellKind::kNumber, "12.30"}));
  EXPECT_EQ(row[3], (Cell{CellKind::kString, "x"}));
  EXPECT_EQ(row[4].kind, CellKind::kNull);
  EXPECT_EQ(row[5], (Cell{CellKind::kBool, "true"}));
  EXPECT_EQ(row[6], (Cell{CellKind::kJson, "{\"a\":1,\"b\":[1,2]}"}));
  EXPECT_EQ(row[7], (Cell{CellKind::kString, "2024-01-02"}));
}

}  // namespace
}  // namespace shoal::engine
