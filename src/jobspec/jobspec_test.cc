#include "jobspec/jobspec.h"

#include <gtest/gtest.h>

namespace shoal::jobspec {
namespace {

const char kMinimal[] = R"(Name: q
Type: batch
Tasks:
  - Engine:
      Type: duckdb
      Params:
        SQL: SELECT 1
)";

std::string Error(std::string_view yaml) {
  Result<ParsedJob> parsed = ParseJobYaml(yaml);
  EXPECT_FALSE(parsed.ok()) << "parsed without error";
  return parsed.ok() ? "" : parsed.status().message();
}

models::Job Parse(std::string_view yaml) {
  Result<ParsedJob> parsed = ParseJobYaml(yaml);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
  return parsed.ok() ? parsed->job : models::Job{};
}

TEST(JobSpecTest, MinimalBatchJobGetsDefaults) {
  models::Job job = Parse(kMinimal);
  EXPECT_EQ(job.name, "q");
  EXPECT_EQ(job.type, models::JobType::kBatch);
  EXPECT_EQ(job.count, 1);
  EXPECT_EQ(job.namespace_, "default");
  EXPECT_EQ(job.priority, 0);
  EXPECT_EQ(job.task.name, "main");
  EXPECT_EQ(job.task.engine.params["SQL"], "SELECT 1");
  EXPECT_TRUE(job.task.publisher.empty());
}

TEST(JobSpecTest, UnknownFieldNamesPathLineAndSuggestion) {
  const char yaml[] = R"(Name: q
Type: batch
Tasks:
  - Name: main
    Engine:
      Type: duckdb
      Parms:
        SQL: SELECT 1
)";
  std::string error = Error(yaml);
  EXPECT_NE(error.find("line 7: Tasks[0].Engine.Parms: unknown field; did you mean Params?"),
            std::string::npos)
      << error;
  EXPECT_EQ(Error(std::string(kMinimal) + "Contraints: []\n"),
            "line 8: Contraints: unknown field; did you mean Constraints?");
  EXPECT_EQ(Error(std::string(kMinimal) + "    Resorces: {CPU: '1'}\n"),
            "line 8: Tasks[0].Resorces: unknown field; did you mean Resources?");
}

TEST(JobSpecTest, CaseInsensitiveFieldNamesAreAccepted) {
  models::Job job = Parse(R"(name: q
type: batch
count: 2
tasks:
  - engine:
      type: duckdb
      params:
        sql: SELECT 1
)");
  EXPECT_EQ(job.count, 2);
  EXPECT_EQ(job.task.engine.params["SQL"], "SELECT 1");
}

TEST(JobSpecTest, WrongTypesNameFieldAndLine) {
  EXPECT_EQ(Error(R"(Name: q
Type: batch
Count: three
Tasks:
  - Engine: {Type: duckdb, Params: {SQL: x}}
)"),
            "line 3: Count: expected an integer, got 'three'");
  EXPECT_EQ(Error(R"(Type: batch
Labels:
  - a
Tasks:
  - Engine: {Type: duckdb, Params: {SQL: x}}
)"),
            "line 2: Labels: expected a map of NAME: value, got a list");
  EXPECT_EQ(Error("Type: batch\nTasks:\n  - Engine: [duckdb]\n"),
            "line 3: Tasks[0].Engine: expected a map, got a list");
  EXPECT_EQ(Error("Type: batch\nTasks: {Engine: x}\n"),
            "line 2: Tasks: expected a list with one task, got a map");
}

