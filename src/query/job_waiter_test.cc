// RunJobToCompletion and InspectTable against a real Orchestrator whose nodes are FakeNodes.
#include "query/job_waiter.h"

#include <filesystem>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "query/fake_node_testing.h"
#include "query/table_inspector.h"

namespace shoal::query {
namespace {

using namespace std::chrono_literals;
using models::TableColumn;
using models::TableDefinition;
using testing::FakeNode;
using testing::FakeOutcome;

models::Job SqlJob(const std::string& name, const std::string& region, const std::string& sql) {
  models::Job job;
  job.name = name;
  job.count = 1;
  job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {region}}};
  job.task.engine = {"duckdb", nlohmann::json{{"SQL", sql}}};
  return job;
}

FakeOutcome Complete(std::string result_json) {
  return {FakeOutcome::Kind::kComplete, std::move(result_json), ""};
}

class JobWaiterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = shoal::testing::TempDir::ForCurrentTest();
    orchestrator::OrchestratorOptions options;
    options.data_dir = dir_.string();
    options.tick = 50ms;
    auto opened = orchestrator::Orchestrator::Open(options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    orchestrator_ = std::move(opened).value();
  }
  void TearDown() override {
    nodes_.clear();
    orchestrator_->Shutdown();
    orchestrator_.reset();
  }
  void AddNode(const std::string& id, const std::string& region, FakeNode::Handler handler) {
    nodes_.push_back(std::make_unique<FakeNode>(*orchestrator_, id, region, std::move(handler)));
    ASSERT_TRUE(nodes_.back()->registered());
  }

  shoal::testing::TempDir dir_;  // declared first: it outlives the orchestrator
  std::unique_ptr<orchestrator::Orchestrator> orchestrator_;
  std::vector<std::unique_ptr<FakeNode>> nodes_;
};

TEST_F(JobWaiterTest, ACompletedJobAnswersWithItsResults) {
  AddNode("us-1", "us", [](const models::Execution&, const models::Job& job) {
    return Complete(R"({"Columns":[{"Name":"sql","Type":"VARCHAR","Numeric":false}],"Rows":[[)" +
                    nlohmann::json(job.task.engine.params["SQL"]).dump() + "]]}");
  });
  for (int round = 0; round < 2; ++round) {  // the same name again: a new version, run again
    auto finished = RunJobToCompletion(*orchestrator_, SqlJob("q", "us", "SELECT 42"), 10s);
    ASSERT_TRUE(finished.ok()) << finished.status().ToString();
    EXPECT_EQ(finished->job.state.state_type, models::JobStateType::kCompleted);
    EXPECT_EQ(finished->job.version, round + 1);
    EXPECT_GT(finished->job.task.timeouts.total_timeout, 10);  // the orchestrator's safety net
    ASSERT_EQ(finished->results.size(), 1u);
    EXPECT_EQ(finished->results[0].node_id, "us-1");
    auto result =
        ReadResultJson(*orchestrator_, finished->job.id, finished->results[0].execution_id);
    ASSERT_TRUE(result.ok()) << result.status().ToString();
    ASSERT_EQ(result->columns.size(), 1u);
    EXPECT_EQ(result->columns[0].type, "VARCHAR");
    EXPECT_EQ(result->rows[0][0], "SELECT 42");
    auto missing =
        orchestrator_->ReadResultFile(finished->job.id, finished->results[0].execution_id, "nope");
    EXPECT_EQ(missing.status().code(), ErrorCode::kNotFound);
  }
}

TEST_F(JobWaiterTest, AFailedJobCarriesTheExecutionsErrorsOnce) {
  AddNode("us-1", "us", [](const models::Execution& e, const models::Job&) {
    // The first two attempts fail alike, the last one differently.
    const std::string error =
        e.attempt < 3 ? "IO Error: store unreachable" : "Binder Error: no column 'x'";
    return FakeOutcome{FakeOutcome::Kind::kFail, "", error};
  });
  auto failed = RunJobToCompletion(*orchestrator_, SqlJob("bad", "us", "SELECT x"), 10s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kFailedPrecondition);
  const std::string& message = failed.status().message();
  EXPECT_EQ(message.rfind("job bad (j-", 0), 0u) << message;
  // The job's state gives the last error; the earlier, different one follows once.
  EXPECT_NE(message.find("last error: Binder Error: no column 'x'"), std::string::npos) << message;
  EXPECT_EQ(message.find("Binder Error"), message.rfind("Binder Error")) << message;
  EXPECT_NE(message.find("; partition 0 on us-1: IO Error: store unreachable"), std::string::npos)
      << message;
  EXPECT_EQ(message.find("IO Error"), message.rfind("IO Error")) << message;
}

