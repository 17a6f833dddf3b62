// The orchestrator reacting to events (a report, a node joining, capacity freed, a restart) and
// to time (queue and total timeouts), driven in-process as nodes would drive it.
#include <set>
#include <thread>

#include <gtest/gtest.h>

#include "orchestrator/testing/orchestrator_test_fixture.h"

namespace shoal::orchestrator {
namespace {

using models::JobStateType;
using namespace std::chrono_literals;
using namespace testing;  // NOLINT: the fixtures and their builders

// Regression: every submission and update used to wake the ticker, which re-planned every active
// job (O(jobs) per event, O(jobs^2) for a burst). Now an event plans only the job it concerns.
TEST_F(OrchestratorEventTest, AnEventEvaluatesOnlyTheJobItConcerns) {
  Register("us-1");
  constexpr int kJobs = 100;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) ids.push_back(Submit(MakeJob("job-" + std::to_string(i), 1)));
  EXPECT_EQ(orchestrator_->EvaluationsForTest(), kJobs);
  auto assigned = Poll("us-1");
  ASSERT_EQ(assigned.size(), static_cast<size_t>(kJobs));
  for (const auto& e : assigned) Complete(e, "{}");
  // One evaluation per submission and one per finished execution; the Running updates plan
  // nothing.
  EXPECT_EQ(orchestrator_->EvaluationsForTest(), 2 * kJobs);
  for (const auto& id : ids) EXPECT_EQ(StateOf(id), JobStateType::kCompleted);
}

TEST_F(OrchestratorEventTest, FreedCapacityGoesToTheOldestWaitingJobAtOnce) {
  Register("us-1", "us", 2);
  constexpr int kJobs = 30;
  std::vector<std::string> ids;
  for (int i = 0; i < kJobs; ++i) ids.push_back(Submit(MakeJob("job-" + std::to_string(i), 1)));
  std::vector<std::string> order;  // jobs in the order their executions were handed out
  std::set<std::string> seen;
  for (int round = 0; round < kJobs; ++round) {
    auto assigned = Poll("us-1");
    ASSERT_FALSE(assigned.empty()) << "round " << round;
    ASSERT_LE(assigned.size(), 2u);
    for (const auto& e : assigned) {
      if (seen.insert(e.id).second) order.push_back(e.job_id);
    }
    // Completing the oldest frees a slot, which the oldest waiting job gets without a tick.
    auto oldest = std::min_element(assigned.begin(), assigned.end(),
                                   [](auto& a, auto& b) { return a.create_time < b.create_time; });
    Complete(*oldest, "{}");
  }
  EXPECT_EQ(order, ids);
  for (const auto& id : ids) EXPECT_EQ(StateOf(id), JobStateType::kCompleted);
  // A submission, its completion, and at most one waiting job offered each freed slot.
  EXPECT_LE(orchestrator_->EvaluationsForTest(), 3 * kJobs);
}

TEST_F(OrchestratorEventTest, FreedCapacityIsOfferedOnlyToJobsThatCanUseIt) {
  Register("us-1", "us", 1);
  Register("eu-1", "eu", 1);
  models::Job eu = MakeJob("eu-0", 1);
  eu.constraints[0].values = {"eu"};
  std::string eu_running = Submit(eu);
  eu.name = "eu-1";
  std::string eu_waiting = Submit(eu);  // older than the US jobs, and waits for eu-1
  std::string us_running = Submit(MakeJob("us-0", 1));
  std::string us_waiting = Submit(MakeJob("us-1", 1));
  auto us = Poll("us-1");
  ASSERT_EQ(us.size(), 1u);
  EXPECT_EQ(us[0].job_id, us_running);
  int64_t before = orchestrator_->EvaluationsForTest();
  Complete(us[0], "{}");
  // us-0's own evaluation, then us-1's; the EU job waiting ahead of it is not evaluated.
  EXPECT_EQ(orchestrator_->EvaluationsForTest(), before + 2);
  us = Poll("us-1");
  ASSERT_EQ(us.size(), 1u);
  EXPECT_EQ(us[0].job_id, us_waiting);
  EXPECT_EQ(StateOf(eu_waiting), JobStateType::kPending);
  auto eu_work = Poll("eu-1");
  ASSERT_EQ(eu_work.size(), 1u);
  EXPECT_EQ(eu_work[0].job_id, eu_running);
}

TEST_F(OrchestratorEventTest, ANewNodeStartsAQueuedJob) {
  Register("us-1");
  models::Job job = MakeJob("report", 2);
  job.task.timeouts.queue_timeout = 600;
  std::string id = Submit(job);
  EXPECT_EQ(StateOf(id), JobStateType::kQueued);
  Register("us-2");
  EXPECT_EQ(StateOf(id), JobStateType::kRunning);
  EXPECT_EQ(Poll("us-1").size() + Poll("us-2").size(), 2u);
}

TEST_F(OrchestratorEventTest, ApprovingANodeStartsAWaitingJob) {
  OrchestratorOptions options;
  options.data_dir = dir_.string();
  options.tick = std::chrono::hours(1);
  options.auto_approve_nodes = false;
  orchestrator_.reset();
  orchestrator_ = std::move(Orchestrator::Open(options)).value();
  Register("us-1");
  models::Job job = MakeJob("report", 1);
  job.task.timeouts.queue_timeout = 600;
  std::string id = Submit(job);
  EXPECT_EQ(StateOf(id), JobStateType::kQueued);
  ASSERT_TRUE(orchestrator_->SetNodeMembership("us-1", models::NodeMembership::kApproved).ok());
  EXPECT_EQ(StateOf(id), JobStateType::kRunning);
  EXPECT_EQ(Poll("us-1").size(), 1u);
}

TEST_F(OrchestratorEventTest, WaitingJobsSurviveARestart) {
  Register("us-1", "us", 1);
  std::string first = Submit(MakeJob("first", 1));
  std::string second = Submit(MakeJob("second", 1));
  auto assigned = Poll("us-1");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].job_id, first);
  Reopen();  // forgets everything but the store
  ASSERT_TRUE(orchestrator_->Heartbeat("us-1", {}).ok());
  Complete(assigned[0], "{}");
  assigned = Poll("us-1");
  ASSERT_EQ(assigned.size(), 1u);
  EXPECT_EQ(assigned[0].job_id, second);
}

