// OrchestratorFixture: an Orchestrator on a real SQLite store in a temp dir of its own, for the
// tests that drive it in-process as nodes and the CLI would. Reopen() restarts it on the same
// data dir (what a crash and restart leaves); tests set the options before calling it.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "orchestrator/orchestrator.h"

namespace shoal::orchestrator::testing {

class OrchestratorFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("shoal-orch-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    options_.data_dir = dir_.string();
    options_.node_timeout = std::chrono::milliseconds(400);
    options_.tick = tick_;
    Reopen();
  }
  void TearDown() override {
    orchestrator_.reset();
    std::filesystem::remove_all(dir_);
  }
  // (Re)opens the orchestrator on the data dir with options_.
  void Reopen() {
    orchestrator_.reset();
    auto opened = Orchestrator::Open(options_);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    orchestrator_ = std::move(opened).value();
  }

  // The ticker's period; a subclass sets it before SetUp (tests that count evaluations set a
  // period no test lasts, so that only events cause work).
  std::chrono::milliseconds tick_{50};
  std::filesystem::path dir_;
  OrchestratorOptions options_;
  std::unique_ptr<Orchestrator> orchestrator_;
};

}  // namespace shoal::orchestrator::testing
