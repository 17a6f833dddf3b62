#include "models/json_codec.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

using nlohmann::json;

Job FullJob() {
  Job job;
  job.id = "j-123e4567-e89b-42d3-a456-426614174000";
  job.name = "monthly-trends";
  job.namespace_ = "analytics";
  job.type = JobType::kBatch;
  job.priority = 5;
  job.count = 3;
  job.constraints = {{"region", SelectorOperator::kDoubleEquals, {"us"}},
                     {"zone", SelectorOperator::kNotIn, {"a", "b"}},
                     {"gpu", SelectorOperator::kDoesNotExist, {}}};
  job.labels = {{"team", "data"}};
  job.meta = {{"owner", "me"}};
  Task& t = job.task;
  t.name = "main";
  t.engine = {"duckdb", {{"SQL", "SELECT 1;"}}};
  t.original_engine = SpecConfig{
      "docker",
      {{"Image", "ghcr.io/bacalhau-project/duckdb"}, {"Parameters", {"-c", "SELECT 1;"}}}};
  t.publisher = {"s3", {{"Bucket", "my-bucket"}, {"Key", "jobs/{jobID}"}, {"Encoding", "plain"}}};
  t.env = {{"AWS_ACCESS_KEY_ID", "env:AWS_ACCESS_KEY_ID"}, {"MODE", "fast"}};
  t.input_sources = {
      {{"local", {{"SourcePath", "/srv/data"}, {"ReadWrite", false}}}, "data", "/inputs"}};
  t.result_paths = {{"data", "/data"}};
  t.resources = {"500m", "1gb", "", ""};
  t.network = {NetworkType::kHTTP, {"example.com"}};
  t.timeouts = {60, 30, 120};
  job.state = {JobStateType::kRunning, "2 of 3 partitions done"};
  job.version = 2;
  job.revision = 7;
  job.create_time = 1700000000000000000;
  job.modify_time = 1700000000500000000;
  return job;
}

TEST(JsonCodecTest, RunOutputRoundTripAndErrors) {
  RunOutput out;
  out.stdout_text = "n\n1\n";
  out.stderr_truncated = true;
  out.exit_code = 1;
  out.error_message = "statement failed";
  json j = ToJson(out);
  EXPECT_EQ(j["ErrorMsg"], "statement failed");
  auto back = RunOutputFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, out);
  // Retryable is written only when false; a report without it (an older node) is retryable.
  EXPECT_FALSE(j.contains("Retryable"));
  out.retryable = false;
  j = ToJson(out);
  EXPECT_EQ(j["Retryable"], false);
  EXPECT_EQ(*RunOutputFromJson(j), out);
  auto bad = RunOutputFromJson(json{{"ExitCode", "one"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("RunOutput.ExitCode"), std::string::npos)
      << bad.status().message();
}

TEST(JsonCodecTest, JobRoundTrip) {
  Job job = FullJob();
  json j = ToJson(job);
  auto back = JobFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, job);
  // Also through text.
  auto reparsed = JobFromJson(json::parse(j.dump()));
  ASSERT_TRUE(reparsed.ok());
  EXPECT_EQ(*reparsed, job);
}

TEST(JsonCodecTest, JobUsesBacalhauFieldNames) {
  json j = ToJson(FullJob());
  EXPECT_EQ(j["Type"], "batch");
  EXPECT_EQ(j["Count"], 3);
  EXPECT_EQ(j["Constraints"][0]["Operator"], "==");
  EXPECT_EQ(j["Constraints"][0]["Values"][0], "us");
  ASSERT_TRUE(j["Tasks"].is_array());
  ASSERT_EQ(j["Tasks"].size(), 1u);
  EXPECT_EQ(j["Tasks"][0]["Engine"]["Type"], "duckdb");
  EXPECT_EQ(j["Tasks"][0]["Engine"]["Params"]["SQL"], "SELECT 1;");
  EXPECT_EQ(j["Tasks"][0]["Resources"]["CPU"], "500m");
  EXPECT_FALSE(j["Tasks"][0]["Resources"].contains("Disk"));
  EXPECT_EQ(j["Tasks"][0]["Timeouts"]["TotalTimeout"], 120);
  EXPECT_EQ(j["Tasks"][0]["InputSources"][0]["Source"]["Type"], "local");
  EXPECT_EQ(j["State"]["StateType"], "Running");
  EXPECT_EQ(j["Namespace"], "analytics");
}

