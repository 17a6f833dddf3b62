// An execution's /data, /outputs, ... resolve inside its own folders, and SQL sees virtual paths.
// Locked, a symbolic link reaches only what the mapped folders reach, and messages hide the real
// folders.
#include "engine/sandbox_file_system.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "engine/engine.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    for (const char* dir : {"data/hash", "outputs", "regional/us"}) {
      fs::create_directories(root_ / dir);
    }
    for (int i = 1; i <= 3; ++i) {
      std::ofstream(root_ / "data/hash" / (std::to_string(i) + ".json"))
          << "{\"v\": " << i << "}\n";
    }
    std::ofstream(root_ / "regional/us/r.json") << "{\"v\": 10}\n";
  }

  std::unique_ptr<Session> Open(Partition partition) {
    SessionOptions options;
    options.partition = partition;
    options.threads = 1;
    options.path_mappings = {{"/data", (root_ / "data").string()},
                             {"/outputs", (root_ / "outputs").string()},
                             {"/regional", (root_ / "regional").string()},
                             {"s3://my-bucket", (root_ / "regional").string()}};
    auto session = Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return std::move(session).value();
  }

  shoal::testing::TempDir root_;
};

TEST_F(SandboxTest, ReferenceVectorsHoldOnVirtualPaths) {
  // Bacalhau's image test: with count 3, /data/hash/1.json and 3.json go to 0, 2.json to 1.
  auto zero = Open({0, 3});
  auto files =
      zero->Query("SELECT list(file ORDER BY file) FROM partition_by_hash('/data/hash/*.json')");
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_EQ(files->Text(0, 0), "[\"/data/hash/1.json\",\"/data/hash/3.json\"]");
  auto one = Open({1, 3});
  auto sum = one->Query(
      "SET VARIABLE f = (SELECT list(file) FROM partition_by_hash('/data/hash/*.json'));"
      "SELECT sum(v), min(filename) FROM read_json_auto(getvariable('f'), filename = true)");
  ASSERT_TRUE(sum.ok()) << sum.status().ToString();
  EXPECT_EQ(sum->Text(0, 0), "2");
  EXPECT_EQ(sum->Text(0, 1), "/data/hash/2.json");
}

TEST_F(SandboxTest, WritesLandInTheRealFolderAndGlobsStayVirtual) {
  auto session = Open({0, 1});
  ASSERT_TRUE(session->Query("COPY (SELECT 42 AS answer) TO '/outputs/result.csv'").ok());
  EXPECT_TRUE(fs::exists(root_ / "outputs/result.csv"));
  auto nested = session->Query(
      "SELECT v, filename FROM read_json_auto('/regional/us/*.json', filename = true)");
  ASSERT_TRUE(nested.ok()) << nested.status().ToString();
  EXPECT_EQ(nested->Text(0, 0), "10");
  EXPECT_EQ(nested->Text(0, 1), "/regional/us/r.json");
  auto bucket = session->Query("SELECT list(file) FROM glob('s3://my-bucket/**/*.json')");
  ASSERT_TRUE(bucket.ok()) << bucket.status().ToString();
  EXPECT_EQ(bucket->Text(0, 0), "[\"s3://my-bucket/us/r.json\"]");
  auto globbed = session->Query("SELECT count(*) FROM glob('/data/**/*.json')");
  ASSERT_TRUE(globbed.ok());
  EXPECT_EQ(globbed->Text(0, 0), "3");
}

TEST(SandboxFileSystemTest, TranslatesBothWays) {
  SandboxFileSystem fs({{"/inputs", "/srv/x/in"}, {"/us", "/srv/us"}});
  EXPECT_EQ(fs.ToReal("/inputs/a.csv"), "/srv/x/in/a.csv");
  EXPECT_EQ(fs.ToReal("/us/a.csv"), "/srv/us/a.csv");
  EXPECT_EQ(fs.ToReal("/inputsx/a.csv"), "/inputsx/a.csv");
  EXPECT_TRUE(fs.CanHandleFile("/inputs"));
  EXPECT_FALSE(fs.CanHandleFile("/etc/passwd"));
  EXPECT_EQ(fs.ToVirtual("/srv/us/a.csv"), "/us/a.csv");
  EXPECT_EQ(fs.ToVirtual("/srv/x/in/b/c.csv"), "/inputs/b/c.csv");
  EXPECT_EQ(fs.ToVirtual("/srv/other"), "/srv/other");
}

