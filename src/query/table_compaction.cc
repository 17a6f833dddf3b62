#include "query/table_compaction.h"

#include "models/spec_config.h"
#include "models/table_state.h"
#include "query/table_sql.h"

namespace shoal::query {

std::string CompactionJobName(const std::string& table, const std::string& region) {
  return "shoal-compact-" + table + "-" + region;
}

models::Job CompactionJob(const models::TableDefinition& table, const models::RegionLocation& where,
                          int64_t retain_seconds) {
  models::CompactionSpec spec;
  spec.table = table.name;
  spec.warehouse = table.WarehouseOf(where);
  spec.landing = where.location;
  spec.landing_reader = LandingReaderTemplate(table);
  spec.columns = table.columns;
  spec.event_time = table.event_time;
  spec.partition_by = table.PartitionGranularity();
  spec.retain_seconds = retain_seconds;

  models::Job job;
  job.name = CompactionJobName(table.name, where.region);
  job.type = models::JobType::kBatch;
  job.count = 1;
  job.constraints = {{"region", models::SelectorOperator::kDoubleEquals, {where.region}}};
  job.labels = {{"shoal-table", table.name}};
  job.task.engine = {std::string(models::kEngineCompact), models::ToParams(spec)};
  return job;
}

}  // namespace shoal::query
