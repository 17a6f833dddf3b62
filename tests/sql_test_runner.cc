// Runs the SQL logic tests in tests/sql/*.test against Shoal's engine, one gtest case per file.
//
// File format (a small subset of DuckDB's sqllogictest):
//   # comment
//   partition I/N            reopen the session as partition I of N (default 0/1)
//   mkdir DIR                create DIR (relative to {TEST_DIR}); COPY does not create folders
//   statement ok             then SQL lines up to a blank line; must succeed
//   statement error          then SQL, then "----", then text the error message must contain
//   query [rowsort]          then SQL, then "----", then expected rows (columns tab-separated,
//                            NULL for nulls); rowsort compares rows as sorted sets
// {TEST_DIR} in SQL is replaced by a fresh directory, which is also the working directory, so
// relative paths land there.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;

struct Record {
  std::string kind;  // "statement ok", "statement error", "query", "partition"
  bool rowsort = false;
  std::string sql;
  std::vector<std::string> expected;  // rows, or one line of expected error text
  std::string argument;               // for partition
  int line = 0;
};

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = text.find(from, pos)) != std::string::npos; pos += to.size()) {
    text.replace(pos, from.size(), to);
  }
  return text;
}

std::vector<Record> Parse(const fs::path& file) {
  std::ifstream in(file);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  std::vector<Record> records;
  for (size_t i = 0; i < lines.size();) {
    const std::string& header = lines[i];
    if (header.empty() || header[0] == '#') {
      ++i;
      continue;
    }
    Record record;
    record.line = static_cast<int>(i + 1);
    if (header.rfind("partition ", 0) == 0 || header.rfind("mkdir ", 0) == 0) {
      record.kind = header.substr(0, header.find(' '));
      record.argument = header.substr(header.find(' ') + 1);
      records.push_back(record);
      ++i;
      continue;
    }
    if (header == "statement ok" || header == "statement error") {
      record.kind = header;
    } else if (header.rfind("query", 0) == 0) {
      record.kind = "query";
      record.rowsort = header.find("rowsort") != std::string::npos;
    } else {
      ADD_FAILURE() << file << ":" << i + 1 << ": unknown record '" << header << "'";
      return {};
    }
    ++i;
    bool in_expected = false;
    for (; i < lines.size() && !lines[i].empty(); ++i) {
      if (lines[i] == "----") {
        in_expected = true;
      } else if (in_expected) {
        record.expected.push_back(lines[i]);
      } else {
        record.sql += lines[i] + "\n";
      }
    }
    records.push_back(record);
  }
  return records;
}

std::vector<std::string> RowsOf(const engine::ResultTable& table) {
  std::vector<std::string> rows;
  for (size_t r = 0; r < table.rows().size(); ++r) {
    std::string line;
    for (size_t c = 0; c < table.columns().size(); ++c) {
      if (c > 0) line += "\t";
      line += table.Text(r, c);
    }
    rows.push_back(line);
  }
  return rows;
}

std::unique_ptr<engine::Session> Open(engine::Partition partition) {
  engine::SessionOptions options;
  options.partition = partition;
  options.threads = 1;
  auto session = engine::Session::Open(options);
  EXPECT_TRUE(session.ok()) << session.status().ToString();
  return session.ok() ? std::move(session).value() : nullptr;
}

class SqlLogicTest : public ::testing::TestWithParam<std::string> {};

TEST_P(SqlLogicTest, Run) {
  fs::path file = fs::path(SHOAL_SQL_TEST_DIR) / GetParam();
  const shoal::testing::TempDir dir("sqltest-" + file.stem().string());
  const fs::path& test_dir = dir.path();
  fs::path previous_dir = fs::current_path();
  fs::current_path(test_dir);

  auto session = Open({});
  for (const Record& record : Parse(file)) {
    if (!session) break;
    std::string where = file.filename().string() + ":" + std::to_string(record.line);
    std::string sql = Replace(record.sql, "{TEST_DIR}", test_dir.string());
    if (record.kind == "partition") {
      // Not validated: tests also open sessions with partitions the functions must refuse.
      size_t slash = record.argument.find('/');
      ASSERT_NE(slash, std::string::npos) << where << ": partition needs INDEX/COUNT";
      session = Open({std::stoll(record.argument.substr(0, slash)),
                      std::stoll(record.argument.substr(slash + 1))});
      continue;
    }
    if (record.kind == "mkdir") {
      fs::create_directories(test_dir / record.argument);
      continue;
    }
    auto result = session->Query(sql);
    if (record.kind == "statement ok") {
      EXPECT_TRUE(result.ok()) << where << ": " << result.status().ToString();
    } else if (record.kind == "statement error") {
      ASSERT_EQ(record.expected.size(), 1u) << where << ": statement error needs one line of text";
      if (result.ok()) {
        ADD_FAILURE() << where << ": expected an error containing '" << record.expected[0] << "'";
      } else {
        EXPECT_NE(result.status().message().find(record.expected[0]), std::string::npos)
            << where << ": error was: " << result.status().message();
      }
    } else {
      if (!result.ok()) {
        ADD_FAILURE() << where << ": " << result.status().ToString();
        continue;
      }
      auto actual = RowsOf(*result);
      auto expected = record.expected;
      if (record.rowsort) {
        std::sort(actual.begin(), actual.end());
        std::sort(expected.begin(), expected.end());
      }
      EXPECT_EQ(actual, expected) << where << "\n" << sql;
    }
  }
  fs::current_path(previous_dir);
}

std::vector<std::string> TestFiles() {
  std::vector<std::string> files;
  for (auto& entry : fs::directory_iterator(SHOAL_SQL_TEST_DIR)) {
    if (entry.path().extension() == ".test") files.push_back(entry.path().filename().string());
  }
  std::sort(files.begin(), files.end());
  return files;
}

INSTANTIATE_TEST_SUITE_P(Files, SqlLogicTest, ::testing::ValuesIn(TestFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = fs::path(info.param).stem().string();
                           std::replace_if(
                               name.begin(), name.end(), [](char c) { return !std::isalnum(c); },
                               '_');
                           return name;
                         });

}  // namespace
}  // namespace shoal
