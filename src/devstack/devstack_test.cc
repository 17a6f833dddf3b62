// A whole cluster in-process: the seed's data generator as an ops job fills the regional stores
// (with NULL keys and amounts and empty strings: --null-rate), then a partitioned batch job must
// give exactly the answer of one DuckDB over the same files.
// Every test runs twice: with folder stores and with one real S3 server (s3rver) per region.
#include "devstack/devstack.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>
#include <unistd.h>

#include "common/testing/temp_dir.h"
#include "devstack/testing/devstack_fixture.h"
#include "engine/engine.h"
#include "format/output_format.h"
#include "jobspec/jobspec.h"
#include "models/json_codec.h"
#include "transport/http_client.h"
#include "transport/node_tokens.h"

namespace shoal::devstack {
namespace {

namespace fs = std::filesystem;
using transport::Json;

constexpr const char* kGenerator = R"(
Name: data-generator-{{.Region}}
Type: ops
Constraints:
  - {Key: region, Operator: "==", Values: ["{{.Region}}"]}
Tasks:
  - Name: main
    Engine:
      Type: docker
      Params:
        Image: ghcr.io/bacalhau-project/data-generator:latest
        Parameters: [generate, --count, "200", --region, "{{.Region}}", --start-date, 2024-01-01,
                     --end-date, 2024-07-01, --rotate-interval, month, --null-rate, "0.05",
                     --output, /data]
    Env:
      AWS_ACCESS_KEY_ID: env:AWS_ACCESS_KEY_ID
    Publisher:
      Type: s3
      Params: {Bucket: my-bucket, Key: "transactions/{nodeID}/", Endpoint: "http://storage-local:9000", Encoding: plain}
    ResultPaths:
      - {Name: data, Path: /data}
)";

constexpr const char* kRevenue = R"(
Name: revenue-{{.Region}}
Type: batch
Count: 3
Constraints:
  - {Key: region, Operator: "==", Values: ["{{.Region}}"]}
Tasks:
  - Name: main
    Engine:
      Type: docker
      Params:
        Image: ghcr.io/bacalhau-project/duckdb:latest
        Parameters:
          - -c
          - |
            SET VARIABLE files = (SELECT LIST(file) FROM partition_by_hash('s3://my-bucket/transactions/**/*.jsonl'));
            SELECT count(*) AS n, sum(total_amount)::DECIMAL(18,2) AS revenue, count(DISTINCT filename) AS files
            FROM read_json_auto(getvariable('files'), filename = true);
    Env:
      DUCKDB_S3_ENDPOINT: storage-local:9000
)";

// Stages the region's events with an `s3` InputSource (each object to one of the partitions, by
// Bacalhau's object hash) and sums them: the union over partitions is every file once.
constexpr const char* kStagedRevenue = R"(
Name: staged-revenue-{{.Region}}
Type: batch
Count: 2
Constraints:
  - {Key: region, Operator: "==", Values: ["{{.Region}}"]}
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Params:
        SQL: |
          SELECT count(*) AS n, sum(total_amount)::DECIMAL(18,2) AS revenue, count(DISTINCT filename) AS files
          FROM read_json_auto('/inputs/**/*.jsonl', filename = true);
    InputSources:
      - Target: /inputs
        Source:
          Type: s3
          Params:
            Bucket: my-bucket
            Key: "transactions/*"
            Filter: "jsonl$"
            Endpoint: "http://storage-local:9000"
            Partition: {Type: object}
)";

class DevstackTest : public ::testing::TestWithParam<StorageKind> {
 protected:
  void SetUp() override {
    DevstackOptions options;
    options.nodes_per_region = 3;
    options.storage = GetParam();
    options.s3rver = SHOAL_S3RVER;
    auto running = testing::RunningDevstack::Start(options, "devstack");
    ASSERT_TRUE(running.ok()) << running.status().ToString();
    running_ = std::move(running).value();
    stack_ = &running_->stack();
    client_ = &running_->client();
  }
  void TearDown() override { running_.reset(); }

