// Fetches of store-published results, driven as the CLI and nodes drive them: which node is
// asked, what a second request does, and what happens when the node fails, vanishes or is slow.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "orchestrator/orchestrator.h"
#include "orchestrator/testing/orchestrator_fixture.h"

namespace shoal::orchestrator {
namespace {

namespace fs = std::filesystem;
using models::ExecutionComputeState;
using namespace std::chrono_literals;

constexpr const char* kUsStore = "folder:/srv/us";
constexpr const char* kEuStore = "folder:/srv/eu";

class ResultFetchTest : public testing::OrchestratorFixture {
 protected:
  // Restarts the orchestrator, fetches timing out after `fetch_timeout`.
  void ReopenWithFetchTimeout(std::chrono::milliseconds fetch_timeout) {
    options_.fetch_timeout = fetch_timeout;
    Reopen();
  }
  // A node whose store `store_name` is at `location` (names differ between nodes; locations
  // are what count).
  void Register(const std::string& id, const std::string& store_name, const std::string& location,
                const std::string& region = "us") {
    models::Node node;
    node.id = id;
    node.labels = {{"region", region}};
    node.engines = {"duckdb"};
    node.stores = {{store_name, location}};
    ASSERT_TRUE(orchestrator_->RegisterNode(node).ok());
  }
  // Runs a one-partition job on the only registered node; the node publishes to the store at
  // `location` (an empty location: published without one, as an older node would).
  models::Execution RunPublishedJob(const std::string& location = kUsStore) {
    models::Job job;
    job.name = "published";
    job.count = 1;
    job.task.name = "main";
    job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
    job.task.publisher = {"s3", {{"Bucket", "my-bucket"}, {"Key", "out/"}}};
    auto submitted = orchestrator_->SubmitJob(job, false, false);
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    job_id_ = submitted->job_id;
    auto work = orchestrator_->PollWork("us-1", 0ms);
    EXPECT_EQ(work->assigned.size(), 1u);
    models::Execution e = work->assigned.at(0).first;
    EXPECT_TRUE(
        orchestrator_
            ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kRunning, "", "", nullptr)
            .ok());
    models::SpecConfig published{"s3",
                                 {{"Bucket", "my-bucket"},
                                  {"Key", "out/"},
                                  {"Endpoint", "storage-local"},
                                  {"Encoding", "plain"},
                                  {"Store", "storage-local"}}};
    if (!location.empty()) published.params["StoreLocation"] = location;
    models::RunOutput output;
    EXPECT_TRUE(orchestrator_
                    ->UpdateExecution(e.id, e.node_id, ExecutionComputeState::kCompleted, "",
                                      "done", &output, &published)
                    .ok());
    return e;
  }
  ResultFetchStatus FetchOne() {
    auto statuses = orchestrator_->FetchResults(job_id_);
    EXPECT_TRUE(statuses.ok()) << statuses.status().ToString();
    EXPECT_EQ(statuses->size(), 1u);
    return statuses->empty() ? ResultFetchStatus{} : statuses->at(0);
  }
  std::vector<FetchAssignment> Fetches(const std::string& node) {
    auto work = orchestrator_->PollWork(node, 0ms);
    EXPECT_TRUE(work.ok()) << work.status().ToString();
    return work->fetches;
  }

