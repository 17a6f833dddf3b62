#include "datagen/schedule.h"

#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "datagen/calendar.h"
#include "datagen/generator_testing.h"

namespace shoal::datagen {
namespace {

using testing::RangeOptions;

int64_t ScheduleAt(int year, int month, int day, int hour = 0) {
  return DaysFromCivil({year, month, day}) * kMicrosPerDay + hour * kMicrosPerHour;
}

std::vector<FilePlan> Plan(const GeneratorOptions& options) {
  std::vector<FilePlan> plans;
  FilePlanner planner(options);
  FilePlan plan;
  while (planner.Next(&plan)) plans.push_back(plan);
  return plans;
}

TEST(ScheduleTest, MonthlyFilesForAYear) {
  const auto plans = Plan(
      RangeOptions(ScheduleAt(2024, 1, 1), ScheduleAt(2025, 1, 1), RotateInterval::kMonth, 3000));
  ASSERT_EQ(plans.size(), 12u);
  EXPECT_EQ(plans[0].name, "transaction_events_2024-01.jsonl");
  EXPECT_EQ(plans[1].name, "transaction_events_2024-02.jsonl");
  EXPECT_EQ(plans[11].name, "transaction_events_2024-12.jsonl");
  EXPECT_EQ(plans[1].start_micros, ScheduleAt(2024, 2, 1));
  EXPECT_EQ(plans[1].end_micros, ScheduleAt(2024, 3, 1));
  for (const FilePlan& plan : plans) EXPECT_EQ(plan.events, 3000) << plan.name;
}

TEST(ScheduleTest, CutIntervalsAreProRated) {
  // 2024-12-31 00:00 ends the range: December is 30 of 31 days, as in the reference's example.
  const auto plans = Plan(RangeOptions(ScheduleAt(2024, 11, 16), ScheduleAt(2024, 12, 31),
                                       RotateInterval::kMonth, 3100));
  ASSERT_EQ(plans.size(), 2u);
  EXPECT_EQ(plans[0].start_micros, ScheduleAt(2024, 11, 16));
  EXPECT_EQ(plans[0].events, 1550);  // 15 of 30 days
  EXPECT_EQ(plans[1].events, 3000);  // 30 of 31 days
  EXPECT_EQ(TotalEvents(RangeOptions(ScheduleAt(2024, 11, 16), ScheduleAt(2024, 12, 31),
                                     RotateInterval::kMonth, 3100)),
            4550);
}

TEST(ScheduleTest, FileNameKeysPerInterval) {
  const int64_t start = ScheduleAt(2024, 3, 5, 13) + 7 * kMicrosPerMinute;
  auto first_name = [&](RotateInterval rotate, OutputFormat format) {
    GeneratorOptions options = RangeOptions(start, start + kMicrosPerDay, rotate, 10);
    options.format = format;
    return Plan(options).front().name;
  };
  EXPECT_EQ(first_name(RotateInterval::kMinute, OutputFormat::kJsonl),
            "transaction_events_2024-03-05_13-07.jsonl");
  EXPECT_EQ(first_name(RotateInterval::kHour, OutputFormat::kCsv),
            "transaction_events_2024-03-05_13.csv");
  EXPECT_EQ(first_name(RotateInterval::kDay, OutputFormat::kParquet),
            "transaction_events_2024-03-05.parquet");
  EXPECT_EQ(first_name(RotateInterval::kNone, OutputFormat::kJsonl), "transaction_events.jsonl");
  EXPECT_EQ(Plan(RangeOptions(start, start + kMicrosPerDay, RotateInterval::kHour, 10)).size(),
            25u);
}

TEST(ScheduleTest, HoursAddUpToTheFileAndFollowTheDay) {
  GeneratorOptions options = RangeOptions(ScheduleAt(2024, 1, 1), ScheduleAt(2024, 1, 29),
                                          RotateInterval::kNone, 1'000'000);
  options.regions = {2};  // eu-west: local time is UTC
  options.anomaly_rate = 0;
  const Schedule schedule(options);
  HourSplitter splitter(schedule, options.start_micros, options.end_micros, options.count);
  HourSlot slot;
  int64_t total = 0;
  std::map<int, int64_t> by_hour;
  std::map<int, int64_t> by_weekday;
  while (splitter.Next(&slot)) {
    total += slot.events;
    by_hour[static_cast<int>(slot.start_micros / kMicrosPerHour % 24)] += slot.events;
    by_weekday[DayOfWeek(FloorDiv(slot.start_micros, kMicrosPerDay))] += slot.events;
    EXPECT_EQ(slot.region_count, 1);
    EXPECT_EQ(slot.cumulative_share[0], 1.0);
  }
  EXPECT_EQ(total, options.count);
  EXPECT_GT(by_hour[20], 6 * by_hour[3]);           // 1.40 vs 0.20
  EXPECT_GT(by_weekday[5], by_weekday[0] * 5 / 4);  // Saturday 1.15 vs Monday 0.90
}

TEST(ScheduleTest, RegionsFollowTheirLocalTime) {
  GeneratorOptions options =
      RangeOptions(ScheduleAt(2024, 1, 1), ScheduleAt(2024, 1, 2), RotateInterval::kNone, 10);
  options.anomaly_rate = 0;
  const Schedule schedule(options);
  // 20:00 UTC is 20:00 in Dublin (the evening peak) but 01:30 in Kolkata (the night).
  EXPECT_GT(schedule.RegionWeight(2, ScheduleAt(2024, 1, 1, 20)),
            3 * schedule.RegionWeight(3, ScheduleAt(2024, 1, 1, 20)));
  // 01:00 UTC is 20:00 the day before in New York.
  EXPECT_DOUBLE_EQ(schedule.RegionWeight(0, ScheduleAt(2024, 1, 2, 1)),
                   HourOfDayWeight(20) * DayOfWeekWeight(0));
}

TEST(ScheduleTest, AnomaliesAreRareDeterministicAndInSelectedRegions) {
  GeneratorOptions options =
      RangeOptions(ScheduleAt(2020, 1, 1), ScheduleAt(2024, 1, 1), RotateInterval::kNone, 10);
  options.regions = {1, 3};
  const std::vector<Anomaly> anomalies = Schedule(options).Anomalies();
  const double hours =
      static_cast<double>(options.end_micros - options.start_micros) / kMicrosPerHour;
  EXPECT_NEAR(anomalies.size() / hours, 0.005, 0.0015);
  int bursts = 0;
  for (const Anomaly& a : anomalies) {
    EXPECT_TRUE(a.region == 1 || a.region == 3);
    EXPECT_EQ(a.hour_start_micros % kMicrosPerHour, 0);
    if (a.kind == AnomalyKind::kVolumeBurst) {
      ++bursts;
      EXPECT_GE(a.burst_factor, 5);
      EXPECT_LE(a.burst_factor, 10);
    } else {
      EXPECT_EQ(a.kind, AnomalyKind::kPaymentFailures);
    }
  }
  EXPECT_GT(bursts, 0);
  EXPECT_LT(bursts, static_cast<int>(anomalies.size()));
  // The same seed sees the same anomalies from an overlapping range; another seed does not.
  GeneratorOptions later = options;
  later.start_micros = anomalies[3].hour_start_micros;
  EXPECT_EQ(Schedule(later).Anomalies().front().hour_start_micros, anomalies[3].hour_start_micros);
  options.seed = 7;
  EXPECT_NE(Schedule(options).Anomalies().front().hour_start_micros,
            anomalies.front().hour_start_micros);
  options.anomaly_rate = 0;
  EXPECT_TRUE(Schedule(options).Anomalies().empty());
}

TEST(ScheduleTest, BurstRaisesTheRegionWeight) {
  GeneratorOptions options =
      RangeOptions(ScheduleAt(2020, 1, 1), ScheduleAt(2021, 1, 1), RotateInterval::kNone, 10);
  options.regions = {0};
  const Schedule schedule(options);
  for (const Anomaly& a : schedule.Anomalies()) {
    if (a.kind != AnomalyKind::kVolumeBurst) continue;
    GeneratorOptions quiet = options;
    quiet.anomaly_rate = 0;
    EXPECT_DOUBLE_EQ(schedule.RegionWeight(0, a.hour_start_micros),
                     a.burst_factor * Schedule(quiet).RegionWeight(0, a.hour_start_micros));
    return;
  }
  FAIL() << "no burst in a year";
}

}  // namespace
}  // namespace shoal::datagen
