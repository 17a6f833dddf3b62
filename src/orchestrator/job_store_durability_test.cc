// The job store's file: its schema and migrations, what survives a kill or a full disk, concurrent
// writers, damaged rows, and the counts /metrics reads.
#include "orchestrator/testing/job_store_fixture.h"

namespace shoal::orchestrator {
namespace {

using namespace testing;  // NOLINT: the fixture and its builders

TEST_F(JobStoreTest, OpenCreatesVersionedSchemaInWalMode) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  EXPECT_EQ(RawSql(path_, "PRAGMA user_version"), "4");
  EXPECT_EQ(RawSql(path_, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(RawSql(path_,
                   "SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
                   "WHERE type = 'table' ORDER BY name)"),
            "events,executions,job_versions,jobs,nodes,store_tasks");
  // Reopening an up-to-date file changes nothing.
  store.reset();
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  EXPECT_EQ(RawSql(path_, "PRAGMA user_version"), "4");
}

TEST_F(JobStoreTest, StoreTasksAreKeptOnceUntilDeletedAndBelongToAJob) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  models::Job job;
  job.id = "j-tasks";
  job.namespace_ = "default";
  ASSERT_TRUE(store->PutJob(job).ok());
  models::StoreTask commit;
  commit.id = "commit-j-tasks-v1-x";
  commit.job_id = job.id;
  commit.target = {"s3", {{"Bucket", "b"}, {"StoreLocation", "folder:/s"}}};
  commit.object_key = "_shoal/commits/j-tasks/v1-x.ndjson";
  commit.content = "{}\n";
  commit.create_time = 2;
  models::StoreTask clean = commit;
  clean.id = "clean-e-1";
  clean.kind = models::StoreTaskKind::kClean;
  clean.paths = {"stdout"};
  clean.create_time = 1;
  ASSERT_TRUE(store->PutStoreTask(commit).ok());
  ASSERT_TRUE(store->PutStoreTask(clean).ok());
  models::StoreTask changed = commit;
  changed.content = "other";
  ASSERT_TRUE(store->PutStoreTask(changed).ok());  // the same id: the first one stays
  auto tasks = store->ListStoreTasks();
  ASSERT_TRUE(tasks.ok()) << tasks.status().ToString();
  ASSERT_EQ(tasks->size(), 2u);
  EXPECT_EQ(tasks->at(0), clean);  // oldest first
  EXPECT_EQ(tasks->at(1), commit);
  ASSERT_TRUE(store->DeleteStoreTask(clean.id).ok());
  ASSERT_TRUE(store->DeleteStoreTask("no-such-task").ok());
  EXPECT_EQ(store->ListStoreTasks()->size(), 1u);
  models::StoreTask orphan = commit;
  orphan.id = "commit-of-nothing";
  orphan.job_id = "j-unknown";
  Status refused = store->PutStoreTask(orphan);
  EXPECT_EQ(refused.code(), ErrorCode::kNotFound) << refused.ToString();
}

TEST_F(JobStoreTest, CountsJobsByStateAndLiveExecutionsByNodeForMetrics) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  auto empty = store->CountJobsByState();
  ASSERT_OK(empty);
  EXPECT_TRUE(empty->empty());
  ASSERT_OK(store->PutJob(MakeJob("j-1", "a", 1, JobStateType::kRunning)));
  ASSERT_OK(store->PutJob(MakeJob("j-2", "b", 2, JobStateType::kRunning)));
  ASSERT_OK(store->PutJob(MakeJob("j-3", "c", 3, JobStateType::kCompleted)));
  ASSERT_OK(
      store->PutExecution(MakeExecution("e-1", "j-1", "n-1", ExecutionComputeState::kRunning)));
  ASSERT_OK(
      store->PutExecution(MakeExecution("e-2", "j-2", "n-1", ExecutionComputeState::kRunning)));
  ASSERT_OK(store->PutExecution(MakeExecution("e-3", "j-2", "n-2", ExecutionComputeState::kNew)));
  ASSERT_OK(
      store->PutExecution(MakeExecution("e-4", "j-3", "n-2", ExecutionComputeState::kCompleted)));
  auto jobs = store->CountJobsByState();
  ASSERT_OK(jobs);
  EXPECT_EQ(*jobs, (std::map<std::string, int64_t>{{"Running", 2}, {"Completed", 1}}));
  auto executions = store->CountActiveExecutions();
  ASSERT_OK(executions);
  ASSERT_EQ(executions->size(), 2u);  // e-4 is terminal
  std::map<std::pair<std::string, std::string>, int64_t> by_node;
  for (const auto& c : *executions) by_node[{c.node_id, c.compute_state}] = c.count;
  EXPECT_EQ(by_node[std::make_pair(std::string("n-1"), std::string("Running"))], 2);
  EXPECT_EQ(by_node[std::make_pair(std::string("n-2"), std::string("New"))], 1);
  // Counting jobs by state reads an index, not every job's JSON (the console's list by state
  // reads the same one).
  EXPECT_EQ(RawSql(path_,
                   "SELECT count(*) FROM sqlite_schema WHERE name = "
                   "'jobs_by_state_create_time'"),
            "1");
}

TEST_F(JobStoreTest, RefusesSchemaFromNewerVersion) {
  {
    std::unique_ptr<JobStore> store;
    ASSERT_NO_FATAL_FAILURE(Open(&store));
  }
  RawSql(path_, "PRAGMA user_version = 99");
  auto opened = JobStore::Open(path_);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(opened.status().message().find("99"), std::string::npos) << Describe(opened);
}

TEST_F(JobStoreTest, OpenReportsFileProblemsAsIoError) {
  auto missing_dir = JobStore::Open(dir_ + "/no/such/dir/state.db");
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), ErrorCode::kIoError);
  EXPECT_NE(missing_dir.status().message().find("no/such/dir"), std::string::npos);

  std::string garbage = dir_ + "/garbage.db";
  FILE* f = fopen(garbage.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs(std::string(8192, 'x').c_str(), f);
  fclose(f);
  auto not_db = JobStore::Open(garbage);
  ASSERT_FALSE(not_db.ok());
  EXPECT_EQ(not_db.status().code(), ErrorCode::kIoError);
  EXPECT_NE(not_db.status().message().find("not a database"), std::string::npos)
      << Describe(not_db);
}

