// The orchestrator driven as nodes and the CLI drive it, in-process, with a real SQLite store.
#include "orchestrator/orchestrator.h"

#include <algorithm>
#include <filesystem>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "orchestrator/testing/orchestrator_fixture.h"

namespace shoal::orchestrator {
namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;
using models::JobStateType;
using namespace std::chrono_literals;

models::Node MakeNode(const std::string& id, const std::string& region) {
  models::Node node;
  node.id = id;
  node.labels = {{"region", region}};
  node.engines = {"duckdb"};
  return node;
}

models::Job MakeJob(const std::string& name, int64_t count) {
  models::Job job;
  job.name = name;
  job.count = count;
  job.task.name = "main";
  job.task.engine.type = "duckdb";
  job.task.engine.params = {{"SQL", "SELECT 1"}};
  job.constraints.push_back({"region", models::SelectorOperator::kEquals, {"us"}});
  return job;
}

class OrchestratorTest : public testing::OrchestratorFixture {
 protected:
  void Register(const std::string& id, const std::string& region = "us",
                int64_t max_executions = 0) {
    models::Node node = MakeNode(id, region);
    node.capacity.max_executions = max_executions;
    ASSERT_TRUE(orchestrator_->RegisterNode(node).ok());
  }
  std::string Submit(models::Job job) {
    auto submitted = orchestrator_->SubmitJob(std::move(job), false, false);
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    return submitted.ok() ? submitted->job_id : "";
  }
  std::vector<models::Execution> Poll(const std::string& node) {
    auto work = orchestrator_->PollWork(node, 0ms);
    EXPECT_TRUE(work.ok()) << work.status().ToString();
    std::vector<models::Execution> out;
    for (auto& [e, job] : work->assigned) out.push_back(e);
    return out;
  }
  void Complete(const models::Execution& e, const std::string& payload) {
    ASSERT_TRUE(orchestrator_
                    ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kRunning, "",
                                      "running", nullptr)
                    .ok());
    ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, e.node_id, "result.json", payload).ok());
    models::RunOutput output;
    output.stdout_text = payload;
    ASSERT_TRUE(orchestrator_
                    ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kCompleted, "",
                                      "done", &output)
                    .ok());
  }
  JobStateType StateOf(const std::string& job_id) {
    return orchestrator_->FindJob(job_id, "")->state.state_type;
  }
};

// The ticker never fires in these: whatever happens is caused by the calls the test makes.
class OrchestratorEventTest : public OrchestratorTest {
 protected:
  void SetUp() override {
    tick_ = std::chrono::hours(1);
    OrchestratorTest::SetUp();
  }
};

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
