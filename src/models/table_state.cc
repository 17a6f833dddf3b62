#include "models/table_state.h"

#include <algorithm>
#include <utility>

#include "models/json_reader.h"
#include "models/text.h"

namespace shoal::models {

using nlohmann::json;

std::vector<std::string> PartitionColumns(std::string_view partition_by) {
  if (partition_by == "year") return {"year"};
  if (partition_by == "day") return {"year", "month", "day"};
  return {"year", "month"};
}

namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

int64_t DaysInMonth(int64_t y, int64_t m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

}  // namespace

std::optional<PartitionRange> ParsePartitionRange(std::string_view partition) {
  static const char* kParts[] = {"year=", "month=", "day="};
  int64_t values[3] = {0, 1, 1};
  size_t parts = 0;
  bool null_time = false;
  while (!partition.empty()) {
    if (parts == 3) return std::nullopt;
    const size_t slash = partition.find('/');
    std::string_view part = partition.substr(0, slash);
    partition = slash == std::string_view::npos ? "" : partition.substr(slash + 1);
    if (!StartsWith(part, kParts[parts])) return std::nullopt;
    part.remove_prefix(std::string_view(kParts[parts]).size());
    if (part == "NULL") {
      null_time = true;
    } else {
      auto value = ParseInt64(part);
      if (!value) return std::nullopt;
      values[parts] = *value;
    }
    ++parts;
  }
  if (parts == 0) return std::nullopt;
  if (null_time) return PartitionRange{true, 0, 0};
  const auto [y, m, d] = values;
  if (m < 1 || m > 12 || d < 1 || d > DaysInMonth(y, m)) return std::nullopt;
  const int64_t start = DaysFromCivil(y, m, d);
  int64_t end = 0;
  if (parts == 1) {
    end = DaysFromCivil(y + 1, 1, 1);
  } else if (parts == 2) {
    end = start + DaysInMonth(y, m);
  } else {
    end = start + 1;
  }
  constexpr int64_t kMicrosPerDay = 86400LL * 1000000;
  return PartitionRange{false, start * kMicrosPerDay, end * kMicrosPerDay};
}

namespace {

json ColumnsJson(const std::vector<TableColumn>& columns) {
  json list = json::array();
  for (const TableColumn& c : columns) list.push_back({{"Name", c.name}, {"Type", c.type}});
  return list;
}

void ReadColumns(JsonReader& r, std::vector<TableColumn>* columns) {
  r.List("Columns", [&](const json& v, const std::string& p) {
    JsonReader c(v, p);
    TableColumn& column = columns->emplace_back();
    c.String("Name", &column.name);
    c.String("Type", &column.type);
    return c.status();
  });
}

}  // namespace

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
              {"Columns", ColumnsJson(state.columns)},
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
  ReadColumns(r, &state.columns);
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

std::string CastProjectionSql(const std::vector<TableColumn>& columns) {
  std::string projection;
  for (const TableColumn& column : columns) {
    projection += (projection.empty() ? "" : ", ") + std::string("CAST(") +
                  SqlIdentifier(column.name) + " AS " + column.type + ") AS " +
                  SqlIdentifier(column.name);
  }
  return projection;
}

std::string NoRowsSql(const std::vector<TableColumn>& columns) {
  std::string select;
  for (const TableColumn& column : columns) {
    select += (select.empty() ? "SELECT " : ", ") + std::string("CAST(NULL AS ") + column.type +
              ") AS " + SqlIdentifier(column.name);
  }
  return select + " WHERE false";
}

json ToParams(const CompactionSpec& spec) {
  return json{{"Table", spec.table},
              {"Warehouse", spec.warehouse},
              {"Landing", spec.landing},
              {"LandingReader", spec.landing_reader},
              {"Columns", ColumnsJson(spec.columns)},
              {"EventTime", spec.event_time},
              {"PartitionBy", spec.partition_by},
              {"RetainSeconds", spec.retain_seconds}};
}

Result<CompactionSpec> CompactionSpecFromParams(const json& params) {
  if (!params.is_object()) return Status::InvalidArgument("Engine.Params: must be a map");
  CompactionSpec spec;
  JsonReader r(params, "Engine.Params");
  r.String("Table", &spec.table);
  r.String("Warehouse", &spec.warehouse);
  r.String("Landing", &spec.landing);
  r.String("LandingReader", &spec.landing_reader);
  ReadColumns(r, &spec.columns);
  r.String("EventTime", &spec.event_time);
  r.String("PartitionBy", &spec.partition_by);
  r.Int("RetainSeconds", &spec.retain_seconds);
  SHOAL_RETURN_IF_ERROR(r.status());
  for (const auto& [field, value] : {std::pair{"Table", &spec.table},
                                     {"Warehouse", &spec.warehouse},
                                     {"Landing", &spec.landing},
                                     {"LandingReader", &spec.landing_reader},
                                     {"EventTime", &spec.event_time}}) {
    if (value->empty()) {
      return Status::InvalidArgument("Engine.Params." + std::string(field) + ": required");
    }
  }
  if (spec.landing_reader.find(kLandingFilesMarker) == std::string::npos) {
    return Status::InvalidArgument("Engine.Params.LandingReader: must hold " +
                                   std::string(kLandingFilesMarker) +
                                   " where the list of files goes");
  }
  if (spec.partition_by.empty()) spec.partition_by = "month";
  if (spec.partition_by != "year" && spec.partition_by != "month" && spec.partition_by != "day") {
    return Status::InvalidArgument("Engine.Params.PartitionBy: use year, month or day");
  }
  if (spec.retain_seconds < 0) {
    return Status::InvalidArgument("Engine.Params.RetainSeconds: must not be negative");
  }
  const auto event_time =
      std::find_if(spec.columns.begin(), spec.columns.end(),
                   [&](const TableColumn& c) { return c.name == spec.event_time; });
  if (event_time == spec.columns.end()) {
    return Status::InvalidArgument("Engine.Params.EventTime: the table has no column '" +
                                   spec.event_time + "'");
  }
  if (event_time->type != "DATE" && event_time->type.rfind("TIMESTAMP", 0) != 0) {
    return Status::InvalidArgument("Engine.Params.EventTime: column '" + spec.event_time + "' is " +
                                   event_time->type +
                                   "; the event time must be a DATE or a TIMESTAMP");
  }
  return spec;
}

Result<TableState> ParseTableState(std::string_view text) {
  json parsed = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Status::InvalidArgument("the table state is not valid JSON");
  return TableStateFromJson(parsed);
}

}  // namespace shoal::models