// The ticker still does what only time can do.
TEST_F(OrchestratorTest, QueueAndTotalTimeoutsStillFireWithoutEvents) {
  Register("us-1");
  models::Job queued = MakeJob("queued", 2);
  queued.task.timeouts.queue_timeout = 1;
  std::string queued_id = Submit(queued);
  models::Job running = MakeJob("running", 1);
  running.task.timeouts.total_timeout = 1;
  std::string running_id = Submit(running);
  EXPECT_EQ(StateOf(queued_id), JobStateType::kQueued);
  EXPECT_EQ(StateOf(running_id), JobStateType::kRunning);
  for (int i = 0; i < 100; ++i) {
    if (StateOf(queued_id) == JobStateType::kFailed &&
        StateOf(running_id) == JobStateType::kFailed) {
      break;
    }
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(orchestrator_->Heartbeat("us-1", {}).ok());
  }
  EXPECT_EQ(StateOf(queued_id), JobStateType::kFailed);
  auto job = orchestrator_->FindJob(running_id, "");
  EXPECT_EQ(job->state.state_type, JobStateType::kFailed);
  EXPECT_NE(job->state.message.find("TotalTimeout"), std::string::npos);
  EXPECT_EQ(orchestrator_->PollWork("us-1", 0ms)->cancel.size(), 1u);
  // Regression: the timeout asked the execution to stop without setting its modify_time (the
  // three other paths that stop executions set it), so it kept the time it was created.
  auto executions = orchestrator_->ListExecutions(running_id);
  ASSERT_TRUE(executions.ok());
  ASSERT_EQ(executions->size(), 1u);
  EXPECT_EQ((*executions)[0].desired_state.state_type, models::ExecutionDesiredState::kStopped);
  EXPECT_EQ((*executions)[0].modify_time, job->modify_time);
}

// Regression: TotalTimeout counted from the job's last state change, so time spent queued (or
// a late Running) restarted the clock.
TEST_F(OrchestratorTest, TotalTimeoutCountsFromSubmissionNotTheLastStateChange) {
  models::Job job = MakeJob("late-start", 1);
  job.task.timeouts.queue_timeout = 3;
  job.task.timeouts.total_timeout = 3;
  const auto submitted = std::chrono::steady_clock::now();
  std::string id = Submit(job);
  EXPECT_EQ(StateOf(id), JobStateType::kQueued);
  std::this_thread::sleep_for(2s);
  Register("us-1");  // the job starts running 2 s after its submission
  EXPECT_EQ(StateOf(id), JobStateType::kRunning);
  // Due 3 s after submission; counted from Running it would be 5 s.
  while (std::chrono::steady_clock::now() - submitted < 4200ms &&
         StateOf(id) != JobStateType::kFailed) {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(orchestrator_->Heartbeat("us-1", {}).ok());
  }
  auto failed = orchestrator_->FindJob(id, "");
  EXPECT_EQ(failed->state.state_type, JobStateType::kFailed);
  EXPECT_NE(failed->state.message.find("TotalTimeout of 3 s"), std::string::npos)
      << failed->state.message;
}

}  // namespace
}  // namespace shoal::orchestrator
