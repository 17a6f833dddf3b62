// Chaos in the windows of a compaction (`shoal table compact`): the node converting a region's
// landing files into Parquet is SIGKILLed while its Parquet uploads are held (S3 store), at a
// moment of its run (folder store), and after it committed the table state but before its
// Completed report arrived; and another compaction commits while one uploads. Each time the
// compaction reruns on another node and every answer of `shoal query` equals one DuckDB over the
// landing files: no row lost, none counted twice, and every Parquet file the state lists is in the
// store.
#include "chaos_fixture.h"

#include "models/table_state.h"
#include "storage/s3_client.h"

namespace shoal {
namespace {

using namespace chaos;

constexpr const char* kStateKey = "warehouse/tx/_shoal_table.json";
// Rows with duplicate keys, NULL keys, values and event times, big values, over four months.
constexpr const char* kLandingRows =
    "SELECT i % 997 AS id, CASE WHEN i % 13 = 0 THEN NULL ELSE 'k' || (i % 311) END AS k, "
    "CASE WHEN i % 11 = 0 THEN NULL ELSE (i * 7919) % 100003 + 4000000000000 END AS v, "
    "CASE WHEN i % 101 = 0 THEN NULL ELSE TIMESTAMP '2024-01-01 00:00:00.5' + "
    "to_seconds(i * 61 % (120 * 86400)) END AS ts FROM range(";
constexpr int kFiles = 6;
constexpr int kRowsPerFile = 40000;
// The question asked before and after each kill; every figure is exact.
constexpr const char* kQuestion =
    "SELECT date_trunc('month', ts) AS month, count(*) AS n, count(v) AS with_v, sum(v) AS total, "
    "count(DISTINCT k) AS keys, min(ts) AS first, max(ts) AS last FROM tx GROUP BY 1 ORDER BY 1 "
    "NULLS FIRST";

class ChaosCompactionTest : public ChaosTest {
 protected:
  // Writes the landing files locally (for the oracle) and into the region's store: the folder,
  // or with `s3rver` its bucket; then defines the columnar table `tx` over them.
  void Land(testing::S3rver* s3rver) {
    const fs::path local = root_ / "landing";
    fs::create_directories(local);
    auto session = engine::Session::Open({}).value();
    for (int f = 0; f < kFiles; ++f) {
      const fs::path file = local / ("part-" + std::to_string(f) + ".jsonl");
      auto written =
          session->Query("COPY (" + std::string(kLandingRows) + std::to_string(f * kRowsPerFile) +
                         ", " + std::to_string((f + 1) * kRowsPerFile) + ") t(i)) TO '" +
                         file.string() + "' (FORMAT json)");
      ASSERT_TRUE(written.ok()) << written.status().ToString();
      if (s3rver == nullptr) {
        fs::create_directories(StoreDir("us") / "my-bucket" / "landing");
        fs::copy_file(file, StoreDir("us") / "my-bucket" / "landing" / file.filename());
      } else {
        auto put = S3(*s3rver)->PutObjectFromFile(
            "my-bucket", "landing/" + file.filename().string(), file.string());
        ASSERT_TRUE(put.ok()) << put.status().ToString();
      }
    }
    auto created = Shoal({"table", "create", "tx", "--format", "json", "--location",
                          "us=s3://my-bucket/landing/*.jsonl", "--event-time", "ts"});
    ASSERT_EQ(created.exit_code, 0) << created.err;
    oracle_ = OracleAnswer();
  }

  std::unique_ptr<storage::S3Client> S3(const testing::S3rver& s3rver) {
    storage::S3Config config;
    config.endpoint = s3rver.endpoint();
    config.url_style = storage::UrlStyle::kPath;
    config.use_ssl = false;
    config.credentials = {testing::S3rver::kAccessKey, testing::S3rver::kSecretKey, ""};
    return storage::S3Client::Create(config).value();
  }

