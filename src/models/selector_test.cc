#include "models/selector.h"

#include <gtest/gtest.h>

namespace shoal::models {
namespace {

using Labels = std::map<std::string, std::string>;

LabelSelector Sel(std::string key, SelectorOperator op, std::vector<std::string> values) {
  return LabelSelector{std::move(key), op, std::move(values)};
}

const Labels kUs{{"region", "us"}, {"cores", "8"}};
const Labels kEu{{"region", "eu"}, {"cores", "2"}};
const Labels kNone{{"cores", "x"}};

TEST(SelectorTest, ParsesEveryOperatorSpelling) {
  for (std::string_view s : {"=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt"}) {
    auto op = ParseSelectorOperator(s);
    ASSERT_TRUE(op.ok()) << s;
    EXPECT_EQ(ToString(*op), s);
  }
  EXPECT_EQ(*ParseSelectorOperator("NotIn"), SelectorOperator::kNotIn);
  auto bad = ParseSelectorOperator("~=");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("valid: =, ==, !=, in, notin, exists, !, gt, lt"),
            std::string::npos);
}

TEST(SelectorTest, EqualsAndDoubleEquals) {
  for (auto op : {SelectorOperator::kEquals, SelectorOperator::kDoubleEquals}) {
    auto s = Sel("region", op, {"us"});
    EXPECT_TRUE(s.Matches(kUs));
    EXPECT_FALSE(s.Matches(kEu));
    EXPECT_FALSE(s.Matches(kNone));  // absent label never equals
  }
}

TEST(SelectorTest, NotEqualsMatchesAbsentLabel) {
  auto s = Sel("region", SelectorOperator::kNotEquals, {"us"});
  EXPECT_FALSE(s.Matches(kUs));
  EXPECT_TRUE(s.Matches(kEu));
  EXPECT_TRUE(s.Matches(kNone));
}

TEST(SelectorTest, InAndNotIn) {
  auto in = Sel("region", SelectorOperator::kIn, {"us", "ap"});
  EXPECT_TRUE(in.Matches(kUs));
  EXPECT_FALSE(in.Matches(kEu));
  EXPECT_FALSE(in.Matches(kNone));
  auto notin = Sel("region", SelectorOperator::kNotIn, {"us", "ap"});
  EXPECT_FALSE(notin.Matches(kUs));
  EXPECT_TRUE(notin.Matches(kEu));
  EXPECT_TRUE(notin.Matches(kNone));
}

TEST(SelectorTest, ExistsAndDoesNotExist) {
  auto exists = Sel("region", SelectorOperator::kExists, {});
  EXPECT_TRUE(exists.Matches(kUs));
  EXPECT_FALSE(exists.Matches(kNone));
  auto absent = Sel("region", SelectorOperator::kDoesNotExist, {});
  EXPECT_FALSE(absent.Matches(kUs));
  EXPECT_TRUE(absent.Matches(kNone));
}

TEST(SelectorTest, GreaterAndLessThanCompareIntegers) {
  auto gt = Sel("cores", SelectorOperator::kGreaterThan, {"4"});
  EXPECT_TRUE(gt.Matches(kUs));
  EXPECT_FALSE(gt.Matches(kEu));
  EXPECT_FALSE(gt.Matches(kNone));  // not an integer
  EXPECT_FALSE(gt.Matches({}));     // absent
  auto lt = Sel("cores", SelectorOperator::kLessThan, {"4"});
  EXPECT_FALSE(lt.Matches(kUs));
  EXPECT_TRUE(lt.Matches(kEu));
  EXPECT_FALSE(lt.Matches(kNone));
  // Integer, not string, comparison: 10 > 9.
  EXPECT_TRUE(Sel("n", SelectorOperator::kGreaterThan, {"9"}).Matches({{"n", "10"}}));
  EXPECT_FALSE(Sel("n", SelectorOperator::kLessThan, {"-1"}).Matches({{"n", "0"}}));
}

TEST(SelectorTest, ValidateValueCounts) {
  EXPECT_TRUE(Sel("r", SelectorOperator::kEquals, {"us"}).Validate().ok());
  EXPECT_TRUE(Sel("r", SelectorOperator::kIn, {"a", "b"}).Validate().ok());
  EXPECT_TRUE(Sel("r", SelectorOperator::kExists, {}).Validate().ok());
  EXPECT_TRUE(Sel("r", SelectorOperator::kLessThan, {"-3"}).Validate().ok());

  for (auto op :
       {SelectorOperator::kEquals, SelectorOperator::kDoubleEquals, SelectorOperator::kNotEquals,
        SelectorOperator::kGreaterThan, SelectorOperator::kLessThan}) {
    EXPECT_FALSE(Sel("r", op, {}).Validate().ok()) << ToString(op);
    EXPECT_FALSE(Sel("r", op, {"1", "2"}).Validate().ok()) << ToString(op);
  }
  for (auto op : {SelectorOperator::kIn, SelectorOperator::kNotIn}) {
    Status s = Sel("r", op, {}).Validate();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("at least one value"), std::string::npos);
  }
  for (auto op : {SelectorOperator::kExists, SelectorOperator::kDoesNotExist}) {
    Status s = Sel("r", op, {"x"}).Validate();
    ASSERT_FALSE(s.ok());
    EXPECT_NE(s.message().find("takes no Values"), std::string::npos);
  }
  Status s = Sel("cores", SelectorOperator::kGreaterThan, {"four"}).Validate();
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.message(), "operator 'gt' on key 'cores' needs an integer value, got 'four'");
  EXPECT_FALSE(Sel("", SelectorOperator::kExists, {}).Validate().ok());
  EXPECT_FALSE(Sel("a b", SelectorOperator::kExists, {}).Validate().ok());
}

