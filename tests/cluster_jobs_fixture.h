// The fixture of the cluster-job tests (cluster_jobs_e2e_test.cc, cluster_jobs_bad_input_test.cc):
// the cluster as a user deploys it, in two regions (an orchestrator process and three compute-node
// processes per region, each region's nodes sharing its store), driven through the `shoal` CLI;
// the analysis jobs of jobs/ and how their partitions combine; one DuckDB over the same files as
// the oracle.
//
// Thread-safety: a test fixture; one test thread.
#pragma once

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "cluster_fixture.h"
#include "generator_job.h"
#include "result_rows.h"
#include <gtest/gtest.h>

#include "engine/engine.h"
#include "format/output_format.h"
#include "transport/http_client.h"

namespace shoal::cluster_jobs_testing {

namespace fs = std::filesystem;
using testing::Contains;
using testing::ProcessResult;
using transport::Json;

// The analysis jobs of jobs/: the -V variables each needs besides Region, and how the
// partitions' results make the answer when that is more than the union of their rows. Adding a
// job to jobs/ means adding its line here; the test fails until every analysis job is listed.
struct AnalysisJob {
  std::string file;
  // "{previous}" stands for the job ID of the entry before. One DuckDB then answers over what
  // one DuckDB answered for that entry (its output_file), so a pipeline is checked end to end.
  std::vector<std::string> vars;
  // SQL over a table `rows` (the partitions' rows) giving the answer; run over one DuckDB's rows
  // too. Empty: the union of the partitions' rows is the answer. Keep it exact (ORDER BY,
  // LIMIT, integer sums) so both sides compare value for value.
  std::string combine_rows = "";
  // A job with an s3 publisher: the store ("us", "global") and the folder below its my-bucket
  // ({JobID} replaced, "*" standing for the execution's folder) where its executions publish;
  // their result.json files are read there. Empty: the orchestrator's results, through
  // `shoal job run --merge`.
  std::string published_store = "";
  std::string published = "";
  // A file the job writes to /outputs, and SQL combining the partitions' copies ({files});
  // the same SQL over one DuckDB's copy must give the same rows.
  std::string output_file = "";
  std::string combine_files = "";
};
const std::vector<AnalysisJob> kAnalysisJobs = {
    {"monthly-trends.yaml", {}},
    {"hourly-operations.yaml", {}},
    {"anomaly-detection.yaml", {}},
    {"product-performance.yaml", {}},
    // Each partition keeps its first 100 matches; the first 100 of all is the answer. The
    // pattern matches a few hundred events, so the limit matters.
    {"search-transactions.yaml",
     {"Pattern=modern"},
     "SELECT * FROM rows ORDER BY timestamp, transaction_id LIMIT 100"},
    // Per-customer partial metrics, published as CSV into the region's store, add up across
    // partitions. The printed result is each partition's (customers, transactions): only the
    // second adds up.
    {"customer-segments-phase1.yaml",
     {},
     "SELECT sum(transactions) AS transactions FROM rows",
     "us",
     "results/customer-metrics/{JobID}/*",
     "partial_metrics.csv",
     "SELECT customer_id, sum(transactions), sum(completed), sum(units), "
     "sum(spent::DECIMAL(18, 2)), min(first_purchase), max(last_purchase) "
     "FROM read_csv({files}) GROUP BY 1"},
    // Phase 2 over the cluster's phase 1 equals phase 2 over one DuckDB's phase 1.
    {"customer-segments-phase2.yaml",
     {"JobID={previous}"},
     "",
     "global",
     "results/customer-segments/{JobID}"},
};
// Files of jobs/ that are not analyses over the generated events.
const std::set<std::string> kNotAnalysisJobs = {"data-generator.yaml"};

inline std::string JobFile(const std::string& name) {
  return std::string(SHOAL_SOURCE_ROOT) + "/jobs/" + name;
}

constexpr int kMonths = 6;
constexpr int kNodesPerRegion = 3;
constexpr const char* kAllEvents = "s3://my-bucket/transactions/**/*.jsonl";

// A job reporting which region's events it can see.
inline std::string PlacementSpec(const std::string& name, const std::string& type_and_count,
                                 const std::string& constraint) {
  return "Name: " + name + "\n" + type_and_count + R"(
Constraints:
  - )" + constraint +
         R"(
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SELECT count(*) AS events, min(region_name) AS first_region,
                 max(region_name) AS last_region
          FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl');
)";
}

