#include "jobspec/yaml_reader.h"

#include <algorithm>
#include <utility>

#include "models/task.h"
#include "models/text.h"

namespace shoal::jobspec {
namespace {

using models::EqualsIgnoreCase;
using models::ToLowerAscii;

YAML::Node Undefined() { return YAML::Node(YAML::NodeType::Undefined); }

bool IsAbsent(const YAML::Node& node) { return !node.IsDefined() || node.IsNull(); }

// yaml-cpp tags quoted scalars "!" and plain ones "?": only plain scalars are YAML numbers or
// booleans, so `Count: "3"` is a string, as it is for Bacalhau.
bool IsPlainScalar(const YAML::Node& node) { return node.IsScalar() && node.Tag() != "!"; }

std::optional<bool> ParseYamlBool(std::string_view text) {
  // YAML 1.1 spellings, which Bacalhau's YAML library (go-yaml v2) accepts.
  const std::string lower = ToLowerAscii(text);
  for (const char* t : {"true", "yes", "on", "y"}) {
    if (lower == t) return true;
  }
  for (const char* f : {"false", "no", "off", "n"}) {
    if (lower == f) return false;
  }
  return std::nullopt;
}

}  // namespace

int LineOf(const YAML::Node& node) {
  if (!node.IsDefined()) return 0;
  const YAML::Mark mark = node.Mark();
  return mark.line < 0 ? 0 : mark.line + 1;
}

std::string Problems::Format(int line, std::string_view path, std::string_view message) {
  std::string out;
  if (line > 0) out = "line " + std::to_string(line) + ": ";
  if (!path.empty()) out += std::string(path) + ": ";
  return out + std::string(message);
}

void Problems::Error(int line, std::string_view path, std::string_view message) {
  errors_.push_back({line, Format(line, path, message)});
}

void Problems::Warn(int line, std::string_view path, std::string_view message) {
  warnings_.push_back({line, Format(line, path, message)});
}

Status Problems::ToStatus() const {
  if (errors_.empty()) return Status::Ok();
  if (errors_.size() == 1) return Status::InvalidArgument(errors_[0].text);
  std::vector<Entry> sorted = errors_;
  std::stable_sort(sorted.begin(), sorted.end(),
                   [](const Entry& a, const Entry& b) { return a.line < b.line; });
  std::string message = std::to_string(sorted.size()) + " problems in the job spec:";
  for (const Entry& e : sorted) message += "\n  " + e.text;
  return Status::InvalidArgument(message);
}

std::vector<std::string> Problems::Warnings() const {
  std::vector<std::string> out;
  for (const Entry& w : warnings_) out.push_back(w.text);
  return out;
}

std::string Describe(const YAML::Node& node) {
  if (IsAbsent(node)) return "nothing";
  if (node.IsMap()) return "a map";
  if (node.IsSequence()) return "a list";
  return "'" + node.Scalar() + "'";
}

nlohmann::json YamlToJson(const YAML::Node& node) {
  if (IsAbsent(node)) return nullptr;
  if (node.IsMap()) {
    nlohmann::json out = nlohmann::json::object();
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it->first.IsScalar()) out[it->first.Scalar()] = YamlToJson(it->second);
    }
    return out;
  }
  if (node.IsSequence()) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& item : node) out.push_back(YamlToJson(item));
    return out;
  }
  if (IsPlainScalar(node)) {
    if (auto n = models::ParseInt64(node.Scalar())) return *n;
    if (node.Scalar() == "true" || node.Scalar() == "false") return node.Scalar() == "true";
  }
  return node.Scalar();
}

std::optional<std::string> ScalarText(Problems& problems, const YAML::Node& node,
                                      std::string_view path) {
  if (node.IsScalar()) return node.Scalar();
  if (IsAbsent(node)) return std::string();
  problems.Error(LineOf(node), path, "expected a single value, got " + Describe(node));
  return std::nullopt;
}

MapReader::MapReader(Problems& problems, const YAML::Node& node, std::string path,
                     std::vector<std::string> fields, std::map<std::string, std::string> hints)
    : problems_(problems), node_(node), path_(std::move(path)) {
  if (IsAbsent(node)) return;
  if (!node.IsMap()) {
    valid_ = false;
    problems_.Error(LineOf(node), path_, "expected a map, got " + Describe(node));
    return;
  }
  for (auto it = node.begin(); it != node.end(); ++it) {
    const YAML::Node key = it->first;
    if (!key.IsScalar()) {
      problems_.Error(LineOf(key), path_, "field names must be plain text, got " + Describe(key));
      continue;
    }
    const std::string& name = key.Scalar();
    auto known = std::find_if(fields.begin(), fields.end(),
                              [&](const std::string& f) { return EqualsIgnoreCase(f, name); });
    const std::string field_path = path_.empty() ? name : path_ + "." + name;
    if (known == fields.end()) {
      auto hint = hints.find(ToLowerAscii(name));
      if (hint != hints.end()) {
        problems_.Error(LineOf(key), field_path, hint->second);
      } else if (auto close = models::ClosestMatch(name, fields)) {
        problems_.Error(LineOf(key), field_path, "unknown field; did you mean " + *close + "?");
      } else if (fields.empty()) {
        problems_.Error(LineOf(key), field_path, "unknown field; this map takes no fields");
      } else {
        problems_.Error(LineOf(key), field_path,
                        "unknown field; valid fields: " + models::JoinComma(fields));
      }
      continue;
    }
    if (Find(*known) != nullptr) {
      problems_.Error(LineOf(key), field_path,
                      "duplicate field (" + *known + " is already set on line " +
                          std::to_string(LineOfField(*known)) + ")");
      continue;
    }
    present_.push_back({*known, key, it->second});
  }
}

