// Executions, nodes and history events in the job store, and its transactions (commit, rollback,
// nesting, other threads waiting).
#include "orchestrator/testing/job_store_fixture.h"

namespace shoal::orchestrator {
namespace {

using namespace testing;  // NOLINT: the fixture and its builders

TEST_F(JobStoreTest, ExecutionRoundTripAndQueries) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "a")));
  ASSERT_OK(store->PutJob(MakeJob("j-2", "b")));

  Execution full = MakeExecution("e-full", "j-1", "n-1", ExecutionComputeState::kFailed, 5);
  full.job_version = 2;
  full.partition_index = 2;
  full.attempt = 3;
  full.desired_state = {models::ExecutionDesiredState::kStopped, "node lost"};
  full.compute_state.message = "exit 1";
  full.previous_execution = "e-0";
  full.next_execution = "e-9";
  full.run_output = {"rows", true, "warn", false, 1, "exit status 1"};
  full.published_result = {"s3", {{"Bucket", "b"}, {"Key", "k/"}}};
  full.revision = 4;
  full.modify_time = 6;
  ASSERT_OK(store->PutExecution(full));
  auto got = store->GetExecution("e-full");
  ASSERT_OK(got);
  EXPECT_EQ(*got, full);

  ASSERT_OK(
      store->PutExecution(MakeExecution("e-1", "j-1", "n-1", ExecutionComputeState::kNew, 1)));
  ASSERT_OK(
      store->PutExecution(MakeExecution("e-2", "j-1", "n-1", ExecutionComputeState::kRunning, 2)));
  ASSERT_OK(store->PutExecution(
      MakeExecution("e-3", "j-2", "n-1", ExecutionComputeState::kCompleted, 3)));
  ASSERT_OK(
      store->PutExecution(MakeExecution("e-4", "j-2", "n-2", ExecutionComputeState::kRunning, 4)));

  auto ids = [](const Result<std::vector<Execution>>& list) {
    std::vector<std::string> out;
    EXPECT_TRUE(list.ok()) << Describe(list);
    if (list.ok()) {
      for (const Execution& e : *list) out.push_back(e.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids(store->ListExecutions("j-1")), (V{"e-1", "e-2", "e-full"}));
  EXPECT_EQ(ids(store->ListExecutions("j-2")), (V{"e-3", "e-4"}));
  EXPECT_EQ(ids(store->ListExecutions("j-none")), V{});
  // Failed and Completed are terminal.
  EXPECT_EQ(ids(store->ListActiveExecutionsOnNode("n-1")), (V{"e-1", "e-2"}));
  EXPECT_EQ(ids(store->ListActiveExecutionsOnNode("n-2")), (V{"e-4"}));

  // An update moves the execution between nodes and out of the active set.
  Execution moved = MakeExecution("e-1", "j-1", "n-2", ExecutionComputeState::kCompleted, 1);
  ASSERT_OK(store->PutExecution(moved));
  EXPECT_EQ(ids(store->ListActiveExecutionsOnNode("n-1")), (V{"e-2"}));
  EXPECT_EQ(ids(store->ListActiveExecutionsOnNode("n-2")), (V{"e-4"}));
  got = store->GetExecution("e-1");
  ASSERT_OK(got);
  EXPECT_EQ(*got, moved);

  auto missing = store->GetExecution("e-404");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "execution e-404 not found");
  Status orphan = store->PutExecution(MakeExecution("e-5", "j-404", "n-1"));
  EXPECT_EQ(orphan.code(), ErrorCode::kNotFound);
  EXPECT_EQ(orphan.message(), "job j-404 of execution e-5 not found");
}

TEST_F(JobStoreTest, NodeRoundTrip) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  Node eu = MakeNode("compute-eu-1");
  Node us = MakeNode("compute-us-1");
  us.labels = {{"region", "us"}};
  ASSERT_OK(store->PutNode(us));
  ASSERT_OK(store->PutNode(eu));
  auto got = store->GetNode("compute-us-1");
  ASSERT_OK(got);
  EXPECT_EQ(*got, us);

  eu.connection = models::NodeConnection::kDisconnected;
  eu.last_heartbeat += 1;
  ASSERT_OK(store->PutNode(eu));
  auto all = store->ListNodes();
  ASSERT_OK(all);
  EXPECT_EQ(*all, (std::vector<Node>{eu, us}));
  EXPECT_EQ(store->GetNode("n-x").status().message(), "node n-x not found");
}

