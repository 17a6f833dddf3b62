// The orchestrator driven as nodes and the CLI drive it, in-process, with a real SQLite store.
#include <algorithm>
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>

#include "orchestrator/testing/orchestrator_test_fixture.h"

namespace shoal::orchestrator {
namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;
using models::JobStateType;
using namespace std::chrono_literals;
using namespace testing;  // NOLINT: the fixtures and their builders

TEST_F(OrchestratorTest, RunsABatchJobToCompletionAndKeepsItsResults) {
  for (auto id : {"us-1", "us-2", "us-3"}) Register(id);
  Register("eu-1", "eu");
  auto submitted = orchestrator_->SubmitJob(MakeJob("report", 2), false, false);
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kRunning);

  std::vector<models::Execution> assigned;
  for (auto id : {"us-1", "us-2", "us-3", "eu-1"}) {
    for (auto& e : Poll(id)) assigned.push_back(e);
  }
  ASSERT_EQ(assigned.size(), 2u);
  EXPECT_NE(assigned[0].node_id, assigned[1].node_id);
  for (auto& e : assigned) Complete(e, "{\"p\": " + std::to_string(e.partition_index) + "}");
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kCompleted);

  auto results = orchestrator_->Results(submitted->job_id);
  ASSERT_TRUE(results.ok());
  ASSERT_EQ(results->size(), 2u);
  EXPECT_EQ((*results)[0].partition_index, 0);
  EXPECT_EQ((*results)[0].files[0].path, "result.json");
  auto bytes =
      orchestrator_->ReadResultFile(submitted->job_id, (*results)[1].execution_id, "result.json");
  EXPECT_EQ(*bytes, "{\"p\": 1}");
  EXPECT_FALSE(
      orchestrator_->ReadResultFile(submitted->job_id, (*results)[1].execution_id, "../../state.db")
          .ok());

  auto history = orchestrator_->History(submitted->job_id, 0);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->front().topic, "Submission");
  EXPECT_NE(history->back().message.find("Completed"), std::string::npos);
}

// A node names the result files it uploads; a name that climbs out of the execution's result
// folder, or is absolute, is refused and nothing is written outside it.
TEST_F(OrchestratorTest, ResultUploadsOutsideTheResultFolderAreRefused) {
  Register("us-1");
  Submit(MakeJob("uploads", 1));
  auto assigned = Poll("us-1");
  ASSERT_EQ(assigned.size(), 1u);
  const models::Execution& e = assigned[0];
  for (const std::string path : {"../escape.txt", "a/../../escape.txt", "/tmp/escape.txt", "..",
                                 "a//b", "./x", "a\\..\\b", ""}) {
    Status stored = orchestrator_->StoreResultFile(e.id, e.node_id, path, "gotcha");
    EXPECT_EQ(stored.code(), ErrorCode::kInvalidArgument) << path;
  }
  for (const auto& entry : fs::recursive_directory_iterator(dir_)) {
    EXPECT_NE(entry.path().filename(), "escape.txt") << entry.path();
  }
  EXPECT_TRUE(orchestrator_->StoreResultFile(e.id, e.node_id, "outputs/ok.txt", "fine").ok());
}

TEST_F(OrchestratorTest, FailsFastWhenNoNodeMatches) {
  Register("eu-1", "eu");
  auto submitted = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_TRUE(submitted.ok());
  auto job = orchestrator_->FindJob("report", "default");
  EXPECT_EQ(job->state.state_type, JobStateType::kFailed);
  EXPECT_NE(job->state.message.find("0 of 1 nodes match"), std::string::npos);
}