TEST_F(JobStoreTest, EverythingSurvivesReopening) {
  Job job = FullJob();
  Execution execution = MakeExecution("e-1", job.id, "n-1", ExecutionComputeState::kRunning);
  Node node = MakeNode("n-1");
  {
    std::unique_ptr<JobStore> store;
    ASSERT_NO_FATAL_FAILURE(Open(&store));
    Job v1 = job;
    v1.version = 1;
    ASSERT_OK(store->PutJob(v1));
    ASSERT_OK(store->PutJob(job));
    ASSERT_OK(store->PutExecution(execution));
    ASSERT_OK(store->AppendEvent(MakeEvent(job.id, "one")));
    ASSERT_OK(store->AppendEvent(MakeEvent(job.id, "two")));
    ASSERT_OK(store->PutNode(node));
  }
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  auto got_job = store->GetJob(job.id);
  ASSERT_OK(got_job);
  EXPECT_EQ(*got_job, job);
  auto v1 = store->GetJobVersion(job.id, 1);
  ASSERT_OK(v1);
  EXPECT_EQ(v1->version, 1);
  auto got_execution = store->GetExecution("e-1");
  ASSERT_OK(got_execution);
  EXPECT_EQ(*got_execution, execution);
  auto active = store->ListActiveExecutionsOnNode("n-1");
  ASSERT_OK(active);
  EXPECT_EQ(active->size(), 1u);
  auto got_node = store->GetNode("n-1");
  ASSERT_OK(got_node);
  EXPECT_EQ(*got_node, node);
  auto events = store->ListEvents(job.id, 0, 10);
  ASSERT_OK(events);
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[1].message, "two");
  // Numbering continues where it stopped.
  auto seq = store->AppendEvent(MakeEvent(job.id, "three"));
  ASSERT_OK(seq);
  EXPECT_EQ(*seq, 3);
}

