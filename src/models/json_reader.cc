#include "models/json_reader.h"

#include <limits>
#include <utility>

namespace shoal::models {

Status RequireObject(const nlohmann::json& value, const std::string& path) {
  if (value.is_object()) return Status::Ok();
  return Status::InvalidArgument((path.empty() ? std::string("document") : path) +
                                 ": expected a JSON object, got " + value.type_name());
}

JsonReader::JsonReader(const nlohmann::json& value, std::string path)
    : value_(value), path_(std::move(path)), status_(RequireObject(value, path_)) {}

std::string JsonReader::FieldPath(const char* field) const {
  return path_.empty() ? std::string(field) : path_ + "." + field;
}

bool JsonReader::Present(const char* field) const {
  if (!status_.ok()) return false;
  auto it = value_.find(field);
  return it != value_.end() && !it->is_null();
}

void JsonReader::Fail(std::string message) {
  if (status_.ok()) status_ = Status::InvalidArgument(std::move(message));
}

void JsonReader::TypeError(const char* field, std::string_view expected) {
  Fail(FieldPath(field) + ": expected " + std::string(expected) + ", got " +
       Get(field).type_name());
}

void JsonReader::String(const char* field, std::string* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_string()) return TypeError(field, "a string");
  *out = v.get<std::string>();
}

void JsonReader::RequiredString(const char* field, std::string* out) {
  if (status_.ok() && !Present(field)) return Fail(FieldPath(field) + ": required (a string)");
  String(field, out);
}

void JsonReader::Double(const char* field, double* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_number()) return TypeError(field, "a number");
  *out = v.get<double>();
}

void JsonReader::Int(const char* field, int64_t* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (v.is_number_integer()) {
    *out = v.get<int64_t>();
    return;
  }
  // Whole floats (3.0) arrive from some JSON writers; anything else is an error.
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (d == static_cast<double>(static_cast<int64_t>(d))) {
      *out = static_cast<int64_t>(d);
      return;
    }
  }
  TypeError(field, "an integer");
}

void JsonReader::Int(const char* field, int* out) {
  int64_t wide = *out;
  Int(field, &wide);
  if (!status_.ok()) return;
  if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
    return Fail(FieldPath(field) + ": " + std::to_string(wide) + " is out of range");
  }
  *out = static_cast<int>(wide);
}

void JsonReader::Bool(const char* field, bool* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_boolean()) return TypeError(field, "true or false");
  *out = v.get<bool>();
}

void JsonReader::StringMap(const char* field, std::map<std::string, std::string>* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_object()) return TypeError(field, "an object of strings");
  std::map<std::string, std::string> result;
  for (const auto& [key, item] : v.items()) {
    if (!item.is_string()) {
      return Fail(FieldPath(field) + "." + key + ": expected a string, got " + item.type_name());
    }
    result[key] = item.get<std::string>();
  }
  *out = std::move(result);
}

void JsonReader::StringList(const char* field, std::vector<std::string>* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_array()) return TypeError(field, "a list of strings");
  std::vector<std::string> result;
  for (size_t i = 0; i < v.size(); ++i) {
    if (!v[i].is_string()) {
      return Fail(FieldPath(field) + "[" + std::to_string(i) + "]: expected a string, got " +
                  v[i].type_name());
    }
    result.push_back(v[i].get<std::string>());
  }
  *out = std::move(result);
}

void JsonReader::Object(const char* field, nlohmann::json* out) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_object()) return TypeError(field, "an object");
  *out = v;
}

void JsonReader::Nested(const char* field, const NestedFn& fn) {
  if (!Present(field)) return;
  const std::string path = FieldPath(field);
  Status s = RequireObject(Get(field), path);
  if (s.ok()) s = fn(Get(field), path);
  if (!s.ok()) Fail(s.message());
}

void JsonReader::List(const char* field, const NestedFn& fn) {
  if (!Present(field)) return;
  const auto& v = Get(field);
  if (!v.is_array()) return TypeError(field, "a list");
  for (size_t i = 0; i < v.size() && status_.ok(); ++i) {
    const std::string path = FieldPath(field) + "[" + std::to_string(i) + "]";
    Status s = RequireObject(v[i], path);
    if (s.ok()) s = fn(v[i], path);
    if (!s.ok()) Fail(s.message());
  }
}

}  // namespace shoal::models
