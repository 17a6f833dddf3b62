// The store commit protocol as the orchestrator runs it: which tasks a job's end calls for, what
// the manifest says, and how tasks reach the nodes of the store's region (in-process, with a
// real SQLite store; nodes are driven by hand).
#include "orchestrator/store_tasks.h"

#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "orchestrator/orchestrator.h"
#include "orchestrator/testing/orchestrator_fixture.h"

namespace shoal::orchestrator {
namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;
using models::StoreTaskKind;
using namespace std::chrono_literals;

constexpr const char* kUsFolderStore = "folder:/srv/us";
constexpr const char* kEuS3Store = "http://10.0.0.9:9000";

models::SpecConfig Published(const std::string& key, const std::string& location,
                             std::vector<std::string> paths = {"stdout", "outputs/a.csv"}) {
  nlohmann::json files = nlohmann::json::array();
  for (const auto& path : paths) files.push_back({{"Path", path}, {"Size", 7}});
  return {"s3",
          {{"Bucket", "my-bucket"},
           {"Key", key},
           {"Encoding", "plain"},
           {"Store", "storage-local"},
           {"StoreLocation", location},
           {"Files", files}}};
}

models::Execution CompletedExecution(const std::string& id, int64_t partition,
                                     const models::SpecConfig& published) {
  models::Execution e;
  e.id = id;
  e.job_id = "j-1";
  e.job_version = 1;
  e.node_id = "node-" + std::to_string(partition);
  e.partition_index = partition;
  e.compute_state = {ExecutionComputeState::kCompleted, ""};
  e.published_result = published;
  return e;
}

models::Job EndedJob(models::JobStateType state) {
  models::Job job;
  job.id = "j-1";
  job.version = 1;
  job.count = 3;
  job.state = {state, ""};
  return job;
}

TEST(StoreTasksTest, ACompletedJobCommitsOneManifestPerStore) {
  std::vector<models::Execution> executions = {
      CompletedExecution("e-b", 1, Published("r/j-1/e-b/", kUsFolderStore)),
      CompletedExecution("e-a", 0, Published("r/j-1/e-a/", kUsFolderStore, {"stdout"})),
      CompletedExecution("e-c", 2, Published("r/j-1/e-c/", kEuS3Store)),
  };
  // A failed attempt of partition 1 and an older version's execution are not the job's results.
  models::Execution failed = CompletedExecution("e-x", 1, Published("r/j-1/e-x/", kUsFolderStore));
  failed.compute_state = {ExecutionComputeState::kFailed, "lost"};
  executions.push_back(failed);
  models::Execution old = CompletedExecution("e-old", 0, Published("r/j-1/e-old/", kUsFolderStore));
  old.job_version = 0;
  executions.push_back(old);

  auto tasks = JobEndStoreTasks(EndedJob(models::JobStateType::kCompleted), executions, 5);
  ASSERT_EQ(tasks.size(), 2u);
  const models::StoreTask& us = tasks[0].store_location() == kUsFolderStore ? tasks[0] : tasks[1];
  const models::StoreTask& eu = tasks[0].store_location() == kUsFolderStore ? tasks[1] : tasks[0];
  EXPECT_EQ(us.kind, StoreTaskKind::kCommit);
  EXPECT_EQ(us.object_key,
            "_shoal/commits/j-1/v1-" + models::LocationHash(kUsFolderStore) + ".ndjson");
  EXPECT_NE(us.object_key, eu.object_key);
  EXPECT_EQ(us.target.params.count("Files"), 0u);
  EXPECT_NE(us.id, eu.id);
  EXPECT_EQ(us.content,
            "{\"execution_id\":\"e-a\",\"job_id\":\"j-1\",\"job_version\":1,\"node_id\":\"node-0\","
            "\"partition_index\":0,\"partitions\":3,\"path\":\"s3://my-bucket/r/j-1/e-a/stdout\","
            "\"size\":7}\n"
            "{\"execution_id\":\"e-b\",\"job_id\":\"j-1\",\"job_version\":1,\"node_id\":\"node-1\","
            "\"partition_index\":1,\"partitions\":3,\"path\":\"s3://my-bucket/r/j-1/e-b/"
            "outputs/a.csv\",\"size\":7}\n"
            "{\"execution_id\":\"e-b\",\"job_id\":\"j-1\",\"job_version\":1,\"node_id\":\"node-1\","
            "\"partition_index\":1,\"partitions\":3,\"path\":\"s3://my-bucket/r/j-1/e-b/stdout\","
            "\"size\":7}\n");
  EXPECT_NE(eu.content.find("r/j-1/e-c/stdout"), std::string::npos);
  EXPECT_EQ(eu.content.find("e-b"), std::string::npos);
  // The same end asks for the same tasks: ids are deterministic.
  auto again = JobEndStoreTasks(EndedJob(models::JobStateType::kCompleted), executions, 9);
  EXPECT_EQ(again[0].id, tasks[0].id);
}

TEST(StoreTasksTest, AGzipResultIsOneObject) {
  models::SpecConfig gzip = Published("r/j-1/e-a.tar.gz", kUsFolderStore);
  gzip.params["Encoding"] = "gzip";
  auto tasks = JobEndStoreTasks(EndedJob(models::JobStateType::kCompleted),
                                {CompletedExecution("e-a", 0, gzip)}, 5);
  ASSERT_EQ(tasks.size(), 1u);
  EXPECT_NE(tasks[0].content.find("\"path\":\"s3://my-bucket/r/j-1/e-a.tar.gz\",\"size\":null"),
            std::string::npos)
      << tasks[0].content;
}

TEST(StoreTasksTest, AFailedJobCommitsNothingAndCleansTreesThatNameTheirExecution) {
  std::vector<models::Execution> executions = {
      CompletedExecution("e-a", 0, Published("r/j-1/e-a/", kUsFolderStore)),
      CompletedExecution("e-b", 1, Published("r/j-1/shared/", kUsFolderStore)),
  };
  for (auto state : {models::JobStateType::kFailed, models::JobStateType::kStopped}) {
    auto tasks = JobEndStoreTasks(EndedJob(state), executions, 5);
    ASSERT_EQ(tasks.size(), 1u);
    EXPECT_EQ(tasks[0].kind, StoreTaskKind::kClean);
    EXPECT_EQ(tasks[0].id, "clean-e-a");
    EXPECT_EQ(tasks[0].paths, (std::vector<std::string>{"stdout", "outputs/a.csv"}));
  }
}

TEST(StoreTasksTest, AnAbandonedPublishIsCleanedOnlyWhenItsKeyNamesTheExecution) {
  models::Execution e;
  e.id = "e-7";
  e.job_id = "j-1";
  EXPECT_FALSE(CleanTaskFor(e, 1).has_value());  // never began to publish
  e.publish_target = Published("r/j-1/e-7/", kUsFolderStore);
  auto task = CleanTaskFor(e, 1);
  ASSERT_TRUE(task.has_value());
  EXPECT_EQ(task->store_location(), kUsFolderStore);
  e.publish_target = Published("r/j-1/", kUsFolderStore);  // shared: may hold the committed results
  EXPECT_FALSE(CleanTaskFor(e, 1).has_value());
}

class StoreTaskDispatchTest : public testing::OrchestratorFixture {
 protected:
  void Register(const std::string& id, const std::string& location) {
    models::Node node;
    node.id = id;
    node.labels = {{"region", "us"}};
    node.engines = {"duckdb"};
    node.stores = {{"storage-local", location}};
    ASSERT_TRUE(orchestrator_->RegisterNode(node).ok());
  }
  std::string Submit(int64_t count, const std::string& key) {
    models::Job job;
    job.name = "published";
    job.count = count;
    job.task.name = "main";
    job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
    job.task.publisher = {"s3", {{"Bucket", "my-bucket"}, {"Key", key}}};
    auto submitted = orchestrator_->SubmitJob(job, false, false);
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    return submitted.ok() ? submitted->job_id : "";
  }
  Work Poll(const std::string& node) {
    auto work = orchestrator_->PollWork(node, 0ms);
    EXPECT_TRUE(work.ok()) << work.status().ToString();
    return work.ok() ? *work : Work{};
  }
  void Report(const models::Execution& e, ExecutionComputeState state,
              const models::SpecConfig* published = nullptr) {
    models::RunOutput output;
    Status status =
        orchestrator_->UpdateExecution(e.id, e.node_id, state, "", "", &output, published);
    EXPECT_TRUE(status.ok()) << status.ToString();
  }
  // Runs `e` to Completed, published under a key that names it.
  void Complete(const models::Execution& e) {
    Report(e, ExecutionComputeState::kRunning);
    models::SpecConfig target = Published("r/" + e.id + "/", kUsFolderStore);
    Report(e, ExecutionComputeState::kPublishing, &target);
    Report(e, ExecutionComputeState::kCompleted, &target);
  }
};

TEST_F(StoreTaskDispatchTest, TheManifestIsWrittenOnlyOnceEveryPartitionCompleted) {
  Register("us-1", kUsFolderStore);
  Register("us-2", kUsFolderStore);
  Register("eu-1", kEuS3Store);
  const std::string job_id = Submit(2, "r/{executionID}/");
  std::vector<models::Execution> executions;
  for (const auto* node : {"us-1", "us-2", "eu-1"}) {
    for (auto& [e, job] : Poll(node).assigned) executions.push_back(e);
  }
  ASSERT_EQ(executions.size(), 2u);
  Complete(executions[0]);
  EXPECT_TRUE(orchestrator_->PendingStoreTasks().empty());  // half a job commits nothing
  Complete(executions[1]);
  auto pending = orchestrator_->PendingStoreTasks();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, StoreTaskKind::kCommit);
  EXPECT_EQ(pending[0].job_id, job_id);

