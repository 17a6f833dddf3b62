// A sandboxed Session reaches only its mappings and temp directory, writes only its writable
// mappings, cannot change its settings (except s3_* ones, within the node's stores), loads no
// extension, reads no environment; a query over its memory limit spills inside the sandbox or
// fails with DuckDB's out-of-memory error. Each refusal names what was refused, and the session
// goes on working after it. Also the DuckDB facts the lock is built on.
#include "engine/session_lock.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"
#include "engine/testing/loopback_listener.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class SessionLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    for (const char* dir : {"in", "out", "data", "bucket/k", "other", "tmp-parent"}) {
      fs::create_directories(root_ / dir);
    }
    std::ofstream(root_ / "in/x.csv") << "a,b\n1,2\n";
    std::ofstream(root_ / "in/y.csv") << "a,b\n3,4\n";
    std::ofstream(root_ / "bucket/k/o.csv") << "a,b\n5,6\n";
    std::ofstream(root_ / "other/secret.csv") << "secret\nhunter2\n";
  }

  SessionOptions Locked() const {
    SessionOptions options;
    options.threads = 1;
    options.path_mappings = {{"/inputs", (root_ / "in").string(), /*read_only=*/true},
                             {"/outputs", (root_ / "out").string()},
                             {"/data", (root_ / "data").string()},
                             {"s3://my-bucket", (root_ / "bucket").string()}};
    options.sandboxed = true;
    options.temp_directory = (root_ / "tmp-parent/tmp").string();
    return options;
  }

  static std::unique_ptr<Session> Open(const SessionOptions& options) {
    auto session = Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  // The message of `sql`, which must fail.
  static std::string ErrorOf(Session& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_FALSE(result.ok()) << sql;
    return result.ok() ? "" : result.status().message();
  }

  static std::string Text(Session& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_TRUE(result.ok()) << sql << "\n" << result.status().ToString();
    return result.ok() && !result->rows().empty() ? result->Text(0, 0) : "";
  }

  shoal::testing::TempDir root_;
};

#define EXPECT_HAS(text, part) EXPECT_NE((text).find(part), std::string::npos) << (text)

TEST_F(SessionLockTest, ItsOwnPathsWorkAsBefore) {
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(Text(*session, "SELECT sum(a) FROM read_csv('/inputs/*.csv')"), "4");
  EXPECT_EQ(Text(*session, "SELECT count(*) FROM read_csv('/inputs/**/*.csv')"), "2");
  EXPECT_EQ(Text(*session, "SELECT list(file ORDER BY file) FROM glob('s3://my-bucket/**')"),
            "[\"s3://my-bucket/k/o.csv\"]");
  EXPECT_EQ(Text(*session, "SELECT b FROM read_csv('s3://my-bucket/k/o.csv')"), "6");
  ASSERT_TRUE(session->Query("COPY (SELECT 42 AS answer) TO '/outputs/o.csv'").ok());
  EXPECT_EQ(ReadFile(root_ / "out/o.csv"), "answer\n42\n");
  // Partitioned writes create and list folders; /data is writable too.
  auto parts = session->Query(
      "COPY (SELECT range % 2 AS p, range AS v FROM range(4)) TO '/data/parts' "
      "(FORMAT csv, PARTITION_BY (p))");
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  EXPECT_TRUE(fs::exists(root_ / "data/parts/p=1"));
  // A mapping's own folder is inside it.
  auto root = session->Query(
      "COPY (SELECT range % 2 AS p, range AS v FROM range(4)) TO '/outputs' "
      "(FORMAT csv, PARTITION_BY (p), OVERWRITE_OR_IGNORE)");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_TRUE(fs::exists(root_ / "out/p=0"));
  // What jobs do besides: session variables, and the seed's `SET s3_url_style`.
  EXPECT_EQ(Text(*session, "SET VARIABLE n = 7; SELECT getvariable('n')"), "7");
  EXPECT_EQ(Text(*session,
                 "SET s3_url_style = 'path'; PRAGMA s3_region = 'eu-west-1'; "
                 "SELECT current_setting('s3_url_style') || ' ' || current_setting('s3_region')"),
            "path eu-west-1");
  EXPECT_EQ(Text(*session, "RESET s3_url_style; SELECT current_setting('s3_url_style')"), "");
  // TimeZone goes through ICU's own check, as with SET unlocked.
  EXPECT_EQ(Text(*session,
                 "SET TimeZone = 'America/New_York'; SELECT strftime(TIMESTAMPTZ "
                 "'2024-01-01 12:00:00+00', '%H') || ' ' || current_setting('TimeZone')"),
            "07 America/New_York");
  EXPECT_HAS(ErrorOf(*session, "SET TimeZone = 'Mars/Olympus_Mons'"), "Mars/Olympus_Mons");
  EXPECT_EQ(Text(*session, "SELECT current_setting('enable_external_access')"), "false");
  EXPECT_EQ(Text(*session, "SELECT current_setting('lock_configuration')"), "true");
  // DuckDB spills into a virtual folder, mapped onto the real one.
  EXPECT_EQ(Text(*session, "SELECT current_setting('temp_directory')"), "/.tmp");
}

