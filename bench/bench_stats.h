// Summary statistics the benchmarks print: nearest-rank percentiles, median, mean.
//
// Thread-safety: plain functions over values.
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace shoal::bench {

// Nearest-rank percentile, p in (0, 100]; NaN for no values.
inline double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return NAN;
  std::sort(values.begin(), values.end());
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(values.size())));
  return values[std::clamp<size_t>(rank, 1, values.size()) - 1];
}

inline double Median(std::vector<double> values) { return Percentile(std::move(values), 50); }

inline double Mean(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values) sum += v;
  return values.empty() ? NAN : sum / static_cast<double>(values.size());
}

}  // namespace shoal::bench
