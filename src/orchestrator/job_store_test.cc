#include "orchestrator/job_store.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/status.h"
#include "models/states.h"

namespace shoal::orchestrator {
namespace {

using models::Event;
using models::EventType;
using models::Execution;
using models::ExecutionComputeState;
using models::Job;
using models::JobStateType;
using models::Node;

std::string Describe(const Status& status) { return status.ToString(); }
template <typename T>
std::string Describe(const Result<T>& result) {
  return result.status().ToString();
}

#define ASSERT_OK(expr)                                 \
  do {                                                  \
    const auto& shoal_ok_ = (expr);                     \
    ASSERT_TRUE(shoal_ok_.ok()) << Describe(shoal_ok_); \
  } while (0)
#define EXPECT_OK(expr)                                 \
  do {                                                  \
    const auto& shoal_ok_ = (expr);                     \
    EXPECT_TRUE(shoal_ok_.ok()) << Describe(shoal_ok_); \
  } while (0)

Job MakeJob(const std::string& id, const std::string& name, int64_t create_time = 1,
            JobStateType state = JobStateType::kPending,
            const std::string& namespace_ = "default") {
  Job job;
  job.id = id;
  job.name = name;
  job.namespace_ = namespace_;
  job.task.engine = {"duckdb", {{"SQL", "SELECT 1"}}};
  job.state = {state, ""};
  job.version = 1;
  job.create_time = create_time;
  job.modify_time = create_time;
  return job;
}

// Every part of a job filled in, so a field the store dropped would show up.
Job FullJob() {
  Job job =
      MakeJob("j-full", "monthly-trends", 1700000000000000000, JobStateType::kRunning, "analytics");
  job.priority = 5;
  job.count = 3;
  job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {"us"}},
                     {"zone", models::SelectorOperator::kNotIn, {"a", "b"}}};
  job.labels = {{"team", "data"}};
  job.meta = {{"owner", "me"}};
  models::Task& task = job.task;
  task.engine = {"duckdb", {{"SQL", "SELECT 'é', 1;"}}};
  task.original_engine = models::SpecConfig{"docker", {{"Image", "ghcr.io/x/duckdb"}}};
  task.publisher = {"s3", {{"Bucket", "b"}, {"Key", "jobs/{jobID}"}}};
  task.env = {{"MODE", "fast"}};
  task.input_sources = {{{"local", {{"SourcePath", "/srv/data"}}}, "data", "/inputs"}};
  task.result_paths = {{"data", "/data"}};
  task.resources = {"500m", "1gb", "", ""};
  task.network = {models::NetworkType::kHTTP, {"example.com"}};
  task.timeouts = {60, 30, 120};
  job.state.message = "2 of 3 partitions done";
  job.version = 2;
  job.revision = 7;
  job.modify_time = 1700000000500000000;
  return job;
}

Execution MakeExecution(const std::string& id, const std::string& job_id,
                        const std::string& node_id,
                        ExecutionComputeState state = ExecutionComputeState::kNew,
                        int64_t create_time = 1) {
  Execution e;
  e.id = id;
  e.namespace_ = "default";
  e.job_id = job_id;
  e.job_version = 1;
  e.node_id = node_id;
  e.compute_state = {state, ""};
  e.create_time = create_time;
  return e;
}

Event MakeEvent(const std::string& job_id, const std::string& message) {
  Event event;
  event.type = EventType::kJobLevel;
  event.job_id = job_id;
  event.job_version = 1;
  event.topic = "Submission";
  event.message = message;
  event.time = 42;
  return event;
}

Node MakeNode(const std::string& id) {
  Node node;
  node.id = id;
  node.labels = {{"region", "eu"}};
  node.capacity = {2000, 4LL << 30, 100LL << 30, 0, 4};
  node.engines = {"duckdb"};
  node.membership = models::NodeMembership::kApproved;
  node.connection = models::NodeConnection::kConnected;
  node.last_heartbeat = 1700000000000000000;
  node.version = "0.1.0";
  return node;
}

