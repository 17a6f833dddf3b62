// `shoal job|node|agent` as a user runs them: the real binary against a fake orchestrator (an
// HttpServer answering canned JSON that follows docs/api.md), checking output and exit codes.
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"
#include "models/json_codec.h"
#include "transport/http_server.h"

namespace shoal {
namespace {

namespace fs = std::filesystem;
using ::shoal::testing::ProcessResult;
using ::shoal::testing::RunProcess;
using ::shoal::testing::ShoalBinary;
using transport::HttpServer;
using transport::Json;
using transport::RawResponse;
using transport::Request;

constexpr const char* kJobId = "j-0b1c2d3e-4f50-4a6b-8c7d-8e9f00112233";
constexpr const char* kJobs = "/api/v1/orchestrator/jobs";

// One completed execution and its published files.
struct Published {
  std::string execution_id;
  std::string node_id;
  int64_t partition = 0;
  std::map<std::string, std::string> files;  // path -> bytes
};

std::string ResultJson(const std::string& columns, const std::string& rows) {
  return "{\"Columns\": " + columns + ", \"Rows\": " + rows + "}";
}

const std::string kTrendColumns =
    "[{\"Name\": \"month\", \"Type\": \"VARCHAR\", \"Numeric\": false}, "
    "{\"Name\": \"total\", \"Type\": \"DECIMAL(18,2)\", \"Numeric\": true}]";

// A fake orchestrator with one job: Running for `running_polls` GETs, then `final_state`.
class FakeOrchestrator {
 public:
  FakeOrchestrator() : server_(HttpServer::Options{}) {
    job_.id = kJobId;
    job_.name = "trends";
    job_.count = 2;
    job_.version = 1;
    job_.task.engine = {"duckdb", Json{{"SQL", "SELECT 1"}}};
  }

  models::Job& job() { return job_; }
  std::vector<Published>& published() { return published_; }
  std::map<std::string, models::ExecutionStats>& stats() { return stats_; }
  std::vector<models::Node>& nodes() { return nodes_; }
  int running_polls = 2;
  models::JobStateType final_state = models::JobStateType::kCompleted;
  std::string final_message;
  // Successive answers' Items to POST .../results/fetch (the last one repeats); none: every
  // published execution is "ready".
  std::vector<Json> fetch_rounds;

