#include "cli/list_output.h"

#include <regex>
#include <string>

#include <yaml-cpp/yaml.h>

namespace shoal::cli {

namespace {

// True when YAML 1.1 or 1.2 would read `text`, unquoted, as something other than this string.
bool NeedsQuotes(const std::string& text) {
  static const std::regex kNotAString(
      "|~|null|Null|NULL|true|True|TRUE|false|False|FALSE|yes|Yes|YES|no|No|NO|on|On|ON|off|Off|"
      "OFF|y|Y|n|N|[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?|0x[0-9a-fA-F_]+|"
      "0o?[0-7_]+|[-+]?\\.(inf|Inf|INF)|\\.(nan|NaN|NAN)|[0-9]+(:[0-5]?[0-9])+(\\.[0-9_]*)?");
  return std::regex_match(text, kNotAString);
}

template <typename Json>
void Emit(const Json& value, YAML::Emitter& out) {
  switch (value.type()) {
    case Json::value_t::object:
      out << YAML::BeginMap;
      for (const auto& [key, item] : value.items()) {
        out << YAML::Key << key << YAML::Value;
        Emit(item, out);
      }
      out << YAML::EndMap;
      return;
    case Json::value_t::array:
      out << YAML::BeginSeq;
      for (const auto& item : value) Emit(item, out);
      out << YAML::EndSeq;
      return;
    case Json::value_t::string: {
      const auto& text = value.template get_ref<const std::string&>();
      if (NeedsQuotes(text)) out << YAML::DoubleQuoted;
      out << text;
      return;
    }
    case Json::value_t::boolean:
      out << value.template get<bool>();
      return;
    case Json::value_t::null:
    case Json::value_t::discarded:
      out << YAML::Null;
      return;
    default:  // numbers, exactly as JSON writes them
      out << value.dump();
      return;
  }
}

template <typename Json>
void Print(const Json& value, std::ostream& out) {
  YAML::Emitter emitter;
  emitter.SetBoolFormat(YAML::TrueFalseBool);
  emitter.SetBoolFormat(YAML::LowerCase);
  Emit(value, emitter);
  out << emitter.c_str() << "\n";
}

}  // namespace

void PrintYaml(const nlohmann::json& value, std::ostream& out) { Print(value, out); }
void PrintYaml(const nlohmann::ordered_json& value, std::ostream& out) { Print(value, out); }

void PrintStructured(ListOutput output, const nlohmann::json& value, std::ostream& out) {
  if (output == ListOutput::kYaml) return PrintYaml(value, out);
  PrintJson(value, out);
}

void PrintStructured(ListOutput output, const nlohmann::ordered_json& value, std::ostream& out) {
  if (output == ListOutput::kYaml) return PrintYaml(value, out);
  out << value.dump(2, ' ', false, nlohmann::ordered_json::error_handler_t::replace) << "\n";
}

std::string ListFlags::Id(std::string_view id) const {
  return wide ? std::string(id) : ShortId(id);
}

void AddListFlags(CLI::App* verb, ListFlags& flags, const std::string& formats) {
  verb->add_option("--output", flags.output, formats)->capture_default_str();
  verb->add_flag("--hide-header", flags.hide_header, "print the rows without the column names");
  verb->add_flag("--no-style", flags.no_style, "plain columns: no separators, rule or row count");
  verb->add_flag("--wide", flags.wide, "print IDs whole instead of shortened");
}

Status PrintListTable(const Table& table, ListOutput output, const ListFlags& flags,
                      std::ostream& out) {
  return PrintTable(table, PrinterFormat(output), out, flags.Style());
}

}  // namespace shoal::cli