TEST_F(JobWaiterTest, ADeadlineOrACancelStopsTheJob) {
  AddNode("us-1", "us", [](const models::Execution&, const models::Job&) {
    return FakeOutcome{FakeOutcome::Kind::kIgnore, "", ""};  // never answers
  });
  auto late = RunJobToCompletion(*orchestrator_, SqlJob("slow", "us", "SELECT 1"), 300ms);
  EXPECT_EQ(late.status().code(), ErrorCode::kDeadlineExceeded) << late.status().ToString();
  EXPECT_EQ(orchestrator_->FindJob("slow", "")->state.state_type, models::JobStateType::kStopped);

  std::atomic<bool> cancel{false};
  std::thread canceller([&] {
    std::this_thread::sleep_for(200ms);
    cancel = true;
  });
  auto cancelled =
      RunJobToCompletion(*orchestrator_, SqlJob("slow2", "us", "SELECT 1"), 30s, &cancel);
  canceller.join();
  EXPECT_EQ(cancelled.status().code(), ErrorCode::kCancelled) << cancelled.status().ToString();
  EXPECT_EQ(orchestrator_->FindJob("slow2", "")->state.state_type, models::JobStateType::kStopped);
}

TEST(ResultJsonTest, MalformedFilesAreInternalErrors) {
  EXPECT_EQ(ParseResultJson("nope").status().code(), ErrorCode::kInternal);
  EXPECT_EQ(ParseResultJson(R"({"Columns":[],"Rows":[[1]]})").status().message(),
            "result.json: Rows[0]: expected 0 values");
  auto empty = ParseResultJson(R"({"Columns":[],"Rows":[]})");
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE(empty->rows.empty());
}

// --- InspectTable, with nodes answering as the inspection statement would -------------------

// A result.json of InspectionSql: files, bytes, then the inferred columns (NULL values).
std::string InspectionResult(int64_t files, int64_t bytes,
                             const std::vector<std::pair<std::string, std::string>>& columns) {
  nlohmann::json cols =
      nlohmann::json::array({{{"Name", "shoal_files"}, {"Type", "BIGINT"}, {"Numeric", true}},
                             {{"Name", "shoal_bytes"}, {"Type", "BIGINT"}, {"Numeric", true}}});
  nlohmann::json row = nlohmann::json::array({files, bytes});
  for (const auto& [name, type] : columns) {
    cols.push_back({{"Name", name}, {"Type", type}, {"Numeric", false}});
    row.push_back(nullptr);
  }
  return nlohmann::json{{"Columns", cols}, {"Rows", nlohmann::json::array({row})}}.dump();
}

TableDefinition TwoRegionTable() {
  TableDefinition table;
  table.name = "sales";
  table.format = "csv";
  table.reader_options = {{"header", true}};
  table.locations = {{"us", "s3://my-bucket/sales/*.csv"}, {"eu", "s3://my-bucket/sales/*.csv"}};
  return table;
}

TEST_F(JobWaiterTest, InspectionTakesTheRegionsCommonSchemaAndStats) {
  std::atomic<int> jobs{0};
  AddNode("us-1", "us", [&](const models::Execution&, const models::Job& job) {
    ++jobs;
    EXPECT_EQ(job.name, "shoal-table-inspect-sales-us");
    EXPECT_EQ(job.constraints[0].ToString(), "region == us");
    EXPECT_NE(job.task.engine.params["SQL"].get<std::string>().find("header=true"),
              std::string::npos);
    return Complete(InspectionResult(3, 300, {{"id", "BIGINT"}, {"amount", "DOUBLE"}}));
  });
  AddNode("eu-1", "eu", [&](const models::Execution&, const models::Job&) {
    ++jobs;  // the same columns in another order
    return Complete(InspectionResult(2, 200, {{"amount", "DOUBLE"}, {"id", "BIGINT"}}));
  });
  auto inspected = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  ASSERT_TRUE(inspected.ok()) << inspected.status().ToString();
  EXPECT_EQ(jobs.load(), 2);
  ASSERT_EQ(inspected->columns.size(), 2u);
  EXPECT_EQ(inspected->columns[0], (TableColumn{"id", "BIGINT"}));  // the first region's order
  EXPECT_EQ(inspected->region_stats.at("us").files, 3);
  EXPECT_EQ(inspected->region_stats.at("eu").bytes, 200);
  EXPECT_GT(inspected->region_stats.at("eu").inferred_time, 0);
}