  // s3://my-bucket/`key` through `s3` or, without, in the us folder store; nullopt when absent.
  std::optional<std::string> ReadObject(const storage::S3Client* s3, const std::string& key) {
    if (s3 != nullptr) {
      auto bytes = s3->GetObject("my-bucket", key);
      return bytes.ok() ? std::optional<std::string>(*bytes) : std::nullopt;
    }
    std::ifstream in(StoreDir("us") / "my-bucket" / key, std::ios::binary);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  // A 3-node us cluster whose store is `s3rver` behind one fault proxy, the landing files in it,
  // and every Parquet upload held there until s3_proxies_[0]->Restore().
  void StartHoldingParquetUploads(testing::S3rver& s3rver) {
    ASSERT_TRUE(s3rver.ok()) << s3rver.error();
    StartOnS3rver(s3rver, 3, /*one_proxy=*/true);
    ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
    ASSERT_NO_FATAL_FAILURE(Land(&s3rver));
    s3_proxies_[0]->HoldRequestsContaining("/part-");
  }

  // One DuckDB over the local copies of the landing files.
  std::string OracleAnswer() {
    std::string sql = kQuestion;
    sql.replace(sql.find("FROM tx"), 7,
                "FROM read_json_auto('" + (root_ / "landing" / "*.jsonl").string() + "')");
    auto answer = Shoal({"sql", "--format", "csv", "-c", sql});
    EXPECT_EQ(answer.exit_code, 0) << answer.err;
    return answer.out;
  }

  void ExpectAnswerWhole(const std::string& when) {
    auto answer = Shoal({"query", "--partitions", "2", "--output", "csv", kQuestion});
    ASSERT_EQ(answer.exit_code, 0) << when << ": " << answer.err << Logs();
    EXPECT_EQ(answer.out, oracle_) << when;
  }

  // Starts `shoal table compact tx` and returns its job's id.
  std::string StartCompaction() {
    auto started = Shoal({"table", "compact", "tx", "--no-wait"});
    EXPECT_EQ(started.exit_code, 0) << started.err;
    const size_t at = started.out.find("job ");
    if (at == std::string::npos) return "";
    std::string id = started.out.substr(at + 4);
    return id.substr(0, id.find(' '));
  }

  // The table state, read by `read`; checks that every file it lists is in the store and every
  // landing file was converted once.
  models::TableState ExpectCommitted(
      const std::function<std::optional<std::string>(const std::string&)>& read) {
    auto text = read(kStateKey);
    EXPECT_TRUE(text.has_value()) << "no table state";
    auto state = models::ParseTableState(text.value_or("{}"));
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    if (!state.ok()) return {};
    EXPECT_EQ(state->compacted.size(), static_cast<size_t>(kFiles));
    std::set<std::string> landing;
    for (const auto& file : state->compacted) landing.insert(file.path);
    EXPECT_EQ(landing.size(), state->compacted.size()) << "a landing file converted twice";
    for (const auto& file : state->files) {
      EXPECT_TRUE(read("warehouse/tx/" + file.path).has_value()) << file.path << " is missing";
    }
    return *state;
  }

  std::string oracle_;
};

// Every Parquet upload is held; the compacting node is killed while holding them and never
// returns. The state was never replaced, so readers see the landing files; the rerun commits.
TEST_F(ChaosCompactionTest, NodeKilledMidUploadToS3) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_NO_FATAL_FAILURE(StartHoldingParquetUploads(s3rver));
  FaultProxy& s3_link = *s3_proxies_[0];
  const std::string job = StartCompaction();
  Json victim;
  ASSERT_TRUE(WaitUntil(60s,
                        [&] {
                          victim = FindExecution(job, {"Running"});
                          return s3_link.stalled_connections() > 0 && !victim.is_null();
                        }))
      << Executions(job).dump() << Logs();
  nodes_[NodeIndex(victim["NodeID"])]->Kill(SIGKILL);
  s3_link.Restore();
  auto client = S3(s3rver);
  auto read = [&](const std::string& key) { return ReadObject(client.get(), key); };
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("right after the kill"));
  ASSERT_EQ(AwaitEnd(job), "Completed");
  EXPECT_EQ(ExpectCommitted(read).version, 1);
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("after the rerun committed"));
}