TEST(SandboxFileSystemTest, HidesRealFoldersInMessages) {
  SandboxFileSystem fs({{"/inputs", "/srv/x/in"}, {"/us", "/srv/us"}, {"/.tmp", "/srv/x/in/t"}});
  EXPECT_EQ(fs.HideRealPaths("Cannot open file \"/srv/x/in/a.csv\": No such file"),
            "Cannot open file \"/inputs/a.csv\": No such file");
  EXPECT_EQ(fs.HideRealPaths("/srv/us and '/srv/x/in/t/duckdb_temp_storage-0.tmp'"),
            "/us and '/.tmp/duckdb_temp_storage-0.tmp'");
  // Only whole folder names: another folder that shares the beginning is no mapped folder.
  EXPECT_EQ(fs.HideRealPaths("/srv/usx/a /data/srv/us/b"), "/srv/usx/a /data/srv/us/b");
  // A real path the statement wrote itself stays as written.
  EXPECT_EQ(fs.HideRealPaths("\"/srv/us/a\" and \"/srv/x/in/b\"", "read_csv('/srv/us/a')"),
            "\"/srv/us/a\" and \"/inputs/b\"");
}

TEST(SandboxFileSystemTest, LockedItClaimsAndRefusesEveryPathOutsideItsMappings) {
  SandboxFileSystem::Lock lock;
  lock.reach = "/inputs";
  // A read-only folder of our own: a bug here must not touch a real system file.
  const shoal::testing::TempDir folder("sandbox-lock");
  std::ofstream(folder / "passwd") << "x\n";
  SandboxFileSystem locked({{"/inputs", folder.string(), true}}, lock);
  SandboxFileSystem open({{"/inputs", folder.string(), true}});
  for (const char* path : {"/etc/passwd", "s3:/bucket/x", "relative.csv", "file:///etc/passwd",
                           "https://127.0.0.1:1/x.csv"}) {
    EXPECT_TRUE(locked.CanHandleFile(path)) << path;
    EXPECT_FALSE(open.CanHandleFile(path)) << path;
    EXPECT_FALSE(locked.FileExists(path, nullptr)) << path;
    try {
      locked.OpenFile(path, duckdb::FileFlags::FILE_FLAGS_READ, nullptr);
      ADD_FAILURE() << path << " was opened";
    } catch (const duckdb::PermissionException& e) {
      const bool url = std::string(path).rfind("https:", 0) == 0;
      EXPECT_NE(std::string(e.what()).find(url ? "does not reach the network"
                                               : "outside this execution's sandbox"),
                std::string::npos)
          << e.what();
      EXPECT_NE(std::string(e.what()).find("reaches only /inputs"), std::string::npos) << e.what();
    }
  }
  // The S3 file system's paths stay its own; the mapping and the temp folder are reachable.
  EXPECT_FALSE(locked.CanHandleFile("s3://bucket/x"));
  EXPECT_TRUE(locked.FileExists("/inputs/passwd", nullptr));
  EXPECT_FALSE(locked.DirectoryExists("/srv/tmp", nullptr));
  // A read-only mapping refuses writes, locked or not.
  for (SandboxFileSystem* fs : {&locked, &open}) {
    EXPECT_THROW(fs->OpenFile("/inputs/new",
                              duckdb::FileFlags::FILE_FLAGS_WRITE |
                                  duckdb::FileFlags::FILE_FLAGS_FILE_CREATE,
                              nullptr),
                 duckdb::PermissionException);
    EXPECT_THROW(fs->RemoveFile("/inputs/passwd", nullptr), duckdb::PermissionException);
    EXPECT_THROW(fs->CreateDirectory("/inputs/d", nullptr), duckdb::PermissionException);
  }
  EXPECT_TRUE(fs::exists(folder / "passwd"));
  EXPECT_FALSE(fs::exists(folder / "new"));
}

