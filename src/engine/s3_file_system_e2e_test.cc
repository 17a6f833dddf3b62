// s3:// inside DuckDB against a real s3rver on loopback. The rule for every read: the same query
// over the same files gives the same answer on S3 as on local disk. Also: `**` globs list exactly
// the right keys, partition_by_hash hashes the s3:// URL as Bacalhau's image does, COPY TO
// s3:// round-trips (multipart too), Parquet projections and filters fetch only part of the
// object (bytes counted), the sandbox's folder mapping wins for its bucket, and wrong buckets,
// missing objects and missing credentials fail clearly without leaking secrets.
//
// Over 500 lines on purpose: one suite shares one s3rver and one upload of the test data
// (SetUpTestSuite), which splitting the file would either repeat or spread over two files.
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"
#include "engine/s3_file_system.h"
#include "storage/s3_client.h"
#include "storage/testing/s3rver_fixture.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;
using shoal::testing::S3rver;

constexpr char kData[] = "shoal-data";  // uploaded with the client, read through DuckDB
constexpr char kOut[] = "shoal-out";    // written through DuckDB

// The files every read test uses, relative to the local root and to s3://shoal-data/.
const std::vector<std::string> kJsonl = {
    "transactions/eu/compute-eu-1/data/events_2024-01.jsonl",
    "transactions/eu/compute-eu-1/data/events_2024-02.jsonl",
    "transactions/us/compute-us-1/data/events_2024-01.jsonl",
    "transactions/us/compute-us-1/data/events_2024-02.jsonl",
    "transactions/us/compute-us-2/data/events_2024-01.jsonl",
    "transactions/us/events_2024-03.jsonl",
};

