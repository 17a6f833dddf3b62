// Internal to api/: checked decoding of the orchestrator's answers (Answer) and the pieces of
// request URLs that api_client.cc (jobs, nodes, agent) and api_client_warehouse.cc (tables,
// queries) share.
//
// Thread-safety: an Answer reads one answer on one thread; the functions are pure.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "common/status.h"
#include "transport/http_client.h"

namespace shoal::api::internal {

using transport::Json;

// Builds "?a=1&b=x" from the non-empty pairs.
inline std::string Query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string query;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    query += (query.empty() ? "?" : "&") + name + "=" + transport::UrlEncode(value);
  }
  return query;
}

// Checked access to the fields of an answer. Errors name the endpoint and the field, because a
// malformed answer means client and server disagree about docs/api.md.
class Answer {
 public:
  // `path` names `json` inside the answer ("Items[2]"), "" for the answer itself.
  Answer(const Json& json, std::string where, std::string path = "")
      : json_(json), where_(std::move(where)), path_(std::move(path)) {}

  std::string FieldPath(const std::string& field) const {
    if (field.empty() || path_.empty()) return path_ + field;
    return path_ + "." + field;
  }

  Status Malformed(const std::string& field, const std::string& problem) const {
    const std::string path = FieldPath(field);
    return Status::Internal("unexpected answer from " + where_ + ": " +
                            (path.empty() ? "" : path + ": ") + problem);
  }

  // The field `name`; null when absent and optional.
  Result<const Json*> Field(const std::string& name, bool required = true) const {
    if (!json_.is_object()) {
      return Status::Internal("unexpected answer from " + where_ + ": " +
                              (path_.empty() ? "the body" : path_) + ": expected a JSON object");
    }
    auto it = json_.find(name);
    if (it == json_.end() || it->is_null()) {
      if (required) return Malformed(name, "missing");
      return static_cast<const Json*>(nullptr);
    }
    return &*it;
  }

  Status String(const std::string& name, std::string* out, bool required = true) const {
    SHOAL_ASSIGN_OR_RETURN(const Json* value, Field(name, required));
    if (value == nullptr) return Status::Ok();
    if (!value->is_string()) return Malformed(name, "expected a string");
    *out = value->get<std::string>();
    return Status::Ok();
  }

  Status Int(const std::string& name, int64_t* out, bool required = true) const {
    SHOAL_ASSIGN_OR_RETURN(const Json* value, Field(name, required));
    if (value == nullptr) return Status::Ok();
    if (!value->is_number_integer()) return Malformed(name, "expected an integer");
    *out = value->get<int64_t>();
    return Status::Ok();
  }

  Status Bool(const std::string& name, bool* out, bool required = true) const {
    SHOAL_ASSIGN_OR_RETURN(const Json* value, Field(name, required));
    if (value == nullptr) return Status::Ok();
    if (!value->is_boolean()) return Malformed(name, "expected true or false");
    *out = value->get<bool>();
    return Status::Ok();
  }

  // The list of strings `name` (Warnings), appended to `out`.
  Status StringList(const std::string& name, std::vector<std::string>* out,
                    bool required = true) const {
    return Each(
        name,
        [&](const Json& item, const std::string& path) -> Status {
          if (!item.is_string()) return Malformed(path, "expected a string");
          out->push_back(item.get<std::string>());
          return Status::Ok();
        },
        required);
  }

  // Calls `decode(item, "Path.Name[i]")` for each element of the array field `name`.
  template <typename Fn>
  Status Each(const std::string& name, Fn&& decode, bool required = true) const {
    SHOAL_ASSIGN_OR_RETURN(const Json* value, Field(name, required));
    if (value == nullptr) return Status::Ok();
    if (!value->is_array()) return Malformed(name, "expected a list");
    for (size_t i = 0; i < value->size(); ++i) {
      SHOAL_RETURN_IF_ERROR(decode((*value)[i], FieldPath(name) + "[" + std::to_string(i) + "]"));
    }
    return Status::Ok();
  }

  // Decodes the object field `name` with a models FromJson function.
  template <typename T>
  Result<T> Model(const std::string& name, Result<T> (*from_json)(const Json&)) const {
    SHOAL_ASSIGN_OR_RETURN(const Json* value, Field(name));
    return Decode(*value, FieldPath(name), from_json);
  }

  template <typename T>
  Result<T> Decode(const Json& value, const std::string& field,
                   Result<T> (*from_json)(const Json&)) const {
    Answer item(value, where_, field);
    if (!value.is_object()) return item.Malformed("", "expected a JSON object");
    Result<T> decoded = from_json(value);
    if (!decoded.ok()) return item.Malformed("", decoded.status().message());
    return decoded;
  }

  // Decodes the list field `name` (required) with a models FromJson function.
  template <typename T>
  Result<std::vector<T>> ModelList(const std::string& name,
                                   Result<T> (*from_json)(const Json&)) const {
    std::vector<T> items;
    SHOAL_RETURN_IF_ERROR(Each(name, [&](const Json& item, const std::string& path) -> Status {
      SHOAL_ASSIGN_OR_RETURN(T decoded, Decode(item, path, from_json));
      items.push_back(std::move(decoded));
      return Status::Ok();
    }));
    return items;
  }

  const std::string& where() const { return where_; }

 private:
  const Json& json_;
  std::string where_;
  std::string path_;
};

}  // namespace shoal::api::internal