  // Registers the handlers and starts; returns the environment pointing the CLI at it.
  std::map<std::string, std::string> Start() {
    Handle("PUT", kJobs, [this](const Request& request) -> Result<Json> {
      std::lock_guard<std::mutex> lock(mu_);
      submitted_ = request.JsonBody().value();
      return Json{{"JobID", job_.id}, {"JobVersion", 1}, {"Changed", true}, {"Warnings", {}}};
    });
    Handle("GET", kJobs, [this](const Request&) -> Result<Json> {
      return Json{{"Items", {models::ToJson(JobNow())}}, {"NextToken", ""}};
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)", [this](const Request& request) -> Result<Json> {
      if (request.matches[1] == "nope" || request.matches[1] == "j-ffffffff") {
        return Status::NotFound("job '" + std::string(request.matches[1]) + "' not found");
      }
      return Json{{"Job", models::ToJson(JobNow())}};
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/executions", [this](const Request&) {
      Json items = Json::array();
      for (const models::Execution& e : Executions()) items.push_back(models::ToJson(e));
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/history", [this](const Request&) {
      models::Event event;
      event.seq_num = 1;
      event.job_id = job_.id;
      event.job_version = job_.version;
      event.topic = "Submission";
      event.message = "job submitted";
      return Result<Json>(Json{{"Items", {models::ToJson(event)}}, {"LastSeq", 1}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/results", [this](const Request&) {
      Json items = Json::array();
      for (const Published& p : published_) {
        Json files = Json::array();
        for (const auto& [path, bytes] : p.files) {
          files.push_back({{"Path", path}, {"Size", bytes.size()}});
        }
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"PartitionIndex", p.partition},
                         {"Files", files}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("POST", std::string(kJobs) + "/([^/]+)/results/fetch", [this](const Request&) {
      std::lock_guard<std::mutex> lock(mu_);
      if (!fetch_rounds.empty()) {
        Json items = fetch_rounds.front();
        if (fetch_rounds.size() > 1) fetch_rounds.erase(fetch_rounds.begin());
        return Result<Json>(Json{{"Items", items}});
      }
      Json items = Json::array();
      for (const Published& p : published_) {
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"PartitionIndex", p.partition},
                         {"State", "ready"}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", std::string(kJobs) + "/([^/]+)/logs", [this](const Request& request) {
      Json items = Json::array();
      for (const Published& p : published_) {
        std::string wanted = request.Param("execution_id");
        if (!wanted.empty() && wanted != p.execution_id) continue;
        items.push_back({{"ExecutionID", p.execution_id},
                         {"NodeID", p.node_id},
                         {"Stdout", "logs of " + p.execution_id + "\n"},
                         {"Stderr", ""}});
      }
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("DELETE", std::string(kJobs) + "/([^/]+)", [this](const Request&) {
      return Result<Json>(Json{{"JobID", job_.id}});
    });
    Handle("GET", "/api/v1/orchestrator/nodes", [this](const Request&) {
      Json items = Json::array();
      for (const models::Node& node : nodes_) items.push_back(models::ToJson(node));
      return Result<Json>(Json{{"Items", items}});
    });
    Handle("GET", "/api/v1/agent/alive", [](const Request&) {
      return Result<Json>(Json{{"Status", "OK"}});
    });
    server_.HandleRaw("GET", std::string(kJobs) + "/([^/]+)/results/([^/]+)/(.+)",
                      [this](const Request& request) -> Result<RawResponse> {
                        Record(request);
                        for (const Published& p : published_) {
                          auto file = p.files.find(request.matches[3]);
                          if (p.execution_id == request.matches[2] && file != p.files.end()) {
                            return RawResponse{200, "application/octet-stream", file->second};
                          }
                        }
                        return Status::NotFound("no such result file");
                      });
    int port = server_.Start().value();
    return {{"SHOAL_API_HOST", "127.0.0.1"}, {"SHOAL_API_PORT", std::to_string(port)}};
  }

  std::vector<std::string> requests() {
    std::lock_guard<std::mutex> lock(mu_);
    return requests_;
  }
  Json submitted() {
    std::lock_guard<std::mutex> lock(mu_);
    return submitted_;
  }

 private:
  template <typename Fn>
  void Handle(const std::string& method, const std::string& pattern, Fn fn) {
    server_.HandleJson(method, pattern, [this, fn](const Request& request) -> Result<Json> {
      Record(request);
      return fn(request);
    });
  }
  void Record(const Request& request) {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(request.method + " " + request.path);
  }
  models::Job JobNow() {
    std::lock_guard<std::mutex> lock(mu_);
    models::Job job = job_;
    bool done = ++polls_ > running_polls;
    job.state.state_type = done ? final_state : models::JobStateType::kRunning;
    if (done) job.state.message = final_message;
    return job;
  }
  std::vector<models::Execution> Executions() {
    std::vector<models::Execution> executions;
    for (const Published& p : published_) {
      models::Execution& e = executions.emplace_back();
      e.id = p.execution_id;
      e.job_id = job_.id;
      e.job_version = job_.version;
      e.node_id = p.node_id;
      e.partition_index = p.partition;
      e.compute_state.state_type = models::ExecutionComputeState::kCompleted;
      if (auto stats = stats_.find(p.execution_id); stats != stats_.end()) e.stats = stats->second;
      // Only a running execution has a progress.
      if (e.stats.progress >= 0)
        e.compute_state.state_type = models::ExecutionComputeState::kRunning;
    }
    return executions;
  }

  HttpServer server_;
  models::Job job_;
  std::vector<Published> published_;
  std::map<std::string, models::ExecutionStats> stats_;  // what a node reported, by execution
  std::vector<models::Node> nodes_;
  std::mutex mu_;
  int polls_ = 0;
  std::vector<std::string> requests_;
  Json submitted_;
};

class CliJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("shoal-cli-job-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string WriteJobFile(const std::string& name, const std::string& text) {
    fs::path path = dir_ / name;
    std::ofstream(path) << text;
    return path.string();
  }
  std::string TrendsJob() {
    return WriteJobFile("trends.yaml",
                        "Name: trends-{{.Region}}\n"
                        "Type: batch\n"
                        "Count: 2\n"
                        "Tasks:\n"
                        "  - Name: main\n"
                        "    Engine:\n"
                        "      Type: duckdb\n"
                        "      Params:\n"
                        "        SQL: SELECT 1\n");
  }
  // Two partitions, published out of order to check that output is by partition.
  void PublishTrends(FakeOrchestrator& fake) {
    fake.published().push_back(
        {"e-2",
         "compute-us-2",
         1,
         {{"result.json", ResultJson(kTrendColumns, R"([["2024-02", 7.05], ["2024-03", null]])")},
          {"stdout", "ignored\n"}}});
    fake.published().push_back(
        {"e-1",
         "compute-us-1",
         0,
         {{"result.json", ResultJson(kTrendColumns, R"([["2024-01", 12.50]])")}}});
  }

  ProcessResult Shoal(std::vector<std::string> args, const std::map<std::string, std::string>& env,
                      const std::string& input = "") {
    args.insert(args.begin(), ShoalBinary());
    return RunProcess(args, input, env);
  }

  fs::path dir_;
};

TEST_F(CliJobTest, RunWaitsThenPrintsEachPartitionsTable) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  auto env = fake.Start();
  auto r = Shoal({"job", "run", TrendsJob(), "-V", "Region=us"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("job ") + kJobId + " (trends, version 1) completed\n\n" +
                       "partition 0 on compute-us-1:\n"
                       "month   | total\n"
                       "--------|------\n"
                       "2024-01 | 12.50\n"
                       "(1 row)\n"
                       "\n"
                       "partition 1 on compute-us-2:\n"
                       "month   | total\n"
                       "--------|------\n"
                       "2024-02 |  7.05\n"
                       "2024-03 |  NULL\n"
                       "(2 rows)\n");
  // Not a terminal: no progress line.
  EXPECT_EQ(r.err, "");
  Json job = fake.submitted()["Job"];
  EXPECT_EQ(job["Name"], "trends-us");
  EXPECT_EQ(job["Count"], 2);
  EXPECT_EQ(fake.submitted()["Force"], false);
  EXPECT_EQ(fake.submitted()["DryRun"], false);
}

// A follow-up job given a job id as `job list` shows it gets the full id in its template.
TEST_F(CliJobTest, AShortJobIdInAVariableBecomesTheFullId) {
  FakeOrchestrator fake;
  auto env = fake.Start();
  std::string file = WriteJobFile("phase2.yaml",
                                  "Name: phase2\n"
                                  "Type: batch\n"
                                  "Count: 1\n"
                                  "Tasks:\n"
                                  "  - Name: main\n"
                                  "    Engine:\n"
                                  "      Type: duckdb\n"
                                  "      Params:\n"
                                  "        SQL: SELECT '{{.JobID}}' AS previous\n");
  auto run = RunProcess({ShoalBinary(), "job", "run", "--dry-run", "-V", "JobID=j-0b1c2d3e", file},
                        "", env);
  EXPECT_EQ(run.exit_code, 0) << run.err;
  EXPECT_NE(run.out.find(std::string("SELECT '") + kJobId + "' AS previous"), std::string::npos)
      << run.out;
  EXPECT_NE(run.err.find(std::string("-V JobID=j-0b1c2d3e is job ") + kJobId), std::string::npos)
      << run.err;
  // Values that are not short ids, and --no-template, are left alone.
  run = RunProcess({ShoalBinary(), "job", "run", "--dry-run", "-V", "JobID=j-0b1c2d3e-4f50", file},
                   "", env);
  EXPECT_NE(run.out.find("SELECT 'j-0b1c2d3e-4f50' AS previous"), std::string::npos) << run.out;
  // A short id no job has is refused before anything is sent.
  const Json last_submitted = fake.submitted();
  run = RunProcess({ShoalBinary(), "job", "run", "-V", "JobID=j-ffffffff", file}, "", env);
  EXPECT_EQ(run.exit_code, 2) << run.err;
  EXPECT_NE(run.err.find("-V JobID=j-ffffffff looks like a short job id, but no job has it"),
            std::string::npos)
      << run.err;
  EXPECT_EQ(fake.submitted(), last_submitted);
}

TEST_F(CliJobTest, MergePrintsTheUnionOfThePartitions) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  auto env = fake.Start();
  auto r = Shoal({"job", "run", "--merge", TrendsJob(), "-V", "Region=us"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("job ") + kJobId + " (trends, version 1) completed\n\n" +
                       "month   | total\n"
                       "--------|------\n"
                       "2024-01 | 12.50\n"
                       "2024-02 |  7.05\n"
                       "2024-03 |  NULL\n"
                       "(3 rows)\n");

  FakeOrchestrator csv_fake;
  PublishTrends(csv_fake);
  auto csv = Shoal({"job", "run", "--merge", "--output", "csv", TrendsJob(), "-V", "Region=us"},
                   csv_fake.Start());
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out, "month,total\n2024-01,12.50\n2024-02,7.05\n2024-03,\n");
}

TEST_F(CliJobTest, MergeRefusesPartitionsWithDifferentColumns) {
  FakeOrchestrator fake;
  fake.published().push_back(
      {"e-1", "compute-us-1", 0, {{"result.json", ResultJson(kTrendColumns, "[]")}}});
  fake.published().push_back(
      {"e-2",
       "compute-us-2",
       1,
       {{"result.json",
         ResultJson(R"([{"Name": "n", "Type": "BIGINT", "Numeric": true}])", "[[1]]")}}});
  auto r = Shoal({"job", "run", "--merge", TrendsJob(), "-V", "Region=us"}, fake.Start());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("shoal job run: cannot merge: partition 1 on compute-us-2 has columns "
                       "(n BIGINT) but partition 0 on compute-us-1 has (month VARCHAR, total "
                       "DECIMAL(18,2))"),
            std::string::npos)
      << r.err;
}

TEST_F(CliJobTest, JsonOutputKeepsPartitionsAndTypes) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  auto r = Shoal({"job", "run", "--output", "json", TrendsJob(), "-V", "Region=us"}, fake.Start());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json out = Json::parse(r.out);
  EXPECT_EQ(out["JobID"], kJobId);
  EXPECT_EQ(out["State"], "Completed");
  ASSERT_EQ(out["Executions"].size(), 2u);
  EXPECT_EQ(out["Executions"][0]["ExecutionID"], "e-1");
  EXPECT_EQ(out["Executions"][0]["NodeID"], "compute-us-1");
  EXPECT_EQ(out["Executions"][0]["PartitionIndex"], 0);
  EXPECT_EQ(out["Executions"][0]["Columns"][1]["Name"], "total");
  EXPECT_EQ(out["Executions"][1]["Rows"], Json::parse(R"([["2024-02", 7.05], ["2024-03", null]])"));
}

TEST_F(CliJobTest, JobsWithoutResultJsonShowTheirStdout) {
  FakeOrchestrator fake;
  fake.job().type = models::JobType::kOps;
  fake.job().count = 0;
  fake.published().push_back({"e-1", "compute-eu-1", 0, {{"stdout", "wrote 3000 events"}}});
  fake.published().push_back({"e-2", "compute-eu-2", 0, {{"exitCode", "0"}}});
  auto r = Shoal({"job", "run", TrendsJob(), "-V", "Region=eu"}, fake.Start());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string("job ") + kJobId + " (trends, version 1) completed\n\n" +
                       "node compute-eu-1:\n"
                       "wrote 3000 events\n"
                       "\n"
                       "node compute-eu-2:\n"
                       "logs of e-2\n");
}

TEST_F(CliJobTest, FailedJobExitsOneWithItsMessage) {
  FakeOrchestrator fake;
  fake.final_state = models::JobStateType::kFailed;
  fake.final_message = "partition 1 failed 3 times: Catalog Error: Table x does not exist";
  auto r = Shoal({"job", "run", TrendsJob(), "-V", "Region=us"}, fake.Start());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, std::string("shoal job run: job ") + kJobId +
                       " failed: partition 1 failed 3 times: Catalog Error: Table x does not "
                       "exist\n");
}

// `job results` prints what `job run` printed, for a job that completed earlier; a job that
// has not completed has no results to print, and says why.
TEST_F(CliJobTest, ResultsPrintWhatRunPrintedOnceTheJobHasCompleted) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  auto env = fake.Start();
  auto run = Shoal({"job", "run", TrendsJob(), "-V", "Region=us"}, env);
  ASSERT_EQ(run.exit_code, 0) << run.err;
  auto results = Shoal({"job", "results", kJobId}, env);
  EXPECT_EQ(results.exit_code, 0) << results.err;
  EXPECT_EQ(results.out, run.out);
  auto merged = Shoal({"job", "results", "trends", "--merge", "--output", "csv"}, env);
  EXPECT_EQ(merged.exit_code, 0) << merged.err;
  EXPECT_EQ(merged.out, "month,total\n2024-01,12.50\n2024-02,7.05\n2024-03,\n");
  auto yaml = Shoal({"job", "results", kJobId, "--merge", "--output", "yaml"}, env);
  EXPECT_EQ(yaml.exit_code, 0) << yaml.err;
  EXPECT_NE(yaml.out.find(std::string("JobID: ") + kJobId + "\nState: Completed\n"),
            std::string::npos)
      << yaml.out;
  auto bad = Shoal({"job", "results", kJobId, "--output", "xml"}, env);
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err,
            "shoal job results: --output: unknown format 'xml'; use table, csv, json or yaml\n");
}

