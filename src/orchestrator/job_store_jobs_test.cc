// Jobs in the job store: round trips, versions, names, id prefixes, and the job list's pages,
// orders and filters.
#include "orchestrator/testing/job_store_fixture.h"

namespace shoal::orchestrator {
namespace {

using namespace testing;  // NOLINT: the fixture and its builders

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

}  // namespace
}  // namespace shoal::orchestrator