// A job listing, per partition, the files it read with their rows: over all partitions each file
// must appear exactly once with all its rows. `files` is a partition_by_* call.
inline std::string CoverageSpec(const std::string& kind, const std::string& files) {
  return "Name: coverage-" + kind + R"(
Type: batch
Count: 3
Constraints:
  - {Key: region, Operator: "==", Values: [us]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SET VARIABLE files = (SELECT LIST(file) FROM )" +
         files + R"();
          SELECT filename, count(*) AS events, sum(total_amount)::DECIMAL(18, 2) AS revenue
          FROM read_json_auto(getvariable('files'), filename = true)
          GROUP BY 1;
)";
}

// A small job that must complete on the 3 nodes of each region.
constexpr const char* kHealthy = R"(
Name: healthy
Type: ops
Constraints:
  - {Key: region, Operator: in, Values: [us, eu]}
Tasks:
  - Name: main
    Engine: {Type: duckdb, Params: {SQL: "SELECT 42 AS answer"}}
)";

inline std::string Replaced(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

using testing::RowsJson;
using testing::SortedRows;

class ClusterJobsTest : public testing::ClusterFixture {
 protected:
  void SetUp() override { ASSERT_NO_FATAL_FAILURE(StartCluster({"us", "eu"}, kNodesPerRegion)); }

  // `shoal job run` arguments for the seed's data generator in `region`, with NULLs in the data
  // (generator_job.h), a month per file from January 2024 up to `end_date` (exclusive). The
  // default, six months, gives each of 3 month-keyed partitions at least one month (2024-05 goes
  // to partition 0, 2024-04 and -06 to 1, 2024-01..03 to 2): see
  // MergeIncludesPartitionsWithoutFiles for what happens otherwise.
  std::vector<std::string> GeneratorArgs(const std::string& region,
                                         const std::string& end_date = "2024-07-01") {
    std::vector<std::string> args = {"job", "run",
                                     testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, root_),
                                     "--wait-timeout-secs", "60"};
    for (const std::string& var :
         {"Region=" + region, std::string("Events=200"), std::string("StartDate=2024-01-01"),
          "EndDate=" + end_date, std::string("RotateInterval=month")}) {
      args.insert(args.end(), {"-V", var});
    }
    return args;
  }
  // `shoal ARGS... --output json`: the parsed output, or null (and a test failure) when the
  // command failed or printed something else.
  Json ShoalJson(std::vector<std::string> args) {
    args.insert(args.end(), {"--output", "json"});
    ProcessResult run = Shoal(args);
    EXPECT_EQ(run.exit_code, 0) << ::testing::PrintToString(args) << "\n" << run.err << Logs();
    if (run.exit_code != 0) return nullptr;
    Json parsed = Json::parse(run.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(parsed.is_discarded()) << run.out;
    return parsed.is_discarded() ? nullptr : parsed;
  }
  // `shoal job run` with a bounded wait, so a stuck job fails the test instead of hanging it.
  Json RunJob(const std::string& file, std::vector<std::string> args) {
    args.insert(args.begin(), {"job", "run", file, "--wait-timeout-secs", "60"});
    return ShoalJson(args);
  }
  std::string WriteSpec(const std::string& name, const std::string& yaml) {
    fs::path path = root_ / (name + ".yaml");
    std::ofstream(path) << yaml;
    return path.string();
  }
  // Fills the region's store with the data generator's events; `job_id` gets the job's ID.
  void Generate(const std::string& region, std::string* job_id = nullptr) {
    Json run = ShoalJson(GeneratorArgs(region));
    ASSERT_FALSE(run.is_null());
    ASSERT_EQ(run["State"], "Completed") << run.dump();
    if (job_id != nullptr) *job_id = run["JobID"];
  }
  std::set<std::string> RegionNodes(const std::string& region) const {
    std::set<std::string> names;
    for (const auto& node : specs_) {
      if (node.region == region) names.insert(node.name);
    }
    return names;
  }
  // Expects every execution of the job (from `shoal job executions`) to have completed on a node
  // of `region`, each of the region's nodes to have run one; returns its executions.
  Json ExpectRanOnEachNodeOf(const std::string& job_id, const std::string& region) {
    Json executions = ShoalJson({"job", "executions", job_id, "--all-versions"});
    std::multiset<std::string> nodes;
    for (const auto& e : executions) {
      nodes.insert(e["NodeID"].get<std::string>());
      EXPECT_EQ(e["ComputeState"]["StateType"], "Completed") << e.dump();
    }
    std::set<std::string> expected = RegionNodes(region);
    EXPECT_EQ(nodes, std::multiset<std::string>(expected.begin(), expected.end()))
        << job_id << " should have run once on each " << region << " node";
    return executions;
  }
  fs::path Bucket(const std::string& store) const { return StoreDir(store) / "my-bucket"; }
  // One DuckDB seeing `bucket` (a store's my-bucket) at s3://my-bucket as the nodes do, with
  // /outputs in `outputs` when given.
  std::unique_ptr<engine::Session> OneDuckDb(const fs::path& bucket,
                                             std::map<std::string, std::string> variables = {},
                                             const fs::path& outputs = {}) {
    engine::SessionOptions options;
    options.path_mappings = {{"s3://my-bucket", bucket.string()}};
    if (!outputs.empty()) options.path_mappings.push_back({"/outputs", outputs.string()});
    options.variables = std::move(variables);
    auto session = engine::Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(session).value() : nullptr;
  }
  // Runs `sql` over a table `rows` holding `table`'s rows ({"Columns": [{"Name"}], "Rows"}).
  Json Combine(const Json& table, const std::string& sql) {
    Json objects = Json::array();
    for (const auto& row : table["Rows"]) {
      Json object = Json::object();
      for (size_t i = 0; i < row.size(); ++i) object[table["Columns"][i]["Name"]] = row[i];
      objects.push_back(std::move(object));
    }
    fs::path file = root_ / ("combine-" + std::to_string(++combines_) + ".json");
    std::ofstream(file) << objects.dump();
    return RunSql("CREATE TABLE rows AS SELECT * FROM read_json_auto('" + file.string() + "');\n" +
                  sql);
  }
  // Runs `sql` with {files} replaced by the quoted glob `files`.
  Json CombineFiles(const std::string& files, std::string sql) {
    sql.replace(sql.find("{files}"), 7, "'" + files + "'");
    return RunSql(sql);
  }
  Json RunSql(const std::string& sql) {
    auto session = engine::Session::Open({});
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    if (!session.ok()) return Json::array();
    auto result = (*session)->Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString() << "\n" << sql;
    return result.ok() ? RowsJson(*result) : Json::array();
  }

  // What an analysis job leaves for the next entry of kAnalysisJobs.
  struct AnalysisRun {
    const AnalysisJob* job = nullptr;
    std::string job_id;
    fs::path oracle_outputs;  // the one DuckDB's /outputs
  };

  // Runs `analysis` on the cluster, and its own SQL as one partition on one DuckDB over the
  // region's store, and compares their answers.
  void CheckAnalysisJob(const AnalysisJob& analysis, const AnalysisRun& previous,
                        AnalysisRun* run) {
    run->job = &analysis;
    std::vector<std::string> args = {"-V", "Region=us"};
    if (analysis.published.empty()) args.push_back("--merge");
    bool uses_previous = false;
    for (const std::string& var : analysis.vars) {
      uses_previous |= Contains(var, "{previous}");
      args.insert(args.end(), {"-V", Replaced(var, "{previous}", previous.job_id)});
    }
    Json ran = RunJob(JobFile(analysis.file), args);
    ASSERT_FALSE(ran.is_null());
    ASSERT_EQ(ran["State"], "Completed") << ran.dump();
    run->job_id = ran["JobID"];
    const Json merged = analysis.published.empty() ? ran : PublishedTable(analysis, run->job_id);
    CheckJobResults(analysis, run->job_id, ran);

    // The job as the orchestrator stored and ran it: its SQL, and its Env, whose literal
    // entries the nodes hand to the SQL as variables, with the execution's own (here: one
    // execution, partition 0 of 1).
    Json described = ShoalJson({"job", "describe", run->job_id});
    ASSERT_FALSE(described.is_null());
    const Json& job = described["Job"];
    const Json& task = job["Tasks"][0];
    ASSERT_EQ(task["Engine"]["Type"], "duckdb") << task.dump();
    std::map<std::string, std::string> variables;
    for (const auto& [name, value] : task["Env"].items()) {
      if (value.get<std::string>().rfind("env:", 0) != 0) variables[name] = value;
    }
    variables["BACALHAU_EXECUTION_ID"] = "e-one-duckdb";
    variables["BACALHAU_JOB_ID"] = run->job_id;
    variables["BACALHAU_JOB_TYPE"] = job["Type"];
    variables["BACALHAU_PARTITION_INDEX"] = "0";
    variables["BACALHAU_PARTITION_COUNT"] = "1";
    variables["SHOAL_JOB_VERSION"] = std::to_string(job["Version"].get<int64_t>());
    for (const auto& e : described["Executions"]) {
      EXPECT_EQ(e["NodeID"].get<std::string>().rfind("compute-us-", 0), 0u) << e.dump();
    }

    // The oracle, with an /outputs of its own. A job reading the previous one's published file
    // gets a bucket holding only one DuckDB's copy of that file, where the job looks for it.
    const std::string stem = fs::path(analysis.file).stem().string();
    run->oracle_outputs = root_ / ("one-duckdb-outputs-" + stem);
    fs::create_directories(run->oracle_outputs);
    fs::path bucket = Bucket("us");
    if (uses_previous) {
      ASSERT_NE(previous.job, nullptr);
      bucket = root_ / ("one-duckdb-bucket-" + stem);
      fs::path folder = bucket /
                        Replaced(Replaced(previous.job->published, "{JobID}", previous.job_id), "*",
                                 "one-duckdb") /
                        "outputs";
      fs::create_directories(folder);
      fs::copy_file(previous.oracle_outputs / previous.job->output_file,
                    folder / previous.job->output_file);
      // ... and committed, as the store commit protocol does: the job reads through the
      // manifest (docs/jobs.md, "Results in a store").
      const fs::path manifest =
          bucket / "_shoal" / "commits" / previous.job_id / "v1-oracle.ndjson";
      fs::create_directories(manifest.parent_path());
      std::ofstream(manifest) << Json{{"job_id", previous.job_id},
                                      {"job_version", 1},
                                      {"partitions", 1},
                                      {"partition_index", 0},
                                      {"execution_id", "one-duckdb"},
                                      {"node_id", "one-duckdb"},
                                      {"path", "s3://my-bucket/" +
                                                   fs::relative(folder, bucket).string() + "/" +
                                                   previous.job->output_file},
                                      {"size", nullptr}}
                                     .dump()
                              << "\n";
    }
    auto oracle = OneDuckDb(bucket, variables, run->oracle_outputs);
    ASSERT_NE(oracle, nullptr);
    auto expected = oracle->Query(task["Engine"]["Params"]["SQL"].get<std::string>());
    ASSERT_TRUE(expected.ok()) << expected.status().ToString();
    ASSERT_EQ(merged["Columns"].size(), expected->columns().size()) << merged["Columns"].dump();
    for (size_t i = 0; i < expected->columns().size(); ++i) {
      EXPECT_EQ(merged["Columns"][i]["Name"], expected->columns()[i].name);
      EXPECT_EQ(merged["Columns"][i]["Type"], expected->columns()[i].type);
    }
    Json expected_rows = RowsJson(*expected);
    EXPECT_FALSE(expected_rows.empty()) << "an empty answer would prove nothing";
    if (analysis.combine_rows.empty()) {
      EXPECT_EQ(SortedRows(merged["Rows"]), SortedRows(expected_rows));
    } else {
      Json one = {{"Columns", merged["Columns"]}, {"Rows", expected_rows}};
      EXPECT_EQ(SortedRows(Combine(merged, analysis.combine_rows)),
                SortedRows(Combine(one, analysis.combine_rows)));
    }
    if (!analysis.output_file.empty()) {
      // The ResultPath these jobs publish /outputs as is named "outputs".
      fs::path published = Bucket(analysis.published_store) /
                           Replaced(analysis.published, "{JobID}", run->job_id) / "outputs" /
                           analysis.output_file;
      Json from_partitions = CombineFiles(published.string(), analysis.combine_files);
      EXPECT_FALSE(from_partitions.empty()) << published;
      EXPECT_EQ(SortedRows(from_partitions),
                SortedRows(CombineFiles((run->oracle_outputs / analysis.output_file).string(),
                                        analysis.combine_files)));
    }
  }

  // `shoal job results` prints what `job run` printed; results published to a store stay
  // there, and the output says where (and refuses the formats that would need them here).
  void CheckJobResults(const AnalysisJob& analysis, const std::string& job_id, const Json& ran) {
    if (analysis.published.empty()) {
      EXPECT_EQ(ShoalJson({"job", "results", job_id, "--merge"}), ran);
      return;
    }
    const Json results = ShoalJson({"job", "results", job_id});
    ASSERT_FALSE(results.is_null());
    EXPECT_EQ(results["Executions"], ran["Executions"]);
    const std::string folder = Replaced(analysis.published, "{JobID}", job_id);
    for (const Json& execution : results["Executions"]) {
      const Json& to = execution["PublishedTo"];
      EXPECT_EQ(to["Bucket"], "my-bucket") << execution.dump();
      EXPECT_EQ(to["Region"], "us") << execution.dump();
      EXPECT_EQ(to["Key"].get<std::string>().rfind(folder.substr(0, folder.find('*')), 0), 0u)
          << execution.dump();
    }
    ProcessResult text = Shoal({"job", "results", job_id});
    EXPECT_EQ(text.exit_code, 0) << text.err;
    EXPECT_TRUE(Contains(text.out, "published to s3://my-bucket/" + folder.substr(0, 8)))
        << text.out;
    EXPECT_TRUE(Contains(text.out, "from region us)")) << text.out;
    EXPECT_TRUE(Contains(text.out, "shoal job get " + job_id)) << text.out;
    for (const std::string format : {"table", "csv"}) {
      ProcessResult merged = Shoal({"job", "results", job_id, "--merge", "--output", format});
      EXPECT_EQ(merged.exit_code, 1) << merged.out;
      EXPECT_TRUE(Contains(merged.err,
                           "shoal job results: cannot merge: the results stayed in "
                           "their region's store"))
          << merged.err;
      EXPECT_TRUE(merged.out.empty()) << merged.out;
    }
  }

  // The union of the result.json files a job's executions published to a store.
  Json PublishedTable(const AnalysisJob& analysis, const std::string& job_id) {
    fs::path pattern = Bucket(analysis.published_store) /
                       Replaced(analysis.published, "{JobID}", job_id) / "result.json";
    Json files = RunSql("SELECT file FROM glob('" + pattern.string() + "') ORDER BY 1");
    EXPECT_FALSE(files.empty()) << "nothing published at " << pattern;
    Json table = {{"Columns", Json::array()}, {"Rows", Json::array()}};
    for (const auto& file : files) {
      Json result = Json::parse(testing::ReadWholeFile(file[0].get<std::string>()));
      // A partition that read no files publishes a table without columns.
      if (!result["Columns"].empty()) table["Columns"] = result["Columns"];
      for (const auto& row : result["Rows"]) table["Rows"].push_back(row);
    }
    return table;
  }

  int combines_ = 0;
};

}  // namespace shoal::cluster_jobs_testing