// Runs `sql` on its own connection, beside the store's. Returns the first column of the first
// row, if any.
std::string RawSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::string first;
  if (sqlite3_open(path.c_str(), &db) != SQLITE_OK) {
    ADD_FAILURE() << "raw open failed: " << sqlite3_errmsg(db);
  } else {
    char* error = nullptr;
    auto callback = [](void* out, int, char** values, char**) {
      auto* text = static_cast<std::string*>(out);
      if (text->empty() && values[0] != nullptr) *text = values[0];
      return 0;
    };
    if (sqlite3_exec(db, sql.c_str(), callback, &first, &error) != SQLITE_OK) {
      ADD_FAILURE() << "raw '" << sql << "' failed: " << error;
      sqlite3_free(error);
    }
  }
  sqlite3_close(db);
  return first;
}

class JobStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (std::filesystem::temp_directory_path() / "job_store_test.XXXXXX");
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
    path_ = dir_ + "/state.db";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void Open(std::unique_ptr<JobStore>* store) {
    auto opened = JobStore::Open(path_);
    ASSERT_OK(opened);
    *store = std::move(opened).value();
  }

  std::string dir_;
  std::string path_;
};

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

TEST_F(JobStoreTest, JobRoundTripAndUpdate) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  Job job = FullJob();
  ASSERT_OK(store->PutJob(job));
  auto got = store->GetJob(job.id);
  ASSERT_OK(got);
  EXPECT_EQ(*got, job);

  job.state = {JobStateType::kCompleted, "done"};
  job.revision = 8;
  ASSERT_OK(store->PutJob(job));
  got = store->GetJob(job.id);
  ASSERT_OK(got);
  EXPECT_EQ(*got, job);

  auto missing = store->GetJob("j-123");
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "job j-123 not found");

  EXPECT_EQ(store->PutJob(MakeJob("", "x")).code(), ErrorCode::kInvalidArgument);
}

TEST_F(JobStoreTest, KeepsEveryVersionOfAJob) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  Job v1 = MakeJob("j-1", "etl", 10, JobStateType::kCompleted);
  ASSERT_OK(store->PutJob(v1));
  Job v2 = v1;
  v2.version = 2;
  v2.task.engine.params["SQL"] = "SELECT 2";
  v2.state = {JobStateType::kPending, ""};
  ASSERT_OK(store->PutJob(v2));
  // Later writes of the same version replace that version's record.
  v2.state = {JobStateType::kRunning, "scheduled"};
  ASSERT_OK(store->PutJob(v2));

  auto got1 = store->GetJobVersion("j-1", 1);
  ASSERT_OK(got1);
  EXPECT_EQ(*got1, v1);
  auto got2 = store->GetJobVersion("j-1", 2);
  ASSERT_OK(got2);
  EXPECT_EQ(*got2, v2);
  auto current = store->GetJob("j-1");
  ASSERT_OK(current);
  EXPECT_EQ(*current, v2);

  auto missing = store->GetJobVersion("j-1", 3);
  EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(missing.status().message(), "job j-1 version 3 not found");
}

TEST_F(JobStoreTest, JobNamesAreUniquePerNamespace) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "etl")));
  ASSERT_OK(store->PutJob(MakeJob("j-1", "etl")));  // the same job again is an update

  Status duplicate = store->PutJob(MakeJob("j-2", "etl"));
  EXPECT_EQ(duplicate.code(), ErrorCode::kAlreadyExists);
  EXPECT_NE(duplicate.message().find("'etl'"), std::string::npos) << duplicate.ToString();
  EXPECT_NE(duplicate.message().find("j-1"), std::string::npos) << duplicate.ToString();
  EXPECT_EQ(store->GetJob("j-2").status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(store->GetJobVersion("j-2", 1).status().code(), ErrorCode::kNotFound);

  ASSERT_OK(store->PutJob(MakeJob("j-3", "etl", 1, JobStateType::kPending, "other")));
  // Unnamed jobs never collide with each other.
  ASSERT_OK(store->PutJob(MakeJob("j-4", "")));
  ASSERT_OK(store->PutJob(MakeJob("j-5", "")));

  auto found = store->FindJobByName("default", "etl");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "j-1");
  found = store->FindJobByName("other", "etl");
  ASSERT_OK(found);
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, "j-3");
  found = store->FindJobByName("default", "nope");
  ASSERT_OK(found);
  EXPECT_FALSE(found->has_value());
}

