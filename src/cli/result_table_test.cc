#include "cli/result_table.h"

#include <gtest/gtest.h>

namespace shoal::cli {
namespace {

Table Parse(const std::string& rows,
            const std::string& columns = R"([{"Name": "month", "Type": "DATE"},
                                              {"Name": "n", "Type": "BIGINT", "Numeric": true}])") {
  auto table = ParseResultJson(R"({"Columns": )" + columns + R"(, "Rows": )" + rows + "}");
  EXPECT_TRUE(table.ok()) << table.status().ToString();
  return table.ok() ? *table : Table{};
}

std::vector<std::string> Texts(const Table& table) {
  std::vector<std::string> out;
  for (const auto& row : table.rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) line += (c == 0 ? "" : "|") + row[c].text;
    out.push_back(line);
  }
  return out;
}

TEST(MergeTablesTest, AscendingPartitionsMergeInOrder) {
  Table a = Parse(R"([["2024-01-01", 9], ["2024-04-01", 10], ["2024-07-01", 2]])");
  Table b = Parse(R"([["2024-02-01", 100], ["2024-05-01", 1]])");
  Table c = Parse(R"([["2024-03-01", 5], ["2024-04-01", 3], [null, 1]])");
  auto merged = MergeTables({&a, &b, &c}, {"p0", "p1", "p2"});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(Texts(*merged), (std::vector<std::string>{
                                "2024-01-01|9", "2024-02-01|100", "2024-03-01|5", "2024-04-01|3",
                                "2024-04-01|10", "2024-05-01|1", "2024-07-01|2", "|1"}));
}

TEST(MergeTablesTest, NumbersCompareByValueNotText) {
  const std::string columns = R"j([{"Name": "v", "Type": "DECIMAL(18,2)", "Numeric": true}])j";
  Table a = Parse(R"([[9.50], [10.00]])", columns);
  Table b = Parse(R"([[-2], [9.6]])", columns);
  auto merged = MergeTables({&a, &b}, {"p0", "p1"});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(Texts(*merged), (std::vector<std::string>{"-2", "9.50", "9.6", "10.00"}));
}

TEST(MergeTablesTest, UnorderedPartitionsFollowOneAnother) {
  Table a = Parse(R"([["2024-05-01", 1], ["2024-01-01", 2]])");  // ORDER BY n, say
  Table b = Parse(R"([["2024-03-01", 3]])");
  auto merged = MergeTables({&a, &b}, {"p0", "p1"});
  ASSERT_TRUE(merged.ok());
  EXPECT_EQ(Texts(*merged),
            (std::vector<std::string>{"2024-05-01|1", "2024-01-01|2", "2024-03-01|3"}));
}

TEST(MergeTablesTest, EmptyPartitionsAddNothingButOtherShapesAreRefused) {
  Table empty = Parse("[]", "[]");
  Table a = Parse(R"([["2024-01-01", 1]])");
  auto merged = MergeTables({&empty, &a, &empty}, {"p0", "p1", "p2"});
  ASSERT_TRUE(merged.ok()) << merged.status().ToString();
  EXPECT_EQ(merged->columns.size(), 2u);
  EXPECT_EQ(Texts(*merged), (std::vector<std::string>{"2024-01-01|1"}));

  Table other = Parse(R"([[1]])", R"([{"Name": "n", "Type": "BIGINT", "Numeric": true}])");
  auto refused = MergeTables({&empty, &a, &other}, {"p0", "p1", "p2"});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().message(),
            "cannot merge: p2 has columns (n BIGINT) but p1 has (month DATE, n BIGINT)");
}

}  // namespace
}  // namespace shoal::cli
