#include "engine/sql_syntax.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "engine/engine.h"

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

// What a node's session reports, real DuckDB errors included: the SQL's and the data's recur on
// every node; I/O, memory and interruptions may pass on another try.
TEST(SqlSyntaxTest, TellsErrorsThatRecurFromOnesAnotherTryMayPass) {
  auto session = Session::Open(SessionOptions{});
  ASSERT_TRUE(session.ok()) << session.status().ToString();
  for (const char* sql :
       {"SELECT no_such_column FROM range(3)", "SELECT * FROM no_such_table", "SELECT 'x'::INTEGER",
        "SELECT * FROM read_csv('/no/such/*.csv')", "SELECT 1 +", "SELECT json('{')"}) {
    auto result = (*session)->Query(std::string("SELECT 1; ") + sql);
    ASSERT_FALSE(result.ok()) << sql;
    EXPECT_TRUE(SqlErrorRecurs(result.status().message())) << result.status().message();
  }
  for (const char* message :
       {"statement failed: IO Error: Connection error for HTTP GET to 's3://b/k'",
        "statement 2 of 3 failed: Out of Memory Error: failed to allocate data of size 1 GiB",
        "statement failed: INTERRUPT Error: Interrupted!", "the node was stopped",
        "staging s3://b/x: connection refused (Binder Error: in a key)"}) {
    EXPECT_FALSE(SqlErrorRecurs(message)) << message;
  }
}

TEST(SqlSyntaxTest, TheS3EndpointsAScriptSets) {
  EXPECT_EQ(SqlS3Endpoints("SET s3_endpoint = 'storage:9000'; SELECT 1;\n"
                           "SET GLOBAL S3_ENDPOINT TO 'http://storage-local:9000';"
                           "SET s3_region = 'eu'; RESET s3_endpoint"),
            (std::vector<std::string>{"storage:9000", "http://storage-local:9000"}));
  EXPECT_TRUE(SqlS3Endpoints("SELECT 'SET s3_endpoint = ''x'''").empty());
  EXPECT_TRUE(SqlS3Endpoints("SET s3_endpoint = 'a'; SELEC").empty());  // does not parse
}

}  // namespace
}  // namespace shoal::engine