TEST_F(JobStoreTest, FindsJobsByIdPrefix) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  for (const char* id : {"j-ab2", "j-aa1", "j-b", "j-aa2", "j-a_x"}) {
    ASSERT_OK(store->PutJob(MakeJob(id, id)));
  }
  auto ids = [&](const std::string& prefix, int64_t limit) {
    std::vector<std::string> out;
    auto jobs = store->FindJobsByIdPrefix(prefix, limit);
    EXPECT_TRUE(jobs.ok()) << Describe(jobs);
    if (jobs.ok()) {
      for (const Job& job : *jobs) out.push_back(job.id);
    }
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(ids("j-a", 10), (V{"j-a_x", "j-aa1", "j-aa2", "j-ab2"}));
  EXPECT_EQ(ids("j-aa", 10), (V{"j-aa1", "j-aa2"}));
  EXPECT_EQ(ids("j-a", 2), (V{"j-a_x", "j-aa1"}));
  EXPECT_EQ(ids("j-a_", 10), (V{"j-a_x"}));  // '_' is not a wildcard
  EXPECT_EQ(ids("j-a%", 10), V{});           // nor is '%'
  EXPECT_EQ(ids("j-c", 10), V{});
  EXPECT_EQ(ids("j-b", 10), (V{"j-b"}));
  EXPECT_EQ(ids("", 10).size(), 5u);
  EXPECT_EQ(store->FindJobsByIdPrefix("j-", 0).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(JobStoreTest, PaginatesNewestFirstCoveringEveryJobOnce) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  std::vector<Job> jobs;
  for (int i = 0; i < 250; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "j-%03d", i);
    // Groups of three share a create time, so the id tie-break matters.
    jobs.push_back(MakeJob(id, id, 1000 + i / 3));
  }
  std::vector<Job> shuffled = jobs;
  std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937(7));
  for (const Job& job : shuffled) ASSERT_OK(store->PutJob(job));

  std::vector<std::string> expected;
  std::sort(jobs.begin(), jobs.end(), [](const Job& a, const Job& b) {
    return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
  });
  for (const Job& job : jobs) expected.push_back(job.id);

  std::vector<std::string> seen;
  std::vector<size_t> page_sizes;
  JobListOptions options;
  options.limit = 100;
  for (int page_number = 0; page_number < 10; ++page_number) {
    auto page = store->ListJobs(options);
    ASSERT_OK(page);
    page_sizes.push_back(page->items.size());
    for (const Job& job : page->items) seen.push_back(job.id);
    if (page->next_token.empty()) break;
    options.next_token = page->next_token;
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{100, 100, 50}));
  EXPECT_EQ(seen, expected);
}

// `job list --order-by id|created_at [--order-reversed]`: every order pages through every job
// once. IDs run against create times here, so each order is told apart from the others.
TEST_F(JobStoreTest, PaginatesInEachOrderAndItsReverse) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  std::vector<Job> jobs;
  for (int i = 0; i < 25; ++i) {
    char id[16];
    snprintf(id, sizeof(id), "j-%03d", i);
    jobs.push_back(MakeJob(id, id, 2000 - i / 2));  // pairs share a create time
  }
  for (const Job& job : jobs) ASSERT_OK(store->PutJob(job));
  auto list = [&](JobListOptions::Order order, bool reverse) {
    JobListOptions options;
    options.limit = 4;
    options.order = order;
    options.reverse = reverse;
    std::vector<std::string> seen;
    for (int page_number = 0; page_number < 20; ++page_number) {
      auto page = store->ListJobs(options);
      EXPECT_OK(page);
      if (!page.ok()) break;
      for (const Job& job : page->items) seen.push_back(job.id);
      if (page->next_token.empty()) break;
      options.next_token = page->next_token;
    }
    return seen;
  };
  auto sorted = [&](auto less) {
    std::vector<Job> copy = jobs;
    std::sort(copy.begin(), copy.end(), less);
    std::vector<std::string> ids;
    for (const Job& job : copy) ids.push_back(job.id);
    return ids;
  };
  const auto newest_first = sorted([](const Job& a, const Job& b) {
    return std::tie(a.create_time, a.id) > std::tie(b.create_time, b.id);
  });
  const auto by_id = sorted([](const Job& a, const Job& b) { return a.id < b.id; });
  EXPECT_EQ(list(JobListOptions::Order::kCreateTime, false), newest_first);
  EXPECT_EQ(list(JobListOptions::Order::kCreateTime, true),
            std::vector<std::string>(newest_first.rbegin(), newest_first.rend()));
  EXPECT_EQ(list(JobListOptions::Order::kId, false), by_id);
  EXPECT_EQ(list(JobListOptions::Order::kId, true),
            std::vector<std::string>(by_id.rbegin(), by_id.rend()));
}