  // Only a node with a store at the location gets it, and only one node at a time.
  EXPECT_TRUE(Poll("eu-1").store_tasks.empty());
  auto handed = Poll("us-2").store_tasks;
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_TRUE(Poll("us-1").store_tasks.empty());
  EXPECT_FALSE(orchestrator_->FinishStoreTask(handed[0].id, "us-1", "").ok());

  // A failure keeps it, and the task survives a restart.
  ASSERT_TRUE(orchestrator_->FinishStoreTask(handed[0].id, "us-2", "store is down").ok());
  EXPECT_EQ(orchestrator_->PendingStoreTasks().size(), 1u);
  Reopen();
  ASSERT_EQ(orchestrator_->PendingStoreTasks().size(), 1u);
  Register("us-1", kUsFolderStore);
  handed = Poll("us-1").store_tasks;
  ASSERT_EQ(handed.size(), 1u);
  ASSERT_TRUE(orchestrator_->FinishStoreTask(handed[0].id, "us-1", "").ok());
  EXPECT_TRUE(orchestrator_->PendingStoreTasks().empty());
  Reopen();
  EXPECT_TRUE(orchestrator_->PendingStoreTasks().empty());
}

TEST_F(StoreTaskDispatchTest, ALostPublisherTreeIsCleanedByAnotherNodeOfTheRegion) {
  Register("us-1", kUsFolderStore);
  Submit(1, "r/{executionID}/");
  auto assigned = Poll("us-1").assigned;
  ASSERT_EQ(assigned.size(), 1u);
  const models::Execution e = assigned[0].first;
  Report(e, ExecutionComputeState::kRunning);
  models::SpecConfig target = Published("r/" + e.id + "/", kUsFolderStore);
  Report(e, ExecutionComputeState::kPublishing, &target);
  // The node dies mid-upload and never comes back; another node of the region joins.
  Register("us-2", kUsFolderStore);
  for (int i = 0; i < 100 && orchestrator_->PendingStoreTasks().empty(); ++i) {
    std::this_thread::sleep_for(20ms);
    (void)orchestrator_->Heartbeat("us-2", {});
  }
  auto pending = orchestrator_->PendingStoreTasks();
  ASSERT_EQ(pending.size(), 1u);
  EXPECT_EQ(pending[0].kind, StoreTaskKind::kClean);
  EXPECT_EQ(pending[0].execution_id, e.id);
  EXPECT_EQ(pending[0].paths, (std::vector<std::string>{"stdout", "outputs/a.csv"}));
  auto handed = Poll("us-2").store_tasks;
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0].kind, StoreTaskKind::kClean);
}

TEST_F(StoreTaskDispatchTest, ATaskOfALostNodeIsHandedOutAgain) {
  Register("us-1", kUsFolderStore);
  Submit(1, "r/{executionID}/");
  auto assigned = Poll("us-1").assigned;
  ASSERT_EQ(assigned.size(), 1u);
  Complete(assigned[0].first);
  ASSERT_EQ(Poll("us-1").store_tasks.size(), 1u);  // handed to us-1, which then dies
  Register("us-2", kUsFolderStore);
  std::vector<models::StoreTask> handed;
  for (int i = 0; i < 100 && handed.empty(); ++i) {
    std::this_thread::sleep_for(20ms);
    (void)orchestrator_->Heartbeat("us-2", {});
    handed = Poll("us-2").store_tasks;
  }
  ASSERT_EQ(handed.size(), 1u);
  EXPECT_EQ(handed[0].kind, StoreTaskKind::kCommit);
}

}  // namespace
}  // namespace shoal::orchestrator
