#include "models/resources.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

TEST(ResourcesTest, CpuQuantities) {
  EXPECT_EQ(*ParseCpuMillis("1"), 1000);
  EXPECT_EQ(*ParseCpuMillis("500m"), 500);
  EXPECT_EQ(*ParseCpuMillis("0.25"), 250);
  EXPECT_EQ(*ParseCpuMillis("1.5"), 1500);
  EXPECT_EQ(*ParseCpuMillis(" 2 "), 2000);
  EXPECT_EQ(*ParseCpuMillis("250M"), 250);  // Bacalhau lower-cases resource strings
}

TEST(ResourcesTest, CpuErrorsQuoteTheValue) {
  auto bad = ParseCpuMillis("two");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("CPU 'two' is not a CPU quantity"), std::string::npos);
  auto unit = ParseCpuMillis("2k");
  ASSERT_FALSE(unit.ok());
  EXPECT_NE(unit.status().message().find("unknown unit 'k'"), std::string::npos);
  EXPECT_FALSE(ParseCpuMillis("0").ok());
  EXPECT_FALSE(ParseCpuMillis("-1").ok());
  auto fine = ParseCpuMillis("0.0005");
  ASSERT_FALSE(fine.ok());
  EXPECT_NE(fine.status().message().find("finer than one millicore"), std::string::npos);
  EXPECT_FALSE(ParseCpuMillis("1.5m").ok());
  EXPECT_FALSE(ParseCpuMillis("").ok());
}

TEST(ResourcesTest, ByteSizes) {
  EXPECT_EQ(*ParseByteSize("512Mb"), 512'000'000);
  EXPECT_EQ(*ParseByteSize("1gb"), 1'000'000'000);
  EXPECT_EQ(*ParseByteSize("2GiB"), 2LL << 30);
  EXPECT_EQ(*ParseByteSize("1024"), 1024);
  EXPECT_EQ(*ParseByteSize("1.5 GB"), 1'500'000'000);
  EXPECT_EQ(*ParseByteSize("64Ki"), 65536);
  EXPECT_EQ(*ParseByteSize("1TB"), 1'000'000'000'000);
  EXPECT_EQ(*ParseByteSize("10b"), 10);
}

TEST(ResourcesTest, ByteSizeErrors) {
  auto unit = ParseByteSize("12XB");
  ASSERT_FALSE(unit.ok());
  EXPECT_EQ(unit.status().message(),
            "'12XB' has unknown unit 'xb'; use B, KB, MB, GB, TB (powers of 1000) or KiB, MiB, "
            "GiB, TiB (powers of 1024)");
  auto word = ParseByteSize("lots");
  ASSERT_FALSE(word.ok());
  EXPECT_EQ(word.status().message(), "'lots' is not a size; use e.g. 512MB, 1GB or 2GiB");
  EXPECT_FALSE(ParseByteSize("0").ok());
  EXPECT_FALSE(ParseByteSize("-5MB").ok());
  EXPECT_FALSE(ParseByteSize("99999999999999999999TB").ok());
  EXPECT_FALSE(ParseByteSize("1.2.3GB").ok());
}

TEST(ResourcesTest, ParseResourcesNamesTheField) {
  ResourcesConfig config{"500m", "1gb", "", "1"};
  auto parsed = ParseResources(config);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->cpu_millis, 500);
  EXPECT_EQ(parsed->memory_bytes, 1'000'000'000);
  EXPECT_EQ(parsed->disk_bytes, 0);
  EXPECT_EQ(parsed->gpu, 1);

  auto bad = ParseResources(ResourcesConfig{"", "", "huge", ""});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("Disk: 'huge'", 0), 0u) << bad.status().message();
  auto gpu = ParseResources(ResourcesConfig{"", "", "", "half"});
  ASSERT_FALSE(gpu.ok());
  EXPECT_NE(gpu.status().message().find("GPU 'half'"), std::string::npos);
}

}  // namespace
}  // namespace shoal::models