TEST(JsonCodecTest, MinimalJobUsesDefaults) {
  json j = json::parse(R"({"Type": "ops", "Tasks": [{"Engine": {"Type": "duckdb",
      "Params": {"SQL": "SELECT 1"}}}], "SomethingNew": 1})");
  auto job = JobFromJson(j);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->type, JobType::kOps);
  EXPECT_EQ(job->namespace_, "default");
  EXPECT_EQ(job->task.name, "main");
  EXPECT_FALSE(job->task.original_engine.has_value());
  EXPECT_TRUE(job->task.publisher.empty());
}

TEST(JsonCodecTest, ErrorsNameTheFieldPath) {
  json j = ToJson(FullJob());
  j["Tasks"][0]["Resources"]["CPU"] = 2;
  auto bad = JobFromJson(j);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "Tasks[0].Resources.CPU: expected a string, got number");

  j = ToJson(FullJob());
  j["Count"] = "three";
  EXPECT_EQ(JobFromJson(j).status().message(), "Count: expected an integer, got string");

  j = ToJson(FullJob());
  j["Constraints"][1]["Operator"] = "like";
  EXPECT_EQ(JobFromJson(j).status().message().rfind(
                "Constraints[1].Operator: unknown operator 'like'", 0),
            0u);

  j = ToJson(FullJob());
  j["Tasks"].push_back(j["Tasks"][0]);
  EXPECT_EQ(JobFromJson(j).status().message(), "Tasks: a job has exactly one task, got 2");

  j = ToJson(FullJob());
  j["Tasks"] = json::array();
  EXPECT_EQ(JobFromJson(j).status().message(), "Tasks: a job has exactly one task, got 0");

  j = ToJson(FullJob());
  j["Type"] = "cron";
  EXPECT_EQ(JobFromJson(j).status().message().rfind("Type: unknown job type 'cron'", 0), 0u);

  j = ToJson(FullJob());
  j["Labels"] = json::array({"a"});
  EXPECT_EQ(JobFromJson(j).status().message(), "Labels: expected an object of strings, got array");

  EXPECT_EQ(JobFromJson(json::array()).status().message(),
            "document: expected a JSON object, got array");
}

TEST(JsonCodecTest, ExecutionRoundTrip) {
  Execution e;
  e.id = "e-123e4567-e89b-42d3-a456-426614174000";
  e.namespace_ = "default";
  e.job_id = "j-1";
  e.job_version = 2;
  e.node_id = "compute-us-1";
  e.partition_index = 2;
  e.attempt = 3;
  e.desired_state = {ExecutionDesiredState::kRunning, "scheduled"};
  e.compute_state = {ExecutionComputeState::kFailed, "node lost"};
  e.previous_execution = "e-0";
  e.run_output = {"rows", true, "warn", false, 1, "exit status 1"};
  e.published_result = {"s3", {{"Bucket", "b"}, {"Key", "k/"}}};
  e.stats = {123456, 98765432, 3, 12, 2048, 2048, "storage-local", 15, 340, 27};
  e.revision = 4;
  e.create_time = 1;
  e.modify_time = 2;
  json j = ToJson(e);
  EXPECT_EQ(j["ComputeState"]["StateType"], "Failed");
  EXPECT_EQ(j["RunOutput"]["StdoutTruncated"], true);
  EXPECT_EQ(j["RunOutput"]["ErrorMsg"], "exit status 1");
  auto back = ExecutionFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  EXPECT_EQ(j["Stats"]["BytesRead"], 98765432);
  EXPECT_EQ(j["Stats"]["PublishedTo"], "storage-local");

  // An execution stored before nodes reported statistics has none.
  json old = j;
  old.erase("Stats");
  ASSERT_TRUE(ExecutionFromJson(old).ok());
  EXPECT_EQ(ExecutionFromJson(old)->stats, ExecutionStats{});

  // Progress is there only while an execution runs.
  EXPECT_FALSE(j["Stats"].contains("Progress"));
  ExecutionStats live = e.stats;
  live.progress = 0.25;
  EXPECT_EQ(ToJson(live)["Progress"], 0.25);
  EXPECT_EQ(*ExecutionStatsFromJson(ToJson(live)), live);
  EXPECT_EQ(ExecutionStatsFromJson(json{{"Progress", "half"}}).status().message(),
            "Stats.Progress: expected a number, got string");

  j["Stats"]["RowsRead"] = "many";
  EXPECT_EQ(ExecutionFromJson(j).status().message(),
            "Stats.RowsRead: expected an integer, got string");
  j["Stats"]["RowsRead"] = 1;
  j["RunOutput"]["ExitCode"] = 1.5;
  EXPECT_EQ(ExecutionFromJson(j).status().message(),
            "RunOutput.ExitCode: expected an integer, got number");
}