TEST_F(CliJobTest, ResultsOfAJobThatHasNotCompletedSayWhy) {
  FakeOrchestrator running;
  running.running_polls = 1000000;
  auto r = Shoal({"job", "results", kJobId}, running.Start());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, std::string("shoal job results: job ") + kJobId +
                       " is Running: its results are printed once it has completed (see its "
                       "progress with `shoal job describe " +
                       kJobId + "`)\n");

  FakeOrchestrator failed;
  failed.running_polls = 0;
  failed.final_state = models::JobStateType::kFailed;
  failed.final_message = "partition 1 failed 3 times: Catalog Error: Table x does not exist";
  r = Shoal({"job", "results", kJobId}, failed.Start());
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_EQ(r.err, std::string("shoal job results: job ") + kJobId +
                       " failed: partition 1 failed 3 times: Catalog Error: Table x does not "
                       "exist\n");
}

// Giving up waiting is not a failure: the job runs on, and the exit code (3) says so.
TEST_F(CliJobTest, GivingUpWaitingExitsThree) {
  FakeOrchestrator fake;
  fake.running_polls = 1000000;
  auto r = Shoal({"job", "run", TrendsJob(), "-V", "Region=us", "--wait-timeout-secs", "1"},
                 fake.Start());
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("is still Running after 1 s (--wait-timeout-secs); it keeps running"),
            std::string::npos)
      << r.err;
}

