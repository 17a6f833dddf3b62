#include "models/query.h"

#include <set>

#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::ordered_json;

std::string_view ToString(QueryState state) {
  switch (state) {
    case QueryState::kRunning:
      return "Running";
    case QueryState::kCompleted:
      return "Completed";
    case QueryState::kFailed:
      return "Failed";
    case QueryState::kCancelled:
      return "Cancelled";
  }
  return "Failed";
}

Result<QueryState> ParseQueryState(std::string_view text) {
  for (QueryState state : {QueryState::kRunning, QueryState::kCompleted, QueryState::kFailed,
                           QueryState::kCancelled}) {
    if (text == ToString(state)) return state;
  }
  return Status::InvalidArgument("unknown query state '" + std::string(text) + "'");
}

ordered_json ToJson(const RegionResidency& r) {
  return {{"Region", r.region},
          {"JobID", r.job_id},
          {"Partitions", r.partitions},
          {"Files", r.files},
          {"BytesScanned", r.bytes_scanned},
          {"PartialRows", r.partial_rows},
          {"PartialBytes", r.partial_bytes}};
}

ordered_json ToJson(const QueryRequest& q) {
  return {{"SQL", q.sql},
          {"Regions", q.regions},
          {"Partitions", q.partitions},
          {"AllowRows", q.allow_rows},
          {"MaxShipBytes", q.max_ship_bytes},
          {"Explain", q.explain}};
}

ordered_json ToJson(const Query& q) {
  ordered_json residency = ordered_json::array();
  for (const RegionResidency& r : q.residency) residency.push_back(ToJson(r));
  return {{"ID", q.id},
          {"Request", ToJson(q.request)},
          {"Table", q.table},
          {"Shipping", q.shipping},
          {"FragmentSQL", q.fragment_sql},
          {"MergeSQL", q.merge_sql},
          {"State", std::string(ToString(q.state))},
          {"Message", q.message},
          {"Residency", residency},
          {"ResultRows", q.result_rows},
          {"CreateTime", q.create_time},
          {"EndTime", q.end_time},
          {"PlanMs", q.plan_ms},
          {"FragmentsMs", q.fragments_ms},
          {"MergeMs", q.merge_ms}};
}

namespace {

Status ReadRequest(const nlohmann::json& j, const std::string& path, QueryRequest* out) {
  SHOAL_RETURN_IF_ERROR(RequireObject(j, path));
  static const std::set<std::string> known = {"SQL",       "Regions",      "Partitions",
                                              "AllowRows", "MaxShipBytes", "Explain"};
  for (const auto& [key, value] : j.items()) {
    if (!known.count(key)) {
      return Status::InvalidArgument((path.empty() ? "" : path + ".") + "unknown field '" + key +
                                     "'");
    }
  }
  JsonReader r(j, path);
  r.String("SQL", &out->sql);
  r.StringList("Regions", &out->regions);
  r.Int("Partitions", &out->partitions);
  r.Bool("AllowRows", &out->allow_rows);
  r.Int("MaxShipBytes", &out->max_ship_bytes);
  r.Bool("Explain", &out->explain);
  SHOAL_RETURN_IF_ERROR(r.status());
  if (out->partitions < 0 || out->partitions > 1000) {
    return Status::InvalidArgument(r.FieldPath("Partitions") + ": must be 0..1000, got " +
                                   std::to_string(out->partitions));
  }
  if (out->max_ship_bytes < 0) {
    return Status::InvalidArgument(r.FieldPath("MaxShipBytes") + ": must not be negative");
  }
  return Status::Ok();
}

double Number(const nlohmann::json& j, const char* field) {
  auto it = j.find(field);
  return it != j.end() && it->is_number() ? it->get<double>() : 0.0;
}

}  // namespace

Result<QueryRequest> QueryRequestFromJson(const nlohmann::json& json) {
  QueryRequest request;
  SHOAL_RETURN_IF_ERROR(ReadRequest(json, "", &request));
  if (request.sql.empty()) return Status::InvalidArgument("SQL: required (the query to run)");
  return request;
}

Result<Query> QueryFromJson(const nlohmann::json& j) {
  Query q;
  SHOAL_RETURN_IF_ERROR(RequireObject(j, "Query"));
  JsonReader r(j, "");
  r.String("ID", &q.id);
  r.Nested("Request", [&](const nlohmann::json& v, const std::string& path) {
    return ReadRequest(v, path, &q.request);
  });
  r.String("Table", &q.table);
  r.String("Shipping", &q.shipping);
  r.String("FragmentSQL", &q.fragment_sql);
  r.String("MergeSQL", &q.merge_sql);
  r.Enum("State", &q.state, ParseQueryState);
  r.String("Message", &q.message);
  r.List("Residency", [&](const nlohmann::json& v, const std::string& path) {
    RegionResidency region;
    JsonReader o(v, path);
    o.String("Region", &region.region);
    o.String("JobID", &region.job_id);
    o.Int("Partitions", &region.partitions);
    o.Int("Files", &region.files);
    o.Int("BytesScanned", &region.bytes_scanned);
    o.Int("PartialRows", &region.partial_rows);
    o.Int("PartialBytes", &region.partial_bytes);
    q.residency.push_back(region);
    return o.status();
  });
  r.Int("ResultRows", &q.result_rows);
  r.Int("CreateTime", &q.create_time);
  r.Int("EndTime", &q.end_time);
  SHOAL_RETURN_IF_ERROR(r.status());
  q.plan_ms = Number(j, "PlanMs");
  q.fragments_ms = Number(j, "FragmentsMs");
  q.merge_ms = Number(j, "MergeMs");
  return q;
}

}  // namespace shoal::models
