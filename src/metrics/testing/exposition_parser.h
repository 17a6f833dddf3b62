// A strict parser of Prometheus' text exposition format 0.0.4, for tests: it checks an answer of
// GET /metrics against the format's rules (written from the format's documentation, not from
// Shoal's writer) and returns its samples so a test can check values.
//
// Checked: every line ends with '\n'; metric and label names are valid; HELP and TYPE appear at
// most once per family and before its samples; a family's lines are not interleaved with
// another's; every sample belongs to a TYPEd family (a Shoal rule: no untyped metrics); counter
// names end in `_total`; label values use only the \\ \" \n escapes and no label repeats; no
// series (name and label set) appears twice; values are numbers, NaN or +-Inf; a histogram's
// series have `le` buckets in increasing order with non-decreasing counts, ending with
// le="+Inf" equal to its `_count`, and a `_sum`.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/status.h"

namespace shoal::metrics::testing {

struct ParsedSample {
  std::string name;  // as written: a histogram's carry _bucket, _sum or _count
  std::map<std::string, std::string> labels;
  double value = 0;
};

struct ParsedFamily {
  std::string type;  // "counter", "gauge", "histogram", "summary", "untyped"
  std::string help;
};

struct ParsedExposition {
  std::map<std::string, ParsedFamily> families;
  std::vector<ParsedSample> samples;  // in the order written

  // The sum of the values of samples named `name` whose labels include every pair of `match`.
  double Sum(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
  // How many samples named `name` have labels including `match`.
  int Count(const std::string& name, const std::map<std::string, std::string>& match = {}) const;
};

// The samples of `text`, or InvalidArgument naming the line and the rule it breaks.
Result<ParsedExposition> ParseExposition(const std::string& text);

}  // namespace shoal::metrics::testing
