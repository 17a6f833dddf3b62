#include "datagen/random.h"

#include <cmath>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace shoal::datagen {
namespace {

std::string UuidText(const Uuid& uuid) {
  char text[kUuidTextLength];
  return std::string(text, FormatUuid(uuid, text));
}

TEST(RandomTest, SameSeedSameStreamOtherSeedOtherStream) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.Next();
    ASSERT_EQ(x, b.Next());
    differs |= x != c.Next();
  }
  EXPECT_TRUE(differs);
}

TEST(RandomTest, BelowAndUniformStayInRange) {
  Rng rng(7);
  std::vector<int> hits(5);
  for (int i = 0; i < 50000; ++i) {
    const uint64_t v = rng.Below(5);
    ASSERT_LT(v, 5u);
    ++hits[v];
    const double u = rng.Uniform();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
  }
  for (int h : hits) EXPECT_NEAR(h, 10000, 500);
}

TEST(RandomTest, UuidsAreVersion4) {
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  Rng rng(1);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const uint64_t hi = rng.Next();
    const std::string text = UuidText(MakeUuid(hi, rng.Next()));
    ASSERT_TRUE(std::regex_match(text, shape)) << text;
    seen.insert(text);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(UuidText(MakeUuid(0, 0)), "00000000-0000-4000-8000-000000000000");
  EXPECT_EQ(UuidText(MakeUuid(~0ULL, ~0ULL)), "ffffffff-ffff-4fff-bfff-ffffffffffff");
}

TEST(RandomTest, PowerLawIsSkewedAndInRange) {
  constexpr uint64_t kN = 1000;
  PowerLawSampler<4> sampler(kN);
  Rng rng(3);
  std::vector<int> hits(kN);
  constexpr int kDraws = 200000;
  for (int i = 0; i < kDraws; ++i) {
    const uint64_t rank = sampler.Draw(rng);
    ASSERT_LT(rank, kN);
    ++hits[rank];
  }
  int top = 0;
  for (uint64_t r = 0; r < kN / 5; ++r) top += hits[r];
  // The continuous law's CDF at 0.2 N: ((0.2N + 1)^0.25 - 1) / ((N + 1)^0.25 - 1) = 0.598.
  EXPECT_NEAR(static_cast<double>(top) / kDraws, 0.598, 0.01);
  EXPECT_GT(hits[0], 20 * hits[kN - 1] / 4);
  EXPECT_GT(hits[kN - 1], 0);  // the tail is reachable
}

TEST(RandomTest, PowerLawOfOneAlwaysDrawsZero) {
  PowerLawSampler<2> sampler(1);
  Rng rng(3);
  for (int i = 0; i < 100; ++i) ASSERT_EQ(sampler.Draw(rng), 0u);
}

TEST(RandomTest, MixSeparatesInputs) {
  EXPECT_NE(Mix(1, 2), Mix(2, 1));
  EXPECT_NE(Mix(1, 2), Mix(1, 3));
  EXPECT_EQ(Mix(5, 6), Mix(5, 6));
}

}  // namespace
}  // namespace shoal::datagen
