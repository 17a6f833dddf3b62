#include "cli/list_output.h"

#include <sstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

namespace shoal::cli {
namespace {

// YAML as a JSON value again: scalars typed the way a YAML 1.2 reader types them.
nlohmann::json FromYaml(const YAML::Node& node) {
  if (node.IsMap()) {
    nlohmann::json object = nlohmann::json::object();
    for (const auto& item : node) object[item.first.as<std::string>()] = FromYaml(item.second);
    return object;
  }
  if (node.IsSequence()) {
    nlohmann::json array = nlohmann::json::array();
    for (const auto& item : node) array.push_back(FromYaml(item));
    return array;
  }
  if (node.IsNull()) return nullptr;
  // A quoted scalar has the tag "!" and is a string whatever it holds.
  const std::string text = node.Scalar();
  if (node.Tag() == "!") return text;
  if (text == "true" || text == "false") return text == "true";
  nlohmann::json number = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!number.is_discarded() && number.is_number()) return number;
  return text;
}

TEST(ListOutputTest, YamlReadsBackAsTheSameValue) {
  const nlohmann::json value = {
      {"ID", "j-1234"},
      {"Count", 3},
      {"Ratio", 0.25},
      {"Done", true},
      {"Missing", nullptr},
      {"LooksLikeNumbers", {"123", "1.5", "-7", "0x1F", "1e3", "12:30"}},
      {"LooksLikeOthers", {"true", "no", "Off", "null", "~", "", "yes"}},
      {"Text", {"plain words", "colon: inside", "- dash", "#hash", "multi\nline", "quote\"s"}},
      {"Nested", {{"Empty", nlohmann::json::object()}, {"List", nlohmann::json::array()}}}};
  std::ostringstream out;
  PrintYaml(value, out);
  EXPECT_EQ(FromYaml(YAML::Load(out.str())), value) << out.str();
}

TEST(ListOutputTest, YamlKeepsTheOrderOfOrderedJson) {
  nlohmann::ordered_json value;
  value["JobID"] = "j-1";
  value["State"] = "Completed";
  value["Columns"] = {"a"};
  std::ostringstream out;
  PrintYaml(value, out);
  EXPECT_EQ(out.str(), "JobID: j-1\nState: Completed\nColumns:\n  - a\n");
}

TEST(ListOutputTest, TableFlagsDropTheHeaderAndTheDecoration) {
  Table table = Table::WithColumns({"ID", "COUNT#"});
  table.AddTextRow({"j-1234567890", "7"});
  table.AddTextRow({"j-2", "12"});
  auto print = [&](bool hide_header, bool no_style, ListOutput output) {
    ListFlags flags;
    flags.hide_header = hide_header;
    flags.no_style = no_style;
    std::ostringstream out;
    EXPECT_TRUE(PrintListTable(table, output, flags, out).ok());
    return out.str();
  };
  EXPECT_EQ(print(false, false, ListOutput::kTable),
            "ID           | COUNT\n"
            "-------------|------\n"
            "j-1234567890 |     7\n"
            "j-2          |    12\n"
            "(2 rows)\n");
  EXPECT_EQ(print(true, false, ListOutput::kTable),
            "j-1234567890 |  7\n"
            "j-2          | 12\n");
  EXPECT_EQ(print(false, true, ListOutput::kTable),
            "ID            COUNT\n"
            "j-1234567890      7\n"
            "j-2              12\n");
  EXPECT_EQ(print(true, false, ListOutput::kCsv), "j-1234567890,7\nj-2,12\n");
}

TEST(ListOutputTest, WideKeepsIdsWhole) {
  const std::string id = "j-0123abcd-4567-89ab-cdef-0123456789ab";
  ListFlags flags;
  EXPECT_EQ(flags.Id(id), "j-0123abcd");
  flags.wide = true;
  EXPECT_EQ(flags.Id(id), id);
}

}  // namespace
}  // namespace shoal::cli
