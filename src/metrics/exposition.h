// Writing metrics in Prometheus' text exposition format, version 0.0.4: what GET /metrics
// answers (docs/deployment.md has the scrape config).
//
// A family is announced once (HELP and TYPE lines) and its samples follow it without a break; a
// sample is `name{label="value",...} value`. HELP text escapes `\` and newlines, label values
// also `"`; values are integers when they are whole, else the shortest decimal that reads back
// as the same double, and `+Inf`, `-Inf`, `NaN`. The writer checks none of the format's rules
// across families (the registry does, and tests parse every answer with a strict parser).
//
// Thread-safety: an ExpositionWriter belongs to one thread; the free functions are pure.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::metrics {

inline constexpr const char* kExpositionContentType = "text/plain; version=0.0.4; charset=utf-8";

enum class MetricType { kCounter, kGauge, kHistogram };

std::string_view ToString(MetricType type);  // "counter", "gauge", "histogram"

// (name, value) pairs, written in this order.
using LabelPairs = std::vector<std::pair<std::string, std::string>>;

class ExpositionWriter {
 public:
  // Starts family `name`: writes its HELP and TYPE lines.
  void Family(std::string_view name, MetricType type, std::string_view help);
  // One sample of the family last started, named after it plus `suffix` ("_bucket", "_sum",
  // "_count" for a histogram's series; "" otherwise).
  void Sample(const LabelPairs& labels, double value, std::string_view suffix = "");

  // The text written so far; the writer is empty afterwards.
  std::string Take() { return std::move(text_); }

 private:
  std::string text_;
  std::string family_;
};

// `value` as the format writes it.
std::string FormatValue(double value);
// `text` escaped for a label value (`\` `"` and newline) or, with `quote` false, for HELP text.
std::string Escape(std::string_view text, bool quote);

}  // namespace shoal::metrics
