// The job files in testdata/ are written the way the seed's Bacalhau jobs are; they must parse
// after templating with the variables their comments show.
#include <gtest/gtest.h>

#include "jobspec/jobspec.h"

namespace shoal::jobspec {
namespace {

std::string TestFile(const char* name) { return std::string(SHOAL_JOBSPEC_TESTDATA) + "/" + name; }

SpecOptions WithVars(std::vector<std::string> dash_v) {
  SpecOptions options;
  Result<TemplateVars> vars = BuildTemplateVars(dash_v, {}, {});
  EXPECT_TRUE(vars.ok()) << vars.status().ToString();
  if (vars.ok()) options.vars = *vars;
  return options;
}

TEST(TestdataTest, DataGeneratorIsAnOpsJobOnTheGeneratorEngine) {
  Result<ParsedJob> parsed = LoadJobSpecFile(
      TestFile("data-generator.yaml"), WithVars({"Region=us", "Events=3000", "StartDate=2024-01-01",
                                                 "EndDate=2024-12-31", "RotateInterval=month"}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const models::Job& job = parsed->job;
  EXPECT_EQ(job.name, "data-generator-us");
  EXPECT_EQ(job.type, models::JobType::kOps);
  EXPECT_EQ(job.count, 0);
  ASSERT_EQ(job.constraints.size(), 1u);
  EXPECT_EQ(job.constraints[0].ToString(), "region == us");
  EXPECT_TRUE(job.constraints[0].Matches({{"region", "us"}}));
  EXPECT_FALSE(job.constraints[0].Matches({{"region", "eu"}}));
  EXPECT_EQ(job.task.engine.type, "generator");
  EXPECT_EQ(job.task.engine.params["Args"],
            (nlohmann::json{"--count", "3000", "--region", "us", "--start-date", "2024-01-01",
                            "--end-date", "2024-12-31", "--rotate-interval", "month", "--output",
                            "/data"}));
  ASSERT_TRUE(job.task.original_engine.has_value());
  EXPECT_EQ(job.task.original_engine->params["Image"],
            "ghcr.io/bacalhau-project/data-generator:latest");
  EXPECT_EQ(job.task.publisher.params["Key"], "transactions/{nodeID}/");
  EXPECT_EQ(job.task.publisher.params["Encoding"], "plain");
  EXPECT_EQ(job.task.result_paths[0].name, "data");
  EXPECT_EQ(job.task.env.at("AWS_ACCESS_KEY_ID"), "env:AWS_ACCESS_KEY_ID");
  EXPECT_TRUE(parsed->warnings.empty());
}

TEST(TestdataTest, DataGeneratorWithoutVarsListsThemAll) {
  Result<ParsedJob> parsed = LoadJobSpecFile(TestFile("data-generator.yaml"), WithVars({}));
  ASSERT_FALSE(parsed.ok());
  const std::string& message = parsed.status().message();
  for (const char* name : {"Region", "Events", "StartDate", "EndDate", "RotateInterval"}) {
    EXPECT_NE(message.find(name), std::string::npos) << message;
  }
  EXPECT_NE(message.find("Region (lines 6, 12, 24)"), std::string::npos) << message;
}

TEST(TestdataTest, HourlyOperationsIsABatchDuckdbJob) {
  Result<ParsedJob> parsed =
      LoadJobSpecFile(TestFile("hourly-operations.yaml"), WithVars({"Region=eu"}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const models::Job& job = parsed->job;
  EXPECT_EQ(job.name, "hourly-operations-eu");
  EXPECT_EQ(job.type, models::JobType::kBatch);
  EXPECT_EQ(job.count, 3);
  EXPECT_EQ(job.constraints[0].values, std::vector<std::string>{"eu"});
  EXPECT_EQ(job.task.engine.type, "duckdb");
  const std::string sql = job.task.engine.params["SQL"];
  EXPECT_EQ(sql.rfind("SET s3_url_style = 'path';\n", 0), 0u) << sql;
  EXPECT_NE(sql.find("partition_by_hash('s3://my-bucket/transactions/**/*.jsonl')"),
            std::string::npos);
  EXPECT_EQ(job.task.env.at("DUCKDB_S3_USE_SSL"), "false");
  EXPECT_EQ(job.task.publisher.type, "s3");
  // Single-brace placeholders survive templating for the publisher to fill in.
  EXPECT_EQ(job.task.publisher.params["Key"], "results/hourly-operations/{jobID}/{executionID}");
  EXPECT_EQ(job.task.publisher.params["Encoding"], "gzip");
  EXPECT_EQ(job.task.timeouts.total_timeout, 900);
  EXPECT_EQ(job.meta, (std::map<std::string, std::string>{{"owner", "analytics"}}));
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_NE(parsed->warnings[0].find("bacalhau.org/requester"), std::string::npos);
  auto resources = models::ParseResources(job.task.resources);
  ASSERT_TRUE(resources.ok());
  EXPECT_EQ(resources->cpu_millis, 500);
  EXPECT_EQ(resources->memory_bytes, 512'000'000);
}

TEST(TestdataTest, NativeQueryUsesShoalSpellings) {
  Result<ParsedJob> parsed = LoadJobSpecFile(TestFile("native-query.yaml"), WithVars({"Limit=5"}));
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const models::Job& job = parsed->job;
  EXPECT_EQ(job.count, 2);
  EXPECT_EQ(job.constraints.size(), 2u);
  EXPECT_EQ(job.task.name, "main");
  EXPECT_FALSE(job.task.original_engine.has_value());
  EXPECT_NE(job.task.engine.params["SQL"].get<std::string>().find("LIMIT 5;"), std::string::npos);
  ASSERT_EQ(job.task.input_sources.size(), 1u);
  EXPECT_EQ(job.task.input_sources[0].source.type, "local");
  EXPECT_EQ(job.task.input_sources[0].alias, "events");
  EXPECT_EQ(job.task.publisher.type, "local");
}

TEST(TestdataTest, NoTemplateKeepsActionsAsText) {
  SpecOptions off;
  off.templating = false;
  Result<ParsedJob> parsed = LoadJobSpecFile(TestFile("data-generator.yaml"), off);
  // `Name: data-generator-{{.Region}}` is a plain scalar; the unrendered values still parse,
  // but the generator arguments then carry the literal actions.
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->job.name, "data-generator-{{.Region}}");
}

}  // namespace
}  // namespace shoal::jobspec
