#include "engine/sql_syntax.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

TEST(SqlSyntaxTest, AcceptsWhatDuckDbParsesWithoutLookingAtNames) {
  EXPECT_FALSE(FindSqlSyntaxError("SELECT 1").has_value());
  EXPECT_FALSE(FindSqlSyntaxError("").has_value());
  // Tables, files and functions are the node's business: only the text is checked.
  EXPECT_FALSE(FindSqlSyntaxError("SET s3_url_style = 'path';\n"
                                  "SET VARIABLE files = (SELECT list(file) FROM partition_by_hash("
                                  "'s3://b/**/*.jsonl'));\n"
                                  "SELECT count(*) FROM read_json_auto(getvariable('files')) "
                                  "WHERE no_such_column > 1;")
                   .has_value());
}

TEST(SqlSyntaxTest, NamesTheErrorAndWhereItIs) {
  const std::string sql = "SELECT 1;\nSELECT a\nFORM t;";
  auto error = FindSqlSyntaxError(sql);
  ASSERT_TRUE(error.has_value());
  EXPECT_NE(error->message.find("syntax error at or near \"t\""), std::string::npos)
      << error->message;
  ASSERT_TRUE(error->offset.has_value());
  EXPECT_EQ(sql.substr(*error->offset, 1), "t");

  auto unterminated = FindSqlSyntaxError("SELECT 'abc");
  ASSERT_TRUE(unterminated.has_value());
  EXPECT_NE(unterminated->message.find("unterminated quoted string"), std::string::npos)
      << unterminated->message;
}

}  // namespace
}  // namespace shoal::engine
