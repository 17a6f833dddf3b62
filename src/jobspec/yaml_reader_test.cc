#include "jobspec/yaml_reader.h"

#include <gtest/gtest.h>

namespace shoal::jobspec {
namespace {

TEST(YamlReaderTest, KnownFieldsMatchCaseInsensitively) {
  YAML::Node node = YAML::Load("type: s3\nPARAMS: {Bucket: b}\n");
  Problems problems;
  MapReader r(problems, node, "Source", {"Type", "Params"});
  EXPECT_FALSE(problems.HasErrors()) << problems.ToStatus().ToString();
  EXPECT_EQ(r.String("Type"), "s3");
  EXPECT_TRUE(r.Get("Params").IsMap());
}

TEST(YamlReaderTest, UnknownFieldSuggestsTheClosest) {
  YAML::Node node = YAML::Load("Type: duckdb\nParms:\n  SQL: x\n");
  Problems problems;
  MapReader r(problems, node, "Tasks[0].Engine", {"Type", "Params"});
  EXPECT_EQ(problems.ToStatus().message(),
            "line 2: Tasks[0].Engine.Parms: unknown field; did you mean Params?");
}

TEST(YamlReaderTest, UnknownFieldWithoutSuggestionListsValidOnes) {
  YAML::Node node = YAML::Load("Colour: red\n");
  Problems problems;
  MapReader r(problems, node, "Network", {"Type", "Domains"});
  EXPECT_EQ(problems.ToStatus().message(),
            "line 1: Network.Colour: unknown field; valid fields: Type, Domains");
}

TEST(YamlReaderTest, DuplicateFieldsAreErrors) {
  YAML::Node node = YAML::Load("Name: a\nname: b\n");
  Problems problems;
  MapReader r(problems, node, "", {"Name"});
  EXPECT_EQ(problems.ToStatus().message(),
            "line 2: name: duplicate field (Name is already set on line 1)");
}

TEST(YamlReaderTest, WrongTypesNameFieldAndLine) {
  YAML::Node node = YAML::Load(
      "Count: three\n"
      "Priority: \"3\"\n"
      "Labels: [a, b]\n"
      "Values: us\n"
      "ReadWrite: maybe\n"
      "Name: [x]\n");
  Problems problems;
  MapReader r(problems, node, "", {"Count", "Priority", "Labels", "Values", "ReadWrite", "Name"});
  EXPECT_FALSE(r.Int("Count").has_value());
  EXPECT_FALSE(r.Int("Priority").has_value());
  EXPECT_FALSE(r.StringMap("Labels").has_value());
  EXPECT_FALSE(r.StringList("Values").has_value());
  EXPECT_FALSE(r.Bool("ReadWrite").has_value());
  EXPECT_FALSE(r.String("Name").has_value());
  EXPECT_EQ(problems.ToStatus().message(),
            "6 problems in the job spec:\n"
            "  line 1: Count: expected an integer, got 'three'\n"
            "  line 2: Priority: expected an integer, got '3' (quoted)\n"
            "  line 3: Labels: expected a map of NAME: value, got a list\n"
            "  line 4: Values: expected a list, got 'us' (write [us])\n"
            "  line 5: ReadWrite: expected true or false, got 'maybe'\n"
            "  line 6: Name: expected a single value, got a list");
}

TEST(YamlReaderTest, TypedValues) {
  YAML::Node node = YAML::Load("A: 42\nB: yes\nC: {X: '1', Y: 2}\nD: [a, 3]\nE: 7\nF: ~\n");
  Problems problems;
  MapReader r(problems, node, "", {"A", "B", "C", "D", "E", "F"});
  EXPECT_EQ(r.Int("A"), 42);
  EXPECT_EQ(r.Bool("B"), true);
  EXPECT_EQ(r.StringMap("C"), (std::map<std::string, std::string>{{"X", "1"}, {"Y", "2"}}));
  EXPECT_EQ(r.StringList("D"), (std::vector<std::string>{"a", "3"}));
  EXPECT_EQ(r.String("E"), "7");  // numbers are fine where text is expected
  EXPECT_FALSE(r.Has("F"));       // null is absent
  EXPECT_FALSE(r.Has("Missing"));
  EXPECT_FALSE(problems.HasErrors()) << problems.ToStatus().ToString();
}

TEST(YamlReaderTest, NonMapNodeIsAnError) {
  YAML::Node node = YAML::Load("Engine:\n  - duckdb\n");
  Problems problems;
  MapReader r(problems, node["Engine"], "Tasks[0].Engine", {"Type"});
  EXPECT_FALSE(r.valid());
  EXPECT_EQ(problems.ToStatus().message(), "line 2: Tasks[0].Engine: expected a map, got a list");
}

TEST(YamlReaderTest, RequiredStrings) {
  YAML::Node node = YAML::Load("A: ''\nB: x\n");
  Problems problems;
  MapReader r(problems, node, "P", {"A", "B", "C"});
  EXPECT_EQ(r.RequiredString("B"), "x");
  EXPECT_FALSE(r.RequiredString("A").has_value());
  EXPECT_FALSE(r.RequiredString("C", "the bucket").has_value());
  EXPECT_EQ(problems.ToStatus().message(),
            "2 problems in the job spec:\n"
            "  line 1: P.A: must not be empty\n"
            "  line 1: P.C: required; the bucket");
}

TEST(YamlReaderTest, YamlToJsonKeepsTypes) {
  YAML::Node node = YAML::Load("a: 1\nb: 'x'\nc: [true, '2']\nd: {e: f}\n");
  nlohmann::json j = YamlToJson(node);
  EXPECT_EQ(j["a"], 1);
  EXPECT_EQ(j["b"], "x");
  EXPECT_EQ(j["c"][0], true);
  EXPECT_EQ(j["c"][1], "2");
  EXPECT_EQ(j["d"]["e"], "f");
}

}  // namespace
}  // namespace shoal::jobspec