TEST_F(JobWaiterTest, InspectionReportsEmptyRegionsConflictsAndMissingNodes) {
  std::atomic<int> eu_mode{0};
  AddNode("us-1", "us", [](const models::Execution&, const models::Job&) {
    return Complete(InspectionResult(3, 300, {{"id", "BIGINT"}, {"amount", "DOUBLE"}}));
  });
  AddNode("eu-1", "eu", [&](const models::Execution&, const models::Job&) {
    switch (eu_mode.load()) {
      case 0:  // no files: an empty partition
        return Complete(R"({"Columns":[],"Rows":[]})");
      case 1:
        return Complete(InspectionResult(2, 200, {{"id", "BIGINT"}, {"amount", "VARCHAR"}}));
      default:
        return Complete(InspectionResult(2, 200, {{"id", "BIGINT"}}));
    }
  });
  auto one_empty = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  ASSERT_TRUE(one_empty.ok()) << one_empty.status().ToString();
  EXPECT_EQ(one_empty->columns.size(), 2u);
  EXPECT_EQ(one_empty->region_stats.at("eu").files, 0);

  eu_mode = 1;
  auto conflict = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  EXPECT_EQ(conflict.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(conflict.status().message(),
            "table sales: the regions' files disagree: column 'amount' is DOUBLE in us but "
            "VARCHAR in eu");
  eu_mode = 2;
  auto missing = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  EXPECT_EQ(missing.status().message(),
            "table sales: the regions' files disagree: column 'amount' (DOUBLE) is in us's "
            "files but not in eu's");

  TableDefinition with_ap = TwoRegionTable();
  with_ap.locations.push_back({"ap", "s3://my-bucket/sales/*.csv"});
  auto no_node = InspectTable(*orchestrator_, with_ap, 10s);
  EXPECT_EQ(no_node.status().code(), ErrorCode::kFailedPrecondition);
  EXPECT_NE(no_node.status().message().find("region 'ap' has no connected, approved compute node"),
            std::string::npos)
      << no_node.status().message();
}

TEST_F(JobWaiterTest, InspectionWithNoFilesAnywhereIsNotFound) {
  for (const char* region : {"us", "eu"}) {
    AddNode(std::string(region) + "-1", region, [](const models::Execution&, const models::Job&) {
      return Complete(R"({"Columns":[],"Rows":[]})");
    });
  }
  auto none = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  EXPECT_EQ(none.status().code(), ErrorCode::kNotFound);
  EXPECT_EQ(none.status().message(),
            "table sales has no files in any region (locations us: s3://my-bucket/sales/*.csv, "
            "eu: s3://my-bucket/sales/*.csv)");
}

TEST_F(JobWaiterTest, AFailingRegionIsNamed) {
  AddNode("us-1", "us", [](const models::Execution&, const models::Job&) {
    return Complete(InspectionResult(3, 300, {{"id", "BIGINT"}}));
  });
  AddNode("eu-1", "eu", [](const models::Execution&, const models::Job&) {
    return FakeOutcome{FakeOutcome::Kind::kFail, "", "Invalid Input Error: bad option"};
  });
  auto failed = InspectTable(*orchestrator_, TwoRegionTable(), 10s);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message().rfind("inspecting table sales in region eu: job ", 0), 0u)
      << failed.status().message();
  EXPECT_NE(failed.status().message().find("Invalid Input Error: bad option"), std::string::npos);
}

}  // namespace
}  // namespace shoal::query
