#include "engine/partition.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace shoal::engine {
namespace {

TEST(Md5NumberLowerTest, MatchesReferenceVectors) {
  EXPECT_EQ(Md5NumberLower("test"), 17776876675503414986ULL);
  EXPECT_EQ(Md5NumberLower("a"), 7000413967451013937ULL);
  EXPECT_EQ(Md5NumberLower(""), 9098107892288553193ULL);
  EXPECT_EQ(Md5NumberLower("2024-01-01"), 869627024111752126ULL);
  EXPECT_EQ(Md5NumberLower("/data/hash/1.json"), 12780791019383452629ULL);
}

TEST(BelongsToPartitionTest, ReferenceFilesWithCountThree) {
  EXPECT_TRUE(BelongsToPartition("/data/hash/1.json", {0, 3}));
  EXPECT_TRUE(BelongsToPartition("/data/hash/3.json", {0, 3}));
  EXPECT_TRUE(BelongsToPartition("/data/hash/2.json", {1, 3}));
  EXPECT_TRUE(BelongsToPartition("a", {1, 3}));
  EXPECT_TRUE(BelongsToPartition("2024-04-01", {0, 4}));
}

TEST(BelongsToPartitionTest, EveryKeyInExactlyOnePartition) {
  for (int key = 0; key < 200; ++key) {
    int owners = 0;
    for (int64_t index = 0; index < 5; ++index) {
      owners += BelongsToPartition("key-" + std::to_string(key), {index, 5});
    }
    EXPECT_EQ(owners, 1) << key;
  }
}

TEST(PartitionTest, ValidationNamesTheProblem) {
  EXPECT_TRUE(ValidatePartition({2, 3}).ok());
  EXPECT_EQ(ValidatePartition({3, 3}).message(),
            "partition index must be in [0, 2], got 3 (count 3)");
  EXPECT_EQ(ValidatePartition({0, 0}).message(), "partition count must be at least 1, got 0");
  EXPECT_FALSE(ValidatePartition({-1, 3}).ok());
}

TEST(PartitionTest, ParsesFlag) {
  auto p = ParsePartitionFlag("1/3");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->index, 1);
  EXPECT_EQ(p->count, 3);
  EXPECT_NE(ParsePartitionFlag("3/3").status().message().find("--partition"), std::string::npos);
  EXPECT_FALSE(ParsePartitionFlag("1").ok());
  EXPECT_FALSE(ParsePartitionFlag("a/3").ok());
  EXPECT_FALSE(ParsePartitionFlag("1/3x").ok());
  EXPECT_FALSE(ParsePartitionFlag("0/0").ok());
}

TEST(PartitionTest, ReadsEnvironmentWithDefaults) {
  unsetenv("BACALHAU_PARTITION_INDEX");
  unsetenv("BACALHAU_PARTITION_COUNT");
  auto defaults = PartitionFromEnvironment();
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(defaults->index, 0);
  EXPECT_EQ(defaults->count, 1);

  setenv("BACALHAU_PARTITION_INDEX", "2", 1);
  setenv("BACALHAU_PARTITION_COUNT", "4", 1);
  auto set = PartitionFromEnvironment();
  ASSERT_TRUE(set.ok());
  EXPECT_EQ(set->index, 2);
  EXPECT_EQ(set->count, 4);

  setenv("BACALHAU_PARTITION_COUNT", "four", 1);
  auto bad = PartitionFromEnvironment();
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "BACALHAU_PARTITION_COUNT must be an integer, got 'four'");
  unsetenv("BACALHAU_PARTITION_INDEX");
  unsetenv("BACALHAU_PARTITION_COUNT");
}

}  // namespace
}  // namespace shoal::engine