// `job validate` checks a file as `job run` would, and needs no orchestrator at all.
TEST_F(CliJobTest, ValidateChecksAFileWithoutAnOrchestrator) {
  const std::map<std::string, std::string> nowhere = {{"SHOAL_API_HOST", "127.0.0.1"},
                                                      {"SHOAL_API_PORT", "1"}};
  auto good = Shoal({"job", "validate", TrendsJob(), "-V", "Region=eu"}, nowhere);
  EXPECT_EQ(good.exit_code, 0) << good.err;
  EXPECT_EQ(good.out, "the job file is valid: trends-eu, type batch, count 2\n");

  auto missing = Shoal({"job", "validate", TrendsJob()}, nowhere);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("shoal job validate: "), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("missing template variable: Region (line 1)"), std::string::npos)
      << missing.err;
  auto unknown = Shoal({"job", "validate", "--no-template",
                        WriteJobFile("typo.yaml",
                                     "Type: batch\nTasks:\n  - Engine:\n      Type: duckdb\n"
                                     "      Parms: {SQL: SELECT 1}\n")},
                       nowhere);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("line 5: Tasks[0].Engine.Parms: unknown field"), std::string::npos)
      << unknown.err;
}

TEST_F(CliJobTest, BadSpecsExitTwoAndSendNothing) {
  FakeOrchestrator fake;
  auto env = fake.Start();
  auto yaml = Shoal({"job", "run", WriteJobFile("bad.yaml", "Name: [unclosed\n")}, env);
  EXPECT_EQ(yaml.exit_code, 2);
  EXPECT_NE(yaml.err.find("shoal job run: "), std::string::npos);
  EXPECT_NE(yaml.err.find("malformed YAML"), std::string::npos) << yaml.err;

  auto unknown = Shoal({"job", "run",
                        WriteJobFile("unknown.yaml",
                                     "Type: batch\nTasks:\n  - Engine:\n      Type: duckdb\n"
                                     "      Parms: {SQL: SELECT 1}\n")},
                       env);
  EXPECT_EQ(unknown.exit_code, 2);
  EXPECT_NE(unknown.err.find("line 5: Tasks[0].Engine.Parms: unknown field; did you mean Params?"),
            std::string::npos)
      << unknown.err;

  // SQL that DuckDB's parser refuses could run on no node: refused here, at its line of the file
  // (`job validate` says the same, with no orchestrator at all).
  const std::string bad_sql = WriteJobFile("sql.yaml",
                                           "Type: batch\nTasks:\n  - Engine:\n      Type: duckdb\n"
                                           "      Params:\n        SQL: |\n          SELECT 1;\n"
                                           "          SELECT a FORM t;\n");
  for (const std::string verb : {"run", "validate"}) {
    auto sql = Shoal({"job", verb, bad_sql}, env);
    EXPECT_EQ(sql.exit_code, 2);
    EXPECT_EQ(sql.err, "shoal job " + verb + ": " + bad_sql +
                           ": line 8: Tasks[0].Engine.Params.SQL: the SQL cannot run: syntax error "
                           "at or near \"t\"\n");
  }

  auto missing = Shoal({"job", "run", TrendsJob()}, env);
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("missing template variable: Region (line 1); set them with -V"),
            std::string::npos)
      << missing.err;

  auto flag = Shoal({"job", "run", "--no-such-flag", TrendsJob()}, env);
  EXPECT_EQ(flag.exit_code, 2);
  auto output = Shoal({"job", "run", "--output", "xml", TrendsJob(), "-V", "Region=us"}, env);
  EXPECT_EQ(output.exit_code, 2);
  EXPECT_NE(output.err.find("--output: unknown format 'xml'"), std::string::npos) << output.err;

  EXPECT_TRUE(fake.requests().empty());
}