TEST(JobSpecTest, MalformedYamlGivesTheLine) {
  std::string error = Error("Name: q\nType: batch\nTasks:\n  - Engine: {Type: duckdb\n");
  EXPECT_EQ(error.rfind("line ", 0), 0u) << error;
  EXPECT_NE(error.find("malformed YAML"), std::string::npos) << error;
  std::string tab = Error("Name: q\nType: batch\n\tCount: 2\n");
  EXPECT_EQ(tab.rfind("line 3, column", 0), 0u) << tab;
  EXPECT_EQ(Error(""), "the job spec is empty");
  EXPECT_EQ(Error("# only a comment\n"), "the job spec is empty (only comments)");
  EXPECT_EQ(Error("- a\n- b\n"),
            "line 1: expected the job as a map of fields (Name, Type, Tasks, ...), got a list");
  EXPECT_EQ(Error(std::string(kMinimal) + "---\n" + kMinimal),
            "line 9: the file holds 2 YAML documents; put one job per file");
}

// yaml-cpp 0.7's LoadAll never returned on these (found by fuzz/jobspec_fuzzer; its memory grew
// until the machine ran out): each is malformed YAML, reported as such.
TEST(JobSpecTest, InputThatLoopedTheYamlParserIsRefused) {
  for (const std::string yaml : {"\n,\n", "Name: q\n,\n", ",", "]\n"}) {
    std::string error = Error(yaml);
    EXPECT_NE(error.find("malformed YAML"), std::string::npos) << yaml << ": " << error;
  }
  // A file of many empty documents is still just empty.
  std::string separators;
  for (int i = 0; i < 50; ++i) separators += "---\n";
  EXPECT_EQ(Error(separators), "the job spec is empty (only comments)");
}

// Found by fuzz/jobspec_fuzzer: a spec with bytes that are not UTF-8 was accepted, and the CLI
// then failed to encode it as JSON for the orchestrator (an uncaught exception).
TEST(JobSpecTest, TextThatIsNotUtf8IsRefusedWithItsLine) {
  EXPECT_EQ(Error("Name: caf\xE9\nType: batch\n"),
            "line 1, column 10: the job spec is not UTF-8 (byte 0xE9); save the file as UTF-8");
  EXPECT_EQ(Error("Name: q\nType: batch\n# \xED\xA0\x80 a surrogate\n"),
            "line 3, column 3: the job spec is not UTF-8 (byte 0xED); save the file as UTF-8");
  // Well-formed multi-byte text is fine (this spec fails later, for its missing task).
  EXPECT_EQ(Error("Name: \"\xC3\xA9t\xC3\xA9 \xF0\x9F\x90\x9F\"\nType: ops\n").find("UTF-8"),
            std::string::npos);
}

// Found by fuzz/jobspec_fuzzer: a NUL byte inside a block scalar came out of yaml-cpp as text
// that was not UTF-8, and encoding the job as JSON threw.
TEST(JobSpecTest, ControlCharactersAreRefusedWithTheirLine) {
  EXPECT_EQ(Error(std::string("Name: q\nType: batch\n# a\0b\n", 26)),
            "line 3, column 4: the job spec holds a control character, which YAML does not allow "
            "(byte 0x00)");
  EXPECT_EQ(Error("Name: q\x07\n"),
            "line 1, column 8: the job spec holds a control character, which YAML does not allow "
            "(byte 0x07)");
  // Tabs and Windows line ends are fine (this spec fails later, for its missing task).
  EXPECT_EQ(Error("Name: q\t# tab\r\nType: ops\r\n").find("control"), std::string::npos);
}

TEST(JobSpecTest, ServiceAndDaemonAreRefused) {
  std::string yaml = kMinimal;
  yaml.replace(yaml.find("batch"), 5, "service");
  EXPECT_EQ(Error(yaml), "line 2: Type: Type 'service' is not supported yet; use batch or ops");
  yaml = kMinimal;
  yaml.replace(yaml.find("batch"), 5, "daemon");
  EXPECT_EQ(Error(yaml), "line 2: Type: Type 'daemon' is not supported yet; use batch or ops");
  yaml = kMinimal;
  yaml.replace(yaml.find("batch"), 5, "cron");
  EXPECT_NE(Error(yaml).find("unknown job type 'cron'"), std::string::npos);
  EXPECT_NE(Error("Tasks:\n  - Engine: {Type: duckdb, Params: {SQL: x}}\n")
                .find("line 1: Type: required; batch or ops"),
            std::string::npos);
}