  std::string job_id_;
};

TEST_F(ResultFetchTest, ThePublishingNodeFetchesAndTheFilesAppearWhole) {
  Register("us-1", "storage-local", kUsStore);
  models::Execution e = RunPublishedJob();
  // Shares the store and sorts first, but did not publish.
  Register("us-0", "regional", kUsStore);

  // The node uploaded nothing: until fetched, the execution has no files.
  auto results = orchestrator_->Results(job_id_);
  ASSERT_EQ(results->size(), 1u);
  EXPECT_TRUE(results->at(0).files.empty());

  ResultFetchStatus status = FetchOne();
  EXPECT_EQ(status.state, FetchState::kPending);
  EXPECT_EQ(status.fetch_node_id, "us-1");
  EXPECT_TRUE(Fetches("us-0").empty());
  std::vector<FetchAssignment> fetches = Fetches("us-1");
  ASSERT_EQ(fetches.size(), 1u);
  const FetchAssignment fetch = fetches[0];
  EXPECT_EQ(fetch.execution_id, e.id);
  EXPECT_EQ(fetch.job_id, job_id_);
  EXPECT_EQ(fetch.published.params["StoreLocation"], kUsStore);
  EXPECT_TRUE(Fetches("us-1").empty());  // handed out once

  // Uploads are accepted from the fetching node only, and stay invisible until it is done.
  EXPECT_FALSE(orchestrator_->StoreResultFile(e.id, "us-0", "stdout", "x").ok());
  ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, "us-1", "stdout", "1\n", fetch.fetch_id).ok());
  ASSERT_TRUE(
      orchestrator_->StoreResultFile(e.id, "us-1", "outputs/a.csv", "a\n", fetch.fetch_id).ok());
  EXPECT_FALSE(orchestrator_->StoreResultFile(e.id, "us-1", "x", "x", "f-other").ok());
  EXPECT_TRUE(orchestrator_->Results(job_id_)->at(0).files.empty());
  EXPECT_FALSE(orchestrator_->ReadResultFile(job_id_, e.id, "stdout").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kPending);

  EXPECT_FALSE(orchestrator_->FinishFetch(fetch.fetch_id, "us-0", "").ok());
  ASSERT_TRUE(orchestrator_->FinishFetch(fetch.fetch_id, "us-1", "").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kReady);
  results = orchestrator_->Results(job_id_);
  ASSERT_EQ(results->at(0).files.size(), 2u);
  EXPECT_EQ(results->at(0).files[0].path, "outputs/a.csv");
  EXPECT_EQ(*orchestrator_->ReadResultFile(job_id_, e.id, "stdout"), "1\n");

  // Fetched results are kept like uploaded ones: after a restart nothing is fetched again.
  Reopen();
  EXPECT_EQ(FetchOne().state, FetchState::kReady);
  EXPECT_TRUE(Fetches("us-1").empty());
}

TEST_F(ResultFetchTest, AskingAgainWhileInFlightAssignsNothingNew) {
  Register("us-1", "storage-local", kUsStore);
  RunPublishedJob();
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FetchOne().state, FetchState::kPending);
  EXPECT_EQ(Fetches("us-1").size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(FetchOne().state, FetchState::kPending);
  EXPECT_TRUE(Fetches("us-1").empty());
}

TEST_F(ResultFetchTest, AnotherNodeAtTheSameLocationFetchesWhenThePublisherIsGone) {
  Register("us-1", "storage-local", kUsStore);
  models::Execution e = RunPublishedJob();
  Register("eu-1", "storage-local", kEuStore, "eu");  // same name, another store
  Register("us-2", "regional", kUsStore);
  ASSERT_TRUE(orchestrator_->SetNodeMembership("us-1", models::NodeMembership::kRejected).ok());

  ResultFetchStatus status = FetchOne();
  EXPECT_EQ(status.state, FetchState::kPending);
  EXPECT_EQ(status.fetch_node_id, "us-2");
  EXPECT_TRUE(Fetches("eu-1").empty());
  std::vector<FetchAssignment> fetches = Fetches("us-2");
  ASSERT_EQ(fetches.size(), 1u);
  ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, "us-2", "stdout", "1\n").ok());
  ASSERT_TRUE(orchestrator_->FinishFetch(fetches[0].fetch_id, "us-2", "").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kReady);
  EXPECT_EQ(*orchestrator_->ReadResultFile(job_id_, e.id, "stdout"), "1\n");
}

TEST_F(ResultFetchTest, FailsWhenNoConnectedNodeReachesTheStore) {
  Register("us-1", "storage-local", kUsStore);
  RunPublishedJob();
  Register("eu-1", "storage-local", kEuStore, "eu");
  ASSERT_TRUE(orchestrator_->SetNodeMembership("us-1", models::NodeMembership::kRejected).ok());
  for (int i = 0; i < 2; ++i) {
    ResultFetchStatus status = FetchOne();
    EXPECT_EQ(status.state, FetchState::kFailed);
    EXPECT_EQ(status.message,
              std::string("no connected node can reach store storage-local (") + kUsStore + ")");
  }
  EXPECT_TRUE(Fetches("eu-1").empty());
  // A node that can reach it comes along: the next request uses it.
  Register("us-3", "storage-local", kUsStore);
  EXPECT_EQ(FetchOne().fetch_node_id, "us-3");
}

TEST_F(ResultFetchTest, WithoutAStoreLocationOnlyThePublishingNodeQualifies) {
  Register("us-1", "storage-local", kUsStore);
  RunPublishedJob(/*location=*/"");
  Register("us-2", "storage-local", kUsStore);
  EXPECT_EQ(FetchOne().fetch_node_id, "us-1");
  ASSERT_TRUE(orchestrator_->FinishFetch(Fetches("us-1").at(0).fetch_id, "us-1", "boom").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kFailed);
  ASSERT_TRUE(orchestrator_->SetNodeMembership("us-1", models::NodeMembership::kRejected).ok());
  EXPECT_EQ(FetchOne().state, FetchState::kFailed);
  EXPECT_TRUE(Fetches("us-2").empty());
}