TEST_F(OrchestratorTest, ReschedulesTheWorkOfALostNode) {
  Register("us-1");
  Register("us-2");
  auto submitted = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_TRUE(submitted.ok());
  auto first = Poll("us-1");
  auto second = Poll("us-2");
  ASSERT_EQ(first.size() + second.size(), 1u);
  auto lost = first.empty() ? second[0] : first[0];
  std::string survivor = lost.node_id == "us-1" ? "us-2" : "us-1";
  ASSERT_TRUE(
      orchestrator_
          ->UpdateExecution(lost.id, lost.node_id, ExecutionComputeState::kRunning, "", "", nullptr)
          .ok());
  // Only the survivor keeps heartbeating; the other is declared lost after node_timeout.
  std::vector<models::Execution> retry;
  for (int i = 0; i < 40 && retry.empty(); ++i) {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(orchestrator_->Heartbeat(survivor, {}).ok());
    retry = Poll(survivor);
  }
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_EQ(retry[0].partition_index, lost.partition_index);
  EXPECT_EQ(retry[0].attempt, 2);
  // The lost node's late report is refused.
  EXPECT_FALSE(orchestrator_
                   ->UpdateExecution(lost.id, lost.node_id, ExecutionComputeState::kCompleted, "",
                                     "", nullptr)
                   .ok());
  Complete(retry[0], "{}");
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kCompleted);
  EXPECT_EQ(orchestrator_->Results(submitted->job_id)->size(), 1u);
}

// A running execution shows what its node's last heartbeat said it has done; the final report's
// statistics replace it, and a heartbeat cannot give statistics to another node's execution.
TEST_F(OrchestratorTest, HeartbeatsCarryARunningExecutionsProgress) {
  Register("us-1");
  Register("us-2");
  const std::string job_id = Submit(MakeJob("report", 1));
  auto first = Poll("us-1");
  auto second = Poll("us-2");
  ASSERT_EQ(first.size() + second.size(), 1u);
  const models::Execution e = first.empty() ? second[0] : first[0];
  const std::string other = e.node_id == "us-1" ? "us-2" : "us-1";
  models::ExecutionStats live;
  live.rows_read = 1000;
  live.bytes_read = 65536;
  live.running_ms = 1500;
  live.progress = 0.4;
  // Not yet Running: nothing is shown.
  ASSERT_TRUE(orchestrator_->Heartbeat(e.node_id, {e.id}, {{e.id, live}}).ok());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, models::ExecutionStats{});
  ASSERT_TRUE(
      orchestrator_
          ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kRunning, "", "", nullptr)
          .ok());
  // The wait until the node took it is the orchestrator's to measure, and stays.
  live.queued_ms = orchestrator_->ListExecutions(job_id)->at(0).stats.queued_ms;
  EXPECT_GE(live.queued_ms, 0);
  ASSERT_TRUE(orchestrator_->Heartbeat(e.node_id, {e.id}, {{e.id, live}}).ok());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, live);
  models::ExecutionStats forged = live;
  forged.progress = 0.9;
  ASSERT_TRUE(orchestrator_->Heartbeat(other, {}, {{e.id, forged}}).ok());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, live);
  // A heartbeat without it shows nothing live.
  ASSERT_TRUE(orchestrator_->Heartbeat(e.node_id, {e.id}).ok());
  models::ExecutionStats only_queued;
  only_queued.queued_ms = live.queued_ms;
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, only_queued);
  ASSERT_TRUE(orchestrator_->Heartbeat(e.node_id, {e.id}, {{e.id, live}}).ok());
  // While it publishes, what its run did is still shown.
  ASSERT_TRUE(
      orchestrator_
          ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kPublishing, "", "", nullptr)
          .ok());
  models::ExecutionStats publishing = live;
  publishing.progress = -1;
  publishing.running_ms = 2000;
  ASSERT_TRUE(orchestrator_->Heartbeat(e.node_id, {e.id}, {{e.id, publishing}}).ok());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, publishing);
  models::ExecutionStats final_stats;
  final_stats.queued_ms = live.queued_ms;
  final_stats.rows_read = 2000;
  final_stats.result_rows = 3;
  ASSERT_TRUE(orchestrator_
                  ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kCompleted, "", "done",
                                    nullptr, nullptr, &final_stats)
                  .ok());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id)->at(0).stats, final_stats);
}

