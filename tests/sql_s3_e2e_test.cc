// `shoal sql` with s3:// as a user runs it: a real process configured the way the seed's jobs
// configure DuckDB (DUCKDB_S3_ENDPOINT, DUCKDB_S3_USE_SSL, AWS_* in the environment and
// `SET s3_url_style = 'path'`), against a real s3rver on loopback. Writes, globbed reads and
// partitions work; a wrong bucket and missing credentials exit 1 with a clear message that
// carries no secret.
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal {
namespace {

using ::shoal::testing::RunProcess;
using ::shoal::testing::S3rver;
using ::shoal::testing::ShoalBinary;

constexpr char kSecret[] = "S3RVER";  // s3rver's only account; never to be printed

class SqlS3Test : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { server_ = new S3rver(S3rver::Options{{"warehouse"}}); }
  static void TearDownTestSuite() { delete server_; }
  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }

  std::map<std::string, std::string> Env() const {
    return {{"DUCKDB_S3_ENDPOINT", server_->endpoint()},
            {"DUCKDB_S3_USE_SSL", "false"},
            {"AWS_ACCESS_KEY_ID", S3rver::kAccessKey},
            {"AWS_SECRET_ACCESS_KEY", kSecret},
            {"AWS_SESSION_TOKEN", ""}};
  }

  testing::ProcessResult Sql(const std::string& sql, std::map<std::string, std::string> env,
                             std::vector<std::string> flags = {}) {
    std::vector<std::string> args = {ShoalBinary(), "sql", "--format", "csv"};
    args.insert(args.end(), flags.begin(), flags.end());
    args.push_back("-c");
    args.push_back("SET s3_url_style = 'path'; " + sql);
    return RunProcess(args, "", env);
  }

  static S3rver* server_;
};

S3rver* SqlS3Test::server_ = nullptr;

TEST_F(SqlS3Test, WritesThenReadsAGlobAcrossFolders) {
  for (const char* region : {"us", "eu"}) {
    auto write = Sql(std::string("COPY (SELECT range AS v, '") + region +
                         "' AS region FROM range(100)) TO "
                         "'s3://warehouse/transactions/" +
                         region + "/compute-1/data/events.jsonl' (FORMAT json)",
                     Env());
    ASSERT_EQ(write.exit_code, 0) << write.err;
  }
  auto read =
      Sql("SELECT region, count(*) AS n, sum(v) AS total FROM "
          "read_json_auto('s3://warehouse/transactions/**/*.jsonl') GROUP BY 1 ORDER BY 1",
          Env());
  ASSERT_EQ(read.exit_code, 0) << read.err;
  EXPECT_EQ(read.out, "region,n,total\neu,100,4950\nus,100,4950\n");

  // The two partitions of 2 split the files between them, by their s3:// URLs.
  std::string both;
  for (const char* partition : {"0/2", "1/2"}) {
    auto part = Sql("SELECT file FROM partition_by_hash('s3://warehouse/transactions/**/*.jsonl')",
                    Env(), {"--partition", partition});
    ASSERT_EQ(part.exit_code, 0) << part.err;
    both += part.out.substr(part.out.find('\n') + 1);
  }
  EXPECT_NE(both.find("s3://warehouse/transactions/us/compute-1/data/events.jsonl\n"),
            std::string::npos)
      << both;
  EXPECT_NE(both.find("s3://warehouse/transactions/eu/compute-1/data/events.jsonl\n"),
            std::string::npos)
      << both;
  EXPECT_EQ(std::count(both.begin(), both.end(), '\n'), 2) << both;
}

TEST_F(SqlS3Test, WrongBucketExitsOneAndSaysWhy) {
  auto r = Sql("SELECT * FROM read_json_auto('s3://no-such-bucket/data/*.jsonl')", Env());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("s3://no-such-bucket/data/"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("NoSuchBucket"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find(kSecret + std::string("@")), std::string::npos) << r.err;

  auto missing = Sql("SELECT * FROM 's3://warehouse/missing.csv'", Env());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("s3://warehouse/missing.csv"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("NoSuchKey"), std::string::npos) << missing.err;
}

TEST_F(SqlS3Test, MissingCredentialsExitOneAndSayWhatToSet) {
  auto env = Env();
  env["AWS_ACCESS_KEY_ID"] = "";
  env["AWS_SECRET_ACCESS_KEY"] = "";
  auto r = Sql("SELECT * FROM 's3://warehouse/anything.csv'", env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("S3 credentials are missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("AWS_ACCESS_KEY_ID"), std::string::npos) << r.err;

  // A secret without its key id is reported without the secret.
  env["AWS_SECRET_ACCESS_KEY"] = "TopSecret-do-not-print";
  auto partial = Sql("SELECT * FROM 's3://warehouse/anything.csv'", env);
  EXPECT_EQ(partial.exit_code, 1);
  EXPECT_NE(partial.err.find("incomplete"), std::string::npos) << partial.err;
  EXPECT_EQ(partial.err.find("TopSecret-do-not-print"), std::string::npos) << partial.err;
}

}  // namespace
}  // namespace shoal