TEST_F(SessionLockTest, HostPathsAreRefusedWhateverTheSpelling) {
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  const std::string secret = (root_ / "other/secret.csv").string();
  for (const std::string& path :
       {std::string("/etc/passwd"), secret, (root_ / "out").string() + "/o.csv",
        std::string("/inputs/../other/secret.csv"), std::string("file:///etc/passwd"),
        std::string("~/secret.csv"), std::string("secret.csv"), std::string("/dev/stdin"),
        std::string("/proc/self/environ"), std::string("/inputsx/x.csv")}) {
    const std::string message = ErrorOf(*session, "SELECT * FROM read_csv('" + path + "')");
    EXPECT_HAS(message, "Permission Error: Cannot access file \"" + path + "\"");
    EXPECT_HAS(message, "this execution reaches only /data, /inputs, /outputs, s3://my-bucket");
  }
  // Globs are checked by their pattern, before anything is listed.
  for (const char* pattern : {"/*", "/**/secret.csv", "/input*/*.csv", "/tmp/**"}) {
    EXPECT_HAS(ErrorOf(*session, std::string("SELECT * FROM glob('") + pattern + "')"),
               "Permission Error");
  }
  // DuckDB's check compares text and collapses "//": it admits "s3:/my-bucket/x", which the
  // local file system would resolve in the node's working directory. The sandbox refuses it.
  EXPECT_HAS(ErrorOf(*session, "SELECT * FROM read_csv('s3:/my-bucket/k/o.csv')"),
             "Cannot access \"s3:/my-bucket/k/o.csv\": it is outside this execution's sandbox, "
             "which reaches only /data, /inputs, /outputs, s3://my-bucket");
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO 's3:/my-bucket/x.csv'"),
             "outside this execution's sandbox");
  EXPECT_FALSE(fs::exists("s3:"));
  // A refusal is an error of its statement only.
  EXPECT_EQ(Text(*session, "SELECT count(*) FROM read_csv('/inputs/x.csv')"), "1");
}

TEST_F(SessionLockTest, WritesGoOnlyToWritableMappings) {
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  const std::string outside = (root_ / "other/written.csv").string();
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO '" + outside + "'"),
             "Cannot access file \"" + outside + "\"");
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO '/inputs/z.csv'"),
             "Cannot write \"/inputs/z.csv\": /inputs is read-only in this execution");
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO 's3://my-bucket/k/new.csv'"),
             "s3://my-bucket is read-only in this execution");
  EXPECT_HAS(ErrorOf(*session, "ATTACH '" + (root_ / "other/x.duckdb").string() + "' AS x"),
             "Permission Error");
  EXPECT_HAS(ErrorOf(*session, "EXPORT DATABASE '" + (root_ / "other/export").string() + "'"),
             "Permission Error");
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO '/outputs/evil.duckdb_extension'"),
             "reserved for DuckDB extensions");
  EXPECT_FALSE(fs::exists(root_ / "other/written.csv"));
  EXPECT_FALSE(fs::exists(root_ / "in/z.csv"));
  EXPECT_FALSE(fs::exists(root_ / "bucket/k/new.csv"));
  EXPECT_FALSE(fs::exists(root_ / "other/x.duckdb"));
  ASSERT_TRUE(session->Query("COPY (SELECT 1 AS x) TO '/outputs/after.csv'").ok());
}