TEST(SelectorTest, ToStringAndMatchesAll) {
  EXPECT_EQ(Sel("region", SelectorOperator::kDoubleEquals, {"us"}).ToString(), "region == us");
  EXPECT_EQ(Sel("z", SelectorOperator::kIn, {"a", "b"}).ToString(), "z in (a, b)");
  std::vector<LabelSelector> all{Sel("region", SelectorOperator::kEquals, {"us"}),
                                 Sel("cores", SelectorOperator::kGreaterThan, {"4"})};
  EXPECT_TRUE(MatchesAll(all, kUs));
  EXPECT_FALSE(MatchesAll(all, kEu));
  EXPECT_TRUE(MatchesAll({}, kNone));
}

TEST(LabelSelectorParseTest, KubernetesSyntax) {
  auto parsed = ParseLabelSelectors("env=prod, team in (a, b),!draft,tier, size>5 ,x!=y,k==v");
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  const std::vector<LabelSelector> expected = {
      {"env", SelectorOperator::kEquals, {"prod"}},    {"team", SelectorOperator::kIn, {"a", "b"}},
      {"draft", SelectorOperator::kDoesNotExist, {}},  {"tier", SelectorOperator::kExists, {}},
      {"size", SelectorOperator::kGreaterThan, {"5"}}, {"x", SelectorOperator::kNotEquals, {"y"}},
      {"k", SelectorOperator::kDoubleEquals, {"v"}},
  };
  EXPECT_EQ(*parsed, expected);
  EXPECT_TRUE(ParseLabelSelectors("")->empty());
  EXPECT_TRUE(ParseLabelSelectors("  ")->empty());
  EXPECT_TRUE(MatchesAll(*ParseLabelSelectors("team notin (c),env=prod"),
                         {{"env", "prod"}, {"team", "a"}}));
}

TEST(LabelSelectorParseTest, ErrorsQuoteTheRequirement) {
  for (const auto& [text, words] :
       std::vector<std::pair<std::string, std::string>>{{"env=prod,,x", "empty requirement"},
                                                        {"team in (a, b", "ends with ')'"},
                                                        {"team (a)", "KEY in (A, B)"},
                                                        {"team = (a)", "in or notin"},
                                                        {"size>x", "'size>x'"},
                                                        {"=prod", "'=prod'"}}) {
    auto parsed = ParseLabelSelectors(text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_NE(parsed.status().message().find(words), std::string::npos)
        << text << ": " << parsed.status().message();
  }
}

}  // namespace
}  // namespace shoal::models
