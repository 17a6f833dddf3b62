// `shoal sql` as a user runs it: a real process, its output formats and its exit codes.
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "common/testing/temp_dir.h"

namespace shoal {
namespace {

using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;

testing::ProcessResult Sql(std::vector<std::string> args, const std::string& input = "",
                           const std::map<std::string, std::string>& env = {}) {
  args.insert(args.begin(), {ShoalBinary(), "sql"});
  return RunProcess(args, input, env);
}

TEST(ShoalSqlTest, TableFormatAlignsColumnsAndRightAlignsNumbers) {
  auto r = Sql({"-c", "SELECT 'a' AS name, 1234 AS n UNION ALL SELECT 'longer', 5 ORDER BY n"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out,
            "name   |    n\n"
            "-------|-----\n"
            "longer |    5\n"
            "a      | 1234\n"
            "(2 rows)\n");
}

TEST(ShoalSqlTest, CsvJsonAndJsonlFormats) {
  const std::string query = "SELECT 1 AS i, 'x,\"y' AS s, NULL AS n, {'k': [1, 2]} AS st";
  auto csv = Sql({"--format", "csv", "-c", query});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "i,s,n,st\n1,\"x,\"\"y\",,\"{\"\"k\"\":[1,2]}\"\n");

  auto json = Sql({"--format", "json", "-c", query});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(json.out, "[\n  {\"i\":1,\"s\":\"x,\\\"y\",\"n\":null,\"st\":{\"k\":[1,2]}}\n]\n");

  auto jsonl = Sql({"--format", "jsonl", "-c", "SELECT range AS i FROM range(2)"});
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.err;
  EXPECT_EQ(jsonl.out, "{\"i\":0}\n{\"i\":1}\n");
}

TEST(ShoalSqlTest, ReadsSqlFromFileAndStdinWithSeveralStatements) {
  const testing::TempDir dir("cli-sql-file");
  const auto path = dir / "query.sql";
  std::ofstream(path) << "CREATE TABLE t AS SELECT range AS v FROM range(10);\n"
                         "SELECT sum(v) AS total FROM t;\n";
  auto from_file = Sql({"--format", "csv", "-f", path.string()});
  EXPECT_EQ(from_file.exit_code, 0) << from_file.err;
  EXPECT_EQ(from_file.out, "total\n45\n");

  auto from_stdin = Sql({"--format", "csv"}, "SELECT 7 AS seven; SELECT 8 AS eight;");
  EXPECT_EQ(from_stdin.exit_code, 0) << from_stdin.err;
  EXPECT_EQ(from_stdin.out, "seven\n7\n\neight\n8\n");
}

TEST(ShoalSqlTest, PartitionComesFromFlagOrEnvironment) {
  const std::string query = "SELECT belongs_to_partition('/data/hash/2.json') AS mine";
  auto flag = Sql({"--format", "csv", "--partition", "1/3", "-c", query});
  EXPECT_EQ(flag.out, "mine\ntrue\n") << flag.err;
  auto env = Sql({"--format", "csv", "-c", query}, "",
                 {{"BACALHAU_PARTITION_INDEX", "0"}, {"BACALHAU_PARTITION_COUNT", "3"}});
  EXPECT_EQ(env.out, "mine\nfalse\n") << env.err;
}

TEST(ShoalSqlTest, FailingStatementNamesItselfAndExitsOne) {
  auto r = Sql({"-c", "SELECT 1; SELECT * FROM missing_table; SELECT 3;"});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal sql: statement 2 of 3 failed:"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing_table"), std::string::npos) << r.err;
  // The first statement's result was printed before the failure.
  EXPECT_NE(r.out.find("(1 row)"), std::string::npos);

  auto parse = Sql({"-c", "SELEC 1"});
  EXPECT_EQ(parse.exit_code, 1);
  EXPECT_NE(parse.err.find("could not be parsed"), std::string::npos) << parse.err;
}

