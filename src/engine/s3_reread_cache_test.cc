// The consume-once cache of first buffers: hits once, respects its budget without evicting,
// keys on the object version, expires.
#include "engine/s3_reread_cache.h"

#include <gtest/gtest.h>

namespace shoal::engine {
namespace {

using std::chrono::milliseconds;

TEST(RereadCacheTest, ServesOneReReadOfTheSameVersion) {
  RereadCache cache(100, 10, milliseconds(1000));
  const std::string key = RereadCache::Key("s3://b/k", "\"etag1\"", 50);
  cache.Offer(key, std::string(20, 'a'));
  EXPECT_EQ(cache.used(), 20u);
  std::string out(20, '\0');
  EXPECT_FALSE(cache.Take(RereadCache::Key("s3://b/k", "\"etag2\"", 50), 20, out.data()));
  EXPECT_FALSE(cache.Take(key, 21, out.data()));  // more than was kept
  EXPECT_TRUE(cache.Take(key, 15, out.data()));
  EXPECT_EQ(out.substr(0, 15), std::string(15, 'a'));
  EXPECT_EQ(cache.used(), 0u);
  EXPECT_FALSE(cache.Take(key, 15, out.data()));  // consumed
}

TEST(RereadCacheTest, RefusesWhenFullOrSmallInsteadOfEvicting) {
  RereadCache cache(50, 10, milliseconds(1000));
  cache.Offer("a", std::string(5, 'x'));  // below the minimum size
  EXPECT_EQ(cache.used(), 0u);
  cache.Offer("a", std::string(30, 'a'));
  cache.Offer("b", std::string(30, 'b'));  // does not fit: refused, "a" stays
  EXPECT_EQ(cache.used(), 30u);
  std::string out(30, '\0');
  EXPECT_FALSE(cache.Take("b", 30, out.data()));
  EXPECT_TRUE(cache.Take("a", 30, out.data()));
  // "b"'s re-read misses and is offered again: that is no first read, so it is not kept.
  cache.Offer("b", std::string(30, 'b'));
  EXPECT_EQ(cache.used(), 0u);
  // The next first read of "b" (a later query) is kept again.
  cache.Offer("b", std::string(30, 'b'));
  EXPECT_TRUE(cache.Take("b", 30, out.data()));
}

TEST(RereadCacheTest, EntriesExpire) {
  RereadCache cache(100, 1, milliseconds(100));
  auto t0 = RereadCache::Clock::now();
  cache.Offer("a", std::string(10, 'a'), t0);
  std::string out(10, '\0');
  EXPECT_FALSE(cache.Take("a", 10, out.data(), t0 + milliseconds(200)));
  EXPECT_EQ(cache.used(), 0u);
}

}  // namespace
}  // namespace shoal::engine
