#include "compute/sandbox.h"

#include <gtest/gtest.h>

namespace shoal::compute {
namespace {

models::Task TaskWith(std::vector<std::string> targets, std::vector<models::ResultPath> results) {
  models::Task task;
  for (auto& target : targets) {
    task.input_sources.push_back({{"s3", nlohmann::json{{"Bucket", "b"}}}, "", target});
  }
  task.result_paths = std::move(results);
  return task;
}

std::vector<std::string> VirtualPaths(const Sandbox& sandbox) {
  std::vector<std::string> paths;
  for (const auto& folder : sandbox.folders()) paths.push_back(folder.virtual_path);
  return paths;
}

TEST(SandboxTest, NormalizesAndRefusesBadPaths) {
  EXPECT_EQ(*NormalizeSandboxPath("/a//b/./c/", "f"), "/a/b/c");
  auto relative = NormalizeSandboxPath("inputs", "InputSources[0].Target");
  ASSERT_FALSE(relative.ok());
  EXPECT_EQ(relative.status().message(),
            "InputSources[0].Target: path 'inputs' must be absolute (start with '/')");
  EXPECT_NE(NormalizeSandboxPath("/a/../b", "f").status().message().find("must not contain '..'"),
            std::string::npos);
  EXPECT_FALSE(NormalizeSandboxPath("/", "f").ok());
  EXPECT_FALSE(NormalizeSandboxPath("//./", "f").ok());
  EXPECT_TRUE(PathWithin("/data/x", "/data"));
  EXPECT_TRUE(PathWithin("/data", "/data"));
  EXPECT_FALSE(PathWithin("/database", "/data"));
}

TEST(SandboxTest, DefaultsPlusTaskPaths) {
  auto sandbox = Sandbox::Plan(TaskWith({"/inputs", "/mnt/us"}, {{"out", "/outputs"}}), "/r");
  ASSERT_TRUE(sandbox.ok()) << sandbox.status().ToString();
  EXPECT_EQ(VirtualPaths(*sandbox),
            (std::vector<std::string>{"/data", "/inputs", "/mnt/us", "/outputs"}));
  EXPECT_EQ(sandbox->folders()[2].real_path, "/r/fs/mnt/us");
  EXPECT_EQ(*sandbox->ToReal("/mnt/us/x/y.csv"), "/r/fs/mnt/us/x/y.csv");
  EXPECT_FALSE(sandbox->ToReal("/etc/passwd").ok());
  EXPECT_EQ(sandbox->result_dir(), "/r/result");
}

TEST(SandboxTest, TaskPathsMustNotNestButDefaultsGiveWay) {
  auto nested = Sandbox::Plan(TaskWith({"/in"}, {{"x", "/in/sub"}}), "/r");
  ASSERT_FALSE(nested.ok());
  EXPECT_EQ(nested.status().message(),
            "ResultPaths[0].Path: '/in/sub' is inside '/in' (InputSources[0].Target); sandbox "
            "paths must not nest in each other");
  auto contains = Sandbox::Plan(TaskWith({"/in/us", "/in"}, {}), "/r");
  ASSERT_FALSE(contains.ok());
  EXPECT_NE(contains.status().message().find("InputSources[1].Target: '/in' contains '/in/us'"),
            std::string::npos);
  // A task path below a default folder replaces that default.
  auto below = Sandbox::Plan(TaskWith({"/inputs/us"}, {{"data", "/data"}}), "/r");
  ASSERT_TRUE(below.ok());
  EXPECT_EQ(VirtualPaths(*below), (std::vector<std::string>{"/data", "/inputs/us", "/outputs"}));
}

TEST(SandboxTest, TheTempDirectorysNameIsTaken) {
  for (const char* path : {"/.tmp", "/.tmp/x", "/"}) {
    auto taken = Sandbox::Plan(TaskWith({path}, {}), "/r");
    ASSERT_FALSE(taken.ok()) << path;
  }
  auto result = Sandbox::Plan(TaskWith({}, {{"spill", "/.tmp/x"}}), "/r");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().message(),
            "ResultPaths[0].Path: '/.tmp/x' is taken: /.tmp is where the execution's DuckDB "
            "spills to disk");
  EXPECT_TRUE(Sandbox::Plan(TaskWith({"/.tmpx"}, {}), "/r").ok());
}

TEST(SandboxTest, HostMappingsAndMappings) {
  auto sandbox = Sandbox::Plan(TaskWith({"/inputs"}, {}), "/r");
  ASSERT_TRUE(sandbox.ok());
  sandbox->MapToHost("/inputs", "/srv/data", true);
  const SandboxFolder* folder = sandbox->FolderOf("/inputs/a.csv");
  ASSERT_NE(folder, nullptr);
  EXPECT_FALSE(folder->owned);
  EXPECT_TRUE(folder->read_only);
  auto mappings = sandbox->Mappings();
  ASSERT_EQ(mappings.size(), 3u);
  EXPECT_EQ(mappings[1].virtual_prefix, "/inputs");
  EXPECT_EQ(mappings[1].real_directory, "/srv/data");
  EXPECT_EQ(sandbox->FolderList(), "/data, /inputs, /outputs");
}

}  // namespace
}  // namespace shoal::compute
