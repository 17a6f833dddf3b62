// How the verbs that list things print them: the structured outputs (`--output json` and
// `--output yaml`: one JSON value printed as indented JSON, or as the YAML document that reads
// back as the same value, with strings YAML would read as numbers, booleans or null quoted and
// key order kept), and the table flags Bacalhau users type (--hide-header, --no-style, --wide).
//
// Thread-safety: each call is independent.
#pragma once

#include <ostream>
#include <string>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "cli/api_support.h"
#include "cli/result_table.h"

namespace shoal::cli {

void PrintYaml(const nlohmann::json& value, std::ostream& out);
void PrintYaml(const nlohmann::ordered_json& value, std::ostream& out);

// `value` as `output` asks for: YAML for kYaml, JSON otherwise.
void PrintStructured(ListOutput output, const nlohmann::json& value, std::ostream& out);
void PrintStructured(ListOutput output, const nlohmann::ordered_json& value, std::ostream& out);

// True for json and yaml: the formats printed from the API's JSON rather than as a table.
inline bool IsStructured(ListOutput output) {
  return output == ListOutput::kJson || output == ListOutput::kYaml;
}

// --output and the table flags of a listing verb.
struct ListFlags {
  std::string output = "table";
  bool hide_header = false;
  bool no_style = false;
  bool wide = false;  // full IDs rather than their short form

  // The ID as the table shows it: whole with --wide, else as ShortId shortens it.
  std::string Id(std::string_view id) const;
  format::TableStyle Style() const { return {!hide_header, !no_style}; }
};

// Adds --output (with `formats` in its help), --hide-header, --no-style and --wide.
void AddListFlags(CLI::App* verb, ListFlags& flags, const std::string& formats);

// Prints `table` in the flags' format and style (table or csv).
Status PrintListTable(const Table& table, ListOutput output, const ListFlags& flags,
                      std::ostream& out);

}  // namespace shoal::cli
