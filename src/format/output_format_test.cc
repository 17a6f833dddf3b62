#include "format/output_format.h"

#include <sstream>

#include <gtest/gtest.h>

namespace shoal::format {
namespace {

using engine::Cell;
using engine::CellKind;
using engine::Column;

void Feed(engine::ResultSink& sink, const std::vector<Column>& columns,
          std::vector<std::vector<Cell>> rows) {
  ASSERT_TRUE(sink.Begin(columns).ok());
  for (auto& row : rows) ASSERT_TRUE(sink.Row(std::move(row)).ok());
  ASSERT_TRUE(sink.End().ok());
}

TEST(OutputFormatTest, ParsesKnownFormatsOnly) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("jsonl"), OutputFormat::kJsonl);
  EXPECT_FALSE(ParseOutputFormat("TABLE").ok());
}

TEST(OutputFormatTest, TableCountsUtf8CharactersAndSeparatesStatements) {
  std::ostringstream out;
  auto printer = MakePrinter(OutputFormat::kTable, out);
  Feed(*printer, {{"city", "VARCHAR", false}, {"n", "BIGINT", true}},
       {{{CellKind::kString, "Zürich"}, {CellKind::kNumber, "7"}},
        {{CellKind::kNull, ""}, {CellKind::kNumber, "10"}}});
  Feed(*printer, {{"x", "INTEGER", true}}, {});
  EXPECT_EQ(out.str(),
            "city   |  n\n"
            "-------|---\n"
            "Zürich |  7\n"
            "NULL   | 10\n"
            "(2 rows)\n"
            "\n"
            "x\n"
            "-\n"
            "(0 rows)\n");
}

TEST(OutputFormatTest, JsonKeepsTypes) {
  std::ostringstream out;
  auto printer = MakePrinter(OutputFormat::kJsonl, out);
  Feed(*printer, {{"b", "BOOLEAN", false}, {"d", "DECIMAL(10,2)", true}, {"s", "VARCHAR", false}},
       {{{CellKind::kBool, "false"}, {CellKind::kNumber, "12.50"}, {CellKind::kString, "nan"}}});
  EXPECT_EQ(out.str(), "{\"b\":false,\"d\":12.50,\"s\":\"nan\"}\n");
}

TEST(OutputFormatTest, CellJsonTextKeepsExactNumbers) {
  EXPECT_EQ(CellJsonText({CellKind::kNumber, "1209422.80"}), "1209422.80");
  EXPECT_EQ(CellJsonText({CellKind::kNumber, "170141183460469231731687303715884105727"}),
            "170141183460469231731687303715884105727");
  EXPECT_EQ(CellJsonText({CellKind::kNumber, "-0.5e+20"}), "-0.5e+20");
  // Not JSON number text: kept as a string rather than breaking the document.
  EXPECT_EQ(CellJsonText({CellKind::kNumber, ".5"}), "\".5\"");
  EXPECT_EQ(CellJsonText({CellKind::kNumber, "1."}), "\"1.\"");
  EXPECT_EQ(CellJsonText({CellKind::kString, "a\"b"}), "\"a\\\"b\"");
  EXPECT_EQ(CellJsonText({CellKind::kNull, ""}), "null");
  EXPECT_EQ(CellJsonText({CellKind::kJson, "{\"k\": [1, 2]}"}), "{\"k\":[1,2]}");
}

}  // namespace
}  // namespace shoal::format
