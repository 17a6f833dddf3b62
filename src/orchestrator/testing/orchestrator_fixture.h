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

#include "common/testing/temp_dir.h"
#include "orchestrator/orchestrator.h"

namespace shoal::orchestrator::testing {

class OrchestratorFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    temp_dir_ = shoal::testing::TempDir::ForCurrentTest();
    dir_ = temp_dir_.path();
    options_.data_dir = dir_.string();
    options_.node_timeout = std::chrono::milliseconds(400);
    options_.tick = tick_;
    Reopen();
  }
  void TearDown() override { orchestrator_.reset(); }
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
  shoal::testing::TempDir temp_dir_;  // declared first: it outlives the orchestrator
  std::filesystem::path dir_;         // temp_dir_'s path
  OrchestratorOptions options_;
  std::unique_ptr<Orchestrator> orchestrator_;
};

}  // namespace shoal::orchestrator::testing
