#include "metrics/registry.h"

#include <cmath>
#include <thread>
#include <vector>

#include "metrics/testing/exposition_parser.h"
#include <gtest/gtest.h>

namespace shoal::metrics {
namespace {

using testing::ParseExposition;

TEST(ExpositionTest, ValuesAndEscapes) {
  EXPECT_EQ(FormatValue(0), "0");
  EXPECT_EQ(FormatValue(42), "42");
  EXPECT_EQ(FormatValue(-3), "-3");
  EXPECT_EQ(FormatValue(0.25), "0.25");
  EXPECT_EQ(FormatValue(1e300), "1e+300");
  EXPECT_EQ(FormatValue(INFINITY), "+Inf");
  EXPECT_EQ(FormatValue(-INFINITY), "-Inf");
  EXPECT_EQ(FormatValue(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(FormatValue(0.1 + 0.2)), 0.1 + 0.2);  // the shortest text that reads back
  EXPECT_EQ(Escape("a\\b\"c\nd", /*quote=*/true), "a\\\\b\\\"c\\nd");
  EXPECT_EQ(Escape("a\\b\"c\nd", /*quote=*/false), "a\\\\b\"c\\nd");
}

TEST(RegistryTest, ExposesEveryKindInTheOrderAdded) {
  Registry registry;
  auto& requests = registry.AddCounter("shoal_test_requests_total", "Requests.", {"route", "code"});
  auto& waiting = registry.AddGauge("shoal_test_waiting", "Waiting \"polls\"\nnow.");
  auto& latency =
      registry.AddHistogram("shoal_test_latency_seconds", "Latency.", {"region"}, {0.1, 1});
  registry.AddCollector({"shoal_test_jobs"}, [](ExpositionWriter& w) {
    w.Family("shoal_test_jobs", MetricType::kGauge, "Jobs by state.");
    w.Sample({{"state", "Running"}}, 2);
    w.Sample({{"state", "odd \"value\"\\"}}, 1);
  });
  requests.With({"/jobs/{}", "200"}).Increment();
  requests.With({"/jobs/{}", "200"}).Increment(2);
  requests.With({"/nodes", "401"}).Increment();
  waiting.With({}).Set(7);
  waiting.With({}).Add(-2);
  latency.With({"us"}).Observe(0.05);
  latency.With({"us"}).Observe(0.1);  // on a bound: counts in that bucket (le is <=)
  latency.With({"us"}).Observe(5);
  EXPECT_EQ(registry.Expose(),
            "# HELP shoal_test_requests_total Requests.\n"
            "# TYPE shoal_test_requests_total counter\n"
            "shoal_test_requests_total{route=\"/jobs/{}\",code=\"200\"} 3\n"
            "shoal_test_requests_total{route=\"/nodes\",code=\"401\"} 1\n"
            "# HELP shoal_test_waiting Waiting \"polls\"\\nnow.\n"
            "# TYPE shoal_test_waiting gauge\n"
            "shoal_test_waiting 5\n"
            "# HELP shoal_test_latency_seconds Latency.\n"
            "# TYPE shoal_test_latency_seconds histogram\n"
            "shoal_test_latency_seconds_bucket{region=\"us\",le=\"0.1\"} 2\n"
            "shoal_test_latency_seconds_bucket{region=\"us\",le=\"1\"} 2\n"
            "shoal_test_latency_seconds_bucket{region=\"us\",le=\"+Inf\"} 3\n"
            "shoal_test_latency_seconds_sum{region=\"us\"} 5.15\n"
            "shoal_test_latency_seconds_count{region=\"us\"} 3\n"
            "# HELP shoal_test_jobs Jobs by state.\n"
            "# TYPE shoal_test_jobs gauge\n"
            "shoal_test_jobs{state=\"Running\"} 2\n"
            "shoal_test_jobs{state=\"odd \\\"value\\\"\\\\\"} 1\n");
  auto parsed = ParseExposition(registry.Expose());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Sum("shoal_test_requests_total", {{"code", "200"}}), 3);
  EXPECT_EQ(parsed->Sum("shoal_test_jobs", {{"state", "odd \"value\"\\"}}), 1);
  EXPECT_EQ(parsed->families.at("shoal_test_waiting").type, "gauge");
}

TEST(RegistryTest, AFamilyWithoutSeriesStillAnnouncesItself) {
  Registry registry;
  registry.AddCounter("shoal_test_empty_total", "Nothing yet.", {"region"});
  auto parsed = ParseExposition(registry.Expose());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->families.count("shoal_test_empty_total"), 1u);
  EXPECT_TRUE(parsed->samples.empty());
}

TEST(RegistryTest, ConcurrentUpdatesAreAllCounted) {
  Registry registry;
  auto& counter = registry.AddCounter("shoal_test_events_total", "Events.", {"kind"});
  auto& histogram = registry.AddHistogram("shoal_test_seconds", "Durations.", {});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 10000; ++i) {
        counter.With({t % 2 ? "odd" : "even"}).Increment();
        histogram.With({}).Observe(0.001 * (i % 100));
        if (i % 1000 == 0) (void)registry.Expose();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  auto parsed = ParseExposition(registry.Expose());
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->Sum("shoal_test_events_total"), 40000);
  EXPECT_EQ(parsed->Sum("shoal_test_seconds_count"), 40000);
  EXPECT_EQ(parsed->Sum("shoal_test_seconds_bucket", {{"le", "+Inf"}}), 40000);
}

TEST(RegistryDeathTest, MisuseAbortsNamingTheMetric) {
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddGauge("shoal_test_twice", "Once.");
        registry.AddCounter("shoal_test_twice", "Twice.");
      },
      "shoal_test_twice is added twice");
  EXPECT_DEATH(
      {
        Registry registry;
        registry.AddCounter("shoal_test_labels_total", "Two labels.", {"a", "b"}).With({"x"});
      },
      "shoal_test_labels_total has 2 labels, given 1 values");
}

}  // namespace
}  // namespace shoal::metrics