// Another compaction commits while this one uploads (as when a node presumed lost was still
// running): this one notices before its commit and commits nothing; its job reruns over the
// newer state.
TEST_F(ChaosCompactionTest, ACompactionOverlappedByAnotherCommitsNothing) {
  testing::S3rver s3rver({.buckets = {"my-bucket"}});
  ASSERT_NO_FATAL_FAILURE(StartHoldingParquetUploads(s3rver));
  FaultProxy& s3_link = *s3_proxies_[0];
  const std::string job = StartCompaction();
  ASSERT_TRUE(WaitUntil(60s, [&] { return s3_link.stalled_connections() > 0; })) << Logs();
  auto client = S3(s3rver);
  auto other = client->PutObject("my-bucket", kStateKey,
                                 R"({"Format": "shoal-table/1", "Version": 7, "Table": "tx"})");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  s3_link.Restore();
  ASSERT_EQ(AwaitEnd(job), "Completed");
  EXPECT_NE(Executions(job).dump().find("the table state changed during this compaction"),
            std::string::npos)
      << Executions(job).dump();
  auto read = [&](const std::string& key) { return ReadObject(client.get(), key); };
  EXPECT_EQ(ExpectCommitted(read).version, 8);
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("after the rerun committed"));
}

// A folder store: the node is killed as soon as its compaction runs, wherever it is then.
TEST_F(ChaosCompactionTest, NodeKilledWhileCompactingIntoAFolder) {
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  ASSERT_NO_FATAL_FAILURE(Land(nullptr));
  const std::string job = StartCompaction();
  Json victim;
  ASSERT_TRUE(WaitUntil(60s, [&] {
    victim = FindExecution(job, {"Running"});
    return !victim.is_null();
  })) << Executions(job).dump();
  nodes_[NodeIndex(victim["NodeID"])]->Kill(SIGKILL);
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("right after the kill"));
  ASSERT_EQ(AwaitEnd(job), "Completed");
  auto read = [&](const std::string& key) { return ReadObject(nullptr, key); };
  EXPECT_EQ(ExpectCommitted(read).version, 1);
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("after the rerun committed"));
}

// The compaction committed, but its Completed report is held and the node killed: the rerun
// finds nothing new and changes nothing, and no file the state lists is removed.
TEST_F(ChaosCompactionTest, NodeKilledAfterCommitBeforeItsReport) {
  port_ = testing::FreePort();
  FaultProxy link(port_);
  ASSERT_TRUE(link.ok());
  region_orchestrator_["us"] = link.endpoint();
  ASSERT_NO_FATAL_FAILURE(StartCluster({"us"}, 3));
  ASSERT_NO_FATAL_FAILURE(Land(nullptr));
  link.HoldRequestsContaining("\"ComputeState\":\"Completed\"");
  const std::string job = StartCompaction();
  ASSERT_TRUE(WaitUntil(60s, [&] { return link.stalled_connections() > 0; })) << Logs();
  const Json first = FindExecution(job, {"Running", "Publishing"});
  ASSERT_FALSE(first.is_null()) << Executions(job).dump();
  auto read = [&](const std::string& key) { return ReadObject(nullptr, key); };
  const models::TableState committed = ExpectCommitted(read);
  EXPECT_EQ(committed.version, 1);
  nodes_[NodeIndex(first["NodeID"])]->Kill(SIGKILL);
  link.Restore();
  ASSERT_EQ(AwaitEnd(job), "Completed");
  EXPECT_EQ(ExpectCommitted(read), committed) << "the rerun changed a committed state";
  ASSERT_NO_FATAL_FAILURE(ExpectAnswerWhole("after the rerun"));
}

}  // namespace
}  // namespace shoal