TEST_F(CliJobTest, StdinTemplatesAndNoTemplate) {
  FakeOrchestrator fake;
  fake.published().push_back({"e-1", "compute-us-1", 0, {{"stdout", "done"}}});
  auto env = fake.Start();
  env["SHOAL_TEST_REGION"] = "eu";
  auto r = Shoal({"job", "run", "-", "-E", "^SHOAL_TEST_", "-V", "Other=x", "--id-only"}, env,
                 "Name: t-{{.SHOAL_TEST_REGION}}-{{.Other}}\nType: ops\nTasks:\n"
                 "  - Engine: {Type: duckdb, Params: {SQL: SELECT 1}}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(fake.submitted()["Job"]["Name"], "t-eu-x");

  auto raw = Shoal({"job", "run", "-", "--no-template", "--no-wait", "--id-only"}, env,
                   "Name: 'raw {{.X}}'\nType: ops\nTasks:\n"
                   "  - Engine: {Type: duckdb, Params: {SQL: SELECT 1}}\n");
  ASSERT_EQ(raw.exit_code, 0) << raw.err;
  EXPECT_EQ(fake.submitted()["Job"]["Name"], "raw {{.X}}");
}

TEST_F(CliJobTest, IdOnlyPrintsJustTheIdAndStillWaits) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  auto env = fake.Start();
  auto r = Shoal({"job", "run", "--id-only", TrendsJob(), "-V", "Region=us"}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, std::string(kJobId) + "\n");
  auto requests = fake.requests();
  EXPECT_GE(
      std::count(requests.begin(), requests.end(), std::string("GET ") + kJobs + "/" + kJobId), 3);

  FakeOrchestrator failing;
  failing.final_state = models::JobStateType::kFailed;
  auto failed = Shoal({"job", "run", "--id-only", TrendsJob(), "-V", "Region=us"}, failing.Start());
  EXPECT_EQ(failed.exit_code, 1);
  EXPECT_EQ(failed.out, std::string(kJobId) + "\n");

  FakeOrchestrator no_wait;
  auto quick = Shoal({"job", "run", "--id-only", "--no-wait", TrendsJob(), "-V", "Region=us"},
                     no_wait.Start());
  EXPECT_EQ(quick.exit_code, 0);
  EXPECT_EQ(quick.out, std::string(kJobId) + "\n");
  EXPECT_EQ(no_wait.requests(), std::vector<std::string>{std::string("PUT ") + kJobs});
}