class S3FileSystemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    server_ = new S3rver(S3rver::Options{{kData, kOut}});
    if (!server_->ok()) return;
    root_ = new shoal::testing::TempDir("s3fs");
    GenerateFiles();
    storage::S3Config config;
    config.endpoint = server_->endpoint();
    config.url_style = storage::UrlStyle::kPath;
    config.use_ssl = false;
    config.credentials = {S3rver::kAccessKey, S3rver::kSecretKey, ""};
    client_ = storage::S3Client::Create(config).value().release();
    for (auto& entry : fs::recursive_directory_iterator(root_->path())) {
      if (!entry.is_regular_file()) continue;
      std::string key = fs::relative(entry.path(), root_->path()).string();
      auto put = client_->PutObjectFromFile(kData, key, entry.path().string());
      if (!put.ok()) ADD_FAILURE() << put.status().ToString();
    }
  }
  static void TearDownTestSuite() {
    delete client_;
    delete root_;
    delete server_;
  }

  void SetUp() override { ASSERT_TRUE(server_->ok()) << server_->error(); }

  static std::string Replace(std::string text, const std::string& from, const std::string& to) {
    for (size_t at = 0; (at = text.find(from, at)) != std::string::npos; at += to.size()) {
      text.replace(at, from.size(), to);
    }
    return text;
  }

  // `sql` with {} replaced by `prefix`: the same query over local files and over S3.
  static std::string With(const std::string& sql, const std::string& prefix) {
    return Replace(sql, "{}", prefix);
  }

  // The data, written by DuckDB itself: monthly JSONL files in the seed's layout, a CSV and a
  // Parquet copy, files that globs must skip, and one wide Parquet file of 8 row groups.
  static void GenerateFiles() {
    auto session = Session::Open({}).value();
    int seed = 0;
    for (const std::string& file : kJsonl) {
      fs::create_directories((*root_ / file).parent_path());
      std::string sql =
          "COPY (SELECT " + std::to_string(seed) +
          " * 10000 + range AS id, 'c' || (range % 97) AS customer_id, "
          "['books','games','food','tools'][1 + (range * 7 + " +
          std::to_string(seed) +
          ") % 4] AS category, round((range * 37 % 1000) / 7.0, 2) AS amount, "
          "TIMESTAMP '2024-01-01' + to_seconds(range * 60) AS ts FROM range(2500)) TO '" +
          (*root_ / file).string() + "' (FORMAT json)";
      auto done = session->Query(sql);
      if (!done.ok()) ADD_FAILURE() << done.status().ToString();
      ++seed;
    }
    std::ofstream(*root_ / "transactions/us/notes.txt") << "not data\n";
    std::ofstream(*root_ / "transactions/us/compute-us-1/data/events.csv") << "a,b\n1,2\n";
    fs::create_directories(*root_ / "tables");
    const std::string all =
        "read_json_auto('" + (*root_ / "transactions").string() + "/**/*.jsonl')";
    for (const char* sql :
         {"COPY (SELECT * FROM {all} ORDER BY id) TO '{root}/tables/events.csv' (HEADER)",
          "COPY (SELECT * FROM {all} ORDER BY id) TO '{root}/tables/events.parquet' "
          "(FORMAT parquet)",
          // 8 row groups of 32768 rows, 12 columns: a projection of one column, or a filter on
          // the sorted id, needs a small part of the file.
          "COPY (SELECT range AS id, random() AS c1, random() AS c2, random() AS c3, "
          "random() AS c4, random() AS c5, random() AS c6, random() AS c7, random() AS c8, "
          "random() AS c9, random() AS c10, random() AS c11 FROM range(262144)) "
          "TO '{root}/tables/wide.parquet' (FORMAT parquet, ROW_GROUP_SIZE 32768)"}) {
      std::string text = Replace(Replace(sql, "{all}", all), "{root}", root_->string());
      auto done = session->Query(text);
      if (!done.ok()) ADD_FAILURE() << done.status().ToString();
    }
  }

  static std::map<std::string, std::string> Environment() {
    return {{"DUCKDB_S3_ENDPOINT", server_->endpoint()},
            {"DUCKDB_S3_USE_SSL", "false"},
            {"AWS_ACCESS_KEY_ID", S3rver::kAccessKey},
            {"AWS_SECRET_ACCESS_KEY", S3rver::kSecretKey}};
  }

  std::unique_ptr<Session> Open(SessionOptions options = {}) {
    if (options.s3.environment.empty()) options.s3.environment = Environment();
    options.threads = 2;
    auto session = Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    auto style = (*session)->Query("SET s3_url_style = 'path'");  // as the seed's jobs do
    EXPECT_TRUE(style.ok()) << style.status().ToString();
    return std::move(session).value();
  }

  ResultTable Query(Session& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? std::move(result).value() : ResultTable();
  }

  // A result as text, one line per row, for comparisons that print well.
  static std::string Render(const ResultTable& table) {
    std::string out;
    for (const auto& column : table.columns()) out += column.name + ":" + column.type + " ";
    out += "\n";
    for (size_t row = 0; row < table.rows().size(); ++row) {
      for (size_t column = 0; column < table.columns().size(); ++column) {
        out += table.Text(row, column) + " | ";
      }
      out += "\n";
    }
    return out;
  }

  void ExpectSameAnswer(const std::string& sql) {
    auto session = Open();
    ResultTable local = Query(*session, With(sql, root_->string()));
    ResultTable remote = Query(*session, With(sql, std::string("s3://") + kData));
    ASSERT_FALSE(local.rows().empty()) << sql;
    EXPECT_EQ(Render(local), Render(remote)) << sql;
  }

  static std::string Error(Session& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_FALSE(result.ok()) << sql;
    return result.ok() ? "" : result.status().message();
  }

  static S3rver* server_;
  static shoal::testing::TempDir* root_;
  static storage::S3Client* client_;
};

S3rver* S3FileSystemTest::server_ = nullptr;
shoal::testing::TempDir* S3FileSystemTest::root_ = nullptr;
storage::S3Client* S3FileSystemTest::client_ = nullptr;

TEST_F(S3FileSystemTest, JsonCsvAndParquetReadsEqualLocalReads) {
  ExpectSameAnswer(
      "SELECT category, count(*), sum(amount::DECIMAL(18, 2)), min(ts), max(ts), count(DISTINCT "
      "customer_id) "
      "FROM read_json_auto('{}/transactions/**/*.jsonl') GROUP BY 1 ORDER BY 1");
  ExpectSameAnswer(
      "SELECT * FROM read_json_auto('{}/transactions/us/compute-us-1/data/events_2024-01.jsonl') "
      "ORDER BY id");
  ExpectSameAnswer(
      "SELECT category, count(*), sum(amount::DECIMAL(18, 2)), max(id) FROM "
      "read_csv('{}/tables/events.csv') "
      "GROUP BY 1 ORDER BY 1");
  ExpectSameAnswer(
      "SELECT * FROM read_parquet('{}/tables/*.parquet', union_by_name = true) "
      "WHERE id % 501 = 0 ORDER BY id, c1 NULLS FIRST");
  // Sums of doubles as exact decimals: a double sum's last digits follow DuckDB's threads'
  // order, and rounded to 6 places it once differed between two reads of the same file.
  ExpectSameAnswer(
      "SELECT count(*), sum(c3::DECIMAL(18, 12)), min(c7) "
      "FROM read_parquet('{}/tables/wide.parquet')");
}