TEST(JobSpecTest, OpsCountRules) {
  std::string ops = kMinimal;
  ops.replace(ops.find("batch"), 5, "ops");
  EXPECT_EQ(Parse(ops).count, 0);
  EXPECT_EQ(Parse(ops + "Count: 1\n").count, 0);
  EXPECT_EQ(Parse(ops + "Count: 0\n").count, 0);
  std::string error = Error(ops + "Count: 3\n");
  EXPECT_EQ(error.rfind("line 8: Count: Count 3 is not allowed for ops jobs", 0), 0u) << error;
  EXPECT_EQ(Parse(std::string(kMinimal) + "Count: 3\n").count, 3);
  EXPECT_NE(Error(std::string(kMinimal) + "Count: 0\n").find("Count 0 would run nothing"),
            std::string::npos);
  EXPECT_NE(Error(std::string(kMinimal) + "Count: -2\n").find("must not be negative"),
            std::string::npos);
}

TEST(JobSpecTest, EnvNamesAreValidatedAndReferencesKept) {
  std::string base = std::string(kMinimal) + "    Env:\n";
  models::Job job =
      Parse(base + "      AWS_ACCESS_KEY_ID: env:AWS_ACCESS_KEY_ID\n      MODE: fast\n");
  EXPECT_EQ(job.task.env.at("AWS_ACCESS_KEY_ID"), "env:AWS_ACCESS_KEY_ID");
  EXPECT_EQ(job.task.env.at("MODE"), "fast");
  EXPECT_EQ(Error(base + "      aws_key: x\n"),
            "line 9: Tasks[0].Env.aws_key: name 'aws_key' must start with an upper-case letter");
  EXPECT_EQ(Error(base + "      MY-VAR: x\n"),
            "line 9: Tasks[0].Env.MY-VAR: name 'MY-VAR' may contain only upper-case letters, "
            "digits and '_'");
  EXPECT_EQ(Error(base + "      BACALHAU_JOB_ID: x\n"),
            "line 9: Tasks[0].Env.BACALHAU_JOB_ID: name 'BACALHAU_JOB_ID' uses the reserved "
            "prefix BACALHAU_ (set by the system)");
  EXPECT_EQ(Error(base + "      EMPTY: ''\n"),
            "line 9: Tasks[0].Env.EMPTY: 'EMPTY' has an empty value");
  EXPECT_EQ(Error(base + "      EMPTY:\n"),
            "line 9: Tasks[0].Env.EMPTY: 'EMPTY' has an empty value");
}

TEST(JobSpecTest, MoreThanOneTaskIsAnError) {
  std::string yaml = std::string(kMinimal) + "  - Engine: {Type: duckdb, Params: {SQL: x}}\n";
  EXPECT_EQ(Error(yaml),
            "line 8: Tasks[1]: a job has exactly one task, got 2; split the other tasks into "
            "jobs of their own");
  EXPECT_EQ(Error("Type: batch\nTasks: []\n"),
            "line 2: Tasks: a job has exactly one task, got none");
  EXPECT_NE(Error("Type: batch\n").find("Tasks: required"), std::string::npos);
}

TEST(JobSpecTest, ServerSetFields) {
  Result<ParsedJob> parsed = ParseJobYaml(std::string(kMinimal) + "ID: j-123\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->job.id.empty());
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_EQ(parsed->warnings[0], "line 8: ID: ignored: the orchestrator assigns job IDs");
  EXPECT_EQ(Error(std::string(kMinimal) + "Version: 3\n"),
            "line 8: Version: is set by the orchestrator and may not appear in a job spec");
}

TEST(JobSpecTest, ReservedMetaIsDroppedWithAWarning) {
  Result<ParsedJob> parsed =
      ParseJobYaml(std::string(kMinimal) + "Meta:\n  bacalhau.org/x: y\n  owner: me\n");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->job.meta, (std::map<std::string, std::string>{{"owner", "me"}}));
  ASSERT_EQ(parsed->warnings.size(), 1u);
  EXPECT_NE(parsed->warnings[0].find("dropped 'bacalhau.org/x'"), std::string::npos);
}