  // Submits the templated spec and waits until the job is terminal; returns the final job JSON.
  Json RunJob(const std::string& spec, const std::string& region,
              std::vector<std::string> vars = {}, bool force = false) {
    jobspec::SpecOptions options;
    vars.push_back("Region=" + region);
    options.vars = *jobspec::BuildTemplateVars(vars, {}, {});
    auto parsed = jobspec::ParseJobSpec(spec, options);
    EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
    auto submitted = client_->Put("/api/v1/orchestrator/jobs",
                                  Json{{"Job", models::ToJson(parsed->job)}, {"Force", force}});
    EXPECT_TRUE(submitted.ok()) << submitted.status().ToString();
    std::string id = (*submitted)["JobID"];
    for (int i = 0; i < 600; ++i) {
      auto job = client_->Get("/api/v1/orchestrator/jobs/" + id);
      std::string state = (*job)["Job"]["State"]["StateType"];
      if (state == "Completed" || state == "Failed" || state == "Stopped") return (*job)["Job"];
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "job " << id << " did not finish";
    return {};
  }

  std::unique_ptr<testing::RunningDevstack> running_;
  Devstack* stack_ = nullptr;
  transport::HttpClient* client_ = nullptr;
};

// Rows of a result.json or of an engine result, as JSON text, sorted (partition order is free).
std::vector<std::string> SortedRows(const Json& rows) {
  std::vector<std::string> out;
  for (const auto& row : rows) out.push_back(row.dump());
  std::sort(out.begin(), out.end());
  return out;
}

std::string ReadJobFile(const std::string& name) {
  std::ifstream in(std::string(SHOAL_SOURCE_ROOT) + "/jobs/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The union of a completed job's partitions' rows (from each result.json).
Json MergedRows(transport::HttpClient& client, const Json& job) {
  std::string id = job["ID"];
  Json merged = Json::array();
  auto results = client.Get("/api/v1/orchestrator/jobs/" + id + "/results");
  EXPECT_TRUE(results.ok());
  if (!results.ok()) return merged;
  for (const auto& item : (*results)["Items"]) {
    auto bytes = client.GetBytes("/api/v1/orchestrator/jobs/" + id + "/results/" +
                                 item["ExecutionID"].get<std::string>() + "/result.json");
    EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
    if (!bytes.ok()) continue;
    Json result = Json::parse(*bytes);
    for (const auto& row : result["Rows"]) merged.push_back(row);
  }
  return merged;
}

// A session over the region's store ("global": the results store), as the job's nodes see it,
// with the job's literal Env entries as variables (as the nodes set them). s3://my-bucket/...
// reads the store's folder, or its S3 server.
std::unique_ptr<engine::Session> OracleSession(const Devstack& stack, const std::string& region,
                                               const Json& job = Json()) {
  engine::SessionOptions options;
  if (std::string url = stack.StoreUrl(region); !url.empty()) {
    options.s3.environment = {{"DUCKDB_S3_ENDPOINT", url},
                              {"AWS_ACCESS_KEY_ID", S3rverProcess::kAccessKey},
                              {"AWS_SECRET_ACCESS_KEY", S3rverProcess::kSecretKey}};
  } else {
    options.path_mappings = {{"s3://my-bucket", stack.StorageDir(region) + "/my-bucket"}};
  }
  if (job.is_object()) {
    for (const auto& [name, value] : job["Tasks"][0]["Env"].items()) {
      std::string text = value.get<std::string>();
      if (text.rfind("env:", 0) != 0) options.variables[name] = text;
    }
  }
  return engine::Session::Open(options).value();
}

// Runs `sql` (the last statement returns the rows) and returns the rows as JSON cells.
Json OracleRows(engine::Session& oracle, const std::string& sql) {
  auto result = oracle.Query(sql);
  EXPECT_TRUE(result.ok()) << result.status().ToString();
  Json rows = Json::array();
  if (!result.ok()) return rows;
  for (const auto& row : result->rows()) {
    Json cells = Json::array();
    for (const auto& cell : row) cells.push_back(Json::parse(format::CellJsonText(cell)));
    rows.push_back(cells);
  }
  return rows;
}

TEST_P(DevstackTest, PartitionedJobEqualsOneDuckDbOverTheRegionsFiles) {
  for (const char* region : {"us", "eu"}) {
    Json job = RunJob(kGenerator, region);
    ASSERT_EQ(job["State"]["StateType"], "Completed") << job.dump();
  }
  // Each region's store holds what its 3 nodes generated, and nothing of the other region.
  auto oracle = OracleSession(*stack_, "us");
  auto expected = oracle->Query(
      "SELECT count(*), sum(total_amount)::DECIMAL(18,2), count(DISTINCT filename), "
      "count(*) FILTER (region_name LIKE 'eu%'), count(DISTINCT event_id) = count(*) "
      "FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl', filename = true)");
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  EXPECT_EQ(expected->Text(0, 2), "18");  // 3 nodes x 6 months
  EXPECT_EQ(expected->Text(0, 3), "0");
  EXPECT_EQ(expected->Text(0, 4), "true");  // each node wrote its own events, not a copy

  Json job = RunJob(kRevenue, "us");
  ASSERT_EQ(job["State"]["StateType"], "Completed") << job.dump();
  auto results =
      client_->Get("/api/v1/orchestrator/jobs/" + job["ID"].get<std::string>() + "/results");
  ASSERT_TRUE(results.ok());
  ASSERT_EQ((*results)["Items"].size(), 3u);
  int64_t rows = 0, files = 0;
  double revenue = 0;
  std::set<std::string> nodes;
  for (const auto& item : (*results)["Items"]) {
    nodes.insert(item["NodeID"].get<std::string>());
    EXPECT_EQ(item["NodeID"].get<std::string>().rfind("compute-us-", 0), 0u);
    auto bytes =
        client_->GetBytes("/api/v1/orchestrator/jobs/" + job["ID"].get<std::string>() +
                          "/results/" + item["ExecutionID"].get<std::string>() + "/result.json");
    ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
    Json result = Json::parse(*bytes);
    if (result["Rows"].empty()) continue;  // an empty partition
    rows += result["Rows"][0][0].get<int64_t>();
    revenue += result["Rows"][0][1].get<double>();
    files += result["Rows"][0][2].get<int64_t>();
  }
  EXPECT_EQ(nodes.size(), 3u);
  EXPECT_EQ(std::to_string(rows), expected->Text(0, 0));
  EXPECT_EQ(std::to_string(files), expected->Text(0, 2));  // each file read exactly once
  EXPECT_NEAR(revenue, std::stod(expected->Text(0, 1)), 0.005);
}

TEST_P(DevstackTest, S3InputSourceStagesEachObjectIntoOnePartition) {
  Json generated = RunJob(kGenerator, "us");
  ASSERT_EQ(generated["State"]["StateType"], "Completed") << generated.dump();
  Json job = RunJob(kStagedRevenue, "us");
  ASSERT_EQ(job["State"]["StateType"], "Completed") << job.dump();
  Json merged = MergedRows(*client_, job);
  ASSERT_EQ(merged.size(), 2u) << merged.dump();
  int64_t rows = 0, files = 0;
  for (const auto& row : merged) {
    rows += row[0].get<int64_t>();
    files += row[2].get<int64_t>();
  }
  auto oracle = OracleSession(*stack_, "us");
  Json expected = OracleRows(*oracle,
                             "SELECT count(*), count(DISTINCT filename) FROM "
                             "read_json_auto('s3://my-bucket/transactions/**/*.jsonl', "
                             "filename = true)");
  EXPECT_EQ(rows, expected[0][0].get<int64_t>());
  EXPECT_EQ(files, expected[0][1].get<int64_t>());
  EXPECT_EQ(files, 18);
}

struct AnalysisJob {
  const char* file;
  std::vector<std::string> vars;
  // Each partition returns its first `top` rows (ORDER BY the leading columns, LIMIT top): the
  // first `top` of the merged rows are the single-DuckDB answer. 0: the union is the answer.
  size_t top = 0;
  size_t min_rows = 5;  // guards against comparing two empty answers
};

TEST_P(DevstackTest, EveryAnalysisJobEqualsOneDuckDbOverTheSameFiles) {
  Json generated = RunJob(kGenerator, "us");
  ASSERT_EQ(generated["State"]["StateType"], "Completed") << generated.dump();
  const std::vector<AnalysisJob> jobs = {
      {"monthly-trends.yaml", {}},
      {"hourly-operations.yaml", {}},
      {"anomaly-detection.yaml", {}, 0, 1},
      {"product-performance.yaml", {}},
      {"search-transactions.yaml", {"Pattern=blue"}, 100, 100},
      // A pattern is a value: quotes and SQL in it are searched for, never run.
      {"search-transactions.yaml", {"Pattern=x' OR '1'='1"}, 100, 0},
  };
  for (const AnalysisJob& spec : jobs) {
    SCOPED_TRACE(spec.file + (spec.vars.empty() ? "" : " " + spec.vars[0]));
    Json job = RunJob(ReadJobFile(spec.file), "us", spec.vars, /*force=*/true);
    ASSERT_EQ(job["State"]["StateType"], "Completed") << job.dump();
    std::vector<std::string> merged = SortedRows(MergedRows(*client_, job));
    // The oracle: the job's own SQL as one partition, in one DuckDB over the region's store.
    auto oracle = OracleSession(*stack_, "us", job);
    std::vector<std::string> expected =
        SortedRows(OracleRows(*oracle, job["Tasks"][0]["Engine"]["Params"]["SQL"]));
    if (spec.top > 0 && merged.size() > spec.top) merged.resize(spec.top);
    EXPECT_GE(expected.size(), spec.min_rows);
    EXPECT_EQ(merged, expected);
  }
}

// Each execution reports what it read and produced (models::ExecutionStats), and the figures
// add up to the region's files: the partitions' sources delivered every event once, plus the
// rows of each partition's file list (partition_by_regex), one per file it then read.
TEST_P(DevstackTest, ExecutionsReportWhatTheyReadAndProduced) {
  Json generated = RunJob(kGenerator, "us");
  ASSERT_EQ(generated["State"]["StateType"], "Completed") << generated.dump();
  Json job = RunJob(ReadJobFile("monthly-trends.yaml"), "us");
  ASSERT_EQ(job["State"]["StateType"], "Completed") << job.dump();
  auto executions =
      client_->Get("/api/v1/orchestrator/jobs/" + job["ID"].get<std::string>() + "/executions");
  ASSERT_TRUE(executions.ok()) << executions.status().ToString();
  int64_t rows = 0, bytes = 0, files = 0, result_rows = 0;
  for (const Json& e : (*executions)["Items"]) {
    const Json& stats = e["Stats"];
    SCOPED_TRACE(stats.dump());
    rows += stats["RowsRead"].get<int64_t>();
    bytes += stats["BytesRead"].get<int64_t>();
    files += stats["FilesRead"].get<int64_t>();
    result_rows += stats["ResultRows"].get<int64_t>();
    EXPECT_GT(stats["ResultBytes"].get<int64_t>(), 0);
    EXPECT_EQ(stats["PublishedBytes"], stats["ResultBytes"]);  // all of it, uploaded
    EXPECT_EQ(stats["PublishedTo"], "orchestrator");
    EXPECT_GE(stats["RunningMs"].get<int64_t>(), 0);
  }
  auto oracle = OracleSession(*stack_, "us");
  Json expected = OracleRows(*oracle,
                             "SELECT count(*), count(DISTINCT filename) FROM "
                             "read_json_auto('s3://my-bucket/transactions/**/*.jsonl', "
                             "filename = true)");
  const int64_t events = expected[0][0].get<int64_t>();
  EXPECT_EQ(files, expected[0][1].get<int64_t>());
  EXPECT_EQ(rows, events + files);
  EXPECT_GT(bytes, 0);
  EXPECT_EQ(result_rows, static_cast<int64_t>(MergedRows(*client_, job).size()));
}

TEST_P(DevstackTest, CustomerSegmentsCombinePartialsExactlyEvenAfterARerun) {
  Json generated = RunJob(kGenerator, "us");
  ASSERT_EQ(generated["State"]["StateType"], "Completed") << generated.dump();
  Json phase1 = RunJob(ReadJobFile("customer-segments-phase1.yaml"), "us");
  ASSERT_EQ(phase1["State"]["StateType"], "Completed") << phase1.dump();
  // Running phase 1 again makes a new version under the same job id, publishing a second set of
  // partial metrics beside the first; phase 2 must count each purchase once all the same.
  phase1 = RunJob(ReadJobFile("customer-segments-phase1.yaml"), "us", {}, /*force=*/true);
  ASSERT_EQ(phase1["State"]["StateType"], "Completed") << phase1.dump();
  ASSERT_EQ(phase1["Version"], 2);
  std::string phase1_id = phase1["ID"];
  Json phase2 = RunJob(ReadJobFile("customer-segments-phase2.yaml"), "us", {"JobID=" + phase1_id});
  ASSERT_EQ(phase2["State"]["StateType"], "Completed") << phase2.dump();
  // Phase 2 publishes to the global store (not to the orchestrator): read what it published.
  auto reader = OracleSession(*stack_, "global");
  std::vector<std::string> segments =
      SortedRows(OracleRows(*reader,
                            "SELECT * FROM read_csv('s3://my-bucket/results/"
                            "customer-segments/" +
                                phase2["ID"].get<std::string>() + "/outputs/segments.csv')"));

  // The oracle: customers straight from the raw rows in one DuckDB, then phase 2's own
  // segmentation over them.
  auto oracle = OracleSession(*stack_, "us");
  ASSERT_TRUE(oracle
                  ->Query("CREATE TABLE customers AS SELECT customer_id::VARCHAR AS customer_id, "
                          "count(*) AS transactions, "
                          "count(*) FILTER (payment_status = 'completed') AS completed, "
                          "sum(quantity) AS units, coalesce(sum(total_amount::DECIMAL(18, 2)) "
                          "FILTER (payment_status = 'completed'), 0) AS spent, "
                          "min(timestamp) AS first_purchase, max(timestamp) AS last_purchase "
                          "FROM read_json_auto('s3://my-bucket/transactions/**/*.jsonl') "
                          "GROUP BY ALL")
                  .ok());
  std::string sql = phase2["Tasks"][0]["Engine"]["Params"]["SQL"];
  size_t begin = sql.find("CREATE TABLE segments AS");
  size_t end = sql.find("COPY (", begin);
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  ASSERT_TRUE(oracle->Query(sql.substr(begin, end - begin)).ok());
  std::vector<std::string> expected = SortedRows(OracleRows(*oracle, "SELECT * FROM segments"));
  EXPECT_GE(expected.size(), 3u);
  EXPECT_EQ(segments, expected);
}

// The devstack's API asks for tokens as a deployed orchestrator does: fresh random ones, the
// client token in an owner-only file, one token per node whose digest alone is in the node-tokens
// file; each node's token acts only for that node and never opens the client API.
TEST(DevstackTokensTest, TheApiNeedsTheClientTokenAndEachNodeHasItsOwnToken) {
  const shoal::testing::TempDir dir("devstack-tokens");
  std::ofstream(dir / "node.token") << "left by an older devstack\n";
  DevstackOptions options;
  options.dir = dir.string();
  options.port = 0;
  options.regions = {"us"};
  options.nodes_per_region = 2;
  auto stack = Devstack::Start(options);
  ASSERT_TRUE(stack.ok()) << stack.status().ToString();
  ASSERT_TRUE((*stack)->WaitForNodes(std::chrono::seconds(10)));  // each with its own token

  const std::string client_token = (*stack)->client_token();
  const std::string first = (*stack)->node_token("compute-us-1");
  const std::string second = (*stack)->node_token("compute-us-2");
  EXPECT_EQ(client_token.size(), 64u);
  EXPECT_EQ(first.size(), 64u);
  EXPECT_NE(first, second);
  EXPECT_NE(client_token, first);
  EXPECT_EQ((*stack)->node_token("compute-us-9"), "");
  EXPECT_FALSE(fs::exists(dir / "node.token"));
  EXPECT_EQ((*stack)->client_token_file(), (fs::absolute(dir.path()) / "client.token").string());
  EXPECT_EQ((*stack)->node_tokens_file(), (fs::absolute(dir.path()) / "node-tokens").string());
  for (const char* file : {"client.token", "node-tokens"}) {
    EXPECT_EQ(fs::status(dir / file).permissions() & fs::perms::all,
              fs::perms::owner_read | fs::perms::owner_write)
        << file;
  }
  std::ifstream in(dir / "client.token");
  std::string text;
  std::getline(in, text);
  EXPECT_EQ(text, client_token);
  std::stringstream node_tokens;
  node_tokens << std::ifstream(dir / "node-tokens").rdbuf();
  EXPECT_EQ(node_tokens.str(), "compute-us-1 " + transport::TokenDigest(first) + "\ncompute-us-2 " +
                                   transport::TokenDigest(second) + "\n");

  const transport::Endpoint endpoint{"127.0.0.1", (*stack)->port()};
  auto without = transport::HttpClient(endpoint).Get("/api/v1/orchestrator/nodes");
  EXPECT_EQ(without.status().code(), ErrorCode::kUnauthenticated);
  transport::HttpClient::Options as_node;
  as_node.bearer_token = first;
  const transport::HttpClient node(endpoint, as_node);
  EXPECT_EQ(node.Get("/api/v1/orchestrator/nodes").status().code(), ErrorCode::kUnauthenticated);
  // compute-us-1's token heartbeats for compute-us-1 only.
  EXPECT_TRUE(
      node.Post("/api/v1/compute/heartbeat", transport::Json{{"NodeID", "compute-us-1"}}).ok());
  EXPECT_EQ(node.Post("/api/v1/compute/heartbeat", transport::Json{{"NodeID", "compute-us-2"}})
                .status()
                .code(),
            ErrorCode::kPermissionDenied);
  transport::HttpClient::Options as_client;
  as_client.bearer_token = client_token;
  auto nodes = transport::HttpClient(endpoint, as_client).Get("/api/v1/orchestrator/nodes");
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ((*nodes)["Items"].size(), 2u);
  for (const auto& n : (*nodes)["Items"]) EXPECT_EQ(n["Connection"], "CONNECTED");
  stack->reset();
}

INSTANTIATE_TEST_SUITE_P(Stores, DevstackTest,
                         ::testing::Values(StorageKind::kFolders, StorageKind::kS3),
                         [](const ::testing::TestParamInfo<StorageKind>& info) {
                           return info.param == StorageKind::kS3 ? "S3" : "Folders";
                         });

}  // namespace
}  // namespace shoal::devstack