// A locked session over folders holding symbolic links, in and out of the mapped folders.
class SandboxLinksTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = shoal::testing::TempDir::ForCurrentTest();
    for (const char* dir : {"in/sub", "out", "data", "host"}) fs::create_directories(root_ / dir);
    std::ofstream(root_ / "in/x.csv") << "a\n1\n";
    std::ofstream(root_ / "data/d.csv") << "a\n2\n";
    std::ofstream(root_ / "host/secret.csv") << "a\n42\n";
    std::ofstream(root_ / "x.csv") << "a\n43\n";  // where "/inputs/to-data/../x.csv" lands
    // Out of the sandbox: a file, a folder, a dangling link (a write would create its target).
    fs::create_symlink(root_ / "host/secret.csv", root_ / "in/sub/secret.csv");
    fs::create_directory_symlink(root_ / "host", root_ / "in/host");
    fs::create_symlink(root_ / "host/new.csv", root_ / "out/dangling.csv");
    fs::create_directory_symlink(root_ / "host", root_ / "out/host");
    // Inside it: a relative link in /inputs, a link to /data, and links between mappings.
    fs::create_symlink("x.csv", root_ / "in/same.csv");
    fs::create_directory_symlink(root_ / "data", root_ / "in/to-data");
    fs::create_directory_symlink(root_ / "in", root_ / "data/to-inputs");
    fs::create_directory_symlink(root_ / "out", root_ / "data/to-outputs");
    fs::create_symlink(root_ / "in/loop", root_ / "in/loop");
  }

  std::unique_ptr<Session> Open(bool sandboxed = true) const {
    SessionOptions options;
    options.threads = 1;
    options.path_mappings = {{"/inputs", (root_ / "in").string(), /*read_only=*/true},
                             {"/outputs", (root_ / "out").string()},
                             {"/data", (root_ / "data").string()}};
    options.sandboxed = sandboxed;
    auto session = Session::Open(options);
    EXPECT_TRUE(session.ok()) << session.status().ToString();
    return session.ok() ? std::move(session).value() : nullptr;
  }

  static std::string Refusal(Session& session, const std::string& sql) {
    auto result = session.Query(sql);
    EXPECT_FALSE(result.ok()) << sql << " was not refused";
    return result.ok() ? "" : result.status().message();
  }

  shoal::testing::TempDir root_;
};

constexpr char kOut[] =
    "leads outside this execution's sandbox, which reaches only /data, "
    "/inputs, /outputs";

TEST_F(SandboxLinksTest, LinksOutOfTheSandboxAreRefusedForEveryReader) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  for (const char* sql :
       {"SELECT * FROM read_csv('/inputs/sub/secret.csv')",
        "SELECT * FROM read_text('/inputs/sub/secret.csv')",
        "SELECT * FROM read_json('/inputs/sub/secret.csv')",
        "SELECT * FROM read_parquet('/inputs/sub/secret.csv')",
        "SELECT * FROM read_csv('/inputs/sub/*.csv')", "SELECT * FROM glob('/inputs/sub/*')"}) {
    const std::string message = Refusal(*session, sql);
    EXPECT_NE(message.find("Permission Error: Cannot access \"/inputs/sub/"), std::string::npos)
        << message;
    EXPECT_NE(message.find("the symbolic link \"/inputs/sub/secret.csv\" " + std::string(kOut)),
              std::string::npos)
        << message;
  }
  // A linked folder is refused as a whole, before anything in it is listed.
  for (const char* path : {"/inputs/host/secret.csv", "/inputs/host/*.csv", "/inputs/host/**",
                           "/inputs/host/../host/secret.csv"}) {
    const std::string message =
        Refusal(*session, std::string("SELECT * FROM read_csv('") + path + "')");
    EXPECT_NE(message.find("the symbolic link \"/inputs/host\" " + std::string(kOut)),
              std::string::npos)
        << message;
  }
  EXPECT_NE(Refusal(*session, "SELECT * FROM glob('/inputs/*/secret.csv')").find(kOut),
            std::string::npos);
  // ".." after a link climbs from where the link points, as the kernel does; DuckDB's own check
  // reads "/inputs/to-data/../x.csv" as "/inputs/x.csv" and lets it through.
  const std::string climb = Refusal(*session, "SELECT * FROM read_csv('/inputs/to-data/../x.csv')");
  EXPECT_NE(climb.find("Cannot access \"/inputs/to-data/../x.csv\""), std::string::npos) << climb;
  EXPECT_NE(climb.find(kOut), std::string::npos) << climb;
  EXPECT_NE(Refusal(*session, "SELECT * FROM read_csv('/inputs/loop')")
                .find("Permission Error: Cannot access \"/inputs/loop\": too many levels of "
                      "symbolic links"),
            std::string::npos);
  // No message names the real folders.
  EXPECT_EQ(climb.find(root_.string()), std::string::npos) << climb;
}