TEST(JobSpecTest, ConstraintsEveryOperatorAndErrors) {
  models::Job job = Parse(std::string(kMinimal) + R"(Constraints:
  - {Key: region, Operator: "=", Values: [us]}
  - {Key: region, Operator: "==", Values: [us]}
  - {Key: zone, Operator: "!=", Values: [a]}
  - {Key: region, Operator: in, Values: [us, eu]}
  - {Key: region, Operator: notin, Values: [ap]}
  - {Key: gpu, Operator: exists}
  - {Key: spot, Operator: "!"}
  - {Key: cores, Operator: gt, Values: ["2"]}
  - {Key: cores, Operator: lt, Values: ["64"]}
)");
  ASSERT_EQ(job.constraints.size(), 9u);
  EXPECT_EQ(job.constraints[6].op, models::SelectorOperator::kDoesNotExist);
  EXPECT_TRUE(
      models::MatchesAll(job.constraints, {{"region", "us"}, {"gpu", "1"}, {"cores", "8"}}));
  std::string base = std::string(kMinimal) + "Constraints:\n";
  EXPECT_EQ(Error(base + "  - {Key: region, Operator: in, Values: []}\n"),
            "line 9: Constraints[0]: operator 'in' on key 'region' needs at least one value in "
            "Values");
  EXPECT_EQ(Error(base + "  - {Key: region, Operator: like, Values: [u]}\n"),
            "line 9: Constraints[0].Operator: unknown operator 'like'; valid: =, ==, !=, in, "
            "notin, exists, !, gt, lt");
  EXPECT_EQ(Error(base + "  - {Key: cores, Operator: gt, Values: [many]}\n"),
            "line 9: Constraints[0]: operator 'gt' on key 'cores' needs an integer value, got "
            "'many'");
  EXPECT_EQ(Error(base + "  - {Key: region, Operator: !=, Values: [us]}\n"),
            "line 9: Constraints[0].Operator: write the operator in quotes (Operator: \"!=\"): "
            "YAML reads an unquoted leading '!' as a tag");
  EXPECT_EQ(Error(base + "  - {Key: region, Operator: ==, Values: us}\n"),
            "line 9: Constraints[0].Values: expected a list, got 'us' (write [us])");
}