TEST(ShoalSqlTest, BadUsageExitsTwoWithAClearMessage) {
  auto format = Sql({"--format", "xml", "-c", "SELECT 1"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("--format: unknown output format 'xml'"), std::string::npos)
      << format.err;

  auto partition = Sql({"--partition", "3/3", "-c", "SELECT 1"});
  EXPECT_EQ(partition.exit_code, 2);
  EXPECT_NE(partition.err.find("partition index must be in [0, 2], got 3"), std::string::npos)
      << partition.err;

  auto env = Sql({"-c", "SELECT 1"}, "", {{"BACALHAU_PARTITION_INDEX", "x"}});
  EXPECT_EQ(env.exit_code, 2);
  EXPECT_NE(env.err.find("BACALHAU_PARTITION_INDEX must be an integer"), std::string::npos);

  auto file = Sql({"-f", "/nonexistent/query.sql"});
  EXPECT_EQ(file.exit_code, 2);
  EXPECT_NE(file.err.find("cannot read SQL file '/nonexistent/query.sql'"), std::string::npos);

  // The argument parser's errors name the command too, as every other error does.
  auto unknown = Sql({"--no-such-flag"});
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_EQ(unknown.err.rfind("shoal sql: ", 0), 0u) << unknown.err;
  EXPECT_NE(unknown.err.find("--no-such-flag"), std::string::npos) << unknown.err;
  auto missing = RunProcess({ShoalBinary(), "table", "compact"});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_EQ(missing.err.rfind("shoal table compact: name is required\nRun 'shoal table compact "
                              "--help' for more information.",
                              0),
            0u)
      << missing.err;
  auto no_command = RunProcess({ShoalBinary()});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_EQ(no_command.err.rfind("shoal: a command is needed, one of: sql, generate, job,", 0), 0u)
      << no_command.err;
  // A verb that is not there is named, with the ones that are.
  auto typo = RunProcess({ShoalBinary(), "job", "lsit"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_EQ(typo.err.rfind("shoal job: unknown command 'lsit'; the commands are: run, validate, "
                           "results, describe, list,",
                           0),
            0u)
      << typo.err;
  auto no_verb = RunProcess({ShoalBinary(), "node", "token"});
  EXPECT_EQ(no_verb.exit_code, 2);
  EXPECT_EQ(
      no_verb.err.rfind("shoal node token: a command is needed, one of: issue, revoke, list", 0),
      0u)
      << no_verb.err;
}

TEST(ShoalSqlTest, EmptyPartitionGivesEmptyResultAndANote) {
  const testing::TempDir dir("cli-empty");
  std::ofstream(dir / "only.json") << "{\"v\": 1}\n";
  std::string glob = (dir / "*.json").string();
  std::string script = "SET VARIABLE f = (SELECT list(file) FROM partition_by_hash('" + glob +
                       "')); SELECT count(*) AS n FROM read_json_auto(getvariable('f'));";
  int outcomes[2] = {0, 0};
  for (int index = 0; index < 2; ++index) {
    auto r = Sql({"--format", "csv", "--partition", std::to_string(index) + "/2", "-c", script});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    if (r.out == "n\n1\n") {
      ++outcomes[0];
    } else {
      EXPECT_EQ(r.out, "");
      EXPECT_NE(r.err.find("read an empty partition (" + std::to_string(index) + "/2"),
                std::string::npos)
          << r.err;
      ++outcomes[1];
    }
  }
  EXPECT_EQ(outcomes[0], 1);
  EXPECT_EQ(outcomes[1], 1);
}

// Issue 18: a folder store that is missing used to be accepted at start without a word, and
// every job that published there failed later. Refused at start now; an empty one is named.
TEST(ShoalServeTest, AComputeNodeRefusesAMissingFolderStoreAndNamesAnEmptyOne) {
  namespace fs = std::filesystem;
  const testing::TempDir dir("serve");
  const std::vector<std::string> node = {ShoalBinary(),
                                         "serve",
                                         "--compute",
                                         "--orchestrator",
                                         "127.0.0.1:" + std::to_string(testing::FreePort()),
                                         "--name",
                                         "n-1",
                                         "--data-dir",
                                         (dir / "n").string(),
                                         "--store"};
  std::vector<std::string> missing = node;
  missing.push_back("storage-local=" + (dir / "store").string());
  testing::ProcessResult refused = RunProcess(missing);
  EXPECT_EQ(refused.exit_code, 2) << refused.err;
  EXPECT_NE(refused.err.find("shoal serve: --store: store storage-local: the folder " +
                             (dir / "store").string() + " does not exist"),
            std::string::npos)
      << refused.err;

  fs::create_directories(dir / "store");
  const fs::path log = dir / "node.log";
  testing::BackgroundProcess empty(missing, log.string());
  EXPECT_TRUE(testing::WaitUntil(std::chrono::seconds(20), [&] {
    return testing::Contains(testing::ReadWholeFile(log), "holds no bucket");
  })) << testing::ReadWholeFile(log);
  EXPECT_NE(testing::ReadWholeFile(log).find(
                "shoal serve: warning: store storage-local: the folder " +
                (dir / "store").string() + " holds no bucket (no sub-folder)"),
            std::string::npos);
  empty.Kill(SIGKILL);

  fs::create_directories(dir / "store" / "shoal-data");
  testing::BackgroundProcess ready(missing, log.string());
  EXPECT_TRUE(testing::WaitUntil(std::chrono::seconds(20), [&] {
    return testing::Contains(testing::ReadWholeFile(log), "(buckets: shoal-data)");
  })) << testing::ReadWholeFile(log);
  ready.Kill(SIGKILL);
}

}  // namespace
}  // namespace shoal
