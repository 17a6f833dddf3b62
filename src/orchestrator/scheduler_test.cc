#include "orchestrator/scheduler.h"

#include <gtest/gtest.h>

namespace shoal::orchestrator {
namespace {

using models::ExecutionComputeState;
using models::JobStateType;

models::Node SchedulerNode(const std::string& id, const std::string& region) {
  models::Node node;
  node.id = id;
  node.labels = {{"region", region}};
  node.membership = models::NodeMembership::kApproved;
  node.connection = models::NodeConnection::kConnected;
  node.engines = {"duckdb", "generator"};
  return node;
}

models::Job RegionJob(int64_t count, const std::string& region) {
  models::Job job;
  job.id = "j-1";
  job.version = 1;
  job.count = count;
  job.task.engine.type = "duckdb";
  job.constraints.push_back({"region", models::SelectorOperator::kEquals, {region}});
  job.state = {JobStateType::kPending, ""};
  return job;
}

models::Execution MakeExecution(const std::string& id, const std::string& node, int64_t partition,
                                ExecutionComputeState state, int64_t attempt = 1) {
  models::Execution e;
  e.id = id;
  e.job_id = "j-1";
  e.job_version = 1;
  e.node_id = node;
  e.partition_index = partition;
  e.attempt = attempt;
  e.compute_state = {state, ""};
  e.desired_state = {models::ExecutionDesiredState::kRunning, ""};
  return e;
}

struct Fixture {
  std::vector<models::Node> nodes = {SchedulerNode("us-1", "us"), SchedulerNode("us-2", "us"),
                                     SchedulerNode("us-3", "us"), SchedulerNode("eu-1", "eu")};
  std::map<std::string, int64_t> load;
  std::vector<models::Execution> executions;
  Plan Run(const models::Job& job) {
    return PlanJob({&job, &executions, &nodes, &load, 0, SchedulerPolicy{}});
  }
};

TEST(SchedulerTest, PlacesPartitionsOnDistinctMatchingNodes) {
  Fixture f;
  f.load = {{"us-1", 5}, {"us-2", 0}, {"us-3", 1}};
  auto plan = f.Run(RegionJob(2, "us"));
  ASSERT_EQ(plan.create.size(), 2u);
  EXPECT_EQ(plan.create[0].node_id, "us-2");  // least loaded first
  EXPECT_EQ(plan.create[1].node_id, "us-3");
  EXPECT_EQ(plan.create[0].partition_index, 0);
  EXPECT_EQ(plan.create[1].partition_index, 1);
  EXPECT_EQ(plan.new_state, JobStateType::kRunning);
}

TEST(SchedulerTest, FailsFastWhenTooFewNodesMatch) {
  Fixture f;
  auto plan = f.Run(RegionJob(2, "eu"));
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.new_state, JobStateType::kFailed);
  EXPECT_NE(plan.state_message.find("needs 2 node(s) matching (region = eu); 1 of 4 nodes match"),
            std::string::npos)
      << plan.state_message;
}

TEST(SchedulerTest, QueuesWithQueueTimeout) {
  Fixture f;
  auto job = RegionJob(2, "eu");
  job.task.timeouts.queue_timeout = 60;
  auto plan = f.Run(job);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.new_state, JobStateType::kQueued);
}

TEST(SchedulerTest, RetriesAFailedPartitionElsewhereWithTheSameIndex) {
  Fixture f;
  auto job = RegionJob(3, "us");
  job.state = {JobStateType::kRunning, ""};
  f.executions = {MakeExecution("e-0", "us-1", 0, ExecutionComputeState::kCompleted),
                  MakeExecution("e-1", "us-2", 1, ExecutionComputeState::kFailed),
                  MakeExecution("e-2", "us-3", 2, ExecutionComputeState::kRunning)};
  auto plan = f.Run(job);
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(plan.create[0].partition_index, 1);
  EXPECT_EQ(plan.create[0].attempt, 2);
  EXPECT_EQ(plan.create[0].previous_execution, "e-1");
  // us-3 is busy with this job; us-2 failed this partition; us-1 finished another one.
  EXPECT_EQ(plan.create[0].node_id, "us-1");
}