// What a node's publish depends on: its Publishing report for an execution that was failed
// meanwhile is refused (so it publishes nothing), a retried report of the state it reached is
// accepted (its first answer was lost: refusing it would make the node remove results that count),
// and it can ask after its own execution.
TEST_F(OrchestratorTest, RefusesLateReportsAndAcceptsRetriedOnes) {
  Register("us-1");
  Register("us-2");
  std::string job_id = Submit(MakeJob("report", 2));
  auto first = Poll("us-1");
  auto second = Poll("us-2");
  ASSERT_EQ(first.size(), 1u);
  ASSERT_EQ(second.size(), 1u);
  const models::Execution& done = first[0];
  const models::Execution& lost = second[0];
  for (const auto& e : {done, lost}) {
    ASSERT_TRUE(
        orchestrator_
            ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kRunning, "", "", nullptr)
            .ok());
  }
  // us-2 restarts (registers again): its execution fails, and its late reports are refused.
  Register("us-2");
  auto publishing = orchestrator_->UpdateExecution(
      lost.id, "us-2", ExecutionComputeState::kPublishing, "", "", nullptr);
  EXPECT_EQ(publishing.code(), ErrorCode::kFailedPrecondition) << publishing.ToString();
  auto state = orchestrator_->NodeExecution(lost.id, "us-2");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->compute_state.state_type, ExecutionComputeState::kFailed);

  models::SpecConfig published;
  published.type = "s3";
  published.params = {{"Bucket", "b"}, {"Key", "k/" + done.id + "/"}, {"Encoding", "plain"}};
  ASSERT_TRUE(
      orchestrator_
          ->UpdateExecution(done.id, "us-1", ExecutionComputeState::kPublishing, "", "", nullptr)
          .ok());
  for (int attempt = 0; attempt < 2; ++attempt) {
    EXPECT_TRUE(orchestrator_
                    ->UpdateExecution(done.id, "us-1", ExecutionComputeState::kCompleted, "",
                                      "done", nullptr, &published)
                    .ok())
        << "attempt " << attempt;
  }
  EXPECT_FALSE(
      orchestrator_
          ->UpdateExecution(done.id, "us-1", ExecutionComputeState::kFailed, "", "late", nullptr)
          .ok());
  state = orchestrator_->NodeExecution(done.id, "us-1");
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->compute_state.state_type, ExecutionComputeState::kCompleted);
  EXPECT_EQ(orchestrator_->NodeExecution(done.id, "us-2").status().code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(orchestrator_->NodeExecution("e-nope", "us-1").status().code(), ErrorCode::kNotFound);
  auto history = orchestrator_->History(job_id, 0);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(std::count_if(history->begin(), history->end(),
                          [&](const models::Event& event) {
                            return event.execution_id == done.id && event.message == "done";
                          }),
            1)
      << "a retried report changes nothing";
}

TEST_F(OrchestratorTest, RestartLosesNothing) {
  Register("us-1");
  auto submitted = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_TRUE(submitted.ok());
  auto assigned = Poll("us-1");
  ASSERT_EQ(assigned.size(), 1u);
  Reopen();
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kRunning);
  ASSERT_TRUE(orchestrator_->Heartbeat("us-1", {}).ok());
  auto again = Poll("us-1");  // still assigned, not yet acknowledged
  ASSERT_EQ(again.size(), 1u);
  EXPECT_EQ(again[0].id, assigned[0].id);
  Complete(again[0], "{}");
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kCompleted);
}