TEST(JobSpecTest, InputSourcesAndPublishers) {
  std::string base = std::string(kMinimal);
  models::Job job = Parse(base + R"yaml(    InputSources:
      - Target: /inputs
        Source:
          Type: s3
          Params: {Bucket: my-bucket, Key: "transactions/*", Filter: ".*jsonl$", Region: eu,
                   Partition: {Type: regex, Pattern: "(\\d{4})"}}
      - Target: /local
        Source: {Type: local, Params: {SourcePath: /srv/data, CreateAs: DIR}}
    Publisher:
      Type: S3
      Params: {Bucket: b, Key: "r/{jobID}/{executionID}"}
)yaml");
  ASSERT_EQ(job.task.input_sources.size(), 2u);
  EXPECT_EQ(job.task.input_sources[0].source.type, "s3");
  EXPECT_EQ(job.task.input_sources[0].source.params["Partition"]["Type"], "regex");
  EXPECT_EQ(job.task.input_sources[1].source.type, "local");
  EXPECT_EQ(job.task.input_sources[1].source.params["CreateAs"], "dir");
  EXPECT_EQ(job.task.publisher.type, "s3");
  EXPECT_EQ(job.task.publisher.params["Encoding"], "gzip");

  EXPECT_EQ(Error(base + "    InputSources:\n      - Target: /in\n        Source: {Type: locl}\n"),
            "line 10: Tasks[0].InputSources[0].Source.Type: input source 'locl' is not "
            "supported; did you mean local? (Shoal's own: local, s3, localDirectory)");
  // Another type is a plug-in's: kept, with a warning.
  Result<ParsedJob> plugin = ParseJobYaml(
      base +
      "    InputSources:\n      - Target: /in\n        Source: {Type: ipfs, Params: {Cid: x}}\n");
  ASSERT_TRUE(plugin.ok()) << plugin.status().ToString();
  EXPECT_EQ(plugin->job.task.input_sources[0].source.type, "ipfs");
  EXPECT_EQ(plugin->job.task.input_sources[0].source.params["Cid"], "x");
  ASSERT_EQ(plugin->warnings.size(), 1u);
  EXPECT_NE(plugin->warnings[0].find("input source 'ipfs' is not one of Shoal's own"),
            std::string::npos);
  EXPECT_EQ(Error(base + "    InputSources:\n      - Type: s3\n        Target: /in\n"
                         "        Source: {Type: s3, Params: {Bucket: b}}\n"),
            "line 9: Tasks[0].InputSources[0].Type: unknown field; the source's Type and Params "
            "go inside Source: {Source: {Type: ..., Params: {...}}, Target: /inputs}");
  EXPECT_NE(Error(base + "    InputSources:\n      - Target: in\n"
                         "        Source: {Type: s3, Params: {Bucket: b}}\n")
                .find("Tasks[0].InputSources[0].Target: path 'in' must be absolute"),
            std::string::npos);
  EXPECT_NE(Error(base + "    InputSources:\n      - Target: /in\n"
                         "        Source: {Type: s3, Params: {Bucket: b, Filter: '(x'}}\n")
                .find("Filter: '(x' is not a valid regular expression"),
            std::string::npos);
  EXPECT_EQ(Error(base + "    InputSources:\n      - Target: /in\n"
                         "        Source: {Type: s3, Params: {Bucket: b, Key: 'k/',\n"
                         "                 Partition: {Type: date, DateFormat: '2006-01-02'}}}\n"),
            "line 11: Tasks[0].InputSources[0].Source.Params.Partition.Type: 'date' is not "
            "supported yet; use object, regex or substring");
  EXPECT_EQ(Error(base + "    Publisher:\n      Type: s3\n      Params: {Bucket: b}\n"),
            "line 10: Tasks[0].Publisher.Params.Key: required; e.g. "
            "results/{jobID}/{executionID}");
  EXPECT_EQ(Error(base + "    Publisher: {Type: s3, Params: {Bucket: b, Key: k, Encoding: zip}}\n"),
            "line 8: Tasks[0].Publisher.Params.Encoding: 'zip' is not one of gzip, plain");
  EXPECT_EQ(Error(base + "    Publisher: {Type: s4}\n"),
            "line 8: Tasks[0].Publisher.Type: publisher 's4' is not supported; did you mean s3? "
            "(Shoal's own: local, s3)");
  EXPECT_EQ(Error(base + "    Publisher: {Type: local, Params: {Path: /x}}\n"),
            "line 8: Tasks[0].Publisher.Params.Path: unknown field; this map takes no fields");
  Result<ParsedJob> odd =
      ParseJobYaml(base + "    Publisher: {Type: s3, Params: {Bucket: b, Key: '{job}'}}\n");
  ASSERT_TRUE(odd.ok()) << odd.status().ToString();
  ASSERT_EQ(odd->warnings.size(), 1u);
  EXPECT_NE(odd->warnings[0].find("'{job}' is not a placeholder"), std::string::npos);
}