// The child opens the store, commits a job and an event, starts a transaction that writes a
// second job, tells the parent, and waits inside the transaction to be killed. The parent kills
// it with SIGKILL (no destructor, no close, no checkpoint) and reopens the file.
TEST_F(JobStoreTest, CommittedWritesSurviveKill9AndUncommittedOnesVanish) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto opened = JobStore::Open(path_);
    if (!opened.ok()) _exit(2);
    JobStore& store = **opened;
    if (!store.PutJob(MakeJob("j-committed", "committed")).ok()) _exit(3);
    if (!store.AppendEvent(MakeEvent("j-committed", "hello")).ok()) _exit(4);
    (void)store.Transaction([&](JobStore& tx) -> Status {
      if (!tx.PutJob(MakeJob("j-uncommitted", "uncommitted")).ok()) _exit(5);
      if (write(fds[1], "x", 1) != 1) _exit(6);
      while (true) pause();
    });
    _exit(7);
  }
  close(fds[1]);
  char byte = 0;
  ASSERT_EQ(read(fds[0], &byte, 1), 1) << "the child failed before its transaction";
  close(fds[0]);
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFSIGNALED(wait_status));
  // The commits live only in the WAL: recovery is what this test checks.
  EXPECT_TRUE(std::filesystem::exists(path_ + "-wal"));

  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  auto job = store->GetJob("j-committed");
  ASSERT_OK(job);
  EXPECT_EQ(job->name, "committed");
  auto events = store->ListEvents("j-committed", 0, 10);
  ASSERT_OK(events);
  EXPECT_EQ(events->size(), 1u);
  EXPECT_EQ(store->GetJob("j-uncommitted").status().code(), ErrorCode::kNotFound);
  // The store is writable after recovery.
  ASSERT_OK(store->PutJob(MakeJob("j-after", "after")));
}

TEST_F(JobStoreTest, CommittedWritesSurviveExitWithoutClose) {
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto opened = JobStore::Open(path_);
    if (!opened.ok()) _exit(2);
    if (!(*opened)->PutJob(MakeJob("j-1", "one")).ok()) _exit(3);
    _exit(0);  // no destructor runs: the connection is never closed
  }
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  ASSERT_TRUE(WIFEXITED(wait_status));
  ASSERT_EQ(WEXITSTATUS(wait_status), 0);
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  EXPECT_OK(store->GetJob("j-1"));
}

// A disk that stops taking writes, simulated with a file-size limit in a child process: the
// failure is kIoError naming the file, the transaction leaves nothing, and earlier commits stay.
TEST_F(JobStoreTest, DiskErrorsAreIoErrorsAndLeaveCommittedDataIntact) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    auto report = [&](const std::string& text) {
      (void)!write(fds[1], text.data(), text.size());
      _exit(0);
    };
    signal(SIGXFSZ, SIG_IGN);  // a write past the limit then fails with EFBIG
    auto opened = JobStore::Open(path_);
    if (!opened.ok()) report("open: " + opened.status().ToString());
    JobStore& store = **opened;
    if (!store.PutJob(MakeJob("j-before", "before")).ok()) report("first put failed");
    rlimit limit{1 << 20, 1 << 20};
    if (setrlimit(RLIMIT_FSIZE, &limit) != 0) report("setrlimit failed");
    Status status = store.Transaction([](JobStore& tx) -> Status {
      for (int i = 0; i < 100000; ++i) {
        Job job = MakeJob("j-big-" + std::to_string(i), "big-" + std::to_string(i));
        job.meta["padding"] = std::string(8192, 'x');
        SHOAL_RETURN_IF_ERROR(tx.PutJob(job));
      }
      return Status::Ok();
    });
    std::string out = status.ToString() + "\n";
    out += store.GetJob("j-before").ok() ? "before: present\n" : "before: missing\n";
    out += store.GetJob("j-big-0").ok() ? "big: present\n" : "big: missing\n";
    report(out);
  }
  close(fds[1]);
  std::string out;
  char buffer[512];
  for (ssize_t n; (n = read(fds[0], buffer, sizeof(buffer))) > 0;) out.append(buffer, n);
  close(fds[0]);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  EXPECT_EQ(out.rfind("I/O error: job store " + path_ + ": ", 0), 0u) << out;
  EXPECT_EQ(out.find(path_, out.find(path_) + 1), std::string::npos) << "named twice: " << out;
  EXPECT_NE(out.find("before: present"), std::string::npos) << out;
  EXPECT_NE(out.find("big: missing"), std::string::npos) << out;

  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  EXPECT_OK(store->GetJob("j-before"));
  EXPECT_EQ(store->GetJob("j-big-0").status().code(), ErrorCode::kNotFound);
}

