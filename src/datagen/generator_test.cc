#include "datagen/generator.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "datagen/calendar.h"
#include "datagen/catalog.h"
#include "datagen/generator_testing.h"
#include "datagen/schedule.h"

namespace shoal::datagen {
namespace {

using testing::Generated;
using testing::Lines;
using testing::RangeOptions;

int64_t GeneratedAt(int year, int month, int day) {
  return DaysFromCivil({year, month, day}) * kMicrosPerDay;
}

// The text of string field `key` in a JSONL row.
std::string_view Field(std::string_view row, std::string_view key) {
  const std::string pattern = "\"" + std::string(key) + "\": \"";
  const size_t at = row.find(pattern);
  if (at == std::string_view::npos) return {};
  const size_t begin = at + pattern.size();
  return row.substr(begin, row.find('"', begin) - begin);
}

int64_t ParseTimestamp(std::string_view text) {
  EXPECT_EQ(text.size(), 26u) << text;
  Result<int64_t> seconds = ParseDateTime(text.substr(0, 19), "timestamp");
  EXPECT_TRUE(seconds.ok()) << text;
  return *seconds + std::stoll(std::string(text.substr(20)));
}

TEST(GeneratorTest, SameSeedSameBytesOtherSeedOtherBytes) {
  GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 5, 1), GeneratedAt(2024, 5, 4), RotateInterval::kDay, 2000);
  const auto first = Generated(options);
  ASSERT_EQ(first.size(), 3u);
  EXPECT_EQ(Generated(options), first);
  options.seed = 43;
  const auto other = Generated(options);
  ASSERT_EQ(other.size(), 3u);
  for (const auto& [name, content] : other) EXPECT_NE(content, first.at(name)) << name;
  options.format = OutputFormat::kCsv;
  options.seed = 42;
  EXPECT_EQ(Generated(options), Generated(options));
}

// A FileSink is written from a background thread; the bytes must be the same.
TEST(GeneratorTest, FilesMatchTheInMemoryRun) {
  const GeneratorOptions options = RangeOptions(GeneratedAt(2024, 5, 1), GeneratedAt(2024, 5, 3),
                                                RotateInterval::kDay, 40000);  // ~20 MiB per file
  const auto expected = Generated(options);
  const shoal::testing::TempDir dir("generator-test");
  {
    auto sink = FileSink::Create(dir.string());
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->PrefersBackgroundWrites());
    Result<GenerateStats> stats = Generate(options, **sink);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  }
  std::map<std::string, std::string> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    std::ifstream in(entry.path(), std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    files[entry.path().filename().string()] = text.str();
  }
  ASSERT_EQ(files.size(), 2u);
  EXPECT_GT(files.begin()->second.size(), 3 * kWriteBufferBytes);
  EXPECT_TRUE(files == expected);
}

TEST(GeneratorTest, ExactCountPerRotationInterval) {
  const GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 1, 1), GeneratedAt(2025, 1, 1), RotateInterval::kMonth, 3000);
  MemorySink sink;
  Result<GenerateStats> stats = Generate(options, sink);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->files, 12);
  EXPECT_EQ(stats->events, 36000);
  ASSERT_EQ(sink.files().size(), 12u);
  int64_t bytes = 0;
  for (const auto& [name, content] : sink.files()) {
    EXPECT_EQ(Lines(content).size(), 3000u) << name;
    bytes += static_cast<int64_t>(content.size());
  }
  EXPECT_EQ(stats->bytes, bytes);
}

TEST(GeneratorTest, CsvFilesHaveAHeaderAndCountRows) {
  GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 1, 1), GeneratedAt(2024, 1, 1) + 3 * kMicrosPerHour,
                   RotateInterval::kHour, 500);
  options.format = OutputFormat::kCsv;
  const auto files = Generated(options);
  ASSERT_EQ(files.size(), 3u);
  EXPECT_EQ(files.begin()->first, "transaction_events_2024-01-01_00.csv");
  for (const auto& [name, content] : files) {
    const auto lines = Lines(content);
    ASSERT_EQ(lines.size(), 501u);
    EXPECT_EQ(lines[0].substr(0, 19), "event_id,timestamp,");
  }
}

TEST(GeneratorTest, TimestampsStrictlyIncreaseInsideTheirInterval) {
  // A run that starts and ends mid-interval, so the cut files are checked too.
  const GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 2, 27) + 5 * kMicrosPerHour + 17 * kMicrosPerSecond,
                   GeneratedAt(2024, 3, 2) + 30 * kMicrosPerMinute, RotateInterval::kDay, 20000);
  FilePlanner planner(options);
  FilePlan plan;
  const auto files = Generated(options);
  int checked = 0;
  while (planner.Next(&plan)) {
    const auto lines = Lines(files.at(plan.name));
    ASSERT_EQ(static_cast<int64_t>(lines.size()), plan.events) << plan.name;
    int64_t previous = plan.start_micros - 1;
    for (std::string_view line : lines) {
      const int64_t t = ParseTimestamp(Field(line, "timestamp"));
      ASSERT_GT(t, previous) << plan.name;
      ASSERT_LT(t, plan.end_micros) << plan.name;
      previous = t;
      const int64_t delivery = ParseTimestamp(Field(line, "estimated_delivery"));
      ASSERT_EQ((delivery - t) % kMicrosPerDay, 0);
      ASSERT_GE(delivery - t, kMicrosPerDay);
      ASSERT_LE(delivery - t, 7 * kMicrosPerDay);
      ++checked;
    }
  }
  EXPECT_EQ(checked, TotalEvents(options));
  EXPECT_EQ(files.size(), 5u);  // 27th (cut), 28th, 29th, 1st, 2nd (cut)
}