// read_json_auto samples each file to detect the schema, then scans it from the start: the
// second read of each first buffer comes from the re-read cache, not from S3 again.
TEST_F(S3FileSystemTest, JsonDetectionAndScanFetchEachFileOnce) {
  uint64_t total = 0;
  for (const auto& f : kJsonl) total += fs::file_size(*root_ / f);
  SessionOptions options;
  options.s3.stats = std::make_shared<S3TransferStats>();
  auto session = Open(options);
  auto rows = Query(
      *session, "SELECT count(*) FROM read_json_auto('s3://shoal-data/transactions/**/*.jsonl')");
  EXPECT_EQ(rows.Text(0, 0), std::to_string(2500 * kJsonl.size()));
  EXPECT_EQ(options.s3.stats->bytes_read.load(), total);
}

TEST_F(S3FileSystemTest, DoubleStarGlobListsExactlyTheMatchingKeys) {
  auto session = Open();
  auto files = Query(*session,
                     "SELECT file FROM glob('s3://shoal-data/transactions/**/*.jsonl') ORDER BY 1");
  std::vector<std::string> expected;
  for (const auto& f : kJsonl) expected.push_back(std::string("s3://") + kData + "/" + f);
  std::sort(expected.begin(), expected.end());
  std::vector<std::string> got;
  for (const auto& row : files.rows()) got.push_back(row.at(0).text);
  EXPECT_EQ(got, expected);

  // One level only, `?` and `[...]`; and the order glob() returns is sorted already.
  auto one = Query(*session, "SELECT list(file) FROM glob('s3://shoal-data/transactions/us/*')");
  EXPECT_EQ(one.Text(0, 0),
            "[\"s3://shoal-data/transactions/us/events_2024-03.jsonl\","
            "\"s3://shoal-data/transactions/us/notes.txt\"]");
  auto chars = Query(*session,
                     "SELECT list(file) FROM glob('s3://shoal-data/transactions/*/compute-?"
                     "?-[1]/data/*-0[2].*')");
  EXPECT_EQ(chars.Text(0, 0),
            "[\"s3://shoal-data/transactions/eu/compute-eu-1/data/events_2024-02.jsonl\","
            "\"s3://shoal-data/transactions/us/compute-us-1/data/events_2024-02.jsonl\"]");
  auto none = Query(*session, "SELECT count(*) FROM glob('s3://shoal-data/nothing/**/*.jsonl')");
  EXPECT_EQ(none.Text(0, 0), "0");
}

TEST_F(S3FileSystemTest, PartitionByHashHashesTheS3UrlLikeBacalhausImage) {
  const std::string pattern = "s3://shoal-data/transactions/**/*.jsonl";
  std::set<std::string> seen;
  for (int64_t index = 0; index < 3; ++index) {
    SessionOptions options;
    options.partition = {index, 3};
    auto session = Open(options);
    auto picked = Query(
        *session, "SELECT list(file ORDER BY file) FROM partition_by_hash('" + pattern + "')");
    // The oracle: DuckDB's own md5_number_lower over the s3:// URLs of the local files.
    std::string urls;
    for (const auto& f : kJsonl) {
      urls += (urls.empty() ? "'" : ", '") + std::string("s3://") + kData + "/" + f + "'";
    }
    auto oracle =
        Query(*session, "SELECT list(u ORDER BY u) FROM (SELECT unnest([" + urls +
                            "]) AS u) WHERE md5_number_lower(u) % 3 = " + std::to_string(index));
    EXPECT_EQ(picked.Text(0, 0), oracle.Text(0, 0)) << "partition " << index;
    auto rows =
        Query(*session, "SET VARIABLE f = (SELECT list(file) FROM partition_by_hash('" + pattern +
                            "')); SELECT count(*) FROM read_json_auto(getvariable('f'))");
    // An empty partition yields no rows (see docs/partitions.md); a chosen file has rows.
    if (picked.Text(0, 0) != "NULL") {
      ASSERT_EQ(rows.rows().size(), 1u);
      EXPECT_NE(rows.Text(0, 0), "0");
    }
    ResultTable mine = Query(*session, "SELECT file FROM partition_by_hash('" + pattern + "')");
    for (const auto& row : mine.rows()) {
      EXPECT_TRUE(seen.insert(row.at(0).text).second) << row.at(0).text << " in two partitions";
    }
  }
  EXPECT_EQ(seen.size(), kJsonl.size());
}