TEST_F(JobStoreTest, PagesAreStableWhenJobsArriveBetweenThem) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  for (int i = 0; i < 10; ++i) ASSERT_OK(store->PutJob(MakeJob("j-" + std::to_string(i), "", i)));
  JobListOptions options;
  options.limit = 4;
  auto first = store->ListJobs(options);
  ASSERT_OK(first);
  // A newer job arrives: an offset would now repeat the last job of the first page.
  ASSERT_OK(store->PutJob(MakeJob("j-new", "", 100)));
  std::vector<std::string> seen;
  for (const Job& job : first->items) seen.push_back(job.id);
  options.next_token = first->next_token;
  while (!options.next_token.empty()) {
    auto page = store->ListJobs(options);
    ASSERT_OK(page);
    for (const Job& job : page->items) seen.push_back(job.id);
    options.next_token = page->next_token;
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"j-9", "j-8", "j-7", "j-6", "j-5", "j-4", "j-3", "j-2",
                                            "j-1", "j-0"}));
}

// `job list --labels`: only matching jobs, pages of `limit` of them, each once, even when more
// than a chunk of non-matching jobs lies between two matching ones.
TEST_F(JobStoreTest, ListJobsFiltersByLabelsAcrossPages) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  std::vector<std::string> expected;
  ASSERT_OK(store->Transaction([&](JobStore& tx) -> Status {
    for (int i = 0; i < 2500; ++i) {
      Job job = MakeJob("j-" + std::to_string(i), "", i);
      const bool prod = i % 400 == 0 || i == 2499;
      job.labels = {{"env", prod ? "prod" : "dev"}};
      if (prod) expected.insert(expected.begin(), job.id);
      SHOAL_RETURN_IF_ERROR(tx.PutJob(job));
    }
    return Status::Ok();
  }));
  JobListOptions options;
  options.limit = 3;
  options.labels = *models::ParseLabelSelectors("env=prod");
  std::vector<std::string> seen;
  int pages = 0;
  do {
    auto page = store->ListJobs(options);
    ASSERT_OK(page);
    EXPECT_LE(page->items.size(), 3u);
    for (const Job& job : page->items) seen.push_back(job.id);
    options.next_token = page->next_token;
    ++pages;
  } while (!options.next_token.empty() && pages < 10);
  EXPECT_EQ(seen, expected);
  EXPECT_EQ(pages, 3);  // 3 + 3 + 2: no empty last page
}

