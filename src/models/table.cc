#include "models/table.h"

#include <set>
#include <utility>

#include "models/json_reader.h"
#include "models/text.h"

namespace shoal::models {

using nlohmann::json;

namespace {

bool IsIdentifierStart(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }

// True for bytes a location or option value may not hold: ASCII control characters except tab.
bool IsForbiddenControl(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return (byte < 0x20 && c != '\t') || byte == 0x7f;
}

Status CheckText(std::string_view text, const std::string& what) {
  if (size_t bad = InvalidUtf8Offset(text); bad != std::string_view::npos) {
    return Status::InvalidArgument(what + " is not valid UTF-8 (at byte " + std::to_string(bad) +
                                   ")");
  }
  for (size_t i = 0; i < text.size(); ++i) {
    if (IsForbiddenControl(text[i])) {
      return Status::InvalidArgument(what + " holds a control character (at byte " +
                                     std::to_string(i) + ")");
    }
  }
  return Status::Ok();
}

Status ValidateReaderOptions(const json& options) {
  if (!options.is_object()) {
    return Status::InvalidArgument(std::string("ReaderOptions: expected an object, got ") +
                                   options.type_name());
  }
  for (const auto& [key, value] : options.items()) {
    SHOAL_RETURN_IF_ERROR(ValidateIdentifier(key, "ReaderOptions key"));
    const std::string path = "ReaderOptions." + key;
    if (value.is_string()) {
      SHOAL_RETURN_IF_ERROR(CheckText(value.get<std::string>(), path));
    } else if (value.is_number_float()) {
      // NaN and infinities have no SQL literal.
      const double d = value.get<double>();
      if (d != d || d - d != 0) return Status::InvalidArgument(path + ": not a finite number");
    } else if (!value.is_boolean() && !value.is_number()) {
      return Status::InvalidArgument(path + ": expected a string, a number or true/false, got " +
                                     std::string(value.type_name()));
    }
  }
  return Status::Ok();
}

// Refuses the fields of `object` that are not in `known`, naming the first one.
Status RefuseUnknownFields(const json& object, const std::vector<std::string>& known,
                           const std::string& path) {
  for (const auto& [key, value] : object.items()) {
    bool found = false;
    for (const std::string& k : known) found = found || k == key;
    if (found) continue;
    std::string message = (path.empty() ? key : path + "." + key) + ": unknown field";
    if (auto close = ClosestMatch(key, known)) {
      message += "; did you mean " + *close + "?";
    } else {
      message += "; valid fields: " + JoinComma(known);
    }
    return Status::InvalidArgument(message);
  }
  return Status::Ok();
}

}  // namespace

const RegionLocation* TableDefinition::LocationOf(std::string_view region) const {
  for (const RegionLocation& location : locations) {
    if (location.region == region) return &location;
  }
  return nullptr;
}

Status ValidateIdentifier(std::string_view text, std::string_view what) {
  const std::string name(what);
  if (text.empty()) return Status::InvalidArgument(name + " is required");
  if (text.size() > kMaxTableNameLength) {
    return Status::InvalidArgument(name + ": '" + std::string(text.substr(0, 20)) +
                                   "...' is longer than " + std::to_string(kMaxTableNameLength) +
                                   " characters");
  }
  bool valid = IsIdentifierStart(text[0]);
  for (char c : text) valid = valid && IsIdentifierChar(c);
  if (!valid) {
    return Status::InvalidArgument(name + ": '" + std::string(text) +
                                   "' is not an identifier (letters, digits and '_', not "
                                   "starting with a digit)");
  }
  return Status::Ok();
}

Status ValidateRegionName(std::string_view region) {
  if (region.empty()) return Status::InvalidArgument("the region is empty");
  bool valid = region.size() <= 63;
  for (char c : region) {
    valid = valid && (IsIdentifierChar(c) || c == '-' || c == '.');
  }
  if (!valid) {
    return Status::InvalidArgument(
        "region '" + std::string(region) +
        "' is not a label value (1 to 63 letters, digits, '-', '_', '.')");
  }
  return Status::Ok();
}

Status ValidateLocation(std::string_view location) {
  if (location.empty()) return Status::InvalidArgument("the location is empty");
  if (location.size() > kMaxLocationLength) {
    return Status::InvalidArgument("the location is longer than " +
                                   std::to_string(kMaxLocationLength) + " bytes");
  }
  SHOAL_RETURN_IF_ERROR(CheckText(location, "the location"));
  if (StartsWith(location, "s3://")) {
    std::string_view rest = location.substr(5);
    if (rest.empty() || rest[0] == '/') {
      return Status::InvalidArgument("location '" + std::string(location) +
                                     "' names no bucket (write s3://BUCKET/PATH)");
    }
    return Status::Ok();
  }
  if (location[0] == '/') return Status::Ok();
  return Status::InvalidArgument("location '" + std::string(location) +
                                 "' must start with s3:// or / (a glob over the region's "
                                 "storage-local store, as jobs write it)");
}

std::string DefaultWarehouse(std::string_view table, std::string_view location) {
  if (!StartsWith(location, "s3://")) return "";
  const size_t bucket_end = location.find('/', 5);
  const std::string_view bucket = location.substr(
      5, bucket_end == std::string_view::npos ? std::string_view::npos : bucket_end - 5);
  return "s3://" + std::string(bucket) + "/warehouse/" + std::string(table);
}

std::string TableDefinition::WarehouseOf(const RegionLocation& location) const {
  return location.warehouse.empty() ? DefaultWarehouse(name, location.location)
                                    : location.warehouse;
}

namespace {

Status ValidateWarehouse(std::string_view warehouse) {
  SHOAL_RETURN_IF_ERROR(ValidateLocation(warehouse));
  if (!StartsWith(warehouse, "s3://")) {
    return Status::InvalidArgument("warehouse '" + std::string(warehouse) +
                                   "' must be an s3://BUCKET/PREFIX folder of the region's store");
  }
  if (warehouse.find_first_of("*?[{") != std::string_view::npos) {
    return Status::InvalidArgument("warehouse '" + std::string(warehouse) +
                                   "' is a folder, not a glob: remove the wildcards");
  }
  if (warehouse.substr(5).find('/') == std::string_view::npos || warehouse.back() == '/') {
    return Status::InvalidArgument("warehouse '" + std::string(warehouse) +
                                   "' must name a folder inside the bucket, without a trailing "
                                   "'/' (s3://BUCKET/warehouse/TABLE)");
  }
  return Status::Ok();
}

Status ValidateColumnar(const TableDefinition& table) {
  if (!table.columnar()) {
    if (!table.partition_by.empty()) {
      return Status::InvalidArgument("PartitionBy: only a table with an EventTime is partitioned");
    }
    for (size_t i = 0; i < table.locations.size(); ++i) {
      if (!table.locations[i].warehouse.empty()) {
        return Status::InvalidArgument("Locations[" + std::to_string(i) +
                                       "].Warehouse: only a table with an EventTime has one");
      }
    }
    return Status::Ok();
  }
  SHOAL_RETURN_IF_ERROR(ValidateIdentifier(table.event_time, "EventTime"));
  const std::string granularity = table.PartitionGranularity();
  if (granularity != "year" && granularity != "month" && granularity != "day") {
    return Status::InvalidArgument("PartitionBy: unknown '" + table.partition_by +
                                   "'; use year, month or day");
  }
  if (table.replicated) {
    return Status::InvalidArgument(
        "EventTime: a replicated table is read whole by every partition; columnar storage is "
        "for partitioned tables");
  }
  for (size_t i = 0; i < table.locations.size(); ++i) {
    const std::string path = "Locations[" + std::to_string(i) + "].Warehouse";
    const std::string warehouse = table.WarehouseOf(table.locations[i]);
    if (warehouse.empty()) {
      return Status::InvalidArgument(path + ": required for a location that is not in s3:// (" +
                                     table.locations[i].location + ")");
    }
    SHOAL_RETURN_IF_ERROR(ValidateWarehouse(warehouse).WithContext(path));
  }
  return Status::Ok();
}

Status ValidateColumnTypes(const std::map<std::string, std::string>& types) {
  for (const auto& [name, type] : types) {
    const std::string path = "ColumnTypes." + name;
    if (name.empty()) return Status::InvalidArgument("ColumnTypes: a column name is empty");
    SHOAL_RETURN_IF_ERROR(CheckText(name, "ColumnTypes: the column name"));
    if (type.empty() || type.size() > 128) {
      return Status::InvalidArgument(path + ": give a DuckDB type, e.g. DECIMAL(18,2)");
    }
    for (char c : type) {
      if (!IsIdentifierChar(c) && c != ',' && c != ' ' && c != '(' && c != ')') {
        return Status::InvalidArgument(path + ": '" + type +
                                       "' is not a DuckDB type (letters, digits, '_', ',', ' ', "
                                       "'(' and ')' only)");
      }
    }
  }
  return Status::Ok();
}

}  // namespace

Status ValidateTableDefinition(const TableDefinition& table) {
  SHOAL_RETURN_IF_ERROR(ValidateIdentifier(table.name, "Name"));
  if (table.format.empty())
    return Status::InvalidArgument("Format is required: json, csv or parquet");
  if (table.format != kTableFormatJson && table.format != kTableFormatCsv &&
      table.format != kTableFormatParquet) {
    return Status::InvalidArgument("Format: unknown format '" + table.format +
                                   "'; use json, csv or parquet");
  }
  SHOAL_RETURN_IF_ERROR(ValidateReaderOptions(table.reader_options));
  if (table.locations.empty()) {
    return Status::InvalidArgument("Locations: a table needs a location in at least one region");
  }
  std::set<std::string> regions;
  for (size_t i = 0; i < table.locations.size(); ++i) {
    const RegionLocation& location = table.locations[i];
    const std::string path = "Locations[" + std::to_string(i) + "]";
    SHOAL_RETURN_IF_ERROR(ValidateRegionName(location.region).WithContext(path + ".Region"));
    if (!regions.insert(location.region).second) {
      return Status::InvalidArgument(path + ".Region: region '" + location.region +
                                     "' has two locations; give one per region");
    }
    SHOAL_RETURN_IF_ERROR(ValidateLocation(location.location).WithContext(path + ".Location"));
  }
  SHOAL_RETURN_IF_ERROR(ValidateColumnTypes(table.column_types));
  return ValidateColumnar(table);
}

json ToJson(const TableDefinition& table) {
  json locations = json::array();
  for (const RegionLocation& l : table.locations) {
    json location{{"Region", l.region}, {"Location", l.location}};
    if (!l.warehouse.empty()) location["Warehouse"] = l.warehouse;
    locations.push_back(std::move(location));
  }
  json columns = json::array();
  for (const TableColumn& c : table.columns) {
    columns.push_back(json{{"Name", c.name}, {"Type", c.type}});
  }
  json regions = json::object();
  for (const auto& [region, stats] : table.region_stats) {
    regions[region] =
        json{{"Files", stats.files}, {"Bytes", stats.bytes}, {"InferredTime", stats.inferred_time}};
  }
  return json{{"Name", table.name},
              {"Format", table.format},
              {"ReaderOptions", table.reader_options},
              {"Locations", locations},
              {"Replicated", table.replicated},
              {"EventTime", table.event_time},
              {"PartitionBy", table.partition_by},
              {"ColumnTypes", table.column_types},
              {"Columns", columns},
              {"Regions", regions},
              {"CreateTime", table.create_time},
              {"ModifyTime", table.modify_time}};
}

namespace {

// The user-written fields, shared by both decoders.
void ReadDefinition(JsonReader& r, TableDefinition& table) {
  r.String("Name", &table.name);
  r.String("Format", &table.format);
  r.Object("ReaderOptions", &table.reader_options);
  r.List("Locations", [&](const json& v, const std::string& p) {
    JsonReader l(v, p);
    RegionLocation& location = table.locations.emplace_back();
    l.String("Region", &location.region);
    l.String("Location", &location.location);
    l.String("Warehouse", &location.warehouse);
    return l.status();
  });
  r.Bool("Replicated", &table.replicated);
  r.String("EventTime", &table.event_time);
  r.String("PartitionBy", &table.partition_by);
  r.StringMap("ColumnTypes", &table.column_types);
}

}  // namespace

Result<TableDefinition> TableDefinitionFromJson(const json& j) {
  TableDefinition table;
  JsonReader r(j, "");
  ReadDefinition(r, table);
  r.List("Columns", [&](const json& v, const std::string& p) {
    JsonReader c(v, p);
    TableColumn& column = table.columns.emplace_back();
    c.String("Name", &column.name);
    c.String("Type", &column.type);
    return c.status();
  });
  r.Nested("Regions", [&](const json& v, const std::string& p) -> Status {
    for (const auto& [region, item] : v.items()) {
      const std::string path = p + "." + region;
      SHOAL_RETURN_IF_ERROR(RequireObject(item, path));
      JsonReader s(item, path);
      RegionStats& stats = table.region_stats[region];
      s.Int("Files", &stats.files);
      s.Int("Bytes", &stats.bytes);
      s.Int("InferredTime", &stats.inferred_time);
      SHOAL_RETURN_IF_ERROR(s.status());
    }
    return Status::Ok();
  });
  r.Int("CreateTime", &table.create_time);
  r.Int("ModifyTime", &table.modify_time);
  SHOAL_RETURN_IF_ERROR(r.status());
  return table;
}

Result<TableDefinition> TableDefinitionFromRequest(const json& j,
                                                   const std::vector<std::string>& extra_fields) {
  SHOAL_RETURN_IF_ERROR(RequireObject(j, ""));
  for (const char* owned : {"Columns", "Regions", "CreateTime", "ModifyTime"}) {
    if (j.contains(owned)) {
      return Status::InvalidArgument(std::string(owned) +
                                     ": set by Shoal (the columns come from DuckDB's inference "
                                     "over the files); leave it out");
    }
  }
  std::vector<std::string> known = {"Name",       "Format",    "ReaderOptions", "Locations",
                                    "Replicated", "EventTime", "PartitionBy",   "ColumnTypes"};
  known.insert(known.end(), extra_fields.begin(), extra_fields.end());
  SHOAL_RETURN_IF_ERROR(RefuseUnknownFields(j, known, ""));
  if (auto it = j.find("Locations"); it != j.end() && it->is_array()) {
    for (size_t i = 0; i < it->size(); ++i) {
      if (!(*it)[i].is_object()) continue;  // the decoder names it
      SHOAL_RETURN_IF_ERROR(RefuseUnknownFields((*it)[i], {"Region", "Location", "Warehouse"},
                                                "Locations[" + std::to_string(i) + "]"));
    }
  }
  TableDefinition table;
  JsonReader r(j, "");
  ReadDefinition(r, table);
  SHOAL_RETURN_IF_ERROR(r.status());
  SHOAL_RETURN_IF_ERROR(ValidateTableDefinition(table));
  return table;
}

}  // namespace shoal::models
