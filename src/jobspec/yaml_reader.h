// The building blocks of the job-spec decoder (internal to jobspec/): Problems collects every
// error and warning with its line; MapReader reads one YAML map against the list of fields it
// may hold.
//
// Field names match case-insensitively, as Bacalhau's JSON decoding does (`type: s3` means
// `Type: s3`); paths in messages use the canonical spelling. A field not in the list is an
// error naming its path and line, with a "did you mean" suggestion when one is close. Typed
// getters report wrong types ("expected an integer, got 'three'") the same way and return
// nullopt, so decoding goes on and one run reports every problem.
//
// Thread-safety: a Problems and its readers are used by one thread.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include "common/status.h"
#include "models/spec_config.h"

namespace shoal::jobspec {

// 1-based line of a node, or 0 when the node has no position (absent nodes).
int LineOf(const YAML::Node& node);

class Problems {
 public:
  // Records "line N: <path>: <message>" (without the path part when `path` is empty).
  void Error(int line, std::string_view path, std::string_view message);
  void Warn(int line, std::string_view path, std::string_view message);

  bool HasErrors() const { return !errors_.empty(); }
  // One error: its text. Several: "N problems in the job spec:" then one per line, by line.
  Status ToStatus() const;
  std::vector<std::string> Warnings() const;

 private:
  struct Entry {
    int line;
    std::string text;
  };
  static std::string Format(int line, std::string_view path, std::string_view message);

  std::vector<Entry> errors_;
  std::vector<Entry> warnings_;
};

// "a map", "a list", "'text'" or "nothing": how a node is described in type errors.
std::string Describe(const YAML::Node& node);

// The node as JSON: maps, lists, plain integers and booleans keep their types, the rest are
// strings. Used to keep an engine "as written" for display.
nlohmann::json YamlToJson(const YAML::Node& node);

class MapReader {
 public:
  // Checks that `node` is a map (an absent or null node is an empty map) whose keys are all
  // in `fields` (matched case-insensitively) and appear once. `path` names the map in messages
  // ("Tasks[0].Engine"). `hints` maps a lower-case unknown key to a message that replaces the
  // generic "unknown field" one.
  MapReader(Problems& problems, const YAML::Node& node, std::string path,
            std::vector<std::string> fields, std::map<std::string, std::string> hints = {});

  // False when the node was not a map (an error was recorded).
  bool valid() const { return valid_; }
  int line() const { return LineOf(node_); }
  const std::string& path() const { return path_; }
  Problems& problems() { return problems_; }

  // The value of `field` (canonical spelling); an undefined node when absent or null.
  YAML::Node Get(std::string_view field) const;
  bool Has(std::string_view field) const { return Get(field).IsDefined(); }
  // The line of the field's key, else of the map.
  int LineOfField(std::string_view field) const;
  std::string PathOf(std::string_view field) const;

  // Records an error at the field's key: "line N: <path>.<field>: <message>".
  void Error(std::string_view field, std::string_view message);
  void Warn(std::string_view field, std::string_view message);

  // Typed getters: nullopt when absent or of the wrong type (an error is then recorded).
  // String accepts any scalar; Int and Bool need unquoted YAML scalars.
  std::optional<std::string> String(std::string_view field);
  std::optional<std::string> RequiredString(std::string_view field, std::string_view hint = "");
  std::optional<int64_t> Int(std::string_view field);
  std::optional<bool> Bool(std::string_view field);
  std::optional<std::map<std::string, std::string>> StringMap(std::string_view field);
  std::optional<std::vector<std::string>> StringList(std::string_view field);

 private:
  struct Field {
    std::string name;  // canonical spelling
    YAML::Node key;
    YAML::Node value;
  };
  const Field* Find(std::string_view field) const;

  Problems& problems_;
  YAML::Node node_;
  std::string path_;
  bool valid_ = true;
  std::vector<Field> present_;
};

// The scalar's text, or nullopt (and an error at `path`) for maps and lists.
std::optional<std::string> ScalarText(Problems& problems, const YAML::Node& node,
                                      std::string_view path);

// `{Type, Params}` (read by `r`) whose Type is none of Shoal's own `kind`s (`builtin`): a
// plug-in only some nodes may have (compute/plugins.h). Its Params (a map, or absent) are kept
// as written, lower-case Type, and a warning says the orchestrator takes the job only if a node
// has it. A Type close to a built-in one is taken for a typo: an error suggests the built-in.
// A built-in Type this decoder has no reader of its own for is kept as written, without a
// warning (the job model checks its Params).
std::optional<models::SpecConfig> DecodeOtherPlugin(MapReader& r, std::string_view kind,
                                                    const std::string& type,
                                                    const std::vector<std::string>& builtin);

}  // namespace shoal::jobspec