TEST(JsonCodecTest, NodeRoundTrip) {
  Node n;
  n.id = "compute-eu-2";
  n.labels = {{"region", "eu"}};
  n.capacity = {2000, 4LL << 30, 100LL << 30, 0, 4};
  n.engines = {"duckdb", "generator"};
  n.stores = {{"storage-local", "http://10.0.0.5:9000"}, {"storage", "folder:/srv/global"}};
  n.membership = NodeMembership::kApproved;
  n.connection = NodeConnection::kConnected;
  n.last_heartbeat = 1700000000000000000;
  n.version = "0.1.0";
  EXPECT_TRUE(n.Schedulable());
  json j = ToJson(n);
  EXPECT_EQ(j["Stores"][0],
            (json{{"Name", "storage-local"}, {"Location", "http://10.0.0.5:9000"}}));
  EXPECT_EQ(j["Membership"], "APPROVED");
  EXPECT_EQ(j["Connection"], "CONNECTED");
  auto back = NodeFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, n);
  j["Stores"][1]["Location"] = 7;
  EXPECT_EQ(NodeFromJson(j).status().message(),
            "Stores[1].Location: expected a string, got number");
  j.erase("Stores");  // a node of an older version reports no stores
  EXPECT_TRUE(NodeFromJson(j)->stores.empty());
  j["Membership"] = "MAYBE";
  EXPECT_FALSE(NodeFromJson(j).ok());
}

TEST(JsonCodecTest, EventRoundTrip) {
  Event e;
  e.seq_num = 12;
  e.type = EventType::kExecutionLevel;
  e.job_id = "j-1";
  e.job_version = 1;
  e.execution_id = "e-1";
  e.topic = "Running Execution";
  e.message = "started";
  e.details = {{"NodeID", "compute-us-1"}};
  e.time = 99;
  json j = ToJson(e);
  EXPECT_EQ(j["Type"], "ExecutionLevel");
  auto back = EventFromJson(j);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(*back, e);

  Event job_level;
  job_level.topic = "Submission";
  json jl = ToJson(job_level);
  EXPECT_FALSE(jl.contains("ExecutionID"));
  EXPECT_EQ(*EventFromJson(jl), job_level);
}

TEST(JsonCodecTest, SpecConfigAndSelector) {
  auto spec = SpecConfigFromJson(json::parse(R"({"Type": "local"})"));
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->type, "local");
  EXPECT_TRUE(spec->params.is_object());
  EXPECT_FALSE(SpecConfigFromJson(json::parse(R"({"Type": "s3", "Params": [1]})")).ok());
  LabelSelector s{"cores", SelectorOperator::kGreaterThan, {"4"}};
  EXPECT_EQ(*LabelSelectorFromJson(ToJson(s)), s);
}

TEST(JsonCodecTest, TruncateOutputKeepsUtf8Whole) {
  bool truncated = true;
  EXPECT_EQ(TruncateOutput("short", &truncated), "short");
  EXPECT_FALSE(truncated);
  std::string long_text(kRunOutputLimitBytes - 1, 'a');
  long_text += "\xC3\xA9tail";  // 'é' straddles the limit
  std::string cut = TruncateOutput(long_text, &truncated);
  EXPECT_TRUE(truncated);
  EXPECT_EQ(cut.size(), kRunOutputLimitBytes - 1);
}

}  // namespace
}  // namespace shoal::models
