#include "compute/tar_gz.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "compute/testing/test_files.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;

// The archive is checked by the system's tar, the reader users will have.
TEST(TarGzTest, SystemTarExtractsEverything) {
  const shoal::testing::TempDir root("tar");
  const fs::path source = root / "source";
  fs::create_directories(source / "data" / "empty");
  std::ofstream(source / "stdout") << "hello\n";
  std::ofstream(source / "exitCode") << "0";
  std::string big(700000, 'x');
  for (size_t i = 0; i < big.size(); i += 7) big[i] = static_cast<char>('a' + i % 26);
  std::ofstream(source / "data" / "big.bin", std::ios::binary) << big;
  const std::string long_dir(120, 'd');
  const std::string long_name(150, 'n');
  fs::create_directories(source / long_dir);
  std::ofstream(source / long_dir / long_name) << "long";
  fs::create_symlink("/etc/passwd", source / "link");

  const fs::path archive = root / "out.tar.gz";
  ASSERT_TRUE(WriteTarGz(source.string(), archive.string()).ok());
  const fs::path extracted = root / "extracted";
  fs::create_directories(extracted);
  const std::string command =
      "tar -xzf '" + archive.string() + "' -C '" + extracted.string() + "' 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  EXPECT_EQ(ReadFile(extracted / "stdout"), "hello\n");
  EXPECT_EQ(ReadFile(extracted / "exitCode"), "0");
  EXPECT_EQ(ReadFile(extracted / "data" / "big.bin"), big);
  EXPECT_TRUE(fs::is_directory(extracted / "data" / "empty"));
  EXPECT_EQ(ReadFile(extracted / long_dir / long_name), "long");
  EXPECT_FALSE(fs::exists(fs::symlink_status(extracted / "link")));  // links are not archived
}

}  // namespace
}  // namespace shoal::compute
