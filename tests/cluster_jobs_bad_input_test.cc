// The cluster as a user deploys it (cluster_jobs_fixture.h): bad input gets a clear message and a
// non-zero exit from the real orchestrator, nothing crashes, and the cluster still works
// afterwards.
#include "cluster_jobs_fixture.h"

namespace shoal {
namespace {

using namespace cluster_jobs_testing;  // NOLINT: the cluster fixture and its helpers

TEST_F(ClusterJobsTest, BadInputGetsAClearMessageAndTheClusterCarriesOn) {
  // Each case: a spec (or none), the command, the exit code and the parts of stderr that tell
  // the user what is wrong and where.
  struct Case {
    std::string name;
    std::string yaml;  // written to <name>.yaml, which replaces "FILE" in args
    std::vector<std::string> args;
    int exit_code;
    std::vector<std::string> messages;
  };
  const std::string kNoJob = "j-00000000-dead";
  const std::vector<Case> cases = {
      {"malformed",
       "Name: x\nType: batch\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, Params: {SQL: "
       "\"SELECT 1\"\n",
       {"job", "run", "FILE"},
       2,
       {"shoal job run: ", "malformed.yaml: line 6, column 1: malformed YAML"}},
      {"unknown-field",
       "Name: x\nType: batch\nCount: 1\nColour: red\nTasks:\n  - Name: main\n    Engine: {Type: "
       "duckdb, Params: {SQL: \"SELECT 1\"}}\n",
       {"job", "run", "FILE"},
       2,
       {"line 4: Colour: unknown field; valid fields: Name,"}},
      {"misspelt-field",
       "Name: x\nType: batch\nCount: 1\nTasks:\n  - Name: main\n    Engin: {Type: duckdb, Params: "
       "{SQL: \"SELECT 1\"}}\n",
       {"job", "run", "FILE"},
       2,
       {"line 6: Tasks[0].Engin: unknown field; did you mean Engine?"}},
      {"missing-var",
       "",
       {"job", "run", JobFile("monthly-trends.yaml")},
       2,
       {"missing template variable: Region (lines ", "set them with -V NAME=VALUE"}},
      {"unknown-engine",
       "Name: x\nType: batch\nCount: 1\nTasks:\n  - Name: main\n    Engine: {Type: spark, Params: "
       "{SQL: \"SELECT 1\"}}\n",
       {"job", "run", "FILE"},
       2,
       // The decoder takes it for a plug-in some node may have; the orchestrator knows none does.
       {"warning: line 6: Tasks[0].Engine.Type: engine 'spark' is not one of Shoal's own",
        "Tasks[0].Engine.Type: engine 'spark' is not supported; supported: duckdb, generator, "
        "compact"}},
      {"misspelt-engine",
       "Name: x\nType: batch\nCount: 1\nTasks:\n  - Name: main\n    Engine: {Type: duckbd, "
       "Params: {SQL: \"SELECT 1\"}}\n",
       {"job", "run", "FILE"},
       2,
       {"line 6: Tasks[0].Engine.Type: engine 'duckbd' is not supported; did you mean duckdb?"}},
      {"unknown-image",
       "Name: x\nType: batch\nCount: 1\nTasks:\n  - Name: main\n    Engine: {Type: docker, Params: "
       "{Image: \"ubuntu:22.04\"}}\n",
       {"job", "run", "FILE"},
       2,
       {"Tasks[0].Engine.Params.Image: image 'ubuntu:22.04' is not supported",
        "supported: duckdb (Params.SQL)", "ghcr.io/bacalhau-project/duckdb"}},
      // A failing statement fails the job: the node reports DuckDB's error and the statement.
      {"bad-sql",
       "Name: bad-sql\nType: batch\nCount: 2\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, "
       "Params: {SQL: \"SELECT 1; SELECT * FROM no_such_table; SELECT 3\"}}\n",
       {"job", "run", "FILE", "--wait-timeout-secs", "60"},
       1,
       {" failed: partition ",
        "statement 2 of 3 failed: Catalog Error: Table with name "
        "no_such_table does not exist",
        "in: SELECT * FROM no_such_table"}},
      // No node matches: the job fails at once, saying how many nodes matched out of how many.
      {"no-region",
       "Name: ap\nType: batch\nCount: 2\nConstraints:\n  - {Key: region, Operator: \"==\", Values: "
       "[ap]}\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, Params: {SQL: \"SELECT 1\"}}\n",
       {"job", "run", "FILE", "--wait-timeout-secs", "60"},
       1,
       {"needs 2 node(s) matching (region == ap); 0 of 6 nodes match"}},
      {"too-few-nodes",
       "Name: four\nType: batch\nCount: 4\nConstraints:\n  - {Key: region, Operator: \"!=\", "
       "Values: [us]}\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, Params: {SQL: \"SELECT "
       "1\"}}\n",
       {"job", "run", "FILE", "--wait-timeout-secs", "60"},
       1,
       {"needs 4 node(s) matching (region != us); 3 of 6 nodes match"}},
      {"no-region-ops",
       "",
       GeneratorArgs("ap"),
       1,
       {"no node matches (region == ap); 0 of 6 nodes match"}},
      {"describe", "", {"job", "describe", kNoJob}, 1, {"no job '" + kNoJob + "'"}},
      {"get",
       "",
       {"job", "get", kNoJob, "--output-dir", (root_ / "get").string()},
       1,
       {"no job '" + kNoJob + "'"}},
      {"logs", "", {"job", "logs", kNoJob}, 1, {"no job '" + kNoJob + "'"}},
      {"stop", "", {"job", "stop", kNoJob}, 1, {"no job '" + kNoJob + "'"}},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<std::string> args = c.args;
    for (std::string& arg : args) {
      if (arg == "FILE") arg = WriteSpec(c.name, c.yaml);
    }
    auto start = std::chrono::steady_clock::now();
    ProcessResult run = Shoal(args);
    auto elapsed = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(run.exit_code, c.exit_code) << run.out << run.err;
    for (const std::string& message : c.messages) {
      EXPECT_TRUE(Contains(run.err, message)) << "expected '" << message << "' in:\n" << run.err;
    }
    // None of these should take long: refused input and unplaceable jobs fail fast.
    EXPECT_LT(elapsed, std::chrono::seconds(10));
  }
  EXPECT_FALSE(fs::exists(root_ / "get"));

  // The orchestrator itself refuses an unknown engine (a client that skipped the CLI's checks),
  // naming the engines it offers, and stores nothing.
  auto refused = client_->Put(
      "/api/v1/orchestrator/jobs",
      Json{{"Job",
            {{"Name", "spark-job"},
             {"Type", "batch"},
             {"Count", 1},
             {"Tasks",
              {{{"Name", "main"},
                {"Engine", {{"Type", "spark"}, {"Params", {{"SQL", "SELECT 1"}}}}}}}}}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(Contains(refused.status().message(),
                       "engine 'spark' is not supported; supported: "
                       "duckdb"))
      << refused.status().ToString();
  ProcessResult described = Shoal({"job", "describe", "spark-job"});
  EXPECT_EQ(described.exit_code, 1);
  EXPECT_TRUE(Contains(described.err, "no job 'spark-job'")) << described.err;

  // The bad-SQL job is recorded as failed, with the statement's error.
  ProcessResult bad_sql = Shoal({"job", "describe", "bad-sql"});
  EXPECT_EQ(bad_sql.exit_code, 0) << bad_sql.err;
  EXPECT_TRUE(Contains(bad_sql.out, "Failed")) << bad_sql.out;
  EXPECT_TRUE(Contains(bad_sql.out, "no_such_table")) << bad_sql.out;

  // And the cluster carries on: the orchestrator answers, every node is connected and runs work.
  ProcessResult alive = Shoal({"agent", "alive"});
  EXPECT_EQ(alive.exit_code, 0) << alive.err;
  EXPECT_EQ(alive.out, "OK\n");
  EXPECT_EQ(ConnectedNodes(), 2 * kNodesPerRegion) << Logs();
  Json healthy = RunJob(WriteSpec("healthy", kHealthy), {});
  ASSERT_FALSE(healthy.is_null());
  EXPECT_EQ(healthy["State"], "Completed");
  std::set<std::string> nodes;
  for (const auto& e : healthy["Executions"]) {
    nodes.insert(e["NodeID"].get<std::string>());
    EXPECT_EQ(e["Rows"], Json::parse("[[42]]")) << e.dump();
  }
  EXPECT_EQ(nodes.size(), static_cast<size_t>(2 * kNodesPerRegion));

  // Executions are named by the short ids `job executions` prints, as jobs are; an id that
  // names no execution of the job is an error, not an empty answer.
  std::string job_id = healthy["JobID"];
  std::string execution_id = healthy["Executions"][0]["ExecutionID"];
  ProcessResult one = Shoal({"job", "logs", job_id, "-e", execution_id.substr(0, 10)});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_TRUE(Contains(one.out, "42")) << one.out;
  ProcessResult events =
      Shoal({"job", "history", job_id, "--execution-id", execution_id.substr(0, 10)});
  EXPECT_EQ(events.exit_code, 0) << events.err;
  EXPECT_TRUE(Contains(events.out, "Running")) << events.out;
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"job", "logs", job_id, "-e", "e-nope"},
        std::vector<std::string>{"job", "history", job_id, "--execution-id", "e-nope"}}) {
    ProcessResult missing = Shoal(args);
    EXPECT_EQ(missing.exit_code, 1) << ::testing::PrintToString(args);
    EXPECT_TRUE(Contains(missing.err, "has no execution 'e-nope'")) << missing.err;
  }
}

}  // namespace
}  // namespace shoal