TEST_F(ResultFetchTest, ANodesErrorIsReportedOnceThenRetried) {
  Register("us-1", "storage-local", kUsStore);
  models::Execution e = RunPublishedJob();
  FetchOne();
  const std::string first = Fetches("us-1").at(0).fetch_id;
  ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, "us-1", "stdout", "partial", first).ok());
  ASSERT_TRUE(orchestrator_->FinishFetch(first, "us-1", "NoSuchKey: out/stdout").ok());
  ResultFetchStatus failed = FetchOne();
  EXPECT_EQ(failed.state, FetchState::kFailed);
  EXPECT_EQ(failed.message, "node us-1: NoSuchKey: out/stdout");
  EXPECT_FALSE(orchestrator_->ReadResultFile(job_id_, e.id, "stdout").ok());  // nothing half
  EXPECT_FALSE(orchestrator_->FinishFetch(first, "us-1", "").ok());

  EXPECT_EQ(FetchOne().state, FetchState::kPending);  // the retry
  std::vector<FetchAssignment> retry = Fetches("us-1");
  ASSERT_EQ(retry.size(), 1u);
  EXPECT_NE(retry[0].fetch_id, first);
  ASSERT_TRUE(orchestrator_->FinishFetch(retry[0].fetch_id, "us-1", "").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kReady);
  EXPECT_TRUE(orchestrator_->Results(job_id_)->at(0).files.empty());  // the retry sent none
}

TEST_F(ResultFetchTest, ASlowFetchTimesOutAndTheNextRequestRetries) {
  ReopenWithFetchTimeout(300ms);
  Register("us-1", "storage-local", kUsStore);
  models::Execution e = RunPublishedJob();
  FetchOne();
  const std::string first = Fetches("us-1").at(0).fetch_id;
  ResultFetchStatus status;
  for (int i = 0; i < 100; ++i) {
    status = FetchOne();
    if (status.state != FetchState::kPending) break;
    ASSERT_TRUE(orchestrator_->Heartbeat("us-1", {}).ok());
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status.state, FetchState::kFailed);
  EXPECT_EQ(status.message, "node us-1 did not finish the fetch within 300 ms");
  // The slow node's late work is refused.
  EXPECT_FALSE(orchestrator_->StoreResultFile(e.id, "us-1", "stdout", "late", first).ok());
  EXPECT_FALSE(orchestrator_->FinishFetch(first, "us-1", "").ok());
  EXPECT_EQ(FetchOne().state, FetchState::kPending);
  ASSERT_EQ(Fetches("us-1").size(), 1u);
}

TEST_F(ResultFetchTest, ALostNodesFetchFails) {
  Register("us-1", "storage-local", kUsStore);
  RunPublishedJob();
  EXPECT_EQ(FetchOne().fetch_node_id, "us-1");
  ASSERT_EQ(Fetches("us-1").size(), 1u);
  ResultFetchStatus status;
  for (int i = 0; i < 100; ++i) {  // us-1 stops heartbeating; the ticker declares it lost
    status = FetchOne();
    if (status.state != FetchState::kPending) break;
    std::this_thread::sleep_for(20ms);
  }
  EXPECT_EQ(status.state, FetchState::kFailed);
  EXPECT_EQ(status.message, "node us-1 was lost during the fetch");
  EXPECT_EQ(FetchOne().message,
            std::string("no connected node can reach store storage-local (") + kUsStore + ")");
}

TEST_F(ResultFetchTest, UploadedResultsAreReadyWithoutAFetch) {
  Register("us-1", "storage-local", kUsStore);
  models::Job job;
  job.name = "local";
  job.count = 1;
  job.task.name = "main";
  job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
  job_id_ = orchestrator_->SubmitJob(job, false, false)->job_id;
  models::Execution e = orchestrator_->PollWork("us-1", 0ms)->assigned.at(0).first;
  ASSERT_TRUE(
      orchestrator_->UpdateExecution(e.id, "us-1", ExecutionComputeState::kRunning, "", "", nullptr)
          .ok());
  ASSERT_TRUE(orchestrator_->StoreResultFile(e.id, "us-1", "stdout", "1\n").ok());
  ASSERT_TRUE(
      orchestrator_
          ->UpdateExecution(e.id, "us-1", ExecutionComputeState::kCompleted, "", "", nullptr)
          .ok());
  EXPECT_EQ(FetchOne().state, FetchState::kReady);
  EXPECT_TRUE(Fetches("us-1").empty());
  EXPECT_EQ(orchestrator_->ListExecutions(job_id_)->at(0).published_result.type, "local");
}

}  // namespace
}  // namespace shoal::orchestrator
