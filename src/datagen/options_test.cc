#include "datagen/options.h"

#include <string>

#include <gtest/gtest.h>

#include "datagen/calendar.h"

namespace shoal::datagen {
namespace {

int64_t OptionAt(int year, int month, int day, int hour = 0) {
  return DaysFromCivil({year, month, day}) * kMicrosPerDay + hour * kMicrosPerHour;
}

// The message of the error ResolveOptions gives for `flags`, or "" when it succeeds.
std::string Error(const GenerateFlags& flags) {
  Result<GeneratorOptions> options = ResolveOptions(flags);
  if (options.ok()) return "";
  EXPECT_EQ(options.status().code(), ErrorCode::kInvalidArgument);
  return options.status().message();
}

TEST(OptionsTest, DefaultsAreFixedAndComplete) {
  Result<GeneratorOptions> options = ResolveOptions(GenerateFlags{});
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->type, EventType::kTransaction);
  EXPECT_EQ(options->count, 100);
  EXPECT_EQ(options->regions, (std::vector<int>{0, 1, 2, 3}));
  EXPECT_EQ(options->start_micros, OptionAt(2024, 1, 1));
  EXPECT_EQ(options->end_micros, OptionAt(2024, 1, 2));
  EXPECT_EQ(options->rotate, RotateInterval::kNone);
  EXPECT_EQ(options->format, OutputFormat::kJsonl);
  EXPECT_EQ(options->seed, 42u);
  EXPECT_DOUBLE_EQ(options->anomaly_rate, 0.005);
  EXPECT_EQ(options->null_rate, 0.0);  // no blanks unless asked for
}

TEST(OptionsTest, ParsesEveryFlag) {
  GenerateFlags flags;
  flags.type = "Transaction";
  flags.count = "3000";
  flags.regions = {"eu", "us-west"};
  flags.start_date = "2024-01-01";
  flags.end_date = "2024-12-31T06:30:00";
  flags.rotate_interval = "month";
  flags.output = "out";
  flags.format = "parquet";
  flags.seed = "18446744073709551615";
  flags.anomaly_rate = "0";
  flags.null_rate = "0.25";
  Result<GeneratorOptions> options = ResolveOptions(flags);
  ASSERT_TRUE(options.ok()) << options.status().ToString();
  EXPECT_EQ(options->count, 3000);
  EXPECT_EQ(options->regions, (std::vector<int>{1, 2}));
  EXPECT_EQ(options->end_micros, OptionAt(2024, 12, 31, 6) + 30 * kMicrosPerMinute);
  EXPECT_EQ(options->rotate, RotateInterval::kMonth);
  EXPECT_EQ(options->output_dir, "out");
  EXPECT_EQ(options->format, OutputFormat::kParquet);
  EXPECT_EQ(options->seed, 18446744073709551615ULL);
  EXPECT_EQ(options->anomaly_rate, 0.0);
  EXPECT_EQ(options->null_rate, 0.25);
}

TEST(OptionsTest, RegionPrefixesListsAndDuplicates) {
  EXPECT_EQ(*ParseRegions({"us"}), (std::vector<int>{0, 1}));
  EXPECT_EQ(*ParseRegions({"ap-south", "US-EAST"}), (std::vector<int>{0, 3}));
  EXPECT_EQ(*ParseRegions({"eu,ap", "eu-west"}), (std::vector<int>{2, 3}));
  EXPECT_EQ(*ParseRegions({}), (std::vector<int>{0, 1, 2, 3}));
}

TEST(OptionsTest, UnknownRegionListsTheValidOnes) {
  GenerateFlags flags;
  flags.regions = {"us", "mars"};
  EXPECT_EQ(Error(flags),
            "--region 'mars' is not a known region; valid: us-east, us-west, eu-west, ap-south, "
            "or the prefixes us, eu, ap");
  flags.regions = {"u"};  // a prefix must be a whole prefix, not any leading letters
  EXPECT_NE(Error(flags).find("--region 'u'"), std::string::npos);
}

TEST(OptionsTest, DatesAndTimes) {
  EXPECT_EQ(*ParseDateTime("2024-02-29", "--start-date"), OptionAt(2024, 2, 29));
  EXPECT_EQ(*ParseDateTime("2024-02-29T23:59:59", "--start-date"),
            OptionAt(2024, 2, 29, 23) + 59 * kMicrosPerMinute + 59 * kMicrosPerSecond);
  EXPECT_EQ(*ParseDateTime("2024-02-29 01:00:00", "--start-date"), OptionAt(2024, 2, 29, 1));
  EXPECT_EQ(*ParseDateTime("1969-12-31", "--start-date"), -kMicrosPerDay);
}

TEST(OptionsTest, BadDatesNameTheFlagAndTheProblem) {
  auto message = [](std::string_view text) {
    return ParseDateTime(text, "--end-date").status().message();
  };
  EXPECT_EQ(message("2024/01/01"),
            "--end-date '2024/01/01' is not a valid date: expected YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm:ss");
  EXPECT_EQ(message("2023-02-29"),
            "--end-date '2023-02-29' is not a valid date: 2023-02 has 28 days");
  EXPECT_EQ(message("2024-13-01"),
            "--end-date '2024-13-01' is not a valid date: month must be 01..12");
  EXPECT_EQ(
      message("2024-01-01T24:00:00"),
      "--end-date '2024-01-01T24:00:00' is not a valid date: time must be 00:00:00..23:59:59");
  EXPECT_EQ(message("1800-01-01"),
            "--end-date '1800-01-01' is not a valid date: year must be between 1900 and 9998");
  EXPECT_EQ(message("2024-01-01T10:00"),
            "--end-date '2024-01-01T10:00' is not a valid date: expected YYYY-MM-DD or "
            "YYYY-MM-DDThh:mm:ss");
  EXPECT_FALSE(ParseDateTime("yesterday", "--end-date").ok());
}

TEST(OptionsTest, StartMustBeBeforeEnd) {
  GenerateFlags flags;
  flags.start_date = "2024-02-01";
  flags.end_date = "2024-01-01";
  EXPECT_EQ(Error(flags),
            "--start-date 2024-02-01T00:00:00 must be before --end-date 2024-01-01T00:00:00");
  flags.end_date = "2024-02-01";
  EXPECT_NE(Error(flags), "");
}

TEST(OptionsTest, DaysFillsTheMissingEnd) {
  GenerateFlags flags;
  flags.days = "7";
  flags.end_date = "2024-03-08";
  Result<GeneratorOptions> options = ResolveOptions(flags);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->start_micros, OptionAt(2024, 3, 1));
  flags.end_date.clear();
  flags.start_date = "2024-03-01";
  options = ResolveOptions(flags);
  ASSERT_TRUE(options.ok());
  EXPECT_EQ(options->end_micros, OptionAt(2024, 3, 8));
  flags.end_date = "2024-04-01";
  EXPECT_EQ(Error(flags), "--days cannot be combined with both --start-date and --end-date");
  flags.end_date.clear();
  flags.days = "0";
  EXPECT_EQ(Error(flags), "--days '0' is not valid: expected an integer from 1 to 36600");
}