TEST_F(SessionLockTest, SettingsExtensionsEnvironmentAndLoggingAreRefused) {
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  for (const char* sql :
       {"SET enable_external_access = true", "RESET enable_external_access",
        "SET allowed_directories = ['/']", "SET lock_configuration = false",
        "SET memory_limit = '100GB'", "SET threads = 64", "SET temp_directory = '/tmp'",
        "SET GLOBAL enable_external_access = true"}) {
    const std::string message = ErrorOf(*session, sql);
    EXPECT_HAS(message, "the configuration has been locked");
    EXPECT_HAS(message, "an execution's settings are fixed");
  }
  EXPECT_HAS(ErrorOf(*session, "SET s3_endpoint = 'evil:9000'"),
             "s3_endpoint 'evil:9000' is not one of this node's stores");
  EXPECT_HAS(ErrorOf(*session, "SET s3_endpoint = 'http://' || 'evil:9000'"),
             "s3_endpoint 'http://evil:9000' is not one of this node's stores");
  for (const char* sql : {"INSTALL httpfs", "LOAD httpfs", "FORCE INSTALL httpfs",
                          "LOAD '/outputs/evil.duckdb_extension'"}) {
    EXPECT_HAS(ErrorOf(*session, sql), "extensions cannot be installed or loaded in an execution");
  }
  EXPECT_HAS(ErrorOf(*session, "SELECT getenv('HOME')"),
             "getenv() is refused: a job cannot read the node's environment");
  // enable_logging() ignores the lock, and a log file outside the sandbox would abort the
  // process when the database closes (this test would crash).
  EXPECT_HAS(ErrorOf(*session, "CALL enable_logging(storage = 'file', storage_path = '" +
                                   (root_ / "other/logs").string() + "')"),
             "enable_logging() is refused");
  EXPECT_HAS(ErrorOf(*session, "SELECT * FROM enable_logging()"), "enable_logging() is refused");
  EXPECT_EQ(Text(*session, "SELECT current_setting('enable_external_access')"), "false");
  EXPECT_FALSE(fs::exists(root_ / "other/logs"));
}

TEST_F(SessionLockTest, NetworkUrlsAreRefusedWithoutAConnection) {
  shoal::testing::LoopbackListener listener;
  ASSERT_TRUE(listener.ok());
  // With an S3 store, "s3://" is an allowed prefix; http(s):// stays refused all the same.
  SessionOptions options = Locked();
  storage::S3Config store;
  store.endpoint = "127.0.0.1:1";
  options.s3.endpoint_aliases = {{"storage", store}};
  auto session = Open(options);
  ASSERT_NE(session, nullptr);
  for (const std::string scheme : {"http://", "https://", "HTTPS://"}) {
    const std::string url = scheme + listener.address() + "/x.csv";
    for (const std::string& sql :
         {"SELECT * FROM read_csv('" + url + "')", "SELECT * FROM read_json('" + url + "')",
          "SELECT * FROM read_parquet('" + url + "')", "SELECT * FROM read_text('" + url + "')",
          "SELECT * FROM '" + url + "'", "SELECT * FROM glob('" + url + "')",
          "COPY (SELECT 1 AS x) TO '" + url + "'", "ATTACH '" + url + "' AS remote"}) {
      const std::string message = ErrorOf(*session, sql);
      EXPECT_HAS(message, "Permission Error");
      EXPECT_HAS(message,
                 "an execution does not reach the network (http:// and https:// are "
                 "refused), it reaches only /data, /inputs, /outputs, s3://my-bucket");
    }
  }
  EXPECT_FALSE(listener.Contacted());
  EXPECT_EQ(Text(*session, "SELECT b FROM read_csv('s3://my-bucket/k/o.csv')"), "6");
}