TEST_F(JobStoreTest, ListJobsFiltersByNamespaceAndClampsLimit) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->Transaction([](JobStore& tx) -> Status {
    for (int i = 0; i < 1001; ++i) {
      SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-" + std::to_string(i), "", i)));
    }
    SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-o1", "", 5, JobStateType::kPending, "other")));
    return tx.PutJob(MakeJob("j-o2", "", 6, JobStateType::kPending, "other"));
  }));

  JobListOptions options;
  options.namespace_ = "other";
  auto other = store->ListJobs(options);
  ASSERT_OK(other);
  ASSERT_EQ(other->items.size(), 2u);
  EXPECT_EQ(other->items[0].id, "j-o2");
  EXPECT_EQ(other->items[1].id, "j-o1");
  EXPECT_TRUE(other->next_token.empty());

  options.namespace_ = "";
  options.limit = 0;  // clamped up to 1
  auto one = store->ListJobs(options);
  ASSERT_OK(one);
  ASSERT_EQ(one->items.size(), 1u);
  EXPECT_EQ(one->items[0].id, "j-1000");
  EXPECT_FALSE(one->next_token.empty());

  options.limit = 5000;  // clamped down to 1000
  auto big = store->ListJobs(options);
  ASSERT_OK(big);
  EXPECT_EQ(big->items.size(), 1000u);
  ASSERT_FALSE(big->next_token.empty());
  options.next_token = big->next_token;
  auto rest = store->ListJobs(options);
  ASSERT_OK(rest);
  EXPECT_EQ(rest->items.size(), 3u);
  EXPECT_TRUE(rest->next_token.empty());

  for (const char* bad : {"zz", "abc", "3a", "3a3a"}) {
    options.next_token = bad;
    EXPECT_EQ(store->ListJobs(options).status().code(), ErrorCode::kInvalidArgument) << bad;
  }
}

TEST_F(JobStoreTest, ListJobsFiltersByStateAndNameAcrossPages) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  ASSERT_OK(store->Transaction([](JobStore& tx) -> Status {
    for (int i = 0; i < 30; ++i) {
      const JobStateType state = i % 3 == 0 ? JobStateType::kFailed : JobStateType::kCompleted;
      const std::string name = (i % 2 == 0 ? "trends-" : "segments-") + std::to_string(i);
      SHOAL_RETURN_IF_ERROR(tx.PutJob(MakeJob("j-" + std::to_string(i), name, i, state)));
    }
    return tx.PutJob(MakeJob("j-unnamed", "", 100, JobStateType::kFailed));
  }));
  JobListOptions options;
  options.state = "Failed";
  options.name_contains = "trends";
  options.limit = 2;
  std::vector<std::string> seen;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store->ListJobs(options);
    ASSERT_OK(page);
    for (const Job& job : page->items) seen.push_back(job.id);
    options.next_token = page->next_token;
    if (options.next_token.empty()) break;
  }
  // Even i, i % 3 == 0, newest first; the unnamed job never matches a name.
  EXPECT_EQ(seen, (std::vector<std::string>{"j-24", "j-18", "j-12", "j-6", "j-0"}));
  options = {};
  options.state = "Failed";
  EXPECT_EQ(store->ListJobs(options)->items.size(), 11u);
  EXPECT_EQ(store->ListJobs(options)->items[0].id, "j-unnamed");
}

TEST_F(JobStoreTest, ListsActiveJobsOnly) {
  std::unique_ptr<JobStore> store;
  ASSERT_NO_FATAL_FAILURE(Open(&store));
  const std::vector<JobStateType> states = {JobStateType::kUndefined, JobStateType::kPending,
                                            JobStateType::kQueued,    JobStateType::kRunning,
                                            JobStateType::kCompleted, JobStateType::kFailed,
                                            JobStateType::kStopped};
  std::vector<std::string> expected;
  for (size_t i = 0; i < states.size(); ++i) {
    std::string id = "j-" + std::string(models::ToString(states[i]));
    ASSERT_OK(store->PutJob(MakeJob(id, id, static_cast<int64_t>(i), states[i])));
    if (!models::IsTerminal(states[i])) expected.push_back(id);
  }
  ASSERT_EQ(expected.size(), 4u);  // the test means something only if both kinds exist
  auto ids = [&] {
    std::vector<std::string> out;
    auto active = store->ListActiveJobs();
    EXPECT_TRUE(active.ok()) << Describe(active);
    if (active.ok()) {
      for (const Job& job : *active) out.push_back(job.id);
    }
    return out;
  };
  EXPECT_EQ(ids(), expected);

  // A job that finishes leaves the list.
  ASSERT_OK(store->PutJob(MakeJob("j-Running", "j-Running", 3, JobStateType::kCompleted)));
  expected.erase(std::find(expected.begin(), expected.end(), "j-Running"));
  EXPECT_EQ(ids(), expected);
}

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
