// QueryMetrics: what `shoal query` tells Prometheus, in the orchestrator's registry (GET
// /metrics; docs/api.md lists them): queries by outcome and duration, and per region the bytes
// its partitions scanned and the partial results that left it, by shipping class (aggregates,
// values, rows). Explains run nothing and count nowhere.
//
// Thread-safety: QueryEnded may be called from any thread.
#pragma once

#include "metrics/registry.h"

#include "models/query.h"

namespace shoal::query {

class QueryMetrics {
 public:
  explicit QueryMetrics(metrics::Registry& registry);

  // `query` in the terminal state it just reached, its residency as far as it got.
  void QueryEnded(const models::Query& query);

 private:
  metrics::CounterFamily& finished_;
  metrics::HistogramFamily& duration_;
  metrics::CounterFamily& scanned_bytes_;
  metrics::CounterFamily& shipped_bytes_;
  metrics::CounterFamily& shipped_rows_;
};

}  // namespace shoal::query