TEST_F(CliJobTest, DryRunPrintsTheJobAndStoresNothing) {
  FakeOrchestrator fake;
  auto r = Shoal({"job", "run", "--dry-run", TrendsJob(), "-V", "Region=us"}, fake.Start());
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Json printed = Json::parse(r.out);
  EXPECT_EQ(printed["Name"], "trends-us");
  EXPECT_EQ(printed["Tasks"][0]["Engine"]["Type"], "duckdb");
  EXPECT_EQ(fake.submitted()["DryRun"], true);
  EXPECT_EQ(fake.requests(), std::vector<std::string>{std::string("PUT ") + kJobs});
}

TEST_F(CliJobTest, UnreachableOrchestratorIsNamed) {
  int port = 0;
  {
    HttpServer server(HttpServer::Options{});
    port = server.Start().value();
    server.Stop();
  }
  std::map<std::string, std::string> env{{"SHOAL_API_HOST", "127.0.0.1"},
                                         {"SHOAL_API_PORT", std::to_string(port)}};
  std::string message = "cannot reach the orchestrator at 127.0.0.1:" + std::to_string(port) +
                        " (set SHOAL_API_HOST/SHOAL_API_PORT)\n";
  auto run = Shoal({"job", "run", TrendsJob(), "-V", "Region=us"}, env);
  EXPECT_EQ(run.exit_code, 1);
  EXPECT_EQ(run.err, "shoal job run: " + message);
  auto alive = Shoal({"agent", "alive"}, env);
  EXPECT_EQ(alive.exit_code, 1);
  EXPECT_EQ(alive.out, "");
  EXPECT_EQ(alive.err, "shoal agent alive: " + message);
  auto list = Shoal({"job", "list"}, env);
  EXPECT_EQ(list.exit_code, 1);
  EXPECT_EQ(list.err, "shoal job list: " + message);
}

TEST_F(CliJobTest, GetDownloadsEveryResultFile) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  fake.published()[1].files["outputs/part 0.csv"] = "a,b\n1,2\n";
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", "trends", "--output-dir", out.string()}, env);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(testing::ReadWholeFile(out / "e-1" / "outputs" / "part 0.csv"), "a,b\n1,2\n");
  EXPECT_EQ(testing::ReadWholeFile(out / "e-2" / "stdout"), "ignored\n");
  EXPECT_TRUE(fs::exists(out / "e-1" / "result.json"));
  EXPECT_NE(r.out.find("wrote 4 files"), std::string::npos) << r.out;
}

// A fetch item of the fake: `state` ready, pending or failed.
Json Fetch(const std::string& execution_id, const std::string& state,
           const std::string& message = "") {
  return {{"ExecutionID", execution_id},
          {"NodeID", "compute-us-" + execution_id.substr(2)},
          {"PartitionIndex", std::stoi(execution_id.substr(2)) - 1},
          {"State", state},
          {"Message", message}};
}