TEST_F(JobStoreTest, ConcurrentWritersKeepEveryWriteAndContiguousSequences) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  constexpr int kThreads = 8;
  constexpr int kPerThread = 150;
  constexpr int kJobs = 3;
  for (int j = 0; j < kJobs; ++j) {
    ASSERT_OK(store->PutJob(MakeJob("j-" + std::to_string(j), "job" + std::to_string(j))));
  }
  std::atomic<int> failures{0};
  // message -> seq_num returned by AppendEvent, per thread (merged after the join).
  std::vector<std::map<std::string, int64_t>> returned(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        const std::string job_id = "j-" + std::to_string((t + i) % kJobs);
        const std::string tag = std::to_string(t) + ":" + std::to_string(i);
        Execution e = MakeExecution("e-" + tag, job_id, "n-" + std::to_string(t % 3),
                                    ExecutionComputeState::kRunning, i);
        auto write = [&](JobStore& s) -> Status {
          SHOAL_RETURN_IF_ERROR(s.PutExecution(e));
          SHOAL_ASSIGN_OR_RETURN(int64_t seq, s.AppendEvent(MakeEvent(job_id, tag)));
          returned[t][tag] = seq;
          return Status::Ok();
        };
        // Every fifth pair goes through a transaction, mixing both paths.
        Status status = i % 5 == 0 ? store->Transaction(write) : write(*store);
        if (!status.ok()) {
          ++failures;
          ADD_FAILURE() << tag << ": " << status.ToString();
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  ASSERT_EQ(failures, 0);

  size_t executions = 0;
  for (int j = 0; j < kJobs; ++j) {
    auto list = store->ListExecutions("j-" + std::to_string(j));
    ASSERT_OK(list);
    executions += list->size();
  }
  EXPECT_EQ(executions, static_cast<size_t>(kThreads * kPerThread));
  size_t active = 0;
  for (int n = 0; n < 3; ++n) {
    auto list = store->ListActiveExecutionsOnNode("n-" + std::to_string(n));
    ASSERT_OK(list);
    active += list->size();
  }
  EXPECT_EQ(active, static_cast<size_t>(kThreads * kPerThread));

  std::map<std::string, int64_t> all_returned;
  for (const auto& m : returned) all_returned.insert(m.begin(), m.end());
  size_t events_total = 0;
  for (int j = 0; j < kJobs; ++j) {
    auto events = store->ListEvents("j-" + std::to_string(j), 0, 100000);
    ASSERT_OK(events);
    for (size_t k = 0; k < events->size(); ++k) {
      const Event& event = (*events)[k];
      EXPECT_EQ(event.seq_num, static_cast<int64_t>(k + 1)) << "gap or duplicate in j-" << j;
      EXPECT_EQ(all_returned[event.message], event.seq_num) << event.message;
    }
    events_total += events->size();
  }
  EXPECT_EQ(events_total, static_cast<size_t>(kThreads * kPerThread));
}

// Not a benchmark (timing never fails a test); reports the rate for the record. The target is
// at least 1,000 autocommitted PutExecution calls per second.
TEST_F(JobStoreTest, ReportsPutExecutionRate) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "a")));
  constexpr int kCount = 2000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < kCount; ++i) {
    ASSERT_OK(store->PutExecution(MakeExecution("e-" + std::to_string(i), "j-1", "n-1")));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const int rate = static_cast<int>(kCount / seconds);
  RecordProperty("put_execution_per_second", rate);
  std::printf("PutExecution: %d/s (autocommit, one call per write)\n", rate);
  auto list = store->ListExecutions("j-1");
  ASSERT_OK(list);
  EXPECT_EQ(list->size(), static_cast<size_t>(kCount));
}

TEST_F(JobStoreTest, DamagedRowIsAnErrorNotACrash) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "a")));
  ASSERT_OK(store->PutJob(MakeJob("j-2", "b")));
  RawSql(path_, "UPDATE jobs SET json = '{not json' WHERE id = 'j-1'");
  RawSql(path_, "UPDATE jobs SET json = '{\"Type\": \"spaceship\"}' WHERE id = 'j-2'");
  auto bad = store->GetJob("j-1");
  EXPECT_EQ(bad.status().code(), ErrorCode::kInternal);
  EXPECT_NE(bad.status().message().find("j-1"), std::string::npos) << Describe(bad);
  auto wrong = store->GetJob("j-2");
  EXPECT_EQ(wrong.status().code(), ErrorCode::kInternal);
  EXPECT_NE(wrong.status().message().find("Type"), std::string::npos) << Describe(wrong);
  EXPECT_EQ(store->ListActiveJobs().status().code(), ErrorCode::kInternal);
}

}  // namespace
}  // namespace shoal::orchestrator
