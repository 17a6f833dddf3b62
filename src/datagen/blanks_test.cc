// --null-rate end to end through Generate: the rate is honoured field by field, a blanked row is
// the unblanked row with holes (nothing else moves), 0 changes nothing, CSV keeps its columns.
#include "datagen/blanks.h"

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "datagen/calendar.h"
#include "datagen/generator.h"
#include "datagen/generator_testing.h"
#include "datagen/schema.h"

namespace shoal::datagen {
namespace {

using testing::Generated;
using testing::Lines;

using nlohmann::json;

GeneratorOptions Options(double null_rate, OutputFormat format = OutputFormat::kJsonl) {
  GeneratorOptions options;
  options.start_micros = DaysFromCivil({2024, 3, 1}) * kMicrosPerDay;
  options.end_micros = options.start_micros + 4 * kMicrosPerDay;
  options.rotate = RotateInterval::kDay;
  options.count = 5000;
  options.regions = {0, 1, 2, 3};
  options.format = format;
  options.null_rate = null_rate;
  return options;
}

// A CSV line's cells (no generated value contains a comma).
std::vector<std::string_view> Cells(std::string_view line) {
  std::vector<std::string_view> cells;
  for (size_t start = 0, comma = 0; comma != std::string_view::npos; start = comma + 1) {
    comma = line.find(',', start);
    cells.push_back(line.substr(start, comma - start));
  }
  return cells;
}

// The field's value in a parsed JSONL row (city is inside shipping_address).
json& Value(json& row, const BlankableField& field) {
  return field.json_key == "city" ? row["shipping_address"]["city"] : row[field.json_key];
}

bool IsBlank(const json& value, const BlankableField& field) {
  return field.kind == BlankKind::kNull ? value.is_null() : value == "";
}

TEST(BlanksTest, EveryFieldIsBlankedAtTheRateAndNothingElseChanges) {
  const auto clean = Generated(Options(0));
  const auto dirty = Generated(Options(0.05));
  ASSERT_EQ(dirty.size(), 4u);
  const std::span<const BlankableField> fields = BlankableFields();
  std::vector<int> blanked(fields.size());
  int rows = 0, clean_rows = 0;
  for (const auto& [name, content] : dirty) {
    const auto dirty_lines = Lines(content);
    const auto clean_lines = Lines(clean.at(name));
    ASSERT_EQ(dirty_lines.size(), clean_lines.size()) << name;
    for (size_t i = 0; i < dirty_lines.size(); ++i) {
      json row = json::parse(dirty_lines[i]);
      json expected = json::parse(clean_lines[i]);
      bool any = false;
      for (size_t f = 0; f < fields.size(); ++f) {
        ASSERT_FALSE(IsBlank(Value(expected, fields[f]), fields[f])) << clean_lines[i];
        json& value = Value(row, fields[f]);
        if (IsBlank(value, fields[f])) {
          ++blanked[f];
          any = true;
          value = Value(expected, fields[f]);  // put it back: the rest must be the clean row
        }
      }
      ASSERT_EQ(row, expected) << "row " << i << " of " << name << " changed beyond its blanks";
      ASSERT_EQ(row.dump(), expected.dump());  // same keys in the same order
      ++rows;
      clean_rows += !any;
    }
  }
  ASSERT_EQ(rows, 20000);
  for (size_t f = 0; f < fields.size(); ++f) {
    // 20,000 draws at 5%: the standard deviation of the share is 0.15 points.
    EXPECT_NEAR(blanked[f] / static_cast<double>(rows), 0.05, 0.01) << fields[f].json_key;
  }
  // Independent fields: a row is untouched with probability 0.95^10, about 60%.
  EXPECT_NEAR(clean_rows / static_cast<double>(rows), 0.599, 0.02);
}

TEST(BlanksTest, ZeroChangesNothingAndTheSameSeedGivesTheSameBlanks) {
  GeneratorOptions unset = Options(0);
  EXPECT_EQ(GeneratorOptions{}.null_rate, 0.0);  // the default
  const auto clean = Generated(unset);
  for (const auto& [name, content] : clean) {
    EXPECT_EQ(content.find("null"), std::string::npos) << name;
    EXPECT_EQ(content.find("\"\""), std::string::npos) << name;
  }
  const auto dirty = Generated(Options(0.2));
  EXPECT_EQ(Generated(Options(0.2)), dirty);
  GeneratorOptions other_seed = Options(0.2);
  other_seed.seed = 7;
  EXPECT_NE(Generated(other_seed), dirty);
}

TEST(BlanksTest, RateOneBlanksEveryBlankableField) {
  GeneratorOptions options = Options(1);
  options.count = 50;
  for (const auto& [name, content] : Generated(options)) {
    for (std::string_view line : Lines(content)) {
      json row = json::parse(line);
      for (const BlankableField& field : BlankableFields()) {
        EXPECT_TRUE(IsBlank(Value(row, field), field)) << field.json_key << ": " << line;
      }
      EXPECT_FALSE(row["transaction_id"].is_null());
      EXPECT_FALSE(row["subtotal"].is_null());
    }
  }
}

TEST(BlanksTest, CsvKeepsItsColumnsWithEmptyFieldsAndQuotedEmptyStrings) {
  const auto clean = Generated(Options(0, OutputFormat::kCsv));
  const auto dirty = Generated(Options(0.1, OutputFormat::kCsv));
  const std::span<const ColumnSpec> columns = TransactionCsvColumns();
  std::map<std::string_view, BlankKind> blankable;
  for (const BlankableField& field : BlankableFields()) blankable[field.csv_column] = field.kind;
  int nulls = 0, empties = 0;
  for (const auto& [name, content] : dirty) {
    const auto dirty_lines = Lines(content);
    const auto clean_lines = Lines(clean.at(name));
    ASSERT_EQ(dirty_lines.size(), clean_lines.size());
    EXPECT_EQ(dirty_lines[0], clean_lines[0]);  // the header
    for (size_t i = 1; i < dirty_lines.size(); ++i) {
      const std::vector<std::string_view> cells = Cells(dirty_lines[i]);
      const std::vector<std::string_view> expected = Cells(clean_lines[i]);
      ASSERT_EQ(cells.size(), columns.size()) << dirty_lines[i];
      for (size_t c = 0; c < columns.size(); ++c) {
        if (cells[c] == expected[c]) continue;
        const auto kind = blankable.find(columns[c].name);
        ASSERT_NE(kind, blankable.end()) << columns[c].name << " changed: " << dirty_lines[i];
        ASSERT_EQ(cells[c], kind->second == BlankKind::kNull ? "" : "\"\"") << columns[c].name;
        (kind->second == BlankKind::kNull ? nulls : empties)++;
      }
    }
  }
  EXPECT_GT(nulls, 0);
  EXPECT_GT(empties, 0);
}

}  // namespace
}  // namespace shoal::datagen
