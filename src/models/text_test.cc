#include "models/text.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

TEST(TextTest, InvalidUtf8OffsetFindsTheFirstBadByte) {
  constexpr size_t kValid = std::string_view::npos;
  EXPECT_EQ(InvalidUtf8Offset(""), kValid);
  EXPECT_EQ(InvalidUtf8Offset("plain ascii"), kValid);
  EXPECT_EQ(InvalidUtf8Offset("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x90\x9F \xF4\x8F\xBF\xBF"),
            kValid);
  EXPECT_EQ(InvalidUtf8Offset("caf\xE9"), 3u);  // Latin-1
  EXPECT_EQ(InvalidUtf8Offset("a\xC3"), 1u);    // cut short
  EXPECT_EQ(InvalidUtf8Offset("a\xC3"
                              "b"),
            1u);                                         // not a continuation byte
  EXPECT_EQ(InvalidUtf8Offset("\xC0\xAF"), 0u);          // overlong '/'
  EXPECT_EQ(InvalidUtf8Offset("\xE0\x80\xAF"), 0u);      // overlong
  EXPECT_EQ(InvalidUtf8Offset("ok\xED\xA0\x80"), 2u);    // a surrogate
  EXPECT_EQ(InvalidUtf8Offset("\xF4\x90\x80\x80"), 0u);  // above U+10FFFF
  EXPECT_EQ(InvalidUtf8Offset("\xF5\x80\x80\x80"), 0u);
  EXPECT_EQ(InvalidUtf8Offset("\x80"), 0u);  // a lone continuation byte
}

}  // namespace
}  // namespace shoal::models
