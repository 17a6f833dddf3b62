#include "query/residency_report.h"

#include <algorithm>
#include <ctime>

#include <fmt/format.h>

namespace shoal::query {

namespace {

constexpr const char* kNoRegion = "none";

std::string UtcDay(int64_t unix_ns) {
  const std::time_t seconds = static_cast<std::time_t>(unix_ns / 1000000000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
}

}  // namespace

Result<std::vector<RegionDay>> ResidencyReport(orchestrator::Orchestrator& orchestrator,
                                               QueryStore& queries, int64_t since_ns) {
  std::map<std::pair<std::string, std::string>, RegionDay> days;  // (day, region)
  auto at = [&](const std::string& day, const std::string& region) -> RegionDay& {
    RegionDay& entry = days[{day, region}];
    if (entry.day.empty()) {
      entry.day = day;
      entry.region = region;
      for (const char* kind : kResidencyClasses) entry.left_bytes[kind] = 0;
    }
    return entry;
  };

  SHOAL_ASSIGN_OR_RETURN(auto completed, queries.ListCompletedSince(since_ns));
  for (const models::Query& query : completed) {
    const std::string day = UtcDay(query.create_time);
    for (const models::RegionResidency& region : query.residency) {
      RegionDay& entry = at(day, region.region);
      entry.queries += 1;
      entry.bytes_scanned += region.bytes_scanned;
      entry.left_bytes[query.shipping] += region.partial_bytes;
      entry.left_rows += region.partial_rows;
    }
  }

  SHOAL_ASSIGN_OR_RETURN(auto nodes, orchestrator.ListNodes());
  std::map<std::string, std::string> region_of;
  for (const models::Node& node : nodes) {
    auto label = node.labels.find("region");
    region_of[node.id] = label == node.labels.end() ? kNoRegion : label->second;
  }
  SHOAL_ASSIGN_OR_RETURN(auto traffic, orchestrator.JobTrafficSince(since_ns));
  for (const orchestrator::JobStore::JobTraffic& sum : traffic) {
    auto region = region_of.find(sum.node_id);
    RegionDay& entry = at(sum.day, region == region_of.end() ? kNoRegion : region->second);
    entry.job_executions += sum.executions;
    entry.bytes_scanned += sum.bytes_read;
    entry.left_bytes["results"] += sum.uploaded_bytes;
  }

  std::vector<RegionDay> report;
  for (auto& [key, entry] : days) report.push_back(std::move(entry));
  std::stable_sort(report.begin(), report.end(), [](const RegionDay& a, const RegionDay& b) {
    return a.day > b.day;  // newest first; regions stay in name order within a day
  });
  return report;
}

nlohmann::ordered_json ToJson(const RegionDay& day) {
  int64_t left = 0;
  nlohmann::ordered_json by_class = nlohmann::ordered_json::object();
  for (const char* kind : kResidencyClasses) {
    const auto it = day.left_bytes.find(kind);
    const int64_t bytes = it == day.left_bytes.end() ? 0 : it->second;
    by_class[kind] = bytes;
    left += bytes;
  }
  return {{"Day", day.day},
          {"Region", day.region},
          {"Queries", day.queries},
          {"JobExecutions", day.job_executions},
          {"BytesScanned", day.bytes_scanned},
          {"LeftBytes", left},
          {"LeftBytesByClass", by_class},
          {"LeftRows", day.left_rows}};
}

}  // namespace shoal::query