TEST_F(CliJobTest, GetWaitsForStorePublishedResultsAndNamesTheOnesThatFailed) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  const std::string reason = "no connected node can reach store storage-local (folder:/srv/us)";
  // About 1.4 s of pending fetches (a note on stderr), then e-1 arrives and e-2 fails; after
  // that the orchestrator would retry e-2, which this `job get` does not wait for.
  for (int i = 0; i < 7; ++i) {
    fake.fetch_rounds.push_back({Fetch("e-1", "pending"), Fetch("e-2", "pending")});
  }
  fake.fetch_rounds.push_back({Fetch("e-1", "pending"), Fetch("e-2", "failed", reason)});
  fake.fetch_rounds.push_back({Fetch("e-1", "ready"), Fetch("e-2", "pending")});
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", "trends", "--output-dir", out.string()}, env);
  ASSERT_EQ(r.exit_code, 1) << r.err;  // partial results are written, but not a success
  EXPECT_NE(r.err.find("1 execution's results are missing"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("shoal job get: fetching the results of 2 executions from their stores"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("shoal job get: warning: the results of execution e-2 (partition 1, node "
                       "compute-us-2) could not be fetched from their store: " +
                       reason),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(fs::exists(out / "e-1" / "result.json"));
  EXPECT_FALSE(fs::exists(out / "e-2"));  // listed by the fake's results, but not fetched
  EXPECT_NE(r.out.find("wrote 1 file ("), std::string::npos) << r.out;
}

TEST_F(CliJobTest, GetFailsWhenNoResultCanBeFetchedOrFetchingTakesTooLong) {
  FakeOrchestrator fake;
  PublishTrends(fake);
  fake.fetch_rounds.push_back({Fetch("e-1", "failed", "node compute-us-1: NoSuchKey"),
                               Fetch("e-2", "failed", "node compute-us-2: NoSuchKey")});
  auto env = fake.Start();
  auto r = Shoal({"job", "get", "trends", "--output-dir", (dir_ / "none").string()}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: no results of job " + std::string(kJobId) +
                       " could be fetched; run the command again to retry"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "none"));

  FakeOrchestrator slow;
  PublishTrends(slow);
  slow.fetch_rounds.push_back(
      {Fetch("e-1", "ready"), Fetch("e-2", "pending", "node compute-us-2 is fetching")});
  env = slow.Start();
  r = Shoal({"job", "get", "trends", "--output-dir", (dir_ / "slow").string(),
             "--fetch-timeout-secs", "1"},
            env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: gave up after 1 s waiting for the results of 1 execution "
                       "to be fetched from their stores (e-2: node compute-us-2 is fetching)"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(dir_ / "slow"));
}

TEST_F(CliJobTest, GetRefusesPathsThatLeaveTheOutputFolder) {
  FakeOrchestrator fake;
  fake.published().push_back(
      {"e-1", "compute-us-1", 0, {{"stdout", "fine"}, {"../../escape.txt", "gotcha"}}});
  auto env = fake.Start();
  fs::path out = dir_ / "results";
  auto r = Shoal({"job", "get", kJobId, "--output-dir", out.string()}, env);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("shoal job get: refusing result file path '../../escape.txt' from the "
                       "orchestrator: it contains '..'"),
            std::string::npos)
      << r.err;
  EXPECT_FALSE(fs::exists(out));
  EXPECT_FALSE(fs::exists(dir_ / "escape.txt"));
}