TEST(JobSpecTest, ResultPathsResourcesNetworkTimeouts) {
  std::string base = std::string(kMinimal);
  models::Job job = Parse(base + R"(    ResultPaths:
      - {Name: data, Path: /data}
    Resources: {CPU: 500m, Memory: 512Mb, Disk: 2GiB, GPU: "0"}
    Network: {Type: http, Domains: [example.com]}
    Timeouts: {ExecutionTimeout: 60, QueueTimeout: 30, TotalTimeout: 120}
)");
  EXPECT_EQ(job.task.result_paths[0].path, "/data");
  EXPECT_EQ(job.task.resources.memory, "512Mb");
  EXPECT_EQ(job.task.network.type, models::NetworkType::kHTTP);
  EXPECT_EQ(job.task.timeouts.total_timeout, 120);

  EXPECT_EQ(Error(base + "    ResultPaths:\n      - {Name: ../up, Path: /data}\n"),
            "line 9: Tasks[0].ResultPaths[0].Name: Name '../up' must not contain '/'");
  EXPECT_EQ(
      Error(base + "    ResultPaths:\n      - {Name: a, Path: /a}\n      - {Name: a, Path: /b}\n"),
      "line 10: Tasks[0].ResultPaths[1].Name: 'a' is used by another result path");
  EXPECT_EQ(Error(base + "    Resources:\n      Memory: 12XB\n"),
            "line 9: Tasks[0].Resources.Memory: '12XB' has unknown unit 'xb'; use B, KB, MB, GB, "
            "TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024)");
  EXPECT_NE(Error(base + "    Resources: {CPU: lots}\n")
                .find("line 8: Tasks[0].Resources.CPU: CPU 'lots'"),
            std::string::npos);
  EXPECT_EQ(Error(base + "    Network: {Type: None, Domains: [a.com]}\n"),
            "line 8: Tasks[0].Network.Domains: only allowed with Type: HTTP");
  EXPECT_EQ(Error(base + "    Network: {Type: Full, Ports: [{Name: http}]}\n"),
            "line 8: Tasks[0].Network.Ports: not supported: Shoal engines run in-process and open "
            "no ports");
  EXPECT_EQ(Error(base + "    Timeouts:\n      ExecutionTimeout: 100\n      TotalTimeout: 50\n"),
            "line 8: Tasks[0].Timeouts: ExecutionTimeout (100s) + QueueTimeout (0s) must not "
            "exceed TotalTimeout (50s)");
  EXPECT_EQ(Error(base + "    Timeouts: {QueueTimeout: -1}\n"),
            "line 8: Tasks[0].Timeouts.QueueTimeout: must be >= 0 seconds (0 means no timeout)");
}

TEST(JobSpecTest, EveryProblemIsReportedAtOnce) {
  std::string error = Error(R"(Name: q
Type: batch
Count: x
Tasks:
  - Engine:
      Type: duckdb
      Params: {SQL: x}
    Env: {lower: v}
    Resources: {Memory: huge}
)");
  EXPECT_EQ(error.rfind("3 problems in the job spec:\n  line 3: Count", 0), 0u) << error;
  EXPECT_NE(error.find("\n  line 8: Tasks[0].Env.lower"), std::string::npos) << error;
  EXPECT_NE(error.find("\n  line 9: Tasks[0].Resources.Memory"), std::string::npos) << error;
}

TEST(JobSpecTest, JsonIsAcceptedToo) {
  models::Job job = Parse(R"({"Name": "j", "Type": "batch", "Count": 2,
    "Tasks": [{"Engine": {"Type": "duckdb", "Params": {"SQL": "SELECT 1"}}}]})");
  EXPECT_EQ(job.count, 2);
}

