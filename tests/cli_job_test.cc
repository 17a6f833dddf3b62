// `shoal job run|results|validate` as a user runs them: the real binary against a fake
// orchestrator (cli_job_fixture.h), checking output and exit codes.
#include "cli_job_fixture.h"

namespace shoal {
namespace {

using namespace cli_job_testing;  // NOLINT: the fake orchestrator and the fixture

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

}  // namespace
}  // namespace shoal