const MapReader::Field* MapReader::Find(std::string_view field) const {
  for (const Field& f : present_) {
    if (f.name == field) return &f;
  }
  return nullptr;
}

YAML::Node MapReader::Get(std::string_view field) const {
  const Field* f = Find(field);
  if (f == nullptr || IsAbsent(f->value)) return Undefined();
  return f->value;
}

int MapReader::LineOfField(std::string_view field) const {
  const Field* f = Find(field);
  return f != nullptr ? LineOf(f->key) : line();
}

std::string MapReader::PathOf(std::string_view field) const {
  return path_.empty() ? std::string(field) : path_ + "." + std::string(field);
}

void MapReader::Error(std::string_view field, std::string_view message) {
  problems_.Error(LineOfField(field), PathOf(field), message);
}

void MapReader::Warn(std::string_view field, std::string_view message) {
  problems_.Warn(LineOfField(field), PathOf(field), message);
}

std::optional<std::string> MapReader::String(std::string_view field) {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return std::nullopt;
  if (!value.IsScalar()) {
    Error(field, "expected a single value, got " + Describe(value));
    return std::nullopt;
  }
  return value.Scalar();
}

std::optional<std::string> MapReader::RequiredString(std::string_view field,
                                                     std::string_view hint) {
  if (!Has(field)) {
    if (valid_)
      Error(field, "required" + std::string(hint.empty() ? "" : "; ") + std::string(hint));
    return std::nullopt;
  }
  std::optional<std::string> value = String(field);
  if (value && value->empty()) {
    Error(field, "must not be empty");
    return std::nullopt;
  }
  return value;
}

std::optional<int64_t> MapReader::Int(std::string_view field) {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return std::nullopt;
  std::optional<int64_t> n;
  if (IsPlainScalar(value)) n = models::ParseInt64(value.Scalar());
  if (!n) {
    const bool quoted = value.IsScalar() && !IsPlainScalar(value);
    Error(field, "expected an integer, got " + Describe(value) + (quoted ? " (quoted)" : ""));
  }
  return n;
}

std::optional<bool> MapReader::Bool(std::string_view field) {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return std::nullopt;
  std::optional<bool> b;
  if (IsPlainScalar(value)) b = ParseYamlBool(value.Scalar());
  if (!b) Error(field, "expected true or false, got " + Describe(value));
  return b;
}

std::optional<std::map<std::string, std::string>> MapReader::StringMap(std::string_view field) {
  YAML::Node value = Get(field);
  if (!value.IsDefined()) return std::nullopt;
  if (!value.IsMap()) {
    Error(field, "expected a map of NAME: value, got " + Describe(value));
    return std::nullopt;
  }
  std::map<std::string, std::string> out;
  bool ok = true;
  for (auto it = value.begin(); it != value.end(); ++it) {
    if (!it->first.IsScalar()) {
      problems_.Error(LineOf(it->first), PathOf(field), "keys must be plain text");
      ok = false;
      continue;
    }
    const std::string& key = it->first.Scalar();
    std::optional<std::string> text = ScalarText(problems_, it->second, PathOf(field) + "." + key);
    if (!text) {
      ok = false;
      continue;
    }
    if (!out.emplace(key, *text).second) {
      problems_.Error(LineOf(it->first), PathOf(field) + "." + key, "duplicate key");
      ok = false;
    }
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<std::vector<std::string>> MapReader::StringList(std::string_view field) {
  const YAML::Node value = Get(field);
  if (!value.IsDefined()) return std::nullopt;
  if (!value.IsSequence()) {
    Error(field, "expected a list, got " + Describe(value) +
                     (value.IsScalar() ? " (write [" + value.Scalar() + "])" : ""));
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (size_t i = 0; i < value.size(); ++i) {
    const std::string item_path = PathOf(field) + "[" + std::to_string(i) + "]";
    if (!value[i].IsScalar()) {
      problems_.Error(LineOf(value[i]), item_path,
                      "expected a single value, got " + Describe(value[i]));
      ok = false;
      continue;
    }
    out.push_back(value[i].Scalar());
  }
  if (!ok) return std::nullopt;
  return out;
}

std::optional<models::SpecConfig> DecodeOtherPlugin(MapReader& r, std::string_view kind,
                                                    const std::string& type,
                                                    const std::vector<std::string>& builtin) {
  const std::string supported = "Shoal's own: " + models::JoinComma(builtin);
  const std::string lower = models::ToLowerAscii(type);
  const bool is_builtin = std::find(builtin.begin(), builtin.end(), lower) != builtin.end();
  if (!is_builtin) {
    if (auto close = models::ClosestMatch(type, builtin)) {
      r.Error("Type", std::string(kind) + " '" + type + "' is not supported; did you mean " +
                          *close + "? (" + supported + ")");
      return std::nullopt;
    }
    if (Status name = models::ValidatePluginType(lower); !name.ok()) {
      r.Error("Type", name.message());
      return std::nullopt;
    }
  }
  const YAML::Node params = r.Get("Params");
  if (params.IsDefined() && !params.IsMap()) {
    r.Error("Params", "expected a map, got " + Describe(params));
    return std::nullopt;
  }
  if (!is_builtin) {
    r.Warn("Type", std::string(kind) + " '" + type + "' is not one of " + supported +
                       "; the orchestrator takes the job only if one of its nodes has it");
  }
  models::SpecConfig plugin;
  plugin.type = lower;
  if (params.IsDefined()) plugin.params = YamlToJson(params);
  return plugin;
}

}  // namespace shoal::jobspec