TEST(JobSpecTest, TemplatingCanBeTurnedOff) {
  const char text[] = R"(Name: q
Type: batch
Tasks:
  - Engine:
      Type: duckdb
      Params:
        SQL: "SELECT '{{.Literal}}'"
)";
  SpecOptions off;
  off.templating = false;
  Result<ParsedJob> raw = ParseJobSpec(text, off);
  ASSERT_TRUE(raw.ok()) << raw.status().ToString();
  EXPECT_EQ(raw->job.task.engine.params["SQL"], "SELECT '{{.Literal}}'");

  SpecOptions on;
  Result<ParsedJob> missing = ParseJobSpec(text, on);
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("Literal (line 7)"), std::string::npos);
  on.vars["Literal"] = "x";
  Result<ParsedJob> rendered = ParseJobSpec(text, on);
  ASSERT_TRUE(rendered.ok()) << rendered.status().ToString();
  EXPECT_EQ(rendered->job.task.engine.params["SQL"], "SELECT 'x'");
}

TEST(JobSpecTest, LoadJobSpecFileNamesTheFile) {
  Result<ParsedJob> missing = LoadJobSpecFile("/nonexistent/job.yaml", {});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().message(), "/nonexistent/job.yaml: cannot read the job file");
}

}  // namespace
}  // namespace shoal::jobspec

namespace shoal::jobspec {
namespace {

// A stand-in for DuckDB's parser: "FORM" is the error, at its byte.
std::optional<SqlProblem> RejectForm(const std::string& sql) {
  const size_t at = sql.find("FORM");
  if (at == std::string::npos) return std::nullopt;
  return SqlProblem{"syntax error at or near \"FORM\"", at};
}

std::string SqlError(const std::string& yaml) {
  auto parsed = ParseJobYaml(yaml, RejectForm);
  EXPECT_FALSE(parsed.ok());
  return parsed.ok() ? "" : parsed.status().message();
}

// The SQL's error is a job-file error at the line the bad word is on, wherever the SQL is.
TEST(JobSpecTest, ASqlErrorIsReportedAtItsLineOfTheFile) {
  EXPECT_EQ(SqlError("Type: batch\n"
                     "Tasks:\n"
                     "  - Name: main\n"
                     "    Engine:\n"
                     "      Type: duckdb\n"
                     "      Params:\n"
                     "        SQL: |\n"
                     "          SELECT a\n"
                     "          FORM t;\n"),
            "line 9: Tasks[0].Engine.Params.SQL: the SQL cannot run: syntax error at or near "
            "\"FORM\"");
  EXPECT_EQ(SqlError("Type: batch\n"
                     "Tasks:\n"
                     "  - Name: main\n"
                     "    Engine: {Type: duckdb, Params: {SQL: \"SELECT a FORM t\"}}\n"),
            "line 4: Tasks[0].Engine.Params.SQL: the SQL cannot run: syntax error at or near "
            "\"FORM\"");
  EXPECT_EQ(SqlError("Type: batch\n"
                     "Tasks:\n"
                     "  - Name: main\n"
                     "    Engine:\n"
                     "      Type: docker\n"
                     "      Params:\n"
                     "        Image: ghcr.io/bacalhau-project/duckdb:latest\n"
                     "        Parameters:\n"
                     "          - -c\n"
                     "          - |\n"
                     "            SELECT 1;\n\n"
                     "            SELECT a FORM t;\n"),
            "line 13: Tasks[0].Engine.Params.Parameters[1]: the SQL cannot run: syntax error at "
            "or near \"FORM\"");
  // Without a checker, or with SQL it accepts, the job parses.
  EXPECT_TRUE(ParseJobYaml("Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, "
                           "Params: {SQL: \"SELECT a FORM t\"}}\n")
                  .ok());
  EXPECT_TRUE(ParseJobYaml("Type: batch\nTasks:\n  - Name: main\n    Engine: {Type: duckdb, "
                           "Params: {SQL: \"SELECT a FROM t\"}}\n",
                           RejectForm)
                  .ok());
}

}  // namespace
}  // namespace shoal::jobspec
