// Shoal across hosts (hosts_fixture.h): the network, not only the configuration, keeps each
// region's nodes to their own store; the seed's generator and an analysis run across the hosts
// and equal one DuckDB reading the region's store over S3; a node with a wrong token or an
// untrusted CA is refused with what its operator needs to know.
#include <string>

#include "hosts/hosts_fixture.h"
#include "result_rows.h"
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "engine/engine.h"

namespace shoal::hosts_testing {
namespace {

using Json = nlohmann::json;
using ::shoal::testing::Contains;
using ::shoal::testing::ReadWholeFile;
using ::shoal::testing::RowsJson;
using ::shoal::testing::SortedRows;
using ::shoal::testing::WaitUntil;

std::string JobFile(const std::string& name) {
  return std::string(SHOAL_SOURCE_ROOT) + "/jobs/" + name;
}

TEST_F(HostsTest, TheNetworkLetsARegionReachOnlyItsOwnStoreTheGlobalOneAndTheOrchestrator) {
  EXPECT_TRUE(Connects("compute-eu-1", kOrchestratorAddress, 1234));
  EXPECT_TRUE(Connects("compute-eu-1", kStoreAddresses.at("eu"), 9000));
  EXPECT_TRUE(Connects("compute-eu-1", kStoreAddresses.at("global"), 9000));
  EXPECT_FALSE(Connects("compute-eu-1", kStoreAddresses.at("us"), 9000));
  EXPECT_FALSE(Connects("compute-us-2", kStoreAddresses.at("eu"), 9000));
  EXPECT_FALSE(Connects("compute-us-1", "10.77.0.31", 22));  // node to node
  EXPECT_GT(Counter("compute-eu-1", "refused_out"), 0);
  EXPECT_GT(Counter("compute-us-2", "refused_out"), 0);

  // Nothing reaches a node, even where something listens.
  Start("compute-eu-2", "listener",
        {"python3", "-m", "http.server", "8080", "--bind", "10.77.0.32"});
  ASSERT_TRUE(WaitUntil(std::chrono::seconds(10), [&] {
    return Connects("compute-eu-2", "10.77.0.32", 8080);  // from inside: it listens
  }));
  EXPECT_FALSE(Connects("client", "10.77.0.32", 8080));
  EXPECT_FALSE(Connects("orchestrator", "10.77.0.32", 8080));
  EXPECT_GT(Counter("compute-eu-2", "refused_in"), 0);
}

TEST_F(HostsTest, TheSeedsGeneratorAndAnAnalysisAcrossHostsEqualOneDuckDb) {
  for (const std::string region : {"us", "eu"}) {
    ProcessResult generated =
        Shoal({"job", "run", JobFile("data-generator.yaml"), "-V", "Region=" + region, "-V",
               "Events=300", "-V", "StartDate=2024-01-01", "-V", "EndDate=2024-04-01", "-V",
               "RotateInterval=month", "--wait-timeout-secs", "90"});
    ASSERT_EQ(generated.exit_code, 0) << generated.out << generated.err << Logs();
  }
  ProcessResult ran = Shoal({"job", "run", JobFile("monthly-trends.yaml"), "-V", "Region=eu",
                             "--merge", "--output", "json", "--wait-timeout-secs", "90"});
  ASSERT_EQ(ran.exit_code, 0) << ran.err << Logs();
  const Json merged = Json::parse(ran.out, nullptr, false);
  ASSERT_FALSE(merged.is_discarded()) << ran.out;

  // One DuckDB on the operator's machine reads the EU store over S3, with the SQL the
  // orchestrator ran, as one partition.
  ProcessResult described = Shoal({"job", "describe", merged["JobID"], "--output", "json"});
  ASSERT_EQ(described.exit_code, 0) << described.err;
  const Json job = Json::parse(described.out)["Job"];
  engine::SessionOptions options;
  options.s3.environment = {{"DUCKDB_S3_ENDPOINT", kStoreAddresses.at("eu") + std::string(":9000")},
                            {"DUCKDB_S3_USE_SSL", "false"},
                            {"AWS_ACCESS_KEY_ID", kS3Key},
                            {"AWS_SECRET_ACCESS_KEY", kS3Key}};
  options.variables = {{"BACALHAU_PARTITION_INDEX", "0"}, {"BACALHAU_PARTITION_COUNT", "1"}};
  auto oracle = engine::Session::Open(options);
  ASSERT_TRUE(oracle.ok()) << oracle.status().ToString();
  auto expected = (*oracle)->Query(job["Tasks"][0]["Engine"]["Params"]["SQL"].get<std::string>());
  ASSERT_TRUE(expected.ok()) << expected.status().ToString();
  const Json expected_rows = RowsJson(*expected);
  EXPECT_EQ(expected_rows.size(), 3u) << "three months of EU events";
  EXPECT_EQ(SortedRows(merged["Rows"]), SortedRows(expected_rows));

  // The EU nodes sent their results to the orchestrator and their events to their own store;
  // they never tried the US store (the rules would have counted it).
  for (const std::string node : {"compute-eu-1", "compute-eu-2", "compute-eu-3"}) {
    EXPECT_GT(Counter(node, "to_orchestrator"), 0) << node;
    EXPECT_GT(Counter(node, "to_own_store"), 0) << node;
    EXPECT_EQ(Counter(node, "refused_out"), 0) << node;
  }
}

TEST_F(HostsTest, ANodeWithAWrongTokenOrAnUntrustedCaIsRefusedSayingWhy) {
  // Beside the EU nodes, on their hosts: one with a token the orchestrator never issued, one
  // trusting a CA that did not sign the orchestrator's certificate.
  std::ofstream(Etc("wrong.token")) << "never-issued-3d9a61c0e2\n";
  Start("compute-eu-1", "wrong-token",
        {Binary(), "serve", "--compute", "--orchestrator",
         std::string("https://") + kOrchestratorAddress + ":1234", "--name", "compute-eu-9",
         "--labels", "region=eu", "--data-dir", (dir_ / "var" / "wrong").string(),
         "--node-token-file", Etc("wrong.token"), "--ca-cert", Etc("ca.pem")});
  Start("compute-eu-2", "untrusted",
        {Binary(), "serve", "--compute", "--orchestrator",
         std::string("https://") + kOrchestratorAddress + ":1234", "--name", "compute-eu-8",
         "--labels", "region=eu", "--data-dir", (dir_ / "var" / "untrusted").string(),
         "--node-token-file", NodeTokenFile("compute-eu-2"), "--ca-cert", Etc("other-ca.pem")});
  EXPECT_TRUE(WaitUntil(std::chrono::seconds(20), [&] {
    return Contains(ReadWholeFile(dir_ / "wrong-token.log"),
                    "the orchestrator refused this node's token") &&
           Contains(ReadWholeFile(dir_ / "untrusted.log"), "did not verify against the CA in");
  })) << Logs();
  ProcessResult nodes = Shoal({"node", "list"});
  EXPECT_FALSE(Contains(nodes.out, "compute-eu-9")) << nodes.out;
  EXPECT_FALSE(Contains(nodes.out, "compute-eu-8")) << nodes.out;
}

}  // namespace
}  // namespace shoal::hosts_testing
