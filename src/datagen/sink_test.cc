#include "datagen/sink.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"

namespace shoal::datagen {
namespace {

namespace fs = std::filesystem;

class FileSinkTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = shoal::testing::TempDir::ForCurrentTest(); }

  static std::string Read(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  shoal::testing::TempDir dir_;
};

TEST_F(FileSinkTest, CreatesTheDirectoryAndRenamesOnClose) {
  auto sink = FileSink::Create((dir_ / "a" / "b").string());
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  ASSERT_TRUE((*sink)->Open("x.jsonl").ok());
  ASSERT_TRUE((*sink)->Write("hello ").ok());
  EXPECT_FALSE(fs::exists(dir_ / "a" / "b" / "x.jsonl"));  // not visible while being written
  EXPECT_TRUE(fs::exists(dir_ / "a" / "b" / ".x.jsonl.partial"));
  ASSERT_TRUE((*sink)->Write("world\n").ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(Read(dir_ / "a" / "b" / "x.jsonl"), "hello world\n");
  EXPECT_FALSE(fs::exists(dir_ / "a" / "b" / ".x.jsonl.partial"));
}

TEST_F(FileSinkTest, OverwritesAndSyncs) {
  auto sink = FileSink::Create(dir_.string(), {.sync_on_close = true});
  ASSERT_TRUE(sink.ok());
  for (const char* text : {"first, longer\n", "second\n"}) {
    ASSERT_TRUE((*sink)->Open("x.csv").ok());
    ASSERT_TRUE((*sink)->Write(text).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  EXPECT_EQ(Read(dir_ / "x.csv"), "second\n");
}

TEST_F(FileSinkTest, AbandonedFileLeavesNothingBehind) {
  {
    auto sink = FileSink::Create(dir_.string());
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Open("x.jsonl").ok());
    ASSERT_TRUE((*sink)->Write("partial").ok());
  }
  EXPECT_TRUE(fs::is_empty(dir_.path()));
}

TEST_F(FileSinkTest, OutputThatIsAFileIsRefused) {
  std::ofstream(dir_ / "file") << "x";
  auto sink = FileSink::Create((dir_ / "file").string());
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(sink.status().message().find("is not a directory"), std::string::npos);
}

TEST(MemorySinkTest, KeepsClosedFiles) {
  MemorySink sink;
  ASSERT_TRUE(sink.Open("a").ok());
  ASSERT_TRUE(sink.Write("1").ok());
  ASSERT_TRUE(sink.Write("2").ok());
  ASSERT_TRUE(sink.Close().ok());
  EXPECT_EQ(sink.files().at("a"), "12");
  DiscardSink discard;
  ASSERT_TRUE(discard.Write("abc").ok());
  EXPECT_EQ(discard.bytes(), 3);
}

}  // namespace
}  // namespace shoal::datagen