TEST_F(SessionLockTest, NoSettingNamesARealPath) {
  SessionOptions options = Locked();
  options.memory_limit = "64MB";
  auto session = Open(options);
  ASSERT_NE(session, nullptr);
  // Spill, so that DuckDB's temp directory exists and its files are listed.
  EXPECT_EQ(Text(*session,
                 "CREATE TEMP TABLE t AS SELECT range::VARCHAR || 'padding-padding' AS s FROM "
                 "range(3000000); SELECT count(*) FROM (SELECT s FROM t ORDER BY s)"),
            "3000000");
  const char* home = std::getenv("HOME");
  std::vector<std::string> hidden = {root_.string(), fs::current_path().string()};
  if (home != nullptr && std::string(home).size() > 1) hidden.push_back(home);
  auto settings = session->Query("SELECT name, value FROM duckdb_settings() ORDER BY name");
  ASSERT_TRUE(settings.ok()) << settings.status().ToString();
  ASSERT_GT(settings->rows().size(), 100u);
  for (size_t row = 0; row < settings->rows().size(); ++row) {
    const std::string name = settings->Text(row, 0);
    const std::string value = settings->Text(row, 1);
    // current_setting() reads the same values by another way.
    const std::string current = Text(*session, "SELECT current_setting('" + name + "')::VARCHAR");
    for (const std::string& path : hidden) {
      EXPECT_EQ(value.find(path), std::string::npos) << name << " = " << value;
      EXPECT_EQ(current.find(path), std::string::npos) << name << " = " << current;
    }
  }
  EXPECT_HAS(Text(*session, "SELECT current_setting('allowed_directories')::VARCHAR"),
             "[/.tmp/, /data/, /inputs/, /outputs/, ");
  EXPECT_EQ(Text(*session, "SELECT current_setting('secret_directory')"),
            "/nonexistent/.duckdb/stored_secrets");
  // DuckDB's default cap on spilling, measured at the real folder.
  EXPECT_HAS(Text(*session, "SELECT current_setting('max_temp_directory_size')"), "iB");
  auto files = session->Query("SELECT path FROM duckdb_temporary_files()");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  for (size_t row = 0; row < files->rows().size(); ++row) {
    EXPECT_EQ(files->Text(row, 0).rfind("/.tmp/", 0), 0u) << files->Text(row, 0);
  }
  for (const std::string& message : {ErrorOf(*session, "SELECT * FROM duckdb_extensions()"),
                                     ErrorOf(*session, "SELECT * FROM read_csv('~/x.csv')")}) {
    for (const std::string& path : hidden) EXPECT_EQ(message.find(path), std::string::npos);
  }
}

TEST_F(SessionLockTest, ErrorsNameVirtualPaths) {
  fs::create_directories(root_ / "out/taken.csv");
  fs::create_directories(root_ / "tmp-parent/tmp");
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"SELECT * FROM read_csv('/inputs/missing.csv')", "\"/inputs/missing.csv\""},
      {"SELECT * FROM read_parquet('/inputs/missing.parquet')", "\"/inputs/missing.parquet\""},
      {"SELECT * FROM read_json('/inputs/missing/*.json')", "\"/inputs/missing/*.json\""},
      {"COPY (SELECT 1 AS x) TO '/outputs/missing/x.csv'",
       "Cannot open file \"/outputs/missing/x.csv\": No such file or directory"},
      {"COPY (SELECT 1 AS x) TO '/outputs/taken.csv'", "Cannot open file \"/outputs/taken.csv\""},
      {"COPY (SELECT 1 AS x) TO '/.tmp'", "\"/.tmp\""},
      {"SELECT * FROM read_csv('s3://my-bucket/k/missing.csv')",
       "\"s3://my-bucket/k/missing.csv\""},
      {"SELECT a::INT FROM read_csv('/inputs/x.csv', all_varchar = true) UNION ALL "
       "SELECT 'x'::INT",
       "Could not convert"}};
  for (const auto& [sql, part] : cases) {
    const std::string message = ErrorOf(*session, sql);
    EXPECT_HAS(message, part);
    EXPECT_EQ(message.find(root_.string()), std::string::npos) << message;
  }
}

TEST_F(SessionLockTest, OverItsMemoryLimitAQuerySpillsIntoTheSandboxOrFailsClearly) {
  // Sorting ~250 MB of strings in 64 MB needs to spill.
  const std::string sort =
      "SELECT sum(x) FROM (SELECT range::VARCHAR || 'padding-padding-padding' AS s, range AS x "
      "FROM range(4000000) ORDER BY s)";
  SessionOptions options = Locked();
  options.memory_limit = "64MB";
  auto spilling = Open(options);
  ASSERT_NE(spilling, nullptr);
  EXPECT_EQ(Text(*spilling, sort), "7999998000000");
  // Nothing can spill a single string this large.
  const std::string message =
      ErrorOf(*spilling,
              "SELECT length(string_agg(range::VARCHAR || 'padding', ',')) FROM range(20000000)");
  EXPECT_HAS(message, "Out of Memory Error");
  EXPECT_EQ(Text(*spilling, "SELECT 42"), "42");

  // Without a temp directory the same sort cannot spill: the temp directory is what made it work.
  options.temp_directory.clear();
  auto no_spill = Open(options);
  ASSERT_NE(no_spill, nullptr);
  EXPECT_HAS(ErrorOf(*no_spill, sort), "Out of Memory Error");
  EXPECT_EQ(Text(*no_spill, "SELECT current_setting('temp_directory')"), "");
}