TEST_F(JobStoreTest, EventsAreNumberedPerJob) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "a")));
  ASSERT_OK(store->PutJob(MakeJob("j-2", "b")));
  std::vector<int64_t> seqs;
  for (const auto& [job, message] : std::vector<std::pair<std::string, std::string>>{
           {"j-1", "a1"}, {"j-2", "b1"}, {"j-1", "a2"}, {"j-1", "a3"}, {"j-2", "b2"}}) {
    auto seq = store->AppendEvent(MakeEvent(job, message));
    ASSERT_OK(seq);
    seqs.push_back(*seq);
  }
  EXPECT_EQ(seqs, (std::vector<int64_t>{1, 1, 2, 3, 2}));

  Event detailed = MakeEvent("j-2", "b3");
  detailed.type = EventType::kExecutionLevel;
  detailed.execution_id = "e-1";
  detailed.details = {{"NodeID", "compute-us-1"}};
  detailed.seq_num = 77;  // ignored: the store assigns it
  auto seq = store->AppendEvent(detailed);
  ASSERT_OK(seq);
  EXPECT_EQ(*seq, 3);

  auto all = store->ListEvents("j-1", 0, 100);
  ASSERT_OK(all);
  ASSERT_EQ(all->size(), 3u);
  for (int i = 0; i < 3; ++i) {
    Event expected = MakeEvent("j-1", "a" + std::to_string(i + 1));
    expected.seq_num = i + 1;
    EXPECT_EQ((*all)[i], expected);
  }
  auto since = store->ListEvents("j-1", 1, 100);
  ASSERT_OK(since);
  ASSERT_EQ(since->size(), 2u);
  EXPECT_EQ((*since)[0].seq_num, 2);
  EXPECT_EQ((*since)[1].seq_num, 3);
  auto limited = store->ListEvents("j-1", 1, 1);
  ASSERT_OK(limited);
  ASSERT_EQ(limited->size(), 1u);
  EXPECT_EQ((*limited)[0].message, "a2");
  auto past_end = store->ListEvents("j-1", 3, 100);
  ASSERT_OK(past_end);
  EXPECT_TRUE(past_end->empty());

  auto j2 = store->ListEvents("j-2", 2, 100);
  ASSERT_OK(j2);
  ASSERT_EQ(j2->size(), 1u);
  detailed.seq_num = 3;
  EXPECT_EQ((*j2)[0], detailed);

  auto orphan = store->AppendEvent(MakeEvent("j-404", "x"));
  EXPECT_EQ(orphan.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(orphan.status().message(), "job j-404 not found");
  EXPECT_EQ(store->ListEvents("j-1", 0, 0).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(JobStoreTest, TransactionCommitsEverything) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  int64_t seq = 0;
  ASSERT_OK(store->Transaction([&](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-1", "a")));
    SHOAL_RETURN_IF_ERROR(tx.PutExecution(MakeExecution("e-1", "j-1", "n-1")));
    SHOAL_ASSIGN_OR_RETURN(seq, tx.AppendEvent(MakeEvent("j-1", "hello")));
    // Reads inside the body see the body's own writes.
    SHOAL_ASSIGN_OR_RETURN(Job job, tx.GetJob("j-1"));
    EXPECT_EQ(job.name, "a");
    return tx.PutNode(MakeNode("n-1"));
  }));
  EXPECT_EQ(seq, 1);
  EXPECT_OK(store->GetJob("j-1"));
  EXPECT_OK(store->GetExecution("e-1"));
  EXPECT_OK(store->GetNode("n-1"));
  auto events = store->ListEvents("j-1", 0, 10);
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 1u);
}

