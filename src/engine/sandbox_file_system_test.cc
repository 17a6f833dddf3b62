// An execution's /data, /outputs, ... resolve inside its own folders, and SQL sees virtual paths.
#include "engine/sandbox_file_system.h"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <unistd.h>

#include "engine/engine.h"

namespace shoal::engine {
namespace {

namespace fs = std::filesystem;

class SandboxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("shoal-sandbox-" + std::to_string(getpid()));
    fs::remove_all(root_);
    for (const char* dir : {"data/hash", "outputs", "regional/us"}) {
      fs::create_directories(root_ / dir);
    }
    for (int i = 1; i <= 3; ++i) {
      std::ofstream(root_ / "data/hash" / (std::to_string(i) + ".json"))
          << "{\"v\": " << i << "}\n";
    }
    std::ofstream(root_ / "regional/us/r.json") << "{\"v\": 10}\n";
  }
  void TearDown() override { fs::remove_all(root_); }

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

  fs::path root_;
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

TEST(SandboxFileSystemTest, LockedItClaimsAndRefusesEveryPathOutsideItsMappings) {
  SandboxFileSystem::Lock lock;
  lock.pass_through = {"/srv/tmp"};
  lock.reach = "/inputs";
  // A read-only folder of our own: a bug here must not touch a real system file.
  const fs::path folder =
      fs::temp_directory_path() / ("shoal-sandbox-lock-" + std::to_string(getpid()));
  fs::create_directories(folder);
  std::ofstream(folder / "passwd") << "x\n";
  SandboxFileSystem locked({{"/inputs", folder.string(), true}}, lock);
  SandboxFileSystem open({{"/inputs", folder.string(), true}});
  for (const char* path : {"/etc/passwd", "s3:/bucket/x", "relative.csv", "file:///etc/passwd"}) {
    EXPECT_TRUE(locked.CanHandleFile(path)) << path;
    EXPECT_FALSE(open.CanHandleFile(path)) << path;
    EXPECT_FALSE(locked.FileExists(path, nullptr)) << path;
    try {
      locked.OpenFile(path, duckdb::FileFlags::FILE_FLAGS_READ, nullptr);
      ADD_FAILURE() << path << " was opened";
    } catch (const duckdb::PermissionException& e) {
      EXPECT_NE(std::string(e.what()).find("outside this execution's sandbox, which reaches only "
                                           "/inputs"),
                std::string::npos)
          << e.what();
    }
  }
  // The S3 file system's paths stay its own; the mapping and the temp folder are reachable.
  EXPECT_FALSE(locked.CanHandleFile("s3://bucket/x"));
  EXPECT_TRUE(locked.FileExists("/inputs/passwd", nullptr));
  EXPECT_FALSE(locked.DirectoryExists("/srv/tmp", nullptr));  // passes through: no such folder
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
  fs::remove_all(folder);
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
