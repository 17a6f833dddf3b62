#include "jobspec/template.h"

#include <gtest/gtest.h>

#include "common/environment.h"

namespace shoal::jobspec {
namespace {

std::string Render(std::string_view text, const TemplateVars& vars) {
  Result<std::string> out = RenderTemplate(text, vars);
  EXPECT_TRUE(out.ok()) << out.status().ToString();
  return out.ok() ? *out : "";
}

std::string RenderError(std::string_view text, const TemplateVars& vars) {
  Result<std::string> out = RenderTemplate(text, vars);
  EXPECT_FALSE(out.ok()) << "rendered: " << (out.ok() ? *out : "");
  return out.ok() ? "" : out.status().message();
}

TEST(TemplateTest, SubstitutesVariablesWithOrWithoutSpaces) {
  TemplateVars vars{{"Region", "us"}, {"Events", "3000"}};
  EXPECT_EQ(Render("Name: gen-{{.Region}}\nCount: {{ .Events }}\n", vars),
            "Name: gen-us\nCount: 3000\n");
  EXPECT_EQ(Render("{{.Region}}{{.Region}}", vars), "usus");
  EXPECT_EQ(Render("no actions here", vars), "no actions here");
}

TEST(TemplateTest, SingleBracePlaceholdersStayUntouched) {
  EXPECT_EQ(Render("Key: results/{jobID}/{executionID}/{{.R}}", {{"R", "x"}}),
            "Key: results/{jobID}/{executionID}/x");
  EXPECT_EQ(Render("{ a: 1 } }", {}), "{ a: 1 } }");
}

TEST(TemplateTest, ValuesArePastedVerbatimAndNotRetemplated) {
  EXPECT_EQ(Render("v: {{.V}}", {{"V", "{{.Other}} it's"}}), "v: {{.Other}} it's");
}

TEST(TemplateTest, MissingVariablesAreListedWithEveryLine) {
  const std::string text =
      "Name: gen-{{.Region}}\n"
      "Count: {{.Events}}\n"
      "Values: [{{ .Region }}]\n"
      "Key: {jobID}\n"
      "Start: {{.StartDate}} {{.Region}}\n";
  EXPECT_EQ(RenderError(text, {{"StartDate", "2024-01-01"}}),
            "missing template variables: Region (lines 1, 3, 5), Events (line 2); set them "
            "with -V NAME=VALUE or import environment variables with -E REGEX");
  EXPECT_EQ(RenderError("a\n\n{{.X}}", {}),
            "missing template variable: X (line 3); set them with -V NAME=VALUE or import "
            "environment variables with -E REGEX");
}

TEST(TemplateTest, CommentsAndTrimMarkers) {
  EXPECT_EQ(Render("a{{/* note */}}b", {}), "ab");
  EXPECT_EQ(Render("{{/* spans\nlines */}}\nx: {{.X}}", {{"X", "1"}}), "\nx: 1");
  EXPECT_EQ(Render("a  \n {{- /* c */ -}} \n  b", {}), "ab");
  EXPECT_EQ(Render("[ {{- .X -}} ]", {{"X", "v"}}), "[v]");
  // A trim marker removes whitespace of the text next to it only, not of a value.
  EXPECT_EQ(Render("{{.X}} {{- .X}}", {{"X", "v "}}), "v v ");
  // Line numbers stay right after a multi-line comment.
  EXPECT_EQ(RenderError("{{/* one\ntwo */}}\n{{.Missing}}", {}).find("Missing (line 3)"),
            std::string("missing template variable: ").size());
}

TEST(TemplateTest, StringLiteralsEscapeBraces) {
  EXPECT_EQ(Render(R"(x: {{"{{"}}.Name}})", {}), "x: {{.Name}}");
  EXPECT_EQ(Render("x: {{`}}`}}", {}), "x: }}");
  EXPECT_EQ(Render(R"({{"a\tb"}})", {}), "a\tb");
}

TEST(TemplateTest, UnsupportedActionsNameTheLine) {
  std::string error = RenderError("a: 1\nb: {{ if .X }}y{{ end }}\n", {{"X", "1"}});
  EXPECT_EQ(error.rfind("line 2: unsupported template action '{{ if .X }}'", 0), 0u) << error;
  EXPECT_NE(RenderError("{{.A.B}}", {{"A", "1"}}).find("unsupported template action"),
            std::string::npos);
  EXPECT_NE(RenderError("{{ .X | printf \"%s\" }}", {{"X", "1"}}).find("unsupported"),
            std::string::npos);
  EXPECT_NE(RenderError("{{}}", {}).find("unsupported"), std::string::npos);
}

TEST(TemplateTest, UnclosedActionsAndComments) {
  EXPECT_EQ(RenderError("a\nb: {{.X\n", {{"X", "1"}}),
            "line 2: unclosed action: '{{' without a matching '}}'");
  EXPECT_EQ(RenderError("{{/* never closed", {}), "line 1: unclosed comment: '/*' without '*/'");
  EXPECT_EQ(RenderError("{{/* c */ x}}", {}), "line 1: a comment must end with '*/}}'");
}

TEST(TemplateVarsTest, DashVParsesNameValue) {
  auto vars = BuildTemplateVars({"Region=us", "Sql=a=b", "Empty=", "Region=eu"}, {}, {});
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ(*vars, (TemplateVars{{"Region", "eu"}, {"Sql", "a=b"}, {"Empty", ""}}));
}

// Bacalhau's `-V a=1,b=2` sets two variables; a value with a comma that is not followed by
// another NAME=VALUE stays whole.
TEST(TemplateVarsTest, DashVTakesCommaSeparatedAssignments) {
  auto vars =
      BuildTemplateVars({"Region=us,Events=100", "Cols=a,b", "Sql=x=1,y", "Two=1,"}, {}, {});
  ASSERT_TRUE(vars.ok()) << vars.status().ToString();
  EXPECT_EQ(
      *vars,
      (TemplateVars{
          {"Region", "us"}, {"Events", "100"}, {"Cols", "a,b"}, {"Sql", "x=1,y"}, {"Two", "1,"}}));
}

TEST(TemplateVarsTest, BadDashVIsAnError) {
  auto no_eq = BuildTemplateVars({"Region"}, {}, {});
  ASSERT_FALSE(no_eq.ok());
  EXPECT_EQ(no_eq.status().message(), "-V 'Region': expected NAME=VALUE");
  EXPECT_FALSE(BuildTemplateVars({"=x"}, {}, {}).ok());
  auto bad_name = BuildTemplateVars({"my-var=1"}, {}, {});
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("NAME may contain only"), std::string::npos);
}

TEST(TemplateVarsTest, EnvironmentImportByRegex) {
  const std::map<std::string, std::string> env{
      {"AWS_REGION", "eu-west-1"}, {"AWS_PROFILE", "dev"}, {"HOME", "/root"}, {"Region", "env"}};
  auto aws = BuildTemplateVars({}, {"^AWS_"}, env);
  ASSERT_TRUE(aws.ok());
  EXPECT_EQ(*aws, (TemplateVars{{"AWS_REGION", "eu-west-1"}, {"AWS_PROFILE", "dev"}}));
  // Unanchored like Go's MatchString.
  auto unanchored = BuildTemplateVars({}, {"REGION"}, env);
  ASSERT_TRUE(unanchored.ok());
  EXPECT_EQ(unanchored->size(), 1u);
  EXPECT_EQ(unanchored->count("AWS_REGION"), 1u);
  auto all = BuildTemplateVars({}, {"*"}, env);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), env.size());
  auto none = BuildTemplateVars({}, {}, env);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
}

TEST(TemplateVarsTest, ExplicitDashVWinsOverEnvironment) {
  auto vars = BuildTemplateVars({"Region=us"}, {"*"}, {{"Region", "from-env"}, {"X", "1"}});
  ASSERT_TRUE(vars.ok());
  EXPECT_EQ(vars->at("Region"), "us");
  EXPECT_EQ(vars->at("X"), "1");
}

TEST(TemplateVarsTest, InvalidRegexIsAnError) {
  auto bad = BuildTemplateVars({}, {"(unclosed"}, {{"A", "1"}});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message().rfind("-E '(unclosed': invalid regular expression", 0), 0u);
}

TEST(TemplateVarsTest, CurrentEnvironmentReadsTheProcess) {
  setenv("SHOAL_TEMPLATE_TEST_VAR", "42", 1);
  auto env = shoal::CurrentEnvironment();
  EXPECT_EQ(env["SHOAL_TEMPLATE_TEST_VAR"], "42");
  unsetenv("SHOAL_TEMPLATE_TEST_VAR");
}

}  // namespace
}  // namespace shoal::jobspec
