// partition_by_date(pattern, date_regex, part := 'day') -> (file, extracted_date, partition_date):
// files partitioned by the date in their path, truncated to `part`, so every file of one period
// lands in the same partition.
//
// Follows Bacalhau's macro: groups 1..3 of date_regex are year, month and day; the date is
// year-lpad(month, 2, '0')-day parsed as %Y-%m-%d; files without a valid date are left out of
// every partition; the hash key is partition_date rendered as YYYY-MM-DD.
#include <algorithm>
#include <cctype>
#include <map>
#include <optional>

#include "engine/functions/partition_table.h"
#include "engine/functions/regex.h"
#include "engine/functions/register.h"

namespace shoal::engine {

namespace {

constexpr const char* kName = "partition_by_date";

enum class DatePart { kMillennium, kCentury, kDecade, kYear, kQuarter, kMonth, kWeek, kDay };

DatePart ParseDatePart(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::map<std::string, DatePart> kParts = {
      {"millennium", DatePart::kMillennium},
      {"millennia", DatePart::kMillennium},
      {"century", DatePart::kCentury},
      {"centuries", DatePart::kCentury},
      {"decade", DatePart::kDecade},
      {"decades", DatePart::kDecade},
      {"year", DatePart::kYear},
      {"years", DatePart::kYear},
      {"y", DatePart::kYear},
      {"yr", DatePart::kYear},
      {"quarter", DatePart::kQuarter},
      {"quarters", DatePart::kQuarter},
      {"month", DatePart::kMonth},
      {"months", DatePart::kMonth},
      {"mon", DatePart::kMonth},
      {"week", DatePart::kWeek},
      {"weeks", DatePart::kWeek},
      {"w", DatePart::kWeek},
      {"day", DatePart::kDay},
      {"days", DatePart::kDay},
      {"d", DatePart::kDay},
      {"dayofmonth", DatePart::kDay},
  };
  auto it = kParts.find(text);
  if (it == kParts.end()) {
    throw duckdb::InvalidInputException(
        "%s: part '%s' is not a date part; use one of day, week, month, quarter, year, decade, "
        "century, millennium",
        kName, text);
  }
  return it->second;
}

bool AllDigits(const std::string& s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

// year || '-' || lpad(month, 2, '0') || '-' || day, parsed with strptime '%Y-%m-%d' and cast to
// DATE; nullopt where DuckDB's try_cast would give NULL.
std::optional<duckdb::date_t> ParseDate(const std::string& year, std::string month,
                                        const std::string& day) {
  // lpad pads on the left and truncates on the right, as DuckDB's lpad does.
  if (month.size() < 2) month.insert(0, 2 - month.size(), '0');
  month.resize(2);
  if (!AllDigits(year) || year.size() > 6 || !AllDigits(month) || !AllDigits(day) ||
      day.size() > 2) {
    return std::nullopt;
  }
  duckdb::date_t date;
  if (!duckdb::Date::TryFromDate(std::stoi(year), std::stoi(month), std::stoi(day), date)) {
    return std::nullopt;
  }
  return date;
}

duckdb::date_t Truncate(duckdb::date_t date, DatePart part) {
  int32_t year, month, day;
  duckdb::Date::Convert(date, year, month, day);
  switch (part) {
    case DatePart::kMillennium:
      return duckdb::Date::FromDate((year / 1000) * 1000, 1, 1);
    case DatePart::kCentury:
      return duckdb::Date::FromDate((year / 100) * 100, 1, 1);
    case DatePart::kDecade:
      return duckdb::Date::FromDate((year / 10) * 10, 1, 1);
    case DatePart::kYear:
      return duckdb::Date::FromDate(year, 1, 1);
    case DatePart::kQuarter:
      return duckdb::Date::FromDate(year, ((month - 1) / 3) * 3 + 1, 1);
    case DatePart::kMonth:
      return duckdb::Date::FromDate(year, month, 1);
    case DatePart::kWeek:  // Monday of the ISO week
      return duckdb::date_t(date.days - (duckdb::Date::ExtractISODayOfTheWeek(date) - 1));
    case DatePart::kDay:
      return date;
  }
  return date;
}

duckdb::unique_ptr<duckdb::FunctionData> Bind(duckdb::ClientContext& context,
                                              duckdb::TableFunctionBindInput& input,
                                              duckdb::vector<duckdb::LogicalType>& return_types,
                                              duckdb::vector<duckdb::string>& names) {
  SessionState& state = CheckedSessionState(input, kName);
  std::string pattern = StringArgument(input, 0, kName, "pattern");
  std::string regex_text = StringArgument(input, 1, kName, "date_regex");
  auto re = CompileRegex(regex_text, kName, "date_regex");
  if (re->NumberOfCapturingGroups() < 3) {
    throw duckdb::InvalidInputException(
        "%s: date_regex '%s' has %d capture group(s); it needs 3, for year, month and day in "
        "that order (e.g. '(\\d{4})-(\\d{2})-(\\d{2})')",
        kName, regex_text, re->NumberOfCapturingGroups());
  }
  DatePart part = DatePart::kDay;
  if (auto it = input.named_parameters.find("part"); it != input.named_parameters.end()) {
    if (it->second.IsNull())
      throw duckdb::InvalidInputException("%s: part must not be NULL", kName);
    part = ParseDatePart(it->second.ToString());
  }

  auto selected = duckdb::make_uniq<SelectedRows>();
  for (auto& path : GlobPaths(context, pattern)) {
    std::string year, month, day;
    if (!re2::RE2::PartialMatch(path, *re, &year, &month, &day)) continue;
    auto date = ParseDate(year, month, day);
    if (!date) continue;
    duckdb::date_t period = Truncate(*date, part);
    if (BelongsToPartition(duckdb::Date::ToString(period), state.partition)) {
      selected->rows.push_back(
          {duckdb::Value(path), duckdb::Value::DATE(*date), duckdb::Value::DATE(period)});
    }
  }
  names = {"file", "extracted_date", "partition_date"};
  return_types = {duckdb::LogicalType::VARCHAR, duckdb::LogicalType::DATE,
                  duckdb::LogicalType::DATE};
  return FinishSelection(state, std::move(selected));
}

}  // namespace

void RegisterPartitionByDate(duckdb::ClientContext& context,
                             const std::shared_ptr<SessionState>& state) {
  auto function = MakePartitionTableFunction(
      kName, {duckdb::LogicalType::VARCHAR, duckdb::LogicalType::VARCHAR}, Bind, state);
  function.named_parameters["part"] = duckdb::LogicalType::VARCHAR;
  AddTableFunction(context, std::move(function));
}

}  // namespace shoal::engine