TEST(SchedulerTest, GivesUpAfterMaxAttemptsWithTheLastError) {
  Fixture f;
  auto job = RegionJob(1, "us");
  job.state = {JobStateType::kRunning, ""};
  for (int attempt = 1; attempt <= 3; ++attempt) {
    auto e = MakeExecution("e-" + std::to_string(attempt), "us-" + std::to_string(attempt), 0,
                           ExecutionComputeState::kFailed, attempt);
    e.run_output.error_message = "Binder Error: column x not found";
    f.executions.push_back(e);
  }
  auto plan = f.Run(job);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.new_state, JobStateType::kFailed);
  EXPECT_EQ(plan.state_message,
            "partition 0 failed 3 times; last error: Binder Error: column x not found");
}

// A failure its node says would recur anywhere ends the job at its first attempt; the other
// partitions' live executions are stopped.
TEST(SchedulerTest, AFailureThatRecursEverywhereIsNotRetried) {
  Fixture f;
  auto job = RegionJob(2, "us");
  job.state = {JobStateType::kRunning, ""};
  auto failed = MakeExecution("e-0", "us-1", 0, ExecutionComputeState::kFailed);
  failed.run_output.error_message = "statement failed: Binder Error: column x not found";
  failed.run_output.retryable = false;
  f.executions = {failed, MakeExecution("e-1", "us-2", 1, ExecutionComputeState::kRunning)};
  auto plan = f.Run(job);
  EXPECT_TRUE(plan.create.empty());
  EXPECT_EQ(plan.new_state, JobStateType::kFailed);
  EXPECT_EQ(plan.state_message,
            "partition 0 failed with an error no retry can fix (not retried): statement failed: "
            "Binder Error: column x not found");
  EXPECT_EQ(plan.stop, std::vector<std::string>{"e-1"});
  // The same failure, retryable (an I/O error), gets its second attempt.
  f.executions[0].run_output.retryable = true;
  plan = f.Run(job);
  ASSERT_EQ(plan.create.size(), 1u);
  EXPECT_EQ(plan.create[0].attempt, 2);
}

TEST(SchedulerTest, CompletesWhenEveryPartitionCompleted) {
  Fixture f;
  auto job = RegionJob(2, "us");
  job.state = {JobStateType::kRunning, ""};
  f.executions = {MakeExecution("e-0", "us-1", 0, ExecutionComputeState::kCompleted),
                  MakeExecution("e-1", "us-2", 1, ExecutionComputeState::kFailed),
                  MakeExecution("e-2", "us-3", 1, ExecutionComputeState::kCompleted, 2)};
  auto plan = f.Run(job);
  EXPECT_EQ(plan.new_state, JobStateType::kCompleted);
}

TEST(SchedulerTest, OpsRunsOnEveryMatchingNodeAndFailsIfAnyFailed) {
  Fixture f;
  auto job = RegionJob(0, "us");
  job.type = models::JobType::kOps;
  auto plan = f.Run(job);
  ASSERT_EQ(plan.create.size(), 3u);
  job.state = {JobStateType::kRunning, ""};
  f.executions = {MakeExecution("e-1", "us-1", 0, ExecutionComputeState::kCompleted),
                  MakeExecution("e-2", "us-2", 0, ExecutionComputeState::kFailed),
                  MakeExecution("e-3", "us-3", 0, ExecutionComputeState::kCompleted)};
  f.executions[1].run_output.error_message = "disk full";
  auto done = f.Run(job);
  EXPECT_TRUE(done.create.empty());
  EXPECT_EQ(done.new_state, JobStateType::kFailed);
  EXPECT_NE(done.state_message.find("us-2 failed: disk full"), std::string::npos);
}

TEST(SchedulerTest, IgnoresDisconnectedUnapprovedAndFullNodes) {
  Fixture f;
  f.nodes[0].connection = models::NodeConnection::kDisconnected;
  f.nodes[1].membership = models::NodeMembership::kPending;
  f.nodes[2].capacity.max_executions = 1;
  f.load = {{"us-3", 1}};
  auto job = RegionJob(1, "us");
  job.state = {JobStateType::kRunning, ""};
  f.executions = {MakeExecution("e-1", "us-1", 0, ExecutionComputeState::kFailed)};
  auto plan = f.Run(job);
  EXPECT_TRUE(plan.create.empty());
  ASSERT_EQ(plan.notes.size(), 1u);
  EXPECT_NE(plan.notes[0].find("waits for a free matching node"), std::string::npos);
}

}  // namespace
}  // namespace shoal::orchestrator