TEST(GeneratorTest, TimestampsStayStrictlyIncreasingAtTheDensityLimit) {
  // 60,000 events per minute: one per millisecond on average, the most --count allows.
  const GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 7, 1), GeneratedAt(2024, 7, 1) + 2 * kMicrosPerMinute,
                   RotateInterval::kMinute, 60000);
  const auto files = Generated(options);
  ASSERT_EQ(files.size(), 2u);
  for (const auto& [name, content] : files) {
    const auto lines = Lines(content);
    ASSERT_EQ(lines.size(), 60000u);
    int64_t previous = INT64_MIN;
    for (std::string_view line : lines) {
      const int64_t t = ParseTimestamp(Field(line, "timestamp"));
      ASSERT_GT(t, previous) << name;
      previous = t;
    }
  }
}

TEST(GeneratorTest, CustomersComeBackWithTheSameDetails) {
  const auto files = Generated(
      RangeOptions(GeneratedAt(2024, 1, 1), GeneratedAt(2024, 1, 8), RotateInterval::kNone, 20000));
  std::map<std::string, std::tuple<std::string, std::string, std::string, std::string>> seen;
  std::map<std::string, int> purchases;
  for (std::string_view line : Lines(files.at("transaction_events.jsonl"))) {
    const std::string id(Field(line, "customer_id"));
    const auto details = std::make_tuple(
        std::string(Field(line, "customer_email")), std::string(Field(line, "customer_type")),
        std::string(Field(line, "region_name")), std::string(Field(line, "street")));
    const auto [it, inserted] = seen.emplace(id, details);
    ASSERT_EQ(it->second, details) << "customer " << id << " changed";
    ++purchases[id];
  }
  // The pool holds about one customer per eight purchases.
  EXPECT_LT(seen.size(), 20000u / 4);
  int repeat = 0, max = 0;
  for (const auto& [id, n] : purchases) {
    repeat += n > 1;
    max = std::max(max, n);
  }
  EXPECT_GT(repeat, static_cast<int>(seen.size()) / 2);
  EXPECT_GT(max, 40);  // skewed: the most loyal customers buy far more than the average 8
}

// Counts events and failed payments per (UTC hour, region) from a run's rows.
class CountingSink : public Sink {
 public:
  Status Open(const std::string&) override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  Status Write(std::string_view bytes) override {
    for (std::string_view line : Lines(bytes)) {
      const int64_t hour =
          FloorDiv(ParseTimestamp(Field(line, "timestamp")), kMicrosPerHour) * kMicrosPerHour;
      Cell& cell = cells[{hour, std::string(Field(line, "region_name"))}];
      ++cell.events;
      cell.failed += Field(line, "payment_status") == "failed";
    }
    return Status::Ok();
  }
  struct Cell {
    int events = 0;
    int failed = 0;
  };
  std::map<std::pair<int64_t, std::string>, Cell> cells;
};

TEST(GeneratorTest, InjectedAnomaliesShowInTheData) {
  GeneratorOptions options = RangeOptions(GeneratedAt(2024, 3, 4), GeneratedAt(2024, 3, 18),
                                          RotateInterval::kNone, 200000);
  options.anomaly_rate = 0.05;  // more anomalies than the default, to see both kinds
  CountingSink sink;
  ASSERT_TRUE(Generate(options, sink).ok());
  const std::vector<Anomaly> anomalies = Schedule(options).Anomalies();
  std::set<std::pair<int64_t, std::string>> anomalous;
  int bursts = 0, failures = 0;
  for (const Anomaly& a : anomalies) {
    const std::string region(Regions()[static_cast<size_t>(a.region)].name);
    anomalous.insert({a.hour_start_micros, region});
    const CountingSink::Cell cell = sink.cells[{a.hour_start_micros, region}];
    if (a.kind == AnomalyKind::kVolumeBurst) {
      ++bursts;
      // Against the same region at the same UTC hour on the other days of the run.
      int others = 0, days = 0;
      for (int64_t d = -14; d <= 14; ++d) {
        const int64_t hour = a.hour_start_micros + d * kMicrosPerDay;
        if (d == 0 || hour < options.start_micros || hour >= options.end_micros) continue;
        others += sink.cells[{hour, region}].events;
        ++days;
      }
      EXPECT_GT(cell.events, 3.0 * others / days)
          << "burst x" << a.burst_factor << " in " << region << " at hour "
          << a.hour_start_micros / kMicrosPerHour;
    } else {
      ++failures;
      EXPECT_GT(cell.failed, 0.6 * cell.events) << region;
    }
  }
  EXPECT_GT(bursts, 3);
  EXPECT_GT(failures, 3);
  int events = 0, failed = 0;
  for (const auto& [key, cell] : sink.cells) {
    if (anomalous.count(key)) continue;
    events += cell.events;
    failed += cell.failed;
  }
  EXPECT_NEAR(static_cast<double>(failed) / events, 0.25, 0.01);  // uniform like the reference
}

TEST(GeneratorTest, OnlySelectedRegionsAppear) {
  GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 1, 1), GeneratedAt(2024, 1, 2), RotateInterval::kNone, 2000);
  options.regions = {2};
  const auto files = Generated(options);
  for (std::string_view line : Lines(files.at("transaction_events.jsonl"))) {
    ASSERT_EQ(Field(line, "region_name"), "eu-west");
    ASSERT_EQ(Field(line, "country"), "Ireland");
  }
}

TEST(GeneratorTest, RefusesInvalidOptions) {
  GeneratorOptions options =
      RangeOptions(GeneratedAt(2024, 1, 2), GeneratedAt(2024, 1, 1), RotateInterval::kNone, 10);
  DiscardSink sink;
  EXPECT_FALSE(Generate(options, sink).ok());
}

}  // namespace
}  // namespace shoal::datagen
