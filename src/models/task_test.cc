#include "models/task.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

Task DuckdbTask() {
  Task task;
  task.engine.type = "duckdb";
  task.engine.params = {{"SQL", "SELECT 1"}};
  return task;
}

TEST(TaskTest, EnvNames) {
  EXPECT_TRUE(ValidateEnvName("AWS_ACCESS_KEY_ID").ok());
  EXPECT_TRUE(ValidateEnvName("A1").ok());
  EXPECT_EQ(ValidateEnvName("aws_key").message(),
            "name 'aws_key' must start with an upper-case letter");
  EXPECT_EQ(ValidateEnvName("MY-VAR").message(),
            "name 'MY-VAR' may contain only upper-case letters, digits and '_'");
  EXPECT_EQ(ValidateEnvName("1ABC").message(), "name '1ABC' must start with an upper-case letter");
  EXPECT_EQ(
      ValidateEnvName("BACALHAU_PARTITION_INDEX").message(),
      "name 'BACALHAU_PARTITION_INDEX' uses the reserved prefix BACALHAU_ (set by the system)");
  EXPECT_EQ(ValidateEnvName("SHOAL_JOB_VERSION").message(),
            "name 'SHOAL_JOB_VERSION' uses the reserved prefix SHOAL_ (set by the system)");
  EXPECT_FALSE(ValidateEnvName("").ok());
  EXPECT_FALSE(ValidateEnvName("Abc").ok());
}

TEST(TaskTest, EnvValues) {
  EXPECT_TRUE(ValidateEnvValue("A", "x").ok());
  EXPECT_TRUE(ValidateEnvValue("A", "env:AWS_ACCESS_KEY_ID").ok());
  EXPECT_EQ(ValidateEnvValue("A", "").message(), "'A' has an empty value");
  EXPECT_FALSE(ValidateEnvValue("A", "env:").ok());
  EXPECT_FALSE(ValidateEnvValue("A", "env:BAD-NAME").ok());
}

TEST(TaskTest, Timeouts) {
  EXPECT_TRUE(ValidateTimeouts({}).ok());
  EXPECT_TRUE(ValidateTimeouts({600, 0, 0}).ok());      // no total: no sum rule
  EXPECT_TRUE(ValidateTimeouts({300, 300, 600}).ok());  // equal is fine
  Status s = ValidateTimeouts({400, 300, 600});
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(),
            "ExecutionTimeout (400s) + QueueTimeout (300s) must not exceed TotalTimeout (600s)");
  EXPECT_FALSE(ValidateTimeouts({-1, 0, 0}).ok());
  EXPECT_FALSE(ValidateTimeouts({0, -1, 0}).ok());
  EXPECT_FALSE(ValidateTimeouts({0, 0, -1}).ok());
}

TEST(TaskTest, ResultNamesAndPaths) {
  EXPECT_TRUE(ValidateResultName("data").ok());
  EXPECT_FALSE(ValidateResultName("").ok());
  EXPECT_FALSE(ValidateResultName("a/b").ok());
  EXPECT_FALSE(ValidateResultName("..").ok());
  EXPECT_FALSE(ValidateResultName(".").ok());
  EXPECT_FALSE(ValidateResultName("stdout").ok());
  EXPECT_FALSE(ValidateResultName("exitCode").ok());
  EXPECT_TRUE(ValidateSandboxPath("/outputs").ok());
  EXPECT_FALSE(ValidateSandboxPath("outputs").ok());
  EXPECT_FALSE(ValidateSandboxPath("/data/../etc").ok());
  EXPECT_TRUE(ValidateSandboxPath("/data/..x").ok());
}

TEST(TaskTest, DatePartitioningIsRefusedBeforeAnyNodeTriesIt) {
  Task task = DuckdbTask();
  task.input_sources.push_back(
      {{"s3", {{"Bucket", "b"}, {"Partition", {{"Type", "regex"}, {"Pattern", "(x)"}}}}},
       "",
       "/inputs"});
  EXPECT_TRUE(ValidateTask(task).ok());
  task.input_sources[0].source.params["Partition"] = {{"Type", "Date"}, {"DateFormat", "2006"}};
  EXPECT_EQ(ValidateTask(task).message(),
            "InputSources[0].Source.Params.Partition.Type: 'date' is not supported yet; use "
            "object, regex or substring");
}

TEST(TaskTest, Engines) {
  EXPECT_TRUE(ValidateEngine(DuckdbTask().engine).ok());
  SpecConfig gen{"generator", {{"Args", {"--count", "10"}}}};
  EXPECT_TRUE(ValidateEngine(gen).ok());
  SpecConfig no_sql{"duckdb", nlohmann::json::object()};
  EXPECT_EQ(ValidateEngine(no_sql).message(), "Engine.Params.SQL: required (a non-empty string)");
  // Another type is a plug-in's (compute/plugins.h): only its name and Params' shape are checked.
  SpecConfig plugin{"wasm", {{"Module", "x"}}};
  EXPECT_TRUE(ValidateEngine(plugin).ok());
  SpecConfig bad_name{"Spark!", nlohmann::json::object()};
  EXPECT_EQ(ValidateEngine(bad_name).message(),
            "Engine.Type: 'Spark!' is not a plug-in type (lower-case letters, digits, '-' and "
            "'_', starting with a letter)");
  SpecConfig bad_args{"generator", {{"Args", {1, 2}}}};
  EXPECT_FALSE(ValidateEngine(bad_args).ok());
}

TEST(TaskTest, ValidateTaskChecksEveryPart) {
  Task task = DuckdbTask();
  EXPECT_TRUE(ValidateTask(task).ok());

  Task env = task;
  env.env["lower"] = "x";
  EXPECT_EQ(ValidateTask(env).message(), "Env: name 'lower' must start with an upper-case letter");

  Task dup = task;
  dup.result_paths = {{"data", "/data"}, {"data", "/outputs"}};
  EXPECT_EQ(ValidateTask(dup).message(), "ResultPaths[1].Name: 'data' is used twice");

  Task input = task;
  input.input_sources.push_back({{"s3", {{"Key", "x"}}}, "", "/inputs"});
  EXPECT_EQ(ValidateTask(input).message(),
            "InputSources[0].Source.Params.Bucket: required (a non-empty string)");

  Task publisher = task;
  publisher.publisher = {"s3", {{"Bucket", "b"}, {"Key", "k"}, {"Encoding", "zip"}}};
  EXPECT_EQ(ValidateTask(publisher).message(),
            "Publisher.Params.Encoding: 'zip' is not one of gzip, plain");

  Task resources = task;
  resources.resources.memory = "lots";
  EXPECT_EQ(ValidateTask(resources).message(),
            "Resources: Memory: 'lots' is not a size; use e.g. 512MB, 1GB or 2GiB");

  Task network = task;
  network.network.domains = {"example.com"};
  EXPECT_FALSE(ValidateTask(network).ok());
  network.network.type = NetworkType::kHTTP;
  EXPECT_TRUE(ValidateTask(network).ok());

  Task timeouts = task;
  timeouts.timeouts = {10, 10, 5};
  EXPECT_EQ(ValidateTask(timeouts).message().rfind("Timeouts: ", 0), 0u);
}

TEST(TaskTest, NetworkTypes) {
  EXPECT_EQ(*ParseNetworkType("full"), NetworkType::kFull);
  EXPECT_EQ(ToString(NetworkType::kHTTP), "HTTP");
  EXPECT_FALSE(ParseNetworkType("wifi").ok());
}

}  // namespace
}  // namespace shoal::models