TEST_F(CliJobTest, DescribeListHistoryLogsAndStop) {
  FakeOrchestrator fake;
  fake.running_polls = 0;
  PublishTrends(fake);
  models::ExecutionStats& stats = fake.stats()["e-2"];
  stats.bytes_read = 1500000;
  stats.rows_read = 4321;
  stats.result_rows = 2;
  stats.running_ms = 37;
  fake.stats()["e-1"].progress = 0.456;
  fake.stats()["e-1"].bytes_read = 2048;
  auto env = fake.Start();

  auto describe = Shoal({"job", "describe", "trends"}, env);
  ASSERT_EQ(describe.exit_code, 0) << describe.err;
  EXPECT_NE(describe.out.find("ID:          " + std::string(kJobId)), std::string::npos);
  EXPECT_NE(describe.out.find("State:       Completed"), std::string::npos);
  EXPECT_NE(describe.out.find("e-2 | compute-us-2 |         1 | Completed   |       1 |"),
            std::string::npos)
      << describe.out;
  // What each execution read and produced, as its node reported it.
  EXPECT_NE(describe.out.find("READ   | ROWS READ | RESULT ROWS | RUN"), std::string::npos)
      << describe.out;
  EXPECT_NE(describe.out.find("| 1.5 MB |      4321 |           2 | 37 ms |"), std::string::npos)
      << describe.out;
  // A running execution shows how far it is.
  EXPECT_NE(describe.out.find("| Running 45% |"), std::string::npos) << describe.out;
  auto json = Shoal({"job", "describe", "trends", "--output", "json"}, env);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)["Executions"].size(), 2u);

  auto history = Shoal({"job", "history", "trends", "--output", "csv"}, env);
  ASSERT_EQ(history.exit_code, 0) << history.err;
  EXPECT_NE(history.out.find("TIME,LEVEL,EXEC. ID,TOPIC,EVENT\n"), std::string::npos);
  EXPECT_NE(history.out.find(",Job,,Submission,job submitted\n"), std::string::npos) << history.out;
  auto executions = Shoal({"job", "executions", "trends", "--output", "json"}, env);
  ASSERT_EQ(executions.exit_code, 0) << executions.err;
  EXPECT_EQ(Json::parse(executions.out).size(), 2u);
  for (const Json& e : Json::parse(executions.out)) {
    if (e["ID"] == "e-1") {
      EXPECT_EQ(e["Stats"]["Progress"], 0.456);
    }
  }
  auto executions_csv = Shoal({"job", "executions", "trends", "--output", "csv"}, env);
  ASSERT_EQ(executions_csv.exit_code, 0) << executions_csv.err;
  EXPECT_NE(executions_csv.out.find("STATE,DESIRED,READ,ROWS READ,RUN,ERROR\n"), std::string::npos)
      << executions_csv.out;
  EXPECT_NE(executions_csv.out.find(",Running 45%,Pending,2.0 KB,0,0 ms,"), std::string::npos)
      << executions_csv.out;

  auto logs = Shoal({"job", "logs", "trends", "-e", "e-1"}, env);
  ASSERT_EQ(logs.exit_code, 0) << logs.err;
  EXPECT_EQ(logs.out, "logs of e-1\n");
  auto follow = Shoal({"job", "logs", "trends", "--follow"}, env);
  ASSERT_EQ(follow.exit_code, 0) << follow.err;
  EXPECT_EQ(follow.out,
            "execution e-2 on compute-us-2:\nlogs of e-2\n"
            "execution e-1 on compute-us-1:\nlogs of e-1\n");

  auto stop = Shoal({"job", "stop", "trends"}, env);
  ASSERT_EQ(stop.exit_code, 0) << stop.err;
  EXPECT_EQ(stop.out, "stopped job " + std::string(kJobId) + "\n");
  auto quiet = Shoal({"job", "stop", "trends", "--quiet"}, env);
  EXPECT_EQ(quiet.out, "");
}

TEST_F(CliJobTest, JobListShowsShortIdsAndUnknownJobsFail) {
  FakeOrchestrator fake;
  fake.running_polls = 0;
  auto env = fake.Start();
  auto list = Shoal({"job", "list", "--output", "csv"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out, "ID,NAME,TYPE,STATE,CREATED\nj-0b1c2d3e,trends,batch,Completed,\n");

  auto unknown = Shoal({"job", "describe", "nope"}, env);
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_EQ(unknown.err, "shoal job describe: job 'nope' not found\n");
}

TEST_F(CliJobTest, NodeListAndAgentAlive) {
  FakeOrchestrator fake;
  models::Node us;
  us.id = "compute-us-1";
  us.labels = {{"region", "us"}, {"zone", "a"}};
  us.membership = models::NodeMembership::kApproved;
  us.connection = models::NodeConnection::kConnected;
  us.last_heartbeat =
      std::chrono::duration_cast<std::chrono::nanoseconds>(
          (std::chrono::system_clock::now() - std::chrono::minutes(3)).time_since_epoch())
          .count();
  models::Node eu;
  eu.id = "compute-eu-1";
  eu.labels = {{"region", "eu"}};
  fake.nodes() = {us, eu};
  auto env = fake.Start();

  auto list = Shoal({"node", "list"}, env);
  ASSERT_EQ(list.exit_code, 0) << list.err;
  EXPECT_EQ(list.out,
            "ID           | LABELS           | MEMBERSHIP | CONNECTION   | LAST HEARTBEAT\n"
            "-------------|------------------|------------|--------------|---------------\n"
            "compute-us-1 | region=us,zone=a | APPROVED   | CONNECTED    | 3m ago\n"
            "compute-eu-1 | region=eu        | PENDING    | DISCONNECTED | never\n"
            "(2 rows)\n");
  auto json = Shoal({"node", "list", "--output", "json"}, env);
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_EQ(Json::parse(json.out)[1]["ID"], "compute-eu-1");

  // No SHOAL_API_HOST: the default host, localhost, must reach a server on 127.0.0.1.
  auto alive = Shoal({"agent", "alive"}, {{"SHOAL_API_HOST", ""},
                                          {"BACALHAU_API_HOST", ""},
                                          {"SHOAL_API_PORT", env["SHOAL_API_PORT"]}});
  EXPECT_EQ(alive.exit_code, 0) << alive.err;
  EXPECT_EQ(alive.out, "OK\n");
}

}  // namespace
}  // namespace shoal