TEST_F(S3FileSystemTest, CopyToS3ReadsBackEqual) {
  auto session = Open();
  const std::string source =
      "SELECT range AS id, 'name-' || range AS name, range * 0.5 AS half FROM range(20000)";
  for (const char* format : {"csv", "json", "parquet"}) {
    std::string url = std::string("s3://") + kOut + "/copy/out." + format;
    auto copied = session->Query("COPY (" + source + ") TO '" + url + "' (FORMAT " + format + ")");
    ASSERT_TRUE(copied.ok()) << format << ": " << copied.status().ToString();
    auto diff =
        Query(*session, "SELECT count(*) FROM ((" + source + ") EXCEPT ALL SELECT * FROM '" + url +
                            "') UNION ALL SELECT count(*) FROM (SELECT * FROM '" + url +
                            "' EXCEPT ALL (" + source + "))");
    ASSERT_EQ(diff.rows().size(), 2u) << format;
    EXPECT_EQ(diff.Text(0, 0), "0") << format;
    EXPECT_EQ(diff.Text(1, 0), "0") << format;
  }
  // Compressed: DuckDB's gzip writer wraps the S3 handle; reads decompress through it.
  const std::string gz = std::string("s3://") + kOut + "/copy/out.csv.gz";
  auto compressed = session->Query("COPY (" + source + ") TO '" + gz + "'");
  ASSERT_TRUE(compressed.ok()) << compressed.status().ToString();
  EXPECT_EQ(Query(*session, "SELECT count(*), sum(id) FROM '" + gz + "'").Text(0, 1),
            std::to_string(19999ll * 20000 / 2));
  // Overwriting an object replaces it.
  ASSERT_TRUE(session->Query("COPY (SELECT 42 AS answer) TO 's3://shoal-out/copy/out.csv'").ok());
  EXPECT_EQ(Query(*session, "SELECT * FROM 's3://shoal-out/copy/out.csv'").Text(0, 0), "42");
}

// Above the threshold an upload goes multipart; the threshold is an option of the file system,
// so this test registers one in a plain DuckDB with a 5 MiB threshold.
TEST_F(S3FileSystemTest, LargeCopyGoesMultipartAndReadsBack) {
  auto stats = std::make_shared<S3TransferStats>();
  S3FileSystem::Options options;
  options.environment = Environment();
  options.stats = stats;
  options.multipart_threshold = 5u << 20;
  options.multipart_part_size = 5u << 20;
  options.reread_cache_bytes = 0;  // every read below goes to S3
  duckdb::DuckDB db(nullptr);
  db.GetFileSystem().RegisterSubSystem(duckdb::make_uniq<S3FileSystem>(options));
  duckdb::Connection connection(db);
  auto copied = connection.Query(
      "COPY (SELECT range AS id, repeat('x', 40) AS pad FROM range(300000)) "
      "TO 's3://shoal-out/big/big.csv'");
  ASSERT_FALSE(copied->HasError()) << copied->GetError();
  EXPECT_GT(stats->bytes_written.load(), 12u << 20);
  auto meta = client_->HeadObject(kOut, "big/big.csv");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  EXPECT_EQ(meta->size, stats->bytes_written.load());
  auto back = connection.Query("SELECT count(*), sum(id) FROM 's3://shoal-out/big/big.csv'");
  ASSERT_FALSE(back->HasError()) << back->GetError();
  EXPECT_EQ(back->GetValue(0, 0).ToString(), "300000");
  EXPECT_EQ(back->GetValue(1, 0).ToString(), std::to_string(299999ll * 300000 / 2));

  // Byte for byte what the same COPY writes to local disk, read whole in one 13 MB read (which
  // goes out as parallel ranged GETs).
  const std::string local = (*root_ / "big.csv").string();
  auto local_copy = connection.Query(
      "COPY (SELECT range AS id, repeat('x', 40) AS pad FROM range(300000)) TO '" + local + "'");
  ASSERT_FALSE(local_copy->HasError()) << local_copy->GetError();
  // (DuckDB's own cache of remote reads would serve what read_csv fetched above.)
  ASSERT_FALSE(connection.Query("SET enable_external_file_cache = false")->HasError());
  const uint64_t gets_before = stats->get_requests.load();
  auto same = connection.Query(
      "SELECT (SELECT md5(content) FROM read_blob('s3://shoal-out/big/big.csv')) = "
      "(SELECT md5(content) FROM read_blob('" +
      local + "'))");
  ASSERT_FALSE(same->HasError()) << same->GetError();
  EXPECT_EQ(same->GetValue(0, 0).ToString(), "true");
  EXPECT_GE(stats->get_requests.load() - gets_before, 3u);
}