TEST_F(SessionLockTest, S3ReachesOnlyTheNodesStores) {
  SessionOptions options = Locked();
  storage::S3Config store;
  store.endpoint = "127.0.0.1:1";
  options.s3.endpoint_aliases = {{"storage", store}};
  options.s3.endpoint_names = {"storage-local"};
  options.s3.environment = {{"DUCKDB_S3_ENDPOINT", "evil:9000"}};
  auto session = Open(options);
  ASSERT_NE(session, nullptr);
  const std::string reach =
      "this execution reaches only /data, /inputs, /outputs, s3://my-bucket and the S3 store "
      "storage";
  // The environment's endpoint is no store: refused before any connection.
  std::string message = ErrorOf(*session, "SELECT * FROM read_csv('s3://other/x.csv')");
  EXPECT_HAS(message, "endpoint 'evil:9000' is not one of this node's S3 stores");
  EXPECT_HAS(message, reach);
  // SQL may name the stores: the mapped folder store, or an alias.
  ASSERT_TRUE(session->Query("SET s3_endpoint = 'storage-local:9000'").ok());
  EXPECT_HAS(ErrorOf(*session, "SELECT * FROM read_csv('s3://other/x.csv')"),
             "endpoint 'storage-local:9000' is not one of this node's S3 stores");
  ASSERT_TRUE(session->Query("SET s3_endpoint = 'http://Storage:9000'").ok());
  EXPECT_EQ(Text(*session, "SELECT current_setting('s3_endpoint')"), "http://Storage:9000");
  EXPECT_HAS(ErrorOf(*session, "SET s3_endpoint = 'minio:9000'"),
             "SQL may name storage, storage-local");
  EXPECT_HAS(ErrorOf(*session, "COPY (SELECT 1 AS x) TO 's3://other/x.csv'"),
             "Cannot write \"s3://other/x.csv\": s3:// is read-only in this execution");
  // The mapped bucket stays a folder.
  EXPECT_EQ(Text(*session, "SELECT b FROM read_csv('s3://my-bucket/k/o.csv')"), "6");
}

TEST_F(SessionLockTest, WithoutS3StoresUnmappedBucketsAreRefusedByDuckDb) {
  auto session = Open(Locked());
  ASSERT_NE(session, nullptr);
  for (const char* url : {"s3://other/x.csv", "s3://my-bucket-2/x.csv"}) {
    EXPECT_HAS(ErrorOf(*session, std::string("SELECT * FROM read_csv('") + url + "')"),
               std::string("Cannot access file \"") + url + "\"");
  }
}

TEST_F(SessionLockTest, UnlockedSessionsAreUnchanged) {
  // `shoal sql` runs on the user's own machine: host paths and settings stay open.
  SessionOptions options = Locked();
  options.sandboxed = false;
  auto session = Open(options);
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(Text(*session,
                 "SELECT secret FROM read_csv('" + (root_ / "other/secret.csv").string() + "')"),
            "hunter2");
  EXPECT_TRUE(session->Query("SET threads = 2").ok());
  ASSERT_TRUE(session->Query("COPY (SELECT 1 AS x) TO 's3://my-bucket/k/new.csv'").ok());
  // getenv() is the DuckDB CLI's, not the library's.
  EXPECT_HAS(ErrorOf(*session, "SELECT getenv('HOME')"), "getenv does not exist");
}

