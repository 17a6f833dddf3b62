#include "engine/value_cells.h"

#include <cmath>

#include <nlohmann/json.hpp>

namespace shoal::engine {

namespace {

bool IsNumeric(const duckdb::LogicalType& type) { return type.IsNumeric(); }

bool IsNested(const duckdb::LogicalType& type) {
  switch (type.id()) {
    case duckdb::LogicalTypeId::STRUCT:
    case duckdb::LogicalTypeId::LIST:
    case duckdb::LogicalTypeId::ARRAY:
    case duckdb::LogicalTypeId::MAP:
      return true;
    default:
      return false;
  }
}

bool IsFiniteNumber(const duckdb::Value& value) {
  auto id = value.type().id();
  if (id == duckdb::LogicalTypeId::DOUBLE) return std::isfinite(value.GetValue<double>());
  if (id == duckdb::LogicalTypeId::FLOAT) return std::isfinite(value.GetValue<float>());
  return true;
}

nlohmann::ordered_json ToJson(const duckdb::Value& value) {
  if (value.IsNull()) return nullptr;
  const auto& type = value.type();
  switch (type.id()) {
    case duckdb::LogicalTypeId::BOOLEAN:
      return value.GetValue<bool>();
    case duckdb::LogicalTypeId::STRUCT: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      auto& children = duckdb::StructValue::GetChildren(value);
      for (duckdb::idx_t i = 0; i < children.size(); ++i) {
        object[duckdb::StructType::GetChildName(type, i)] = ToJson(children[i]);
      }
      return object;
    }
    case duckdb::LogicalTypeId::MAP: {
      nlohmann::ordered_json object = nlohmann::ordered_json::object();
      for (auto& entry : duckdb::ListValue::GetChildren(value)) {
        auto& kv = duckdb::StructValue::GetChildren(entry);
        object[kv[0].ToString()] = ToJson(kv[1]);
      }
      return object;
    }
    case duckdb::LogicalTypeId::LIST:
    case duckdb::LogicalTypeId::ARRAY: {
      nlohmann::ordered_json array = nlohmann::ordered_json::array();
      const auto& children = type.id() == duckdb::LogicalTypeId::LIST
                                 ? duckdb::ListValue::GetChildren(value)
                                 : duckdb::ArrayValue::GetChildren(value);
      for (auto& child : children) array.push_back(ToJson(child));
      return array;
    }
    default:
      if (IsNumeric(type) && IsFiniteNumber(value)) {
        // Keep the exact decimal text DuckDB prints (DECIMAL, HUGEINT) rather than a double.
        return nlohmann::ordered_json::parse(value.ToString());
      }
      return value.ToString();
  }
}

}  // namespace

Column ToColumn(const std::string& name, const duckdb::LogicalType& type) {
  return Column{name, type.ToString(), IsNumeric(type)};
}

Cell ToCell(const duckdb::Value& value) {
  if (value.IsNull()) return Cell{CellKind::kNull, ""};
  const auto& type = value.type();
  if (type.id() == duckdb::LogicalTypeId::BOOLEAN) {
    return Cell{CellKind::kBool, value.GetValue<bool>() ? "true" : "false"};
  }
  if (IsNested(type)) return Cell{CellKind::kJson, ToJson(value).dump()};
  if (IsNumeric(type)) {
    return Cell{IsFiniteNumber(value) ? CellKind::kNumber : CellKind::kString, value.ToString()};
  }
  return Cell{CellKind::kString, value.ToString()};
}

}  // namespace shoal::engine