TEST(OptionsTest, BadValuesNameTheirFlag) {
  GenerateFlags flags;
  flags.count = "-5";
  EXPECT_EQ(Error(flags), "--count '-5' is not valid: expected an integer from 1 to 1000000000000");
  flags.count = "12abc";
  EXPECT_NE(Error(flags).find("--count '12abc'"), std::string::npos);
  flags = {};
  flags.type = "security";
  EXPECT_EQ(Error(flags),
            "--type 'security' is not supported yet; only 'transaction' events can be generated");
  flags.type = "bogus";
  EXPECT_EQ(Error(flags), "--type 'bogus' is not a known event type; use transaction");
  flags = {};
  flags.format = "xml";
  EXPECT_EQ(Error(flags), "--format 'xml' is not valid; use jsonl, csv or parquet");
  flags.format = "json";
  EXPECT_NE(Error(flags).find("--format 'json'"), std::string::npos);
  flags = {};
  flags.rotate_interval = "week";
  EXPECT_EQ(Error(flags), "--rotate-interval 'week' is not valid; use minute, hour, day or month");
  flags = {};
  flags.seed = "-1";
  EXPECT_EQ(Error(flags), "--seed '-1' is not valid: expected an integer from 0 to 2^64-1");
  flags = {};
  flags.anomaly_rate = "1.5";
  EXPECT_EQ(Error(flags), "--anomaly-rate '1.5' is not valid: expected a number from 0 to 1");
}

TEST(OptionsTest, NullRateIsAProbability) {
  GenerateFlags flags;
  for (const auto& [text, rate] : std::vector<std::pair<std::string, double>>{
           {"0", 0}, {"0.05", 0.05}, {" 1 ", 1}, {"1e-3", 0.001}}) {
    flags.null_rate = text;
    Result<GeneratorOptions> options = ResolveOptions(flags);
    ASSERT_TRUE(options.ok()) << text << ": " << options.status().ToString();
    EXPECT_EQ(options->null_rate, rate) << text;
  }
  for (const std::string bad : {"-0.1", "1.5", "5%", "abc", "nan", "inf", " "}) {
    flags.null_rate = bad;
    EXPECT_EQ(Error(flags),
              "--null-rate '" + bad + "' is not valid: expected a number from 0 to 1");
  }
  GeneratorOptions built = *ResolveOptions(GenerateFlags{});
  built.null_rate = 2;
  EXPECT_EQ(ValidateOptions(built).message(), "--null-rate must be between 0 and 1");
}

TEST(OptionsTest, TooDenseCountsAreRefused) {
  GenerateFlags flags;
  flags.rotate_interval = "minute";
  flags.count = "60000";
  EXPECT_EQ(Error(flags), "");
  flags.count = "60001";
  EXPECT_EQ(Error(flags),
            "--count 60001 is too many events for a minute: at most 60000 (1000 per second on "
            "average), so that timestamps stay strictly increasing");
  flags = {};
  flags.start_date = "2024-01-01T00:00:00";
  flags.end_date = "2024-01-01T00:00:10";
  flags.count = "10001";
  EXPECT_NE(Error(flags).find("too many events for the range"), std::string::npos);
}

TEST(OptionsTest, NamesOfEnums) {
  EXPECT_EQ(FormatExtension(OutputFormat::kCsv), "csv");
  EXPECT_EQ(RotateIntervalName(RotateInterval::kHour), "hour");
  EXPECT_EQ(*ParseRotateInterval(""), RotateInterval::kNone);
}

}  // namespace
}  // namespace shoal::datagen
