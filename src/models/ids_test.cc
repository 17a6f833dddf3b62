#include "models/ids.h"

#include <set>

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

TEST(IdsTest, UuidIsVersion4) {
  RandomSource random = MakeSeededRandomSource(7);
  for (int i = 0; i < 100; ++i) {
    std::string id = NewUuid(random);
    ASSERT_EQ(id.size(), 36u);
    EXPECT_TRUE(IsUuid(id)) << id;
    EXPECT_EQ(id[14], '4') << id;
    EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos) << id;
  }
}

TEST(IdsTest, SeededSourcesAreDeterministic) {
  RandomSource a = MakeSeededRandomSource(42);
  RandomSource b = MakeSeededRandomSource(42);
  EXPECT_EQ(NewJobId(a), NewJobId(b));
  RandomSource c = MakeSeededRandomSource(43);
  EXPECT_NE(NewJobId(MakeSeededRandomSource(42)), NewJobId(c));
}

TEST(IdsTest, PrefixesAndUniqueness) {
  RandomSource random = MakeRandomSource();
  std::string job = NewJobId(random);
  std::string execution = NewExecutionId(random);
  EXPECT_EQ(job.substr(0, 2), "j-");
  EXPECT_EQ(execution.substr(0, 2), "e-");
  EXPECT_EQ(NewNodeId(random).substr(0, 2), "n-");
  EXPECT_TRUE(IsJobId(job));
  EXPECT_FALSE(IsJobId(execution));
  EXPECT_TRUE(IsExecutionId(execution));
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(NewUuid());
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_TRUE(IsJobId(NewJobId()));
  EXPECT_TRUE(IsExecutionId(NewExecutionId()));
}

TEST(IdsTest, IsUuidRejectsMalformed) {
  EXPECT_FALSE(IsUuid(""));
  EXPECT_FALSE(IsUuid("not-a-uuid"));
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400"));   // short
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456_426614174000"));  // bad separator
  EXPECT_FALSE(IsUuid("123e4567-e89b-12d3-a456-42661417400g"));  // bad hex
  EXPECT_TRUE(IsUuid("123E4567-E89B-12D3-A456-426614174000"));
}

}  // namespace
}  // namespace shoal::models