TEST_F(S3FileSystemTest, ParquetReadsOnlyTheColumnsAndRowGroupsItNeeds) {
  auto meta = client_->HeadObject(kData, "tables/wide.parquet");
  ASSERT_TRUE(meta.ok()) << meta.status().ToString();
  const uint64_t object_size = meta->size;
  struct Case {
    const char* what;
    std::string sql;
  };
  const std::vector<Case> cases = {
      {"one column of twelve",
       "SELECT sum(c3::DECIMAL(18, 12)) FROM read_parquet('{}/tables/wide.parquet')"},
      {"a filter hitting one row group of eight",
       "SELECT count(*), sum(c5::DECIMAL(18, 12)) FROM read_parquet('{}/tables/wide.parquet') "
       "WHERE id BETWEEN 100000 AND 100100"},
  };
  for (const auto& c : cases) {
    SessionOptions options;
    options.s3.stats = std::make_shared<S3TransferStats>();
    auto session = Open(options);  // a fresh session: nothing cached
    ResultTable remote = Query(*session, With(c.sql, std::string("s3://") + kData));
    ResultTable local = Query(*session, With(c.sql, root_->string()));
    EXPECT_EQ(Render(remote), Render(local)) << c.what;
    const uint64_t fetched = options.s3.stats->bytes_read.load();
    EXPECT_GT(fetched, 0u) << c.what;
    EXPECT_LT(fetched, object_size / 2)
        << c.what << ": fetched " << fetched << " of " << object_size << " bytes";
    std::printf("[ bytes    ] %s: fetched %llu of %llu bytes (%.1f%%) in %llu GETs\n", c.what,
                static_cast<unsigned long long>(fetched),
                static_cast<unsigned long long>(object_size), 100.0 * fetched / object_size,
                static_cast<unsigned long long>(options.s3.stats->get_requests.load()));
  }
}

TEST_F(S3FileSystemTest, SandboxMappingWinsForItsBucketOthersGoToS3) {
  // s3://shoal-data maps onto a folder holding one file S3 does not have.
  fs::path folder = *root_ / "mapped";
  fs::create_directories(folder / "local");
  std::ofstream(folder / "local/only-here.json") << "{\"v\": 7}\n";
  SessionOptions options;
  options.path_mappings = {{std::string("s3://") + kData, folder.string()}};
  options.s3.stats = std::make_shared<S3TransferStats>();
  auto session = Open(options);
  EXPECT_EQ(Query(*session, "SELECT v FROM 's3://shoal-data/local/only-here.json'").Text(0, 0),
            "7");
  EXPECT_EQ(Query(*session, "SELECT list(file) FROM glob('s3://shoal-data/**/*.json')").Text(0, 0),
            "[\"s3://shoal-data/local/only-here.json\"]");
  EXPECT_EQ(options.s3.stats->get_requests.load() + options.s3.stats->list_requests.load(), 0u);
  // The same session reaches another bucket on S3.
  ASSERT_TRUE(session->Query("COPY (SELECT 1 AS one) TO 's3://shoal-out/mapped/one.csv'").ok());
  EXPECT_EQ(Query(*session, "SELECT one FROM 's3://shoal-out/mapped/one.csv'").Text(0, 0), "1");
  EXPECT_GT(options.s3.stats->get_requests.load(), 0u);

  // Prefix boundaries: excluding s3://shoal-data must not exclude s3://shoal-data2.
  S3FileSystem::Options exclude;
  exclude.excluded_prefixes = {"s3://shoal-data"};
  S3FileSystem s3(exclude);
  EXPECT_FALSE(s3.CanHandleFile("s3://shoal-data/x.json"));
  EXPECT_FALSE(s3.CanHandleFile("s3://shoal-data"));
  EXPECT_TRUE(s3.CanHandleFile("s3://shoal-data2/x.json"));
  EXPECT_TRUE(s3.CanHandleFile("s3://shoal-out/x.json"));
  EXPECT_FALSE(s3.CanHandleFile("/data/x.json"));
}

