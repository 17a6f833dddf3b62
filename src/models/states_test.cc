#include "models/states.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

TEST(StatesTest, JobTypeRoundTripsAndParsesCaseInsensitively) {
  for (JobType t : {JobType::kBatch, JobType::kOps, JobType::kService, JobType::kDaemon}) {
    auto parsed = ParseJobType(ToString(t));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, t);
  }
  EXPECT_EQ(*ParseJobType("BATCH"), JobType::kBatch);
  auto bad = ParseJobType("cron");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "unknown job type 'cron'; valid: batch, ops, service, daemon");
}

TEST(StatesTest, SpellingsMatchBacalhau) {
  EXPECT_EQ(ToString(JobStateType::kCompleted), "Completed");
  EXPECT_EQ(ToString(ExecutionComputeState::kBidAccepted), "BidAccepted");
  EXPECT_EQ(ToString(ExecutionDesiredState::kStopped), "Stopped");
  EXPECT_EQ(ToString(NodeMembership::kApproved), "APPROVED");
  EXPECT_EQ(ToString(NodeConnection::kDisconnected), "DISCONNECTED");
  EXPECT_EQ(ToString(EventType::kExecutionLevel), "ExecutionLevel");
  EXPECT_EQ(*ParseNodeConnection("connected"), NodeConnection::kConnected);
  EXPECT_EQ(*ParseExecutionComputeState("publishing"), ExecutionComputeState::kPublishing);
  EXPECT_FALSE(ParseEventType("Global").ok());
}

TEST(StatesTest, JobTerminalStates) {
  EXPECT_TRUE(IsTerminal(JobStateType::kCompleted));
  EXPECT_TRUE(IsTerminal(JobStateType::kFailed));
  EXPECT_TRUE(IsTerminal(JobStateType::kStopped));
  EXPECT_FALSE(IsTerminal(JobStateType::kRunning));
  EXPECT_FALSE(IsTerminal(JobStateType::kQueued));
  EXPECT_FALSE(IsTerminal(JobStateType::kPending));
}

TEST(StatesTest, ExecutionTerminalAndDiscardedStates) {
  EXPECT_TRUE(IsTerminal(ExecutionComputeState::kCompleted));
  EXPECT_FALSE(IsDiscarded(ExecutionComputeState::kCompleted));
  for (auto s : {ExecutionComputeState::kFailed, ExecutionComputeState::kCancelled,
                 ExecutionComputeState::kBidRejected, ExecutionComputeState::kAskForBidRejected}) {
    EXPECT_TRUE(IsTerminal(s)) << ToString(s);
    EXPECT_TRUE(IsDiscarded(s)) << ToString(s);
  }
  for (auto s : {ExecutionComputeState::kNew, ExecutionComputeState::kRunning,
                 ExecutionComputeState::kPublishing, ExecutionComputeState::kBidAccepted}) {
    EXPECT_FALSE(IsTerminal(s)) << ToString(s);
  }
}

}  // namespace
}  // namespace shoal::models
