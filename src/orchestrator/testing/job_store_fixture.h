// JobStoreTest: the fixture of the job store's tests (job_store_*_test.cc): a fresh SQLite file in
// a temp folder of its own, and builders of jobs, executions, events and nodes with every field
// filled in, so a field the store dropped would show up; RawSql reads the file behind the store's
// back.
//
// Thread-safety: a test fixture; one test thread (the concurrency tests start their own).
#pragma once

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
#include "common/testing/temp_dir.h"
#include "models/states.h"
#include "orchestrator/job_store.h"

namespace shoal::orchestrator::testing {

using models::Event;
using models::EventType;
using models::Execution;
using models::ExecutionComputeState;
using models::Job;
using models::JobStateType;
using models::Node;

inline std::string Describe(const Status& status) { return status.ToString(); }
template <typename T>
inline std::string Describe(const Result<T>& result) {
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

inline Job MakeJob(const std::string& id, const std::string& name, int64_t create_time = 1,
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
inline Job FullJob() {
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

inline Event MakeEvent(const std::string& job_id, const std::string& message) {
  Event event;
  event.type = EventType::kJobLevel;
  event.job_id = job_id;
  event.job_version = 1;
  event.topic = "Submission";
  event.message = message;
  event.time = 42;
  return event;
}

inline Node MakeNode(const std::string& id) {
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
inline std::string RawSql(const std::string& path, const std::string& sql) {
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
    temp_dir_ = shoal::testing::TempDir::ForCurrentTest();
    ASSERT_FALSE(temp_dir_.path().empty());
    dir_ = temp_dir_.string();
    path_ = dir_ + "/state.db";
  }

  void Open(std::unique_ptr<JobStore>* store) {
    auto opened = JobStore::Open(path_);
    ASSERT_OK(opened);
    *store = std::move(opened).value();
  }

  shoal::testing::TempDir temp_dir_;
  std::string dir_;  // temp_dir_'s path
  std::string path_;
};

}  // namespace shoal::orchestrator::testing
