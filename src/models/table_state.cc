#include "models/table_state.h"

#include "models/json_reader.h"

namespace shoal::models {

using nlohmann::json;

std::vector<std::string> PartitionColumns(std::string_view partition_by) {
  if (partition_by == "year") return {"year"};
  if (partition_by == "day") return {"year", "month", "day"};
  return {"year", "month"};
}

json ToJson(const TableState& state) {
  json files = json::array();
  for (const TableStateFile& f : state.files) {
    files.push_back(
        {{"Path", f.path}, {"Partition", f.partition}, {"Rows", f.rows}, {"Bytes", f.bytes}});
  }
  json compacted = json::array();
  for (const CompactedLandingFile& f : state.compacted) {
    compacted.push_back({{"Path", f.path}, {"Bytes", f.bytes}});
  }
  json columns = json::array();
  for (const TableColumn& c : state.columns) columns.push_back({{"Name", c.name}, {"Type", c.type}});
  json retired = json::array();
  for (const RetiredFile& f : state.retired) {
    retired.push_back({{"Path", f.path}, {"RetireTime", f.retire_time}});
  }
  return json{{"Format", kTableStateFormat},
              {"Version", state.version},
              {"Table", state.table},
              {"EventTime", state.event_time},
              {"PartitionBy", state.partition_by},
              {"Landing", state.landing},
              {"LandingReader", state.landing_reader},
              {"Columns", columns},
              {"CommitTime", state.commit_time},
              {"ExecutionID", state.execution_id},
              {"Files", files},
              {"Compacted", compacted},
              {"Retired", retired}};
}

Result<TableState> TableStateFromJson(const json& j) {
  if (!j.is_object()) return Status::InvalidArgument("a table state must be a JSON object");
  std::string format;
  TableState state;
  JsonReader r(j, "");
  r.String("Format", &format);
  if (format != kTableStateFormat) {
    return Status::InvalidArgument("Format: '" + format + "' is not " +
                                   std::string(kTableStateFormat) +
                                   " (written by another version of Shoal?)");
  }
  r.Int("Version", &state.version);
  r.String("Table", &state.table);
  r.String("EventTime", &state.event_time);
  r.String("PartitionBy", &state.partition_by);
  r.String("Landing", &state.landing);
  r.String("LandingReader", &state.landing_reader);
  r.List("Columns", [&](const json& v, const std::string& p) {
    JsonReader c(v, p);
    TableColumn& column = state.columns.emplace_back();
    c.String("Name", &column.name);
    c.String("Type", &column.type);
    return c.status();
  });
  r.Int("CommitTime", &state.commit_time);
  r.String("ExecutionID", &state.execution_id);
  r.List("Files", [&](const json& v, const std::string& p) {
    JsonReader f(v, p);
    TableStateFile& file = state.files.emplace_back();
    f.String("Path", &file.path);
    f.String("Partition", &file.partition);
    f.Int("Rows", &file.rows);
    f.Int("Bytes", &file.bytes);
    return f.status();
  });
  r.List("Compacted", [&](const json& v, const std::string& p) {
    JsonReader f(v, p);
    CompactedLandingFile& file = state.compacted.emplace_back();
    f.String("Path", &file.path);
    f.Int("Bytes", &file.bytes);
    return f.status();
  });
  r.List("Retired", [&](const json& v, const std::string& p) {
    JsonReader f(v, p);
    RetiredFile& file = state.retired.emplace_back();
    f.String("Path", &file.path);
    f.Int("RetireTime", &file.retire_time);
    return f.status();
  });
  SHOAL_RETURN_IF_ERROR(r.status());
  return state;
}

Result<TableState> ParseTableState(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidArgument("the table state is not valid JSON");
  return TableStateFromJson(parsed);
}

}  // namespace shoal::models
