#include "compute/tar_gz_reader.h"

#include <array>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <zlib.h>

#include "common/testing/temp_dir.h"
#include "compute/files.h"
#include "compute/tar_gz.h"
#include "compute/testing/test_files.h"

namespace shoal::compute {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::WriteFile;

// One ustar header block, built by hand so tests can write entries our writer never would.
std::string Header(const std::string& name, char type, uint64_t size) {
  std::array<char, 512> h{};
  std::memcpy(h.data(), name.data(), std::min<size_t>(name.size(), 100));
  std::snprintf(&h[100], 8, "%07o", 0644);
  std::snprintf(&h[108], 8, "%07o", 0);
  std::snprintf(&h[116], 8, "%07o", 0);
  std::snprintf(&h[124], 12, "%011llo", static_cast<unsigned long long>(size));
  std::snprintf(&h[136], 12, "%011o", 0);
  h[156] = type;
  std::memcpy(&h[257], "ustar", 6);
  std::memcpy(&h[263], "00", 2);
  std::memset(&h[148], ' ', 8);
  unsigned sum = 0;
  for (char c : h) sum += static_cast<unsigned char>(c);
  std::snprintf(&h[148], 7, "%06o", sum);
  return std::string(h.data(), h.size());
}

std::string Padded(std::string data) {
  data.resize((data.size() + 511) / 512 * 512, '\0');
  return data;
}

std::string Entry(const std::string& name, const std::string& content, char type = '0') {
  return Header(name, type, content.size()) + Padded(content);
}

std::string End() { return std::string(1024, '\0'); }

void WriteGzip(const fs::path& path, const std::string& bytes) {
  gzFile out = gzopen(path.string().c_str(), "wb");
  ASSERT_NE(out, nullptr);
  ASSERT_EQ(gzwrite(out, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(out), Z_OK);
}

class TarGzReaderTest : public ::testing::Test {
 protected:
  void SetUp() override { root_ = shoal::testing::TempDir::ForCurrentTest(); }

  // A result tree with a binary file over several blocks, an empty folder and a path too long
  // for ustar's fields (the writer gives it a PAX 'path' record).
  fs::path MakeTree() {
    const fs::path source = root_ / "source";
    WriteFile(source / "stdout", "hello\n");
    WriteFile(source / "exitCode", "0");
    std::string big(700001, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 131) % 256);
    WriteFile(source / "outputs" / "big.bin", big);
    WriteFile(source / "outputs" / "empty.csv", "");
    fs::create_directories(source / "outputs" / "nothing");
    long_path_ = std::string(120, 'd') + "/" + std::string(150, 'n') + ".csv";
    WriteFile(source / long_path_, "a,b\n1,2\n");
    return source;
  }

  // The extracted files, checked against the source tree byte for byte.
  void ExpectSameFiles(const fs::path& source, const fs::path& extracted,
                       const std::vector<ExtractedFile>& files) {
    auto expected = ListFilesRecursive(source.string());
    ASSERT_TRUE(expected.ok());
    ASSERT_EQ(files.size(), expected->size());
    for (size_t i = 0; i < files.size(); ++i) {
      EXPECT_EQ(files[i].path, (*expected)[i].path);
      EXPECT_EQ(files[i].size, (*expected)[i].size);
      EXPECT_EQ(ReadFile(extracted / files[i].path), ReadFile(source / files[i].path))
          << files[i].path;
    }
    auto on_disk = ListFilesRecursive(extracted.string());
    ASSERT_TRUE(on_disk.ok());
    EXPECT_EQ(on_disk->size(), files.size());  // nothing but the archive's files
  }

  shoal::testing::TempDir root_;
  std::string long_path_;
};

TEST_F(TarGzReaderTest, ReadsBackWhatWriteTarGzWrote) {
  const fs::path source = MakeTree();
  const fs::path archive = root_ / "tree.tar.gz";
  ASSERT_TRUE(WriteTarGz(source.string(), archive.string()).ok());
  const fs::path extracted = root_ / "extracted";
  auto files = ExtractTarGz(archive.string(), extracted.string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ExpectSameFiles(source, extracted, *files);
  EXPECT_TRUE(fs::exists(extracted / long_path_));
}

// GNU tar writes long names as 'L' entries by default and as PAX headers with --format=pax.
TEST_F(TarGzReaderTest, ReadsWhatSystemTarWrote) {
  const fs::path source = MakeTree();
  for (const std::string format : {"gnu", "pax", "ustar"}) {
    if (format == "ustar") fs::remove_all(source / std::string(120, 'd'));  // does not fit
    const fs::path archive = root_ / (format + ".tar.gz");
    const std::string command = "tar --format=" + format + " -czf '" + archive.string() + "' -C '" +
                                source.string() + "' . 2>&1";
    ASSERT_EQ(std::system(command.c_str()), 0) << command;
    const fs::path extracted = root_ / ("extracted-" + format);
    auto files = ExtractTarGz(archive.string(), extracted.string());
    ASSERT_TRUE(files.ok()) << format << ": " << files.status().ToString();
    ExpectSameFiles(source, extracted, *files);
  }
}

TEST_F(TarGzReaderTest, RefusesParentAndAbsolutePaths) {
  const fs::path target = root_ / "target";
  struct Case {
    std::string name;
    std::string archive;
  };
  const std::string pax_record = "29 path=../../pax-escape.txt\n";
  const std::vector<Case> cases = {
      {"dot-dot", Entry("ok.txt", "fine") + Entry("../escape.txt", "bad") + End()},
      {"nested dot-dot", Entry("a/../../escape.txt", "bad") + End()},
      {"absolute", Entry("/tmp/escape.txt", "bad") + End()},
      {"pax path", Header("PaxHeader", 'x', pax_record.size()) + Padded(pax_record) +
                       Entry("harmless.txt", "bad") + End()},
      {"directory", Header("../dir/", '5', 0) + End()},
  };
  ASSERT_EQ(pax_record.size(), 29u);
  for (const Case& c : cases) {
    const fs::path archive = root_ / "bad.tar.gz";
    WriteGzip(archive, c.archive);
    auto files = ExtractTarGz(archive.string(), target.string());
    ASSERT_FALSE(files.ok()) << c.name;
    EXPECT_EQ(files.status().code(), ErrorCode::kPermissionDenied) << c.name;
    EXPECT_FALSE(fs::exists(root_ / "escape.txt")) << c.name;
    EXPECT_FALSE(fs::exists(root_.path().parent_path() / "pax-escape.txt")) << c.name;
    EXPECT_FALSE(fs::exists(target / "harmless.txt")) << c.name;
  }
}

TEST_F(TarGzReaderTest, SkipsLinksAndNormalizesNames) {
  const fs::path archive = root_ / "links.tar.gz";
  WriteGzip(archive, Entry("./a//b.txt", "b") + Header("link", '2', 0) + Header("hard", '1', 0) +
                         Header("./", '5', 0) + Entry("c", "c") + End());
  auto files = ExtractTarGz(archive.string(), (root_ / "out").string());
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 2u);
  EXPECT_EQ((*files)[0].path, "a/b.txt");
  EXPECT_EQ((*files)[1].path, "c");
  EXPECT_EQ(ReadFile(root_ / "out" / "a" / "b.txt"), "b");
  EXPECT_FALSE(fs::exists(fs::symlink_status(root_ / "out" / "link")));
}

TEST_F(TarGzReaderTest, RejectsDamagedArchives) {
  std::string good = Entry("stdout", std::string(2000, 'x')) + End();
  std::string bad_checksum = good;
  bad_checksum[0] = 'S';  // the name changes, the checksum does not
  std::string truncated = good.substr(0, 1024);
  for (const auto& [name, bytes] : std::vector<std::pair<std::string, std::string>>{
           {"checksum", bad_checksum}, {"truncated", truncated}}) {
    const fs::path archive = root_ / (name + ".tar.gz");
    WriteGzip(archive, bytes);
    auto files = ExtractTarGz(archive.string(), (root_ / name).string());
    ASSERT_FALSE(files.ok()) << name;
    EXPECT_NE(files.status().message().find(archive.string()), std::string::npos)
        << files.status().ToString();
  }
  const fs::path not_gzip = root_ / "garbage.tar.gz";
  WriteFile(not_gzip, std::string(600, 'z'));
  EXPECT_FALSE(ExtractTarGz(not_gzip.string(), (root_ / "garbage").string()).ok());
  EXPECT_EQ(
      ExtractTarGz((root_ / "missing.tar.gz").string(), (root_ / "m").string()).status().code(),
      ErrorCode::kIoError);
}

TEST(SafeEntryPathTest, NormalizesAndRefuses) {
  EXPECT_EQ(*SafeEntryPath("./a//b/./c"), "a/b/c");
  EXPECT_EQ(*SafeEntryPath("dir/"), "dir");
  EXPECT_EQ(*SafeEntryPath("./"), "");
  EXPECT_EQ(*SafeEntryPath("a..b/..c"), "a..b/..c");  // only whole '..' components climb
  EXPECT_FALSE(SafeEntryPath("..").ok());
  EXPECT_FALSE(SafeEntryPath("a/..").ok());
  EXPECT_FALSE(SafeEntryPath("/etc/passwd").ok());
}

}  // namespace
}  // namespace shoal::compute