TEST_F(S3FileSystemTest, SandboxedSessionReadsItsStoresThroughAliasesAndWritesNothing) {
  // A compute node's locked session: the store is reached by its alias, with the node's
  // credentials; the job's SQL names only the alias.
  storage::S3Config store;
  store.endpoint = server_->endpoint();
  store.url_style = storage::UrlStyle::kPath;
  store.use_ssl = false;
  store.credentials = {S3rver::kAccessKey, S3rver::kSecretKey, ""};
  SessionOptions options;
  options.sandboxed = true;
  options.s3.endpoint_aliases = {{"storage-local", store}};
  options.s3.environment = {{"DUCKDB_S3_ENDPOINT", "storage-local:9000"}};
  auto session = Open(options);  // runs `SET s3_url_style = 'path'`, as the seed's jobs do
  EXPECT_EQ(Query(*session, "SELECT count(*) FROM 's3://shoal-data/tables/events.csv'").Text(0, 0),
            "15000");
  EXPECT_EQ(Query(*session, "SELECT count(*) FROM glob('s3://shoal-data/transactions/**/*.jsonl')")
                .Text(0, 0),
            "6");
  // The same object over plain HTTP from the job's SQL is refused: only the S3 file system goes
  // out on the network.
  std::string http = Error(*session, "SELECT count(*) FROM read_csv('http://" +
                                         server_->endpoint() + "/shoal-data/tables/events.csv')");
  EXPECT_NE(http.find("an execution does not reach the network"), std::string::npos) << http;
  std::string write = Error(*session, "COPY (SELECT 1 AS one) TO 's3://shoal-out/locked.csv'");
  EXPECT_NE(write.find("s3:// is read-only in this execution"), std::string::npos) << write;
  EXPECT_FALSE(client_->HeadObject(kOut, "locked.csv").ok());
  // The real endpoint is no alias: naming it is refused, in SQL and in the environment alike.
  std::string named = Error(*session, "SET s3_endpoint = '" + server_->endpoint() + "'");
  EXPECT_NE(named.find("is not one of this node's stores; SQL may name storage-local"),
            std::string::npos)
      << named;
  options.s3.environment = Environment();
  auto direct = Open(options);
  std::string refused = Error(*direct, "SELECT count(*) FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(refused.find("endpoint '" + server_->endpoint() +
                         "' is not one of this node's S3 stores; this execution reaches only the "
                         "S3 store storage-local"),
            std::string::npos)
      << refused;
}

