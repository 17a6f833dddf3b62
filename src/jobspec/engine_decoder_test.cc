#include "jobspec/engine_decoder.h"

#include <gtest/gtest.h>

namespace shoal::jobspec {
namespace {

using nlohmann::json;

struct Decoded {
  std::optional<DecodedEngine> engine;
  std::string error;
  std::vector<std::string> warnings;
};

Decoded Decode(const std::string& yaml) {
  Problems problems;
  Decoded out;
  out.engine = DecodeEngine(problems, YAML::Load(yaml), "Tasks[0].Engine");
  out.error = problems.ToStatus().message();
  out.warnings = problems.Warnings();
  if (out.engine) {
    EXPECT_TRUE(out.error.empty()) << out.error;
  }
  return out;
}

TEST(EngineDecoderTest, NativeDuckdb) {
  Decoded d = Decode("Type: DuckDB\nParams:\n  SQL: SELECT 42\n");
  ASSERT_TRUE(d.engine) << d.error;
  EXPECT_EQ(d.engine->engine.type, "duckdb");
  EXPECT_EQ(d.engine->engine.params, (json{{"SQL", "SELECT 42"}}));
  EXPECT_FALSE(d.engine->original.has_value());
}

TEST(EngineDecoderTest, DuckdbImageWithDashC) {
  Decoded d = Decode(
      "Type: docker\nParams:\n  Image: ghcr.io/bacalhau-project/duckdb:latest\n"
      "  Parameters: [-c, 'SELECT 1;']\n");
  ASSERT_TRUE(d.engine) << d.error;
  EXPECT_EQ(d.engine->engine.type, "duckdb");
  EXPECT_EQ(d.engine->engine.params["SQL"], "SELECT 1;");
  ASSERT_TRUE(d.engine->original.has_value());
  EXPECT_EQ(d.engine->original->type, "docker");
  EXPECT_EQ(d.engine->original->params["Image"], "ghcr.io/bacalhau-project/duckdb:latest");
  EXPECT_EQ(d.engine->original->params["Parameters"][0], "-c");
}

TEST(EngineDecoderTest, DuckdbImageEntrypointRule) {
  Decoded single = Decode(
      "Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb, Parameters: ['SELECT 2']}");
  ASSERT_TRUE(single.engine) << single.error;
  EXPECT_EQ(single.engine->engine.params["SQL"], "SELECT 2");
  Decoded none = Decode("Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb}");
  ASSERT_TRUE(none.engine) << none.error;
  EXPECT_EQ(none.engine->engine.params["SQL"], "SELECT 1;");
  Decoded flag = Decode(
      "Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb, Parameters: [-json, -c, x]}");
  EXPECT_FALSE(flag.engine);
  EXPECT_NE(flag.error.find("DuckDB CLI option '-json' is not supported"), std::string::npos)
      << flag.error;
  Decoded two =
      Decode("Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb, Parameters: [a, b]}");
  EXPECT_FALSE(two.engine);
  EXPECT_NE(two.error.find("takes one SQL argument"), std::string::npos) << two.error;
}

TEST(EngineDecoderTest, GeneratorImage) {
  Decoded d = Decode(
      "Type: docker\nParams:\n  Image: ghcr.io/bacalhau-project/data-generator:25.02\n"
      "  Parameters: [generate, --count, '3000', --rotate-interval, month]\n");
  ASSERT_TRUE(d.engine) << d.error;
  EXPECT_EQ(d.engine->engine.type, "generator");
  EXPECT_EQ(d.engine->engine.params["Args"],
            (json{"--count", "3000", "--rotate-interval", "month"}));
  EXPECT_EQ(d.engine->original->params["Parameters"][0], "generate");

  Decoded stream = Decode(
      "Type: docker\nParams: {Image: ghcr.io/bacalhau-project/data-generator, Parameters: "
      "[stream]}");
  EXPECT_FALSE(stream.engine);
  EXPECT_NE(stream.error.find("'stream' command is not supported"), std::string::npos);
}

TEST(EngineDecoderTest, NativeGeneratorArgsOrFlags) {
  Decoded args = Decode("Type: generator\nParams: {Args: [--count, '10']}");
  ASSERT_TRUE(args.engine) << args.error;
  EXPECT_EQ(args.engine->engine.params["Args"], (json{"--count", "10"}));
  Decoded flags = Decode(
      "Type: generator\nParams:\n  Count: 3000\n  Region: [us, eu]\n  RotateInterval: month\n"
      "  ListAnomalies: true\n  Quiet: false\n");
  ASSERT_TRUE(flags.engine) << flags.error;
  EXPECT_EQ(flags.engine->engine.params["Args"],
            (json{"--count", "3000", "--region", "us", "--region", "eu", "--rotate-interval",
                  "month", "--list-anomalies"}));
  Decoded both = Decode("Type: generator\nParams: {Args: [--count, '1'], Count: 2}");
  EXPECT_FALSE(both.engine);
  EXPECT_NE(both.error.find("either Args or flags"), std::string::npos);
}

// Another Type is a plug-in engine some nodes may have (compute/plugins.h): kept as written.
TEST(EngineDecoderTest, AnotherEngineIsAPluginKeptAsWritten) {
  Decoded wasm = Decode("Type: WASM\nParams: {EntryModule: x, Args: [1, two]}");
  ASSERT_TRUE(wasm.engine) << wasm.error;
  EXPECT_EQ(wasm.engine->engine.type, "wasm");
  EXPECT_EQ(wasm.engine->engine.params,
            nlohmann::json::parse(R"({"EntryModule": "x", "Args": [1, "two"]})"));
  ASSERT_EQ(wasm.warnings.size(), 1u);
  EXPECT_EQ(wasm.warnings[0],
            "line 1: Tasks[0].Engine.Type: engine 'WASM' is not one of Shoal's own: duckdb, "
            "generator, compact, docker; the orchestrator takes the job only if one of its nodes "
            "has it");
  // The built-in engine without a reader of its own here is kept too, without a warning.
  Decoded compact = Decode("Type: compact\nParams: {Table: t}");
  ASSERT_TRUE(compact.engine) << compact.error;
  EXPECT_TRUE(compact.warnings.empty());
}

TEST(EngineDecoderTest, AnEngineCloseToABuiltInOneIsATypo) {
  Decoded typo = Decode("Type: duckbd\nParams: {SQL: SELECT 1}");
  EXPECT_FALSE(typo.engine);
  EXPECT_EQ(typo.error,
            "line 1: Tasks[0].Engine.Type: engine 'duckbd' is not supported; did you mean duckdb? "
            "(Shoal's own: duckdb, generator, compact, docker)");
  Decoded bad = Decode("Type: 'my engine'\n");
  EXPECT_FALSE(bad.engine);
  EXPECT_EQ(bad.error,
            "line 1: Tasks[0].Engine.Type: 'my engine' is not a plug-in type (lower-case "
            "letters, digits, '-' and '_', starting with a letter)");
  Decoded params = Decode("Type: wasm\nParams: [1]\n");
  EXPECT_FALSE(params.engine);
  EXPECT_EQ(params.error, "line 2: Tasks[0].Engine.Params: expected a map, got a list");
}

TEST(EngineDecoderTest, UnknownImageListsSupported) {
  Decoded d = Decode("Type: docker\nParams:\n  Image: ubuntu:22.04\n  Parameters: [echo, hi]\n");
  EXPECT_FALSE(d.engine);
  EXPECT_EQ(d.error.rfind("line 3: Tasks[0].Engine.Params.Image: image 'ubuntu:22.04' is not "
                          "supported: Shoal runs engines in-process (no containers); supported: "
                          "duckdb",
                          0),
            0u)
      << d.error;
  EXPECT_NE(d.error.find("ghcr.io/bacalhau-project/data-generator"), std::string::npos);
  // A look-alike repository is not the image.
  Decoded fake = Decode("Type: docker\nParams: {Image: ghcr.io/someone/duckdb}");
  EXPECT_FALSE(fake.engine);
}

TEST(EngineDecoderTest, EntrypointRefusedAndDockerExtras) {
  Decoded ep = Decode(
      "Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb, Entrypoint: [/bin/sh]}");
  EXPECT_FALSE(ep.engine);
  EXPECT_NE(ep.error.find("overriding the entrypoint is not supported"), std::string::npos);
  Decoded env = Decode(
      "Type: docker\nParams: {Image: ghcr.io/bacalhau-project/duckdb, Parameters: [x],"
      " EnvironmentVariables: ['MODE=fast', 'A=b=c']}");
  ASSERT_TRUE(env.engine) << env.error;
  EXPECT_EQ(env.engine->extra_env,
            (std::map<std::string, std::string>{{"MODE", "fast"}, {"A", "b=c"}}));
}

TEST(EngineDecoderTest, MissingPiecesAndMisspelledParams) {
  Decoded no_type = Decode("Params: {SQL: x}");
  EXPECT_NE(no_type.error.find("Tasks[0].Engine.Type: required"), std::string::npos);
  Decoded no_params = Decode("Type: duckdb");
  EXPECT_EQ(no_params.error,
            "line 1: Tasks[0].Engine.Params: required for the duckdb engine: Params: {SQL: ...}");
  // Field names match case-insensitively (Sql is SQL); Query is unknown.
  Problems problems;
  DecodeEngine(problems, YAML::Load("Type: duckdb\nParams:\n  Sql: x\n  Query: y\n"),
               "Tasks[0].Engine");
  Decoded typo{std::nullopt, problems.ToStatus().message(), {}};
  EXPECT_EQ(typo.error, "line 4: Tasks[0].Engine.Params.Query: unknown field; valid fields: SQL");
}

TEST(EngineDecoderTest, Helpers) {
  EXPECT_EQ(ImageRepository("ghcr.io/bacalhau-project/duckdb:latest"),
            "ghcr.io/bacalhau-project/duckdb");
  EXPECT_EQ(ImageRepository("ghcr.io/bacalhau-project/duckdb@sha256:abc"),
            "ghcr.io/bacalhau-project/duckdb");
  EXPECT_EQ(ImageRepository("localhost:5000/duckdb"), "localhost:5000/duckdb");
  EXPECT_EQ(FlagName("StartDate"), "start-date");
  EXPECT_EQ(FlagName("rotate_interval"), "rotate-interval");
  EXPECT_EQ(FlagName("count"), "count");
  EXPECT_EQ(FlagName("end-date"), "end-date");
}

}  // namespace
}  // namespace shoal::jobspec
