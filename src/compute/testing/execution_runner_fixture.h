// ExecutionRunnerTest: the fixture of the runner's tests (execution_runner_test.cc,
// execution_runner_io_test.cc): a runner on real folders in a temp folder of its own, with a
// regional folder store, and builders of jobs and executions.
//
// Thread-safety: a test fixture; one test thread (the cancel tests start their own).
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <set>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include "common/testing/temp_dir.h"
#include "compute/execution_env.h"
#include "compute/execution_runner.h"
#include "compute/testing/test_files.h"
#include "engine/engine.h"
#include "engine/partition.h"

namespace shoal::compute::testing {

namespace fs = std::filesystem;
using nlohmann::json;

inline size_t CountLines(const std::string& text) {
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

class ExecutionRunnerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    root_ = dir_.path();
    fs::create_directories(root_ / "host");
    fs::create_directories(root_ / "stores/us/my-bucket");
    fs::create_directories(root_ / "stores/global/my-bucket");
    config_.node_id = "compute-us-1";
    config_.work_dir = (root_ / "work").string();
    config_.allowed_local_paths = {(root_ / "host").string()};
    config_.env_allow_list = {"AWS_.*"};
    config_.stores = {{"storage-local", (root_ / "stores/us").string()},
                      {"storage", (root_ / "stores/global").string()}};
    config_.host_environment = {{"AWS_ACCESS_KEY_ID", "minio-key"}, {"SECRET", "hidden"}};
  }

  static models::Job DuckdbJob(const std::string& sql, int64_t count = 1) {
    models::Job job;
    job.id = "j-test";
    job.name = "test";
    job.type = models::JobType::kBatch;
    job.count = count;
    job.task.engine = {"duckdb", json{{"SQL", sql}}};
    return job;
  }

  static models::Execution MakeExecution(const std::string& id, int64_t partition = 0) {
    models::Execution execution;
    execution.id = id;
    execution.job_id = "j-test";
    execution.node_id = "compute-us-1";
    execution.partition_index = partition;
    return execution;
  }

  static models::InputSource LocalInput(const fs::path& source, const std::string& target) {
    return {{"local", json{{"SourcePath", source.string()}}}, "", target};
  }

  ExecutionOutcome Run(const models::Job& job, const models::Execution& execution) {
    ExecutionRunner runner(config_);
    return runner.Run(job, execution, nullptr);
  }

  // {"Columns": [...], "Rows": [...]} of an outcome.
  static json ResultJson(const ExecutionOutcome& outcome) {
    return json::parse(ReadFile(fs::path(outcome.result_dir) / "result.json"));
  }

  static bool HasFile(const ExecutionOutcome& outcome, const std::string& path) {
    return std::any_of(outcome.files.begin(), outcome.files.end(),
                       [&](const ResultFile& f) { return f.path == path; });
  }

  shoal::testing::TempDir dir_;
  fs::path root_;  // dir_'s path
  NodeConfig config_;
};

}  // namespace shoal::compute::testing
