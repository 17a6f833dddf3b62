// The progress line of `shoal job run` and `shoal query`: what it counts from a job's executions
// (latest attempt per partition, running partitions' progress, every attempt's bytes) and how it
// reads; and the display's pacing and cut.
#include "cli/progress_line.h"

#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "cli/api_support.h"

namespace shoal::cli {
namespace {

using models::ExecutionComputeState;

models::Execution MakeExecution(int64_t partition, int64_t attempt, const std::string& node,
                                ExecutionComputeState state) {
  models::Execution e;
  e.id = "e-" + std::to_string(partition) + "-" + std::to_string(attempt);
  e.job_version = 2;
  e.partition_index = partition;
  e.attempt = attempt;
  e.node_id = node;
  e.compute_state.state_type = state;
  return e;
}

models::Job BatchJob(int64_t count) {
  models::Job job;
  job.id = "j-1234abcd-5678";
  job.type = models::JobType::kBatch;
  job.count = count;
  job.version = 2;
  return job;
}

TEST(ProgressLineTest, CountsEachPartitionByItsLatestAttempt) {
  std::vector<models::Execution> executions = {
      MakeExecution(0, 1, "us-1", ExecutionComputeState::kCompleted),
      MakeExecution(1, 1, "us-2", ExecutionComputeState::kFailed),  // retried below
      MakeExecution(1, 2, "us-1", ExecutionComputeState::kRunning),
      MakeExecution(2, 1, "eu-1", ExecutionComputeState::kFailed),
      MakeExecution(3, 1, "eu-1", ExecutionComputeState::kPublishing),
  };
  executions[0].stats.bytes_read = 1'000'000;
  executions[0].stats.rows_read = 1000;
  executions[1].stats.bytes_read = 500'000;  // a failed attempt read too
  executions[2].stats.bytes_read = 2'500'000;
  executions[2].stats.rows_read = 2'500'000;
  executions[2].stats.progress = 0.5;
  models::Execution older = MakeExecution(4, 1, "us-1", ExecutionComputeState::kCompleted);
  older.job_version = 1;  // another version's: not counted
  older.stats.bytes_read = 1 << 30;
  executions.push_back(older);

  RunProgress progress;
  progress.label = "j-1234abcd";
  progress.elapsed = std::chrono::milliseconds(2000);
  AddJobProgress(BatchJob(5), executions, {{"us-1", "us"}, {"us-2", "us"}, {"eu-1", "eu"}}, "",
                 &progress);
  EXPECT_EQ(progress.overall.total, 5);  // partition 4 is not placed yet
  EXPECT_EQ(progress.overall.done, 1);
  EXPECT_EQ(progress.overall.running, 2);
  EXPECT_EQ(progress.overall.failed, 1);
  EXPECT_EQ(progress.regions["us"].total, 2);
  EXPECT_EQ(progress.regions["eu"].total, 2);
  EXPECT_DOUBLE_EQ(progress.overall.finished, 2.5);  // done, publishing, half of one
  EXPECT_EQ(progress.bytes_read, 4'000'000);
  EXPECT_EQ(progress.rows_read, 2'501'000);
  EXPECT_EQ(FormatProgressLine(progress),
            " 0:02 [==========>         ] 50% j-1234abcd 1/5 done, 2 running, 1 failed · eu 0/2 "
            "us 1/2 · 4.0 MB read, 2.0 MB/s · 2.5M rows");
}

TEST(ProgressLineTest, TheBarStopsShortOfTheEndWhileRunning) {
  RunProgress progress;
  progress.label = "q-1";
  progress.overall.total = 2;
  progress.overall.done = 2;
  progress.overall.finished = 2;
  EXPECT_EQ(FormatProgressLine(progress), " 0:00 [===================>] 99% q-1 2/2 done");
  progress.overall = {};
  EXPECT_EQ(FormatProgressLine(progress), " 0:00 [>                   ]  0% q-1 0/0 done");
}

TEST(ProgressLineTest, OpsJobsCountNodesAndAQueryNamesItsRegion) {
  models::Job ops = BatchJob(0);
  ops.type = models::JobType::kOps;
  RunProgress progress;
  AddJobProgress(ops,
                 {MakeExecution(0, 1, "us-1", ExecutionComputeState::kCompleted),
                  MakeExecution(0, 1, "us-2", ExecutionComputeState::kRunning)},
                 {}, "us", &progress);
  EXPECT_EQ(progress.overall.total, 2);
  EXPECT_EQ(progress.regions["us"].done, 1);
  EXPECT_EQ(progress.regions.size(), 1u);
}

TEST(ProgressLineTest, Formats) {
  EXPECT_EQ(FormatElapsed(std::chrono::milliseconds(999)), "0:00");
  EXPECT_EQ(FormatElapsed(std::chrono::milliseconds(723'000)), "12:03");
  EXPECT_EQ(FormatElapsed(std::chrono::milliseconds(3'723'000)), "1:02:03");
  EXPECT_EQ(FormatCount(950), "950");
  EXPECT_EQ(FormatCount(12'345), "12.3K");
  EXPECT_EQ(FormatCount(1'200'000'000), "1.2B");
}

TEST(ProgressLineTest, DisplayWaitsASecondRedrawsTwiceASecondAndCutsToTheTerminal) {
  std::ostringstream out;
  ProgressDisplay display(out, 12);
  EXPECT_FALSE(display.Due());
  display.Draw("too early");
  EXPECT_EQ(out.str(), "");
  std::this_thread::sleep_for(std::chrono::milliseconds(1050));
  ASSERT_TRUE(display.Due());
  display.Draw(" 0:01 ·· a long line");
  EXPECT_EQ(out.str(), "\r 0:01 ·· a \x1b[K");  // 11 characters, the dots count one each
  EXPECT_FALSE(display.Due());                  // not again within half a second
  display.Clear();
  EXPECT_EQ(out.str(), "\r 0:01 ·· a \x1b[K\r\x1b[K");
  display.Clear();  // nothing drawn: nothing to erase
  EXPECT_EQ(out.str(), "\r 0:01 ·· a \x1b[K\r\x1b[K");
}

}  // namespace
}  // namespace shoal::cli
