#include "query/query_metrics.h"

#include <string>

namespace shoal::query {

QueryMetrics::QueryMetrics(metrics::Registry& registry)
    : finished_(registry.AddCounter("shoal_queries_finished_total",
                                    "Queries that ended, by how they ended.", {"state"})),
      duration_(registry.AddHistogram("shoal_query_duration_seconds",
                                      "From a query's submission to its end.", {})),
      scanned_bytes_(registry.AddCounter("shoal_query_scanned_bytes_total",
                                         "Bytes of table files queries' fragments read, by region.",
                                         {"region"})),
      shipped_bytes_(registry.AddCounter(
          "shoal_query_shipped_bytes_total",
          "Bytes of partial results that left each region for the orchestrator, by shipping class "
          "(aggregates, values, rows).",
          {"region", "class"})),
      shipped_rows_(registry.AddCounter(
          "shoal_query_shipped_rows_total",
          "Rows of partial results that left each region for the orchestrator, by shipping class.",
          {"region", "class"})) {}

void QueryMetrics::QueryEnded(const models::Query& query) {
  finished_.With({std::string(models::ToString(query.state))}).Increment();
  if (query.end_time > query.create_time) {
    duration_.With({}).Observe(static_cast<double>(query.end_time - query.create_time) / 1e9);
  }
  for (const models::RegionResidency& region : query.residency) {
    scanned_bytes_.With({region.region}).Increment(static_cast<double>(region.bytes_scanned));
    shipped_bytes_.With({region.region, query.shipping})
        .Increment(static_cast<double>(region.partial_bytes));
    shipped_rows_.With({region.region, query.shipping})
        .Increment(static_cast<double>(region.partial_rows));
  }
}

}  // namespace shoal::query