TEST_F(JobStoreTest, TransactionRollsBackWhenBodyFails) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-0", "before")));
  Status status = store->Transaction([](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-1", "a")));
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-0", "renamed")));
    SHOAL_RETURN_IF_ERROR(tx.PutExecution(MakeExecution("e-1", "j-1", "n-1")));
    SHOAL_RETURN_IF_ERROR(tx.AppendEvent(MakeEvent("j-0", "x")).status());
    SHOAL_RETURN_IF_ERROR(tx.PutNode(MakeNode("n-1")));
    return Status::FailedPrecondition("changed my mind");
  });
  EXPECT_EQ(status.code(), ErrorCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "changed my mind");

  EXPECT_EQ(store->GetJob("j-1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->GetJobVersion("j-1", 1).status().code(), ErrorCode::kNotFound);
  auto j0 = store->GetJob("j-0");
  ASSERT_OK(j0);
  EXPECT_EQ(j0->name, "before");
  EXPECT_EQ(store->GetExecution("e-1").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->GetNode("n-1").status().code(), ErrorCode::kNotFound);
  auto events = store->ListEvents("j-0", 0, 10);
  ASSERT_OK(events);
  EXPECT_TRUE(events->empty());
  // The numbering did not advance either.
  auto seq = store->AppendEvent(MakeEvent("j-0", "y"));
  ASSERT_OK(seq);
  EXPECT_EQ(*seq, 1);
  // Nothing is left behind on disk either.
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM jobs"), "1");
  EXPECT_EQ(RawSql(path_, "SELECT count(*) FROM nodes"), "0");
}

TEST_F(JobStoreTest, TransactionRollsBackWhenBodyThrows) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  Status status = store->Transaction([](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-1", "a")));
    throw std::runtime_error("boom");
  });
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_NE(status.message().find("boom"), std::string::npos);
  EXPECT_EQ(store->GetJob("j-1").status().code(), ErrorCode::kNotFound);
  // The store is still usable.
  ASSERT_OK(store->PutJob(MakeJob("j-2", "b")));
}

TEST_F(JobStoreTest, NestedTransactionsUndoOnlyTheirOwnPart) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->Transaction([](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-outer", "outer")));
    Status inner = tx.Transaction([](JobStore& tx2) -> Status {
      SHOAL_RETURN_IF_ERROR(tx2.PutJob(MakeJob("j-inner", "inner")));
      return Status::Unavailable("inner failed");
    });
    EXPECT_EQ(inner.code(), ErrorCode::kUnavailable);
    // A failed PutJob (name taken) inside the transaction undoes only itself, too.
    EXPECT_EQ(tx.PutJob(MakeJob("j-dup", "outer")).code(), ErrorCode::kAlreadyExists);
    return tx.Transaction(
        [](JobStore& tx2) { return tx2.PutJob(MakeJob("j-inner-ok", "inner-ok")); });
  }));
  EXPECT_OK(store->GetJob("j-outer"));
  EXPECT_OK(store->GetJob("j-inner-ok"));
  EXPECT_EQ(store->GetJob("j-inner").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->GetJob("j-dup").status().code(), ErrorCode::kNotFound);

  // An outer failure undoes inner parts that succeeded.
  Status status = store->Transaction([](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(
        tx.Transaction([](JobStore& tx2) { return tx2.PutJob(MakeJob("j-x", "x")); }));
    return Status::Internal("outer failed");
  });
  EXPECT_EQ(status.code(), ErrorCode::kInternal);
  EXPECT_EQ(store->GetJob("j-x").status().code(), ErrorCode::kNotFound);
}

TEST_F(JobStoreTest, OtherThreadsWaitForATransaction) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  std::atomic<bool> in_body{false};
  std::atomic<bool> other_done{false};
  bool other_done_during_body = true;
  Result<Job> seen_by_other = Status::Internal("not run");

  std::thread other([&] {
    while (!in_body) std::this_thread::yield();
    seen_by_other = store->GetJob("j-1");
    other_done = true;
  });
  ASSERT_OK(store->Transaction([&](JobStore& tx) -> Status {
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-1", "first")));
    in_body = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    other_done_during_body = other_done;
    return tx.PutJob(MakeJob("j-1", "second"));
  }));
  other.join();
  EXPECT_FALSE(other_done_during_body);
  ASSERT_OK(seen_by_other);
  EXPECT_EQ(seen_by_other->name, "second");  // only the committed end state is visible
}

}  // namespace
}  // namespace shoal::orchestrator
