#include "datagen/args.h"

#include <gtest/gtest.h>

namespace shoal::datagen {
namespace {

TEST(GenerateArgsTest, ParsesTheSeedImageArguments) {
  auto args = ParseGenerateArgs({"--type", "transaction", "--count", "3000", "--region", "us",
                                 "--start-date", "2024-01-01", "--end-date", "2024-12-31",
                                 "--rotate-interval", "month", "--output", "/data"});
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(args->flags.type, "transaction");
  EXPECT_EQ(args->flags.count, "3000");
  EXPECT_EQ(args->flags.regions, std::vector<std::string>{"us"});
  EXPECT_EQ(args->flags.start_date, "2024-01-01");
  EXPECT_EQ(args->flags.end_date, "2024-12-31");
  EXPECT_EQ(args->flags.rotate_interval, "month");
  EXPECT_EQ(args->flags.output, "/data");
  EXPECT_EQ(args->flags.format, "jsonl");  // the default stays
  EXPECT_FALSE(args->list_anomalies);
  EXPECT_FALSE(args->help);
}

TEST(GenerateArgsTest, AcceptsShortEqualsAndAttachedForms) {
  auto args = ParseGenerateArgs({"-n500", "--seed=7", "-r", "us", "--region=eu", "-o", "/x", "-f",
                                 "csv", "--days", "-3", "--list-anomalies", "--null-rate=0.05"});
  ASSERT_TRUE(args.ok()) << args.status().ToString();
  EXPECT_EQ(args->flags.count, "500");
  EXPECT_EQ(args->flags.seed, "7");
  EXPECT_EQ(args->flags.regions, (std::vector<std::string>{"us", "eu"}));
  EXPECT_EQ(args->flags.output, "/x");
  EXPECT_EQ(args->flags.format, "csv");
  EXPECT_EQ(args->flags.days, "-3");  // a value, even when it looks like a flag
  EXPECT_EQ(args->flags.null_rate, "0.05");
  EXPECT_TRUE(args->list_anomalies);
  EXPECT_TRUE(ParseGenerateArgs({"-h"})->help);
  EXPECT_TRUE(ParseGenerateArgs({})->flags.output.empty());
}

TEST(GenerateArgsTest, ErrorsNameTheArgument) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases = {
      {{"--colour", "red"}, "unknown flag '--colour' (see --help)"},
      {{"--colour=red"}, "unknown flag '--colour' (see --help)"},
      {{"-x"}, "unknown flag '-x' (see --help)"},
      {{"--count"}, "--count needs a value"},
      {{"--seed", "1", "--seed", "2"}, "--seed was given twice"},
      {{"--list-anomalies=yes"}, "--list-anomalies takes no value"},
      {{"generate"}, "unexpected argument 'generate': every value follows its flag (see --help)"},
  };
  for (const auto& [args, message] : cases) {
    auto parsed = ParseGenerateArgs(args);
    ASSERT_FALSE(parsed.ok()) << args[0];
    EXPECT_EQ(parsed.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_EQ(parsed.status().message(), message);
  }
}

TEST(GenerateArgsTest, UsageListsEveryFlag) {
  const std::string usage = GenerateUsage();
  for (const char* flag : {"--type", "-n, --count", "--region", "--start-date", "--end-date",
                           "--days", "--rotate-interval", "-o, --output", "--format", "--seed",
                           "--anomaly-rate", "--null-rate", "--list-anomalies", "--help"}) {
    EXPECT_NE(usage.find(flag), std::string::npos) << flag;
  }
}

TEST(GenerateArgsTest, AnomalyListIsCsvOfTheSchedule) {
  auto options = ResolveOptions(
      ParseGenerateArgs({"--start-date", "2024-01-01", "--end-date", "2024-03-01", "-r", "eu"})
          ->flags);
  ASSERT_TRUE(options.ok());
  const std::string list = FormatAnomalyList(*options);
  EXPECT_EQ(list.rfind("hour,region,kind,burst_factor\n", 0), 0u);
  EXPECT_NE(list.find(",eu-west,"), std::string::npos);
  EXPECT_EQ(list.find(",us-east,"), std::string::npos);
}

}  // namespace
}  // namespace shoal::datagen
