#include "datagen/calendar.h"

#include <string>

#include <gtest/gtest.h>

namespace shoal::datagen {
namespace {

std::string Timestamp(int64_t micros) {
  char text[kTimestampTextLength];
  return std::string(text, FormatTimestamp(micros, text));
}

TEST(CalendarTest, KnownDays) {
  EXPECT_EQ(DaysFromCivil({1970, 1, 1}), 0);
  EXPECT_EQ(DaysFromCivil({2024, 1, 1}), 19723);
  EXPECT_EQ(DaysFromCivil({1969, 12, 31}), -1);
  EXPECT_EQ(DaysFromCivil({2000, 3, 1}) - DaysFromCivil({2000, 2, 28}), 2);  // 2000 is leap
  EXPECT_EQ(DaysFromCivil({1900, 3, 1}) - DaysFromCivil({1900, 2, 28}), 1);  // 1900 is not
}

TEST(CalendarTest, RoundTripsEveryDayOfFourCenturies) {
  for (int64_t day = DaysFromCivil({1900, 1, 1}); day < DaysFromCivil({2300, 1, 1}); ++day) {
    const CivilDate date = CivilFromDays(day);
    ASSERT_EQ(DaysFromCivil(date), day);
    ASSERT_GE(date.day, 1);
    ASSERT_LE(date.day, DaysInMonth(date.year, date.month));
  }
}

TEST(CalendarTest, DayOfWeek) {
  EXPECT_EQ(DayOfWeek(0), 3);                              // 1970-01-01 was a Thursday
  EXPECT_EQ(DayOfWeek(DaysFromCivil({2024, 1, 1})), 0);    // a Monday
  EXPECT_EQ(DayOfWeek(DaysFromCivil({2024, 3, 17})), 6);   // a Sunday
  EXPECT_EQ(DayOfWeek(DaysFromCivil({1969, 12, 28})), 6);  // before the epoch: a Sunday
}

TEST(CalendarTest, FloorDivRoundsDown) {
  EXPECT_EQ(FloorDiv(7, 2), 3);
  EXPECT_EQ(FloorDiv(-7, 2), -4);
  EXPECT_EQ(FloorDiv(-8, 2), -4);
}

TEST(CalendarTest, MonthBoundaries) {
  const int64_t mid_dec = DaysFromCivil({2024, 12, 15}) * kMicrosPerDay + 5;
  EXPECT_EQ(StartOfMonth(mid_dec), DaysFromCivil({2024, 12, 1}) * kMicrosPerDay);
  EXPECT_EQ(StartOfNextMonth(mid_dec), DaysFromCivil({2025, 1, 1}) * kMicrosPerDay);
  EXPECT_EQ(DaysInMonth(2024, 2), 29);
  EXPECT_EQ(DaysInMonth(2023, 2), 28);
}

TEST(CalendarTest, FormatsTimestampsWithMicroseconds) {
  const int64_t day = DaysFromCivil({2024, 3, 5}) * kMicrosPerDay;
  EXPECT_EQ(Timestamp(day), "2024-03-05 00:00:00.000000");
  EXPECT_EQ(Timestamp(day + 13 * kMicrosPerHour + 7 * kMicrosPerMinute + 9 * kMicrosPerSecond + 42),
            "2024-03-05 13:07:09.000042");
  EXPECT_EQ(Timestamp(-1), "1969-12-31 23:59:59.999999");
  EXPECT_EQ(FormatFlagDateTime(day + kMicrosPerHour), "2024-03-05T01:00:00");
}

}  // namespace
}  // namespace shoal::datagen
