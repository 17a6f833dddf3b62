// JsonReader: reads the fields of one JSON object into C++ values and remembers the first
// problem with the field's full path ("Tasks[0].Timeouts.QueueTimeout: expected an integer,
// got string"). Internal to the JSON codec (json_codec_*.cc).
//
// Absent and null fields leave the output untouched; unknown fields are not looked at.
//
// Thread-safety: a reader is used by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/spec_config.h"

namespace shoal::models {

class JsonReader {
 public:
  using NestedFn = std::function<Status(const nlohmann::json& value, const std::string& path)>;

  // `path` names `value` in messages ("" for the document itself).
  JsonReader(const nlohmann::json& value, std::string path);

  const Status& status() const { return status_; }

  void String(const char* field, std::string* out);
  // A string field that must be there: absent or null is "<path>: required (a string)".
  void RequiredString(const char* field, std::string* out);
  void Int(const char* field, int64_t* out);
  void Int(const char* field, int* out);
  void Bool(const char* field, bool* out);
  void Double(const char* field, double* out);
  void StringMap(const char* field, std::map<std::string, std::string>* out);
  void StringList(const char* field, std::vector<std::string>* out);
  // Any JSON object, kept as is (SpecConfig params).
  void Object(const char* field, nlohmann::json* out);

  // An enum spelled as a string, read with `parse` (a models Parse* function).
  template <typename T>
  void Enum(const char* field, T* out, Result<T> (*parse)(std::string_view)) {
    std::string text;
    if (!Present(field)) return;
    String(field, &text);
    if (!status_.ok()) return;
    Result<T> parsed = parse(text);
    if (!parsed.ok()) return Fail(FieldPath(field) + ": " + parsed.status().message());
    *out = *parsed;
  }

  // An enum field that must be there.
  template <typename T>
  void RequiredEnum(const char* field, T* out, Result<T> (*parse)(std::string_view)) {
    if (status_.ok() && !Present(field)) return Fail(FieldPath(field) + ": required (a string)");
    Enum(field, out, parse);
  }

  // A nested object, decoded by `fn` with the nested path.
  void Nested(const char* field, const NestedFn& fn);
  // A list of objects, each decoded by `fn` with path "Field[i]".
  void List(const char* field, const NestedFn& fn);

  std::string FieldPath(const char* field) const;

 private:
  // True when the field exists and is not null (and the reader has no error yet).
  bool Present(const char* field) const;
  const nlohmann::json& Get(const char* field) const { return value_.at(field); }
  void Fail(std::string message);
  void TypeError(const char* field, std::string_view expected);

  const nlohmann::json& value_;
  std::string path_;
  Status status_;
};

// "expected a JSON object" error when `value` is not an object, else OK.
Status RequireObject(const nlohmann::json& value, const std::string& path);

// A SpecConfig ({Type, Params}) at `path`, for the codecs of everything that holds one.
Status DecodeSpecConfig(const nlohmann::json& value, const std::string& path, SpecConfig* out);

}  // namespace shoal::models
