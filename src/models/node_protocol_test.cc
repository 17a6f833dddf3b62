// The compute channel's wire: every message survives a round trip, the paths a node sends match
// the routes the orchestrator registers from the same functions, and the readers skip what is
// malformed where the channel's liveness depends on it.
#include "models/node_protocol.h"

#include <regex>

#include <gtest/gtest.h>

#include "models/json_codec.h"

namespace shoal::models {
namespace {

using nlohmann::json;

TEST(NodeProtocolTest, APathANodeSendsMatchesTheRouteBuiltFromTheSameFunction) {
  const std::string id = "([^/]+)";
  EXPECT_TRUE(std::regex_match(ExecutionStatusPath("e-1"), std::regex(ExecutionStatusPath(id))));
  EXPECT_TRUE(std::regex_match(ResultFilePath("e-1", "outputs/a%20b.csv"),
                               std::regex(ResultFilePath(id, "(.+)"))));
  EXPECT_FALSE(std::regex_match(ExecutionStatusPath("e-1"), std::regex(NodeExecutionPath(id))));
  EXPECT_EQ(StoreTaskEndPath("t-1"), "/api/v1/compute/store-tasks/t-1");
  EXPECT_EQ(FetchEndPath("f-1"), "/api/v1/compute/fetches/f-1");
}

TEST(NodeProtocolTest, MessagesRoundTrip) {
  HeartbeatRequest heartbeat{"n-1", {"e-1", "e-2"}, {}};
  heartbeat.progress["e-1"].rows_read = 42;
  auto read = HeartbeatRequestFromJson(ToJson(heartbeat));
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->running, heartbeat.running);
  EXPECT_EQ(read->progress.at("e-1").rows_read, 42);

  StatusReport report{
      "n-1",       ExecutionComputeState::kCompleted,   "Execution",     "completed",
      RunOutput{}, SpecConfig{"s3", {{"Bucket", "b"}}}, ExecutionStats{}};
  report.run_output->stdout_text = "1\n";
  auto status = StatusReportFromJson(ToJson(report));
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_EQ(status->state, ExecutionComputeState::kCompleted);
  EXPECT_EQ(status->run_output->stdout_text, "1\n");
  EXPECT_EQ(status->published->params["Bucket"], "b");

  Work work;
  Execution execution;
  execution.id = "e-1";
  Job job;
  job.id = "j-1";
  work.assigned.emplace_back(execution, job);
  work.cancel = {"e-0"};
  work.fetches.push_back({"f-1", "e-1", "j-1", SpecConfig{"s3", {{"Key", "k"}}}});
  work.retry_after_ms = 500;
  auto polled = WorkFromJson(ToJson(work));
  ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  ASSERT_EQ(polled->assigned.size(), 1u);
  EXPECT_EQ(polled->assigned[0].first.id, "e-1");
  EXPECT_EQ(polled->assigned[0].second.id, "j-1");
  EXPECT_EQ(polled->cancel, work.cancel);
  ASSERT_EQ(polled->fetches.size(), 1u);
  EXPECT_EQ(polled->fetches[0].published.params["Key"], "k");
  EXPECT_EQ(polled->retry_after_ms, 500);
  EXPECT_TRUE(polled->skipped.empty());

  auto held = NodeExecutionAnswerFromJson(
      ToJson(NodeExecutionAnswer{"e-1", ExecutionComputeState::kCompleted}));
  ASSERT_TRUE(held.ok()) << held.status().ToString();
  EXPECT_EQ(held->execution_id, "e-1");
  EXPECT_EQ(held->state, ExecutionComputeState::kCompleted);
}

TEST(NodeProtocolTest, ReadersSkipWhatIsMalformedAndRefuseWhatIsRequired) {
  // A malformed item of a work answer is skipped and named; the rest arrives.
  json work = {
      {"Executions", {{{"Execution", {{"PartitionIndex", "two"}}}, {"Job", json::object()}}}},
      {"Fetches", {{{"FetchID", "f-1"}}}},
      {"Cancel", {"e-9", 3}}};
  auto polled = WorkFromJson(work);
  ASSERT_TRUE(polled.ok()) << polled.status().ToString();
  EXPECT_TRUE(polled->assigned.empty());
  EXPECT_TRUE(polled->fetches.empty());
  EXPECT_EQ(polled->cancel, std::vector<std::string>{"e-9"});
  EXPECT_EQ(polled->skipped.size(), 2u);
  // A heartbeat's malformed progress entry is left out; the heartbeat is taken.
  auto heartbeat = HeartbeatRequestFromJson(
      {{"NodeID", "n-1"}, {"Progress", {{"e-1", {{"RowsRead", "many"}}}}}});
  ASSERT_TRUE(heartbeat.ok()) << heartbeat.status().ToString();
  EXPECT_TRUE(heartbeat->progress.empty());
  // A status report names what it lacks.
  EXPECT_EQ(StatusReportFromJson({{"ComputeState", "Running"}}).status().message(),
            "NodeID: required (a string)");
  EXPECT_FALSE(StatusReportFromJson({{"NodeID", "n-1"}, {"ComputeState", "Sleeping"}}).ok());
  EXPECT_EQ(HeartbeatRequestFromJson(json::array()).status().message(),
            "a heartbeat must be a JSON object");
}

}  // namespace
}  // namespace shoal::models