TEST_F(SandboxLinksTest, WritesThroughLinksLandOnlyInWritableFolders) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  EXPECT_NE(Refusal(*session, "COPY (SELECT 1 AS a) TO '/outputs/dangling.csv'")
                .find("the symbolic link \"/outputs/dangling.csv\" " + std::string(kOut)),
            std::string::npos);
  EXPECT_NE(Refusal(*session, "COPY (SELECT 1 AS a) TO '/outputs/host/new.csv'").find(kOut),
            std::string::npos);
  EXPECT_NE(Refusal(*session, "COPY (SELECT 1 AS a) TO '/data/to-inputs/new.csv'")
                .find("Cannot write \"/data/to-inputs/new.csv\": it leads through a symbolic link "
                      "into /inputs, which is read-only in this execution"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(root_ / "host/new.csv"));
  EXPECT_FALSE(fs::exists(root_ / "in/new.csv"));
  auto inside = session->Query("COPY (SELECT 7 AS a) TO '/data/to-outputs/new.csv'");
  ASSERT_TRUE(inside.ok()) << inside.status().ToString();
  EXPECT_TRUE(fs::exists(root_ / "out/new.csv"));
}

TEST_F(SandboxLinksTest, LinksThatStayInsideWork) {
  auto session = Open();
  ASSERT_NE(session, nullptr);
  for (const char* path : {"/inputs/same.csv", "/inputs/to-data/d.csv", "/data/to-inputs/x.csv",
                           "/inputs/to-data/to-inputs/same.csv"}) {
    auto result = session->Query(std::string("SELECT a FROM read_csv('") + path + "')");
    ASSERT_TRUE(result.ok()) << path << ": " << result.status().ToString();
    EXPECT_EQ(result->Text(0, 0), std::string(path).find("d.csv") != std::string::npos ? "2" : "1");
  }
  // Paths stay virtual: as written, through the link.
  auto names = session->Query("SELECT list(file ORDER BY file) FROM glob('/inputs/to-data/*')");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(names->Text(0, 0), "[\"/inputs/to-data/d.csv\"]");
}

TEST_F(SandboxLinksTest, UnlockedSessionsFollowLinksAsBefore) {
  // `shoal sql` runs on the user's own machine, where every path is open anyway.
  auto session = Open(/*sandboxed=*/false);
  ASSERT_NE(session, nullptr);
  auto result = session->Query("SELECT a FROM read_csv('/inputs/sub/secret.csv')");
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(result->Text(0, 0), "42");
}

TEST(SandboxFileSystemTest, RejectsBadMappings) {
  SessionOptions options;
  options.path_mappings = {{"outputs", "/tmp"}};
  EXPECT_FALSE(Session::Open(options).ok());
  options.path_mappings = {{"/outputs/", "/tmp"}};
  EXPECT_FALSE(Session::Open(options).ok());
  options.path_mappings = {{"/inputs", "/tmp/a"}, {"/inputs/us", "/tmp/b"}};
  auto nested = Session::Open(options);
  ASSERT_FALSE(nested.ok());
  EXPECT_NE(nested.status().message().find("must not nest"), std::string::npos);
}

}  // namespace
}  // namespace shoal::engine
