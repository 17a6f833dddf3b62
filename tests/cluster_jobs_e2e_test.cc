// The cluster as a user deploys it (cluster_jobs_fixture.h). It shows that
//   1. constraints send work to the right region's nodes only, and data stays in its region;
//   2. every analysis job in jobs/ gives exactly the answer one DuckDB gives over the same files
//      (data with NULL keys and amounts and empty strings), and the partitions cover each file
//      exactly once.
#include "cluster_jobs_fixture.h"

namespace shoal {
namespace {

using namespace cluster_jobs_testing;  // NOLINT: the cluster fixture and its helpers

TEST_F(ClusterJobsTest, ConstraintsSendWorkToTheRightRegionsNodesOnly) {
  std::map<std::string, int64_t> region_events;
  for (const std::string region : {"us", "eu"}) {
    std::string job_id;
    ASSERT_NO_FATAL_FAILURE(Generate(region, &job_id));
    // An ops job: once on every node of the region, on no other node.
    ExpectRanOnEachNodeOf(job_id, region);

    // The region's store holds only what its own nodes wrote: transactions/<node>/..., one file
    // per month per node, and only events of its own region; and the job's commit manifest,
    // which names every one of those files.
    int files = 0;
    for (const auto& entry : fs::recursive_directory_iterator(StoreDir(region) / "my-bucket")) {
      if (!entry.is_regular_file()) continue;
      std::string path = fs::relative(entry.path(), StoreDir(region) / "my-bucket").string();
      if (path.rfind("_shoal/commits/" + job_id + "/", 0) == 0) continue;
      EXPECT_TRUE(path.rfind("transactions/compute-" + region + "-", 0) == 0) << path;
      files += entry.path().extension() == ".jsonl";
    }
    EXPECT_EQ(files, kNodesPerRegion * kMonths) << region;
    auto committed =
        RunSql("SELECT count(*) FROM read_json('" +
               (StoreDir(region) / "my-bucket" / "_shoal" / "commits" / job_id).string() +
               "/*.ndjson') WHERE path LIKE '%.jsonl'");
    EXPECT_EQ(committed.dump(), "[[" + std::to_string(kNodesPerRegion * kMonths) + "]]") << region;
    auto oracle = OneDuckDb(Bucket(region));
    ASSERT_NE(oracle, nullptr);
    auto seen =
        oracle->Query("SELECT count(*), count(*) FILTER (NOT starts_with(region_name, '" + region +
                      "-')), count(*) FILTER (customer_id IS NULL OR customer_email = '') "
                      "FROM read_json_auto('" +
                      kAllEvents + "')");
    ASSERT_TRUE(seen.ok()) << seen.status().ToString();
    EXPECT_EQ(seen->Text(0, 1), "0") << "events of another region in the " << region << " store";
    EXPECT_NE(seen->Text(0, 2), "0") << "the generator left no holes in the " << region << " data";
    region_events[region] = std::stoll(seen->Text(0, 0));
    EXPECT_GT(region_events[region], 0);
  }

  // Jobs with ==, in, != and notin constraints land on exactly the nodes they name, and there
  // see only their region's events.
  struct Placement {
    std::string name;
    std::string type_and_count;
    std::string constraint;
    std::string region;  // where it must run
  };
  const std::vector<Placement> placements = {
      {"eu-batch", "Type: batch\nCount: 3", R"({Key: region, Operator: "==", Values: [eu]})", "eu"},
      {"in-ops", "Type: ops", R"({Key: region, Operator: in, Values: [eu, ap]})", "eu"},
      {"not-eu-batch", "Type: batch\nCount: 3", R"({Key: region, Operator: "!=", Values: [eu]})",
       "us"},
      {"notin-ops", "Type: ops", R"({Key: region, Operator: notin, Values: [eu, ap]})", "us"},
  };
  for (const Placement& p : placements) {
    SCOPED_TRACE(p.name);
    Json run = RunJob(WriteSpec(p.name, PlacementSpec(p.name, p.type_and_count, p.constraint)), {});
    ASSERT_FALSE(run.is_null());
    ASSERT_EQ(run["State"], "Completed") << run.dump();
    ExpectRanOnEachNodeOf(run["JobID"], p.region);
    std::set<int64_t> partitions;
    for (const auto& e : run["Executions"]) {
      partitions.insert(e["PartitionIndex"].get<int64_t>());
      ASSERT_EQ(e["Rows"].size(), 1u) << e.dump();
      const Json& row = e["Rows"][0];
      EXPECT_EQ(row[0].get<int64_t>(), region_events[p.region]) << e.dump();
      EXPECT_EQ(row[1].get<std::string>().rfind(p.region + "-", 0), 0u) << e.dump();
      EXPECT_EQ(row[2].get<std::string>().rfind(p.region + "-", 0), 0u) << e.dump();
    }
    // A batch job's partitions are 0..2 (an ops job's executions all say 0).
    if (p.type_and_count.find("batch") != std::string::npos) {
      EXPECT_EQ(partitions, (std::set<int64_t>{0, 1, 2}));
    }
  }
}

TEST_F(ClusterJobsTest, EveryAnalysisJobEqualsOneDuckDbOverTheSameFiles) {
  ASSERT_NO_FATAL_FAILURE(Generate("us"));
  ASSERT_NO_FATAL_FAILURE(Generate("eu"));  // so a job reading the wrong store would show

  // Every analysis job in jobs/ is in the table.
  std::set<std::string> listed;
  for (const AnalysisJob& job : kAnalysisJobs) listed.insert(job.file);
  for (const auto& entry : fs::directory_iterator(std::string(SHOAL_SOURCE_ROOT) + "/jobs")) {
    std::string name = entry.path().filename().string();
    if (entry.path().extension() != ".yaml" || kNotAnalysisJobs.count(name)) continue;
    EXPECT_TRUE(listed.count(name)) << "jobs/" << name << " is not tested: add it to kAnalysisJobs";
  }

  AnalysisRun previous;
  for (const AnalysisJob& analysis : kAnalysisJobs) {
    SCOPED_TRACE(analysis.file);
    AnalysisRun run;
    CheckAnalysisJob(analysis, previous, &run);
    previous = run;
  }

  // The partitions cover each file exactly once, with all its rows, for both ways of
  // partitioning the jobs use: over all partitions, the (file, rows, revenue) rows equal one
  // DuckDB's over every file.
  auto oracle = OneDuckDb(Bucket("us"));
  ASSERT_NE(oracle, nullptr);
  auto per_file = oracle->Query(
      "SELECT filename, count(*) AS events, sum(total_amount)::DECIMAL(18, 2) AS revenue "
      "FROM read_json_auto('" +
      std::string(kAllEvents) + "', filename = true) GROUP BY 1");
  ASSERT_TRUE(per_file.ok()) << per_file.status().ToString();
  ASSERT_EQ(per_file->rows().size(), static_cast<size_t>(kNodesPerRegion * kMonths));
  const std::vector<std::pair<std::string, std::string>> partitionings = {
      {"hash", "partition_by_hash('" + std::string(kAllEvents) + "')"},
      {"regex",
       "partition_by_regex('" + std::string(kAllEvents) + R"(', '_(\d{4}-\d{2})\.jsonl$'))"},
  };
  for (const auto& [kind, files] : partitionings) {
    SCOPED_TRACE(kind);
    // Without --merge: each partition's table, so it is clear which read what.
    Json run = RunJob(WriteSpec("coverage-" + kind, CoverageSpec(kind, files)), {});
    ASSERT_FALSE(run.is_null());
    ASSERT_EQ(run["State"], "Completed") << run.dump();
    Json all_rows = Json::array();
    std::map<std::string, std::set<int64_t>> month_partitions;
    std::set<int64_t> partitions;
    for (const auto& e : run["Executions"]) {
      partitions.insert(e["PartitionIndex"].get<int64_t>());
      for (const auto& row : e["Rows"]) {
        all_rows.push_back(row);
        std::string file = row[0];
        month_partitions[file.substr(file.size() - std::string("2024-01.jsonl").size())].insert(
            e["PartitionIndex"].get<int64_t>());
      }
    }
    EXPECT_EQ(partitions, (std::set<int64_t>{0, 1, 2}));
    EXPECT_EQ(SortedRows(all_rows), SortedRows(RowsJson(*per_file))) << run.dump();
    if (kind == "regex") {
      // All nodes' files of one month go to the same partition.
      for (const auto& [month, in] : month_partitions) EXPECT_EQ(in.size(), 1u) << month;
    }
  }
}

TEST_F(ClusterJobsTest, MergeIncludesPartitionsWithoutFiles) {
  // Three months only: all of them hash to partition 2, so partitions 0 and 1 of a month-keyed
  // job read no files and publish a table without columns. As with the seed's own example
  // (monthly trends over three months), `--merge` must still print the months.
  ProcessResult generated = Shoal(GeneratorArgs("us", "2024-04-01"));
  ASSERT_EQ(generated.exit_code, 0) << generated.err << Logs();
  ProcessResult merged = Shoal({"job", "run", JobFile("monthly-trends.yaml"), "-V", "Region=us",
                                "--merge", "--output", "json", "--wait-timeout-secs", "60"});
  // Regression: MergeTables (src/cli/result_table.cc) at 5e850ef did not skip the tables of
  // partitions that read no files, and this exited 1 with "cannot merge: partition 2 on
  // compute-us-N has columns (month DATE, ...) but partition 0 on compute-us-M has ()".
  ASSERT_EQ(merged.exit_code, 0) << merged.err;
  Json result = Json::parse(merged.out);
  EXPECT_EQ(result["Columns"].size(), 5u) << merged.out;
  EXPECT_EQ(result["Rows"].size(), 3u) << merged.out;
}

}  // namespace
}  // namespace shoal