TEST_F(S3FileSystemTest, SettingsStartFromTheEnvironmentButSecretsStayOut) {
  auto session = Open();
  auto shown =
      Query(*session,
            "SELECT current_setting('s3_endpoint'), current_setting('s3_use_ssl'), "
            "current_setting('s3_access_key_id'), current_setting('s3_secret_access_key')");
  EXPECT_EQ(shown.Text(0, 0), server_->endpoint());
  EXPECT_EQ(shown.Text(0, 1), "false");
  EXPECT_EQ(shown.Text(0, 2), "");
  EXPECT_EQ(shown.Text(0, 3), "");

  // Only SET: an endpoint with a scheme decides TLS, and the session's credentials apply.
  SessionOptions bare;
  bare.s3.environment = {{"UNRELATED", "x"}};
  auto configured = Open(bare);
  EXPECT_EQ(Query(*configured, "SELECT current_setting('s3_use_ssl')").Text(0, 0), "true");
  ASSERT_TRUE(configured
                  ->Query("SET s3_endpoint = 'http://" + server_->endpoint() +
                          "'; SET s3_access_key_id = 'S3RVER'; "
                          "SET s3_secret_access_key = 'S3RVER'")
                  .ok());
  EXPECT_EQ(
      Query(*configured, "SELECT count(*) FROM 's3://shoal-data/tables/events.csv'").Text(0, 0),
      "15000");
  // An explicit s3_use_ssl wins over the scheme.
  std::string tls = Error(
      *configured, "SET s3_use_ssl = true; SELECT * FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(tls.find("https://"), std::string::npos) << tls;
}

TEST_F(S3FileSystemTest, ErrorsNameTheUrlAndTheReason) {
  auto session = Open();
  std::string missing_bucket =
      Error(*session, "SELECT * FROM read_json_auto('s3://no-such-bucket/x.jsonl')");
  EXPECT_NE(missing_bucket.find("s3://no-such-bucket/x.jsonl"), std::string::npos)
      << missing_bucket;
  EXPECT_NE(missing_bucket.find("NoSuchBucket"), std::string::npos) << missing_bucket;
  std::string glob_bucket =
      Error(*session, "SELECT * FROM read_json_auto('s3://no-such-bucket/**/*.jsonl')");
  EXPECT_NE(glob_bucket.find("s3://no-such-bucket/"), std::string::npos) << glob_bucket;
  EXPECT_NE(glob_bucket.find("NoSuchBucket"), std::string::npos) << glob_bucket;
  std::string missing_key =
      Error(*session, "SELECT * FROM read_csv('s3://shoal-data/missing.csv')");
  EXPECT_NE(missing_key.find("s3://shoal-data/missing.csv"), std::string::npos) << missing_key;
  EXPECT_NE(missing_key.find("NoSuchKey"), std::string::npos) << missing_key;
  std::string no_files = Error(*session, "SELECT * FROM read_csv('s3://shoal-data/nothing/*.csv')");
  EXPECT_NE(no_files.find("s3://shoal-data/nothing/*.csv"), std::string::npos) << no_files;

  // No credentials anywhere: the error says what to set.
  SessionOptions bare;
  bare.s3.environment = {{"DUCKDB_S3_ENDPOINT", server_->endpoint()},
                         {"DUCKDB_S3_USE_SSL", "false"}};
  auto no_credentials = Open(bare);
  std::string missing = Error(*no_credentials, "SELECT * FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(missing.find("S3 credentials are missing"), std::string::npos) << missing;
  EXPECT_NE(missing.find("s3_access_key_id"), std::string::npos) << missing;
  EXPECT_NE(missing.find("AWS_ACCESS_KEY_ID"), std::string::npos) << missing;
  EXPECT_NE(missing.find("s3://shoal-data/tables/events.csv"), std::string::npos) << missing;
  // A secret without its key id: the message does not repeat the secret.
  ASSERT_TRUE(no_credentials->Query("SET s3_secret_access_key = 'TopSecretValue123'").ok());
  std::string partial = Error(*no_credentials, "SELECT * FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(partial.find("incomplete"), std::string::npos) << partial;
  EXPECT_EQ(partial.find("TopSecretValue123"), std::string::npos) << partial;
  // SET credentials make the same session work.
  ASSERT_TRUE(no_credentials->Query("SET s3_access_key_id = 'S3RVER'").ok());
  EXPECT_EQ(
      Query(*no_credentials, "SELECT count(*) FROM 's3://shoal-data/tables/events.csv'").Text(0, 0),
      "15000");

  // Credentials S3 does not know: S3's own code says so.
  ASSERT_TRUE(no_credentials->Query("SET s3_access_key_id = 'NOBODY'").ok());
  std::string wrong = Error(*no_credentials, "SELECT * FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(wrong.find("InvalidAccessKeyId"), std::string::npos) << wrong;
  EXPECT_NE(wrong.find("s3://shoal-data/tables/events.csv"), std::string::npos) << wrong;
  EXPECT_EQ(wrong.find("TopSecretValue123"), std::string::npos) << wrong;

  // A bad setting names itself.
  std::string style = Error(
      *session, "SET s3_url_style = 'sideways'; SELECT * FROM 's3://shoal-data/tables/events.csv'");
  EXPECT_NE(style.find("s3_url_style 'sideways'"), std::string::npos) << style;
}

}  // namespace
}  // namespace shoal::engine
