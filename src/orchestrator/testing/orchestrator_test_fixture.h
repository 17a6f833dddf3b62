// OrchestratorTest: the fixture of the orchestrator's own tests (orchestrator_test.cc,
// orchestrator_events_test.cc): an orchestrator in-process (OrchestratorFixture) that the test
// drives as nodes would: registering, polling, reporting; OrchestratorEventTest keeps its ticker
// silent, so that whatever happens is caused by the test's calls.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <string>
#include <vector>

#include "orchestrator/testing/orchestrator_fixture.h"

namespace shoal::orchestrator::testing {

inline models::Node MakeNode(const std::string& id, const std::string& region) {
  models::Node node;
  node.id = id;
  node.labels = {{"region", region}};
  node.engines = {"duckdb"};
  return node;
}

inline models::Job MakeJob(const std::string& name, int64_t count) {
  models::Job job;
  job.name = name;
  job.count = count;
  job.task.name = "main";
  job.task.engine.type = "duckdb";
  job.task.engine.params = {{"SQL", "SELECT 1"}};
  job.constraints.push_back({"region", models::SelectorOperator::kEquals, {"us"}});
  return job;
}

class OrchestratorTest : public OrchestratorFixture {
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
    auto work = orchestrator_->PollWork(node, std::chrono::milliseconds(0));
    EXPECT_TRUE(work.ok()) << work.status().ToString();
    std::vector<models::Execution> out;
    for (auto& [e, job] : work->assigned) out.push_back(e);
    return out;
  }
  void Complete(const models::Execution& e, const std::string& payload) {
    ASSERT_TRUE(orchestrator_
                    ->UpdateExecution(e.id, e.node_id, models::ExecutionComputeState::kRunning, "",
                                      "running", nullptr)
                    .ok());
    ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, e.node_id, "result.json", payload).ok());
    models::RunOutput output;
    output.stdout_text = payload;
    ASSERT_TRUE(orchestrator_
                    ->UpdateExecution(e.id, e.node_id, models::ExecutionComputeState::kCompleted,
                                      "", "done", &output)
                    .ok());
  }
  models::JobStateType StateOf(const std::string& job_id) {
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

}  // namespace shoal::orchestrator::testing