TEST(SessionLockRulesTest, AllowedPrefixesReachAndEndpoints) {
  SessionOptions options;
  options.path_mappings = {{"/outputs", "/r/o"}, {"s3://b", "/r/b"}, {"/data", "/r/d"}};
  EXPECT_EQ(AllowedPrefixes(options), (std::vector<std::string>{"/data", "/outputs", "s3://b"}));
  EXPECT_EQ(DescribeReach(options), "/data, /outputs, s3://b");
  EXPECT_EQ(CheckS3Endpoint("storage:9000", options).code(), ErrorCode::kPermissionDenied);
  EXPECT_TRUE(CheckS3Endpoint("", options).ok());
  options.s3.endpoint_aliases = {{"storage", {}}, {"storage-local", {}}};
  EXPECT_EQ(AllowedPrefixes(options),
            (std::vector<std::string>{"/data", "/outputs", "s3://", "s3://b"}));
  EXPECT_EQ(DescribeReach(options),
            "/data, /outputs, s3://b and the S3 stores storage, storage-local");
  for (const char* endpoint :
       {"storage", "storage:9000", "HTTP://STORAGE-LOCAL:9000/", "https://storage"}) {
    EXPECT_TRUE(CheckS3Endpoint(endpoint, options).ok()) << endpoint;
  }
  for (const char* endpoint : {"storage.evil.com", "evil", "http://evil/storage", "[::1]:9000"}) {
    Status status = CheckS3Endpoint(endpoint, options);
    EXPECT_EQ(status.code(), ErrorCode::kPermissionDenied) << endpoint;
    EXPECT_HAS(status.message(), "SQL may name storage, storage-local");
  }
  EXPECT_TRUE(IsSettableWhenLocked("S3_Endpoint"));
  EXPECT_TRUE(IsSettableWhenLocked("TimeZone"));
  EXPECT_FALSE(IsSettableWhenLocked("s3_uploader_max_parts_per_file"));
  EXPECT_FALSE(IsSettableWhenLocked("enable_external_access"));
}

TEST(SessionLockRulesTest, LockStatementsComeInTheOrderDuckDbNeeds) {
  SessionOptions options;
  options.path_mappings = {{"/out'put", "/r/o"}};
  options.temp_directory = "/r/tmp";
  options.max_temp_directory_size = "1GB";
  const std::string sql = LockStatements(options);
  const size_t temp = sql.find("SET temp_directory = '/.tmp'");
  const size_t allowed = sql.find("SET allowed_directories = ['/out''put']");
  const size_t external = sql.find("SET enable_external_access = false");
  const size_t autoload = sql.find("SET autoload_known_extensions = false");
  const size_t lock = sql.find("SET lock_configuration = true");
  ASSERT_NE(temp, std::string::npos) << sql;
  ASSERT_NE(allowed, std::string::npos) << sql;
  EXPECT_LT(temp, allowed);
  EXPECT_LT(allowed, external);
  EXPECT_LT(external, autoload);
  EXPECT_LT(autoload, lock);
  EXPECT_HAS(sql, "SET max_temp_directory_size = '1GB'");
  EXPECT_HAS(sql, "SET home_directory = '/nonexistent'");
  EXPECT_EQ(sql.find("/r/tmp"), std::string::npos) << sql;
}

// The DuckDB behaviour the order rests on: if an upgrade changes it, this fails first.
TEST(DuckDbSandboxFactsTest, AllowedDirectoriesMustComeBeforeExternalAccessIsOff) {
  auto session = Session::Open({});
  ASSERT_TRUE(session.ok());
  ASSERT_TRUE((*session)->Query("SET enable_external_access = false").ok());
  EXPECT_FALSE((*session)->Query("SET allowed_directories = ['/tmp']").ok());
  EXPECT_FALSE((*session)->Query("SET temp_directory = '/tmp/x'").ok());
}

TEST(DuckDbSandboxFactsTest, TheDefaultTempDirectoryIsAllowedInTheWorkingDirectory) {
  auto session = Session::Open({});
  ASSERT_TRUE(session.ok());
  auto allowed = (*session)->Query(
      "SET enable_external_access = false; SELECT current_setting('allowed_directories')");
  ASSERT_TRUE(allowed.ok()) << allowed.status().ToString();
  EXPECT_HAS(allowed->Text(0, 0), ".tmp/");
}

TEST(SessionLockOptionsTest, NoMappingMayTakeTheTempDirectorysPlace) {
  SessionOptions options;
  options.sandboxed = true;
  options.temp_directory = "/r/tmp";
  options.path_mappings = {{"/.tmp", "/r/x"}};
  auto session = Session::Open(options);
  ASSERT_FALSE(session.ok());
  EXPECT_HAS(session.status().message(),
             "path '/.tmp' is taken: /.tmp is where a sandboxed session's DuckDB spills to disk");
  options.temp_directory.clear();  // no spilling: the name is free
  EXPECT_TRUE(Session::Open(options).ok());
}

TEST(SessionLockOptionsTest, TempDirectoryMustBeAbsolute) {
  SessionOptions options;
  options.sandboxed = true;
  options.temp_directory = "relative/tmp";
  auto session = Session::Open(options);
  ASSERT_FALSE(session.ok());
  EXPECT_HAS(session.status().message(), "temp directory 'relative/tmp' is not an absolute path");
}

}  // namespace
}  // namespace shoal::engine