TEST_F(OrchestratorTest, ResubmittingANameMakesANewVersionOnlyWhenChangedOrForced) {
  Register("us-1");
  auto first = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_TRUE(first.ok());
  auto same = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_FALSE(same.ok());
  EXPECT_NE(same.status().message().find("no changes detected"), std::string::npos);
  // API words (the request's Force field); the CLI says --force.
  EXPECT_NE(same.status().message().find("submit it with Force"), std::string::npos);
  EXPECT_EQ(same.status().message().find("--force"), std::string::npos);
  auto forced = orchestrator_->SubmitJob(MakeJob("report", 1), true, false);
  ASSERT_TRUE(forced.ok()) << forced.status().ToString();
  EXPECT_EQ(forced->job_id, first->job_id);
  EXPECT_EQ(forced->version, 2);
  EXPECT_TRUE(first->changed);
  EXPECT_FALSE(forced->changed);  // the same spec, run again
  // The first version's execution is asked to stop; the new one is assigned.
  auto work = orchestrator_->PollWork("us-1", 0ms);
  ASSERT_TRUE(work.ok());
  EXPECT_EQ(work->cancel.size(), 1u);
  models::Job edited = MakeJob("report", 1);
  edited.task.engine.params = {{"SQL", "SELECT 2"}};
  auto changed = orchestrator_->SubmitJob(edited, false, false);
  ASSERT_TRUE(changed.ok()) << changed.status().ToString();
  EXPECT_EQ(changed->version, 3);
  EXPECT_TRUE(changed->changed);
}

// `job rerun`, `job versions`, `job describe --version` and `node delete`.
TEST_F(OrchestratorTest, RerunAddsAVersionAndOnlyALostNodeCanBeForgotten) {
  Register("us-1");
  Register("us-2");
  const std::string id = Submit(MakeJob("report", 1));
  auto rerun = orchestrator_->RerunJob(id);
  ASSERT_TRUE(rerun.ok()) << rerun.status().ToString();
  EXPECT_EQ(rerun->job_id, id);
  EXPECT_EQ(rerun->version, 2);
  EXPECT_FALSE(rerun->changed);
  auto versions = orchestrator_->JobVersions(id);
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  ASSERT_EQ(versions->size(), 2u);
  EXPECT_EQ((*versions)[0].version, 1);
  EXPECT_EQ((*versions)[1].version, 2);
  EXPECT_EQ((*versions)[0].task, (*versions)[1].task);
  EXPECT_EQ(orchestrator_->JobVersion(id, 1)->version, 1);
  auto missing = orchestrator_->JobVersion(id, 3);
  ASSERT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(),
            "job " + id + " has no version 3 (its versions are 1 to 2)");

  Status connected = orchestrator_->DeleteNode("us-1");
  EXPECT_EQ(connected.code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(connected.message().find("node us-1 is connected: stop it first"), std::string::npos);
  // Only us-2 keeps heartbeating: us-1 is lost after node_timeout, and may then be forgotten.
  for (int i = 0;
       i < 60 && orchestrator_->GetNode("us-1")->connection == models::NodeConnection::kConnected;
       ++i) {
    std::this_thread::sleep_for(50ms);
    ASSERT_TRUE(orchestrator_->Heartbeat("us-2", {}).ok());
  }
  ASSERT_TRUE(orchestrator_->DeleteNode("us-1").ok());
  EXPECT_EQ(orchestrator_->GetNode("us-1").status().code(), ErrorCode::kNotFound);
  ASSERT_EQ(orchestrator_->ListNodes()->size(), 1u);
  EXPECT_EQ(orchestrator_->DeleteNode("us-1").code(), ErrorCode::kNotFound);
}

TEST_F(OrchestratorTest, StopCancelsLiveExecutions) {
  Register("us-1");
  auto submitted = orchestrator_->SubmitJob(MakeJob("report", 1), false, false);
  ASSERT_TRUE(submitted.ok());
  ASSERT_TRUE(orchestrator_->StopJob(submitted->job_id, "changed my mind").ok());
  EXPECT_EQ(StateOf(submitted->job_id), JobStateType::kStopped);
  auto work = orchestrator_->PollWork("us-1", 0ms);
  ASSERT_EQ(work->cancel.size(), 1u);
  EXPECT_FALSE(orchestrator_->StopJob(submitted->job_id, "").ok());
  EXPECT_EQ(orchestrator_->FindJob("nope", "").status().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace shoal::orchestrator
