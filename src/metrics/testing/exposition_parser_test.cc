// The strict parser refuses what breaks the format's rules, naming the rule: the /metrics tests
// rely on it to fail on a malformed answer.
#include "metrics/testing/exposition_parser.h"

#include <gtest/gtest.h>

namespace shoal::metrics::testing {
namespace {

void ExpectRefused(const std::string& text, const std::string& why) {
  auto parsed = ParseExposition(text);
  ASSERT_FALSE(parsed.ok()) << text;
  EXPECT_NE(parsed.status().message().find(why), std::string::npos)
      << parsed.status().message() << "\n(expected: " << why << ")";
}

constexpr const char* kHistogram =
    "# HELP d_seconds D.\n"
    "# TYPE d_seconds histogram\n"
    "d_seconds_bucket{le=\"0.5\"} 1\n"
    "d_seconds_bucket{le=\"1\"} 2\n"
    "d_seconds_bucket{le=\"+Inf\"} 3\n"
    "d_seconds_sum 4.5\n"
    "d_seconds_count 3\n";

TEST(ExpositionParserTest, ReadsAWellFormedAnswer) {
  const std::string text = std::string(
                               "# HELP a_total A with \\\\ and \\n.\n"
                               "# TYPE a_total counter\n"
                               "a_total{x=\"1\",y=\"q\\\"\\\\\\n\"} 2 1700000000000\n"
                               "a_total{x=\"2\"} NaN\n"
                               "# a comment\n"
                               "# TYPE g gauge\n"
                               "g -Inf\n") +
                           kHistogram;
  auto parsed = ParseExposition(text);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->samples.size(), 8u);
  EXPECT_EQ(parsed->samples[0].labels.at("y"), "q\"\\\n");
  EXPECT_EQ(parsed->Sum("a_total", {{"x", "1"}}), 2);
  EXPECT_EQ(parsed->Sum("d_seconds_count"), 3);
  EXPECT_EQ(parsed->families.at("d_seconds").type, "histogram");
}

TEST(ExpositionParserTest, RefusesWhatBreaksTheRules) {
  ExpectRefused("# TYPE a gauge\na 1", "does not end with a newline");
  ExpectRefused("a 1\n", "has no TYPE");
  ExpectRefused("# TYPE a gauge\n# TYPE a gauge\na 1\n", "second TYPE");
  ExpectRefused("# HELP a x\n# HELP a y\n# TYPE a gauge\n", "second HELP");
  ExpectRefused("# TYPE a counter\n", "does not end in _total");
  ExpectRefused("# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na{x=\"1\"} 2\n", "not together");
  ExpectRefused("# TYPE a gauge\na 1\na 2\n", "twice");
  ExpectRefused("# TYPE a gauge\na{x=\"1\",x=\"2\"} 1\n", "label x twice");
  ExpectRefused("# TYPE a gauge\na{x=\"\\t\"} 1\n", "bad escape");
  ExpectRefused("# TYPE a gauge\na{x=1} 1\n", "not quoted");
  ExpectRefused("# TYPE a gauge\na{__x=\"1\"} 1\n", "bad label name");
  ExpectRefused("# TYPE 1a gauge\n", "bad metric name");
  ExpectRefused("# TYPE a gauge\na one\n", "bad value");
  ExpectRefused("# TYPE a gauge\na 1 soon\n", "bad timestamp");
  ExpectRefused("# TYPE a sometimes\n", "unknown TYPE");
  ExpectRefused("# TYPE d histogram\nd 1\n", "without _bucket");
  ExpectRefused(
      "# TYPE d histogram\nd_bucket{le=\"1\"} 2\nd_bucket{le=\"0.5\"} 1\n"
      "d_bucket{le=\"+Inf\"} 2\nd_sum 1\nd_count 2\n",
      "do not increase");
  ExpectRefused(
      "# TYPE d histogram\nd_bucket{le=\"0.5\"} 2\nd_bucket{le=\"1\"} 1\n"
      "d_bucket{le=\"+Inf\"} 2\nd_sum 1\nd_count 2\n",
      "counts decrease");
  ExpectRefused("# TYPE d histogram\nd_bucket{le=\"1\"} 2\nd_sum 1\nd_count 2\n",
                "do not end with le=\"+Inf\"");
  ExpectRefused("# TYPE d histogram\nd_bucket{le=\"+Inf\"} 2\nd_sum 1\nd_count 3\n",
                "is not _count");
  ExpectRefused("# TYPE d histogram\nd_bucket{le=\"+Inf\"} 2\nd_count 2\n", "no _sum");
  ExpectRefused("# TYPE d histogram\nd_bucket{x=\"1\"} 2\nd_sum 1\nd_count 2\n", "numeric le");
}

}  // namespace
}  // namespace shoal::metrics::testing
