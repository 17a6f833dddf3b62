#include "datagen/options.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>
#include <optional>
#include <string>

#include <fmt/format.h>

#include "datagen/calendar.h"
#include "datagen/catalog.h"

namespace shoal::datagen {
namespace {

constexpr int kMinYear = 1900;
constexpr int kMaxYear = 9998;  // leaves room for estimated_delivery (up to 7 days later)
constexpr int64_t kMaxDays = 100 * 366;
constexpr int64_t kMaxCount = 1'000'000'000'000;

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back()))) {
    text.remove_suffix(1);
  }
  return text;
}

// Parses all of `text` as an integer in [min, max]; nullopt otherwise.
template <typename T>
std::optional<T> ParseInteger(std::string_view text, T min, T max) {
  text = Trim(text);
  T value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty() || value < min ||
      value > max) {
    return std::nullopt;
  }
  return value;
}

// Reads exactly `width` digits at text[pos]; -1 if any is not a digit.
int Digits(std::string_view text, size_t pos, size_t width) {
  int value = 0;
  for (size_t i = pos; i < pos + width; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(text[i]))) return -1;
    value = value * 10 + (text[i] - '0');
  }
  return value;
}

std::string ValidRegionList() {
  std::string names;
  for (const Region& region : Regions()) {
    names += std::string(region.name) + ", ";
  }
  return names + "or the prefixes us, eu, ap";
}

Result<std::vector<int>> ResolveRegion(std::string_view value) {
  const std::string name = Lower(Trim(value));
  std::vector<int> matches;
  for (int i = 0; i < kRegionCount; ++i) {
    const std::string_view full = Regions()[static_cast<size_t>(i)].name;
    // A prefix is the part before the dash ("us" selects us-east and us-west).
    const std::string_view prefix = full.substr(0, full.find('-'));
    if (name == full || name == prefix) matches.push_back(i);
  }
  if (matches.empty()) {
    return Status::InvalidArgument(
        fmt::format("--region '{}' is not a known region; valid: {}", value, ValidRegionList()));
  }
  return matches;
}

// A probability: all of `raw` (spaces around it aside) a number from 0 to 1.
Result<double> ParseRate(std::string_view raw, std::string_view flag) {
  const std::string_view text = Trim(raw);
  double rate = -1;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), rate);
  if (error != std::errc() || end != text.data() + text.size() || !(rate >= 0 && rate <= 1)) {
    return Status::InvalidArgument(
        fmt::format("{} '{}' is not valid: expected a number from 0 to 1", flag, raw));
  }
  return rate;
}

Status CheckDensity(const GeneratorOptions& options) {
  // The shortest stretch that receives `count` events.
  int64_t micros = 0;
  std::string_view per;
  switch (options.rotate) {
    case RotateInterval::kNone:
      micros = options.end_micros - options.start_micros;
      per = "the range";
      break;
    case RotateInterval::kMinute:
      micros = kMicrosPerMinute;
      per = "minute";
      break;
    case RotateInterval::kHour:
      micros = kMicrosPerHour;
      per = "hour";
      break;
    case RotateInterval::kDay:
      micros = kMicrosPerDay;
      per = "day";
      break;
    case RotateInterval::kMonth:
      micros = 28 * kMicrosPerDay;
      per = "month";
      break;
  }
  const int64_t max_count = micros / kMicrosPerSecond * kMaxEventsPerSecond;
  if (options.count > max_count) {
    return Status::InvalidArgument(fmt::format(
        "--count {} is too many events for {}: at most {} ({} per second on average), so that "
        "timestamps stay strictly increasing",
        options.count, options.rotate == RotateInterval::kNone ? per : "a " + std::string(per),
        max_count, kMaxEventsPerSecond));
  }
  return Status::Ok();
}

}  // namespace

Result<int64_t> ParseDateTime(std::string_view raw, std::string_view flag) {
  const std::string_view text = Trim(raw);
  auto invalid = [&](std::string_view why) {
    return Status::InvalidArgument(fmt::format("{} '{}' is not a valid date: {}", flag, raw, why));
  };
  constexpr std::string_view kShape = "expected YYYY-MM-DD or YYYY-MM-DDThh:mm:ss";
  if (text.size() != 10 && text.size() != 19) return invalid(kShape);
  if (text[4] != '-' || text[7] != '-') return invalid(kShape);
  CivilDate date{Digits(text, 0, 4), Digits(text, 5, 2), Digits(text, 8, 2)};
  if (date.year < 0 || date.month < 0 || date.day < 0) return invalid(kShape);
  int hour = 0, minute = 0, second = 0;
  if (text.size() == 19) {
    if ((text[10] != 'T' && text[10] != ' ') || text[13] != ':' || text[16] != ':') {
      return invalid(kShape);
    }
    hour = Digits(text, 11, 2);
    minute = Digits(text, 14, 2);
    second = Digits(text, 17, 2);
    if (hour < 0 || minute < 0 || second < 0) return invalid(kShape);
  }
  if (date.year < kMinYear || date.year > kMaxYear) {
    return invalid(fmt::format("year must be between {} and {}", kMinYear, kMaxYear));
  }
  if (date.month < 1 || date.month > 12) return invalid("month must be 01..12");
  if (date.day < 1 || date.day > DaysInMonth(date.year, date.month)) {
    return invalid(fmt::format("{:04}-{:02} has {} days", date.year, date.month,
                               DaysInMonth(date.year, date.month)));
  }
  if (hour > 23 || minute > 59 || second > 59) return invalid("time must be 00:00:00..23:59:59");
  return DaysFromCivil(date) * kMicrosPerDay +
         (hour * 3600LL + minute * 60LL + second) * kMicrosPerSecond;
}

Result<std::vector<int>> ParseRegions(const std::vector<std::string>& values) {
  std::vector<int> regions;
  for (const std::string& value : values) {
    std::string_view rest = value;
    while (true) {
      const size_t comma = rest.find(',');
      SHOAL_ASSIGN_OR_RETURN(std::vector<int> matches, ResolveRegion(rest.substr(0, comma)));
      regions.insert(regions.end(), matches.begin(), matches.end());
      if (comma == std::string_view::npos) break;
      rest.remove_prefix(comma + 1);
    }
  }
  if (values.empty()) {
    for (int i = 0; i < kRegionCount; ++i) regions.push_back(i);
  }
  std::sort(regions.begin(), regions.end());
  regions.erase(std::unique(regions.begin(), regions.end()), regions.end());
  return regions;
}

Result<RotateInterval> ParseRotateInterval(std::string_view text) {
  const std::string value = Lower(Trim(text));
  if (value.empty() || value == "none") return RotateInterval::kNone;
  if (value == "minute") return RotateInterval::kMinute;
  if (value == "hour") return RotateInterval::kHour;
  if (value == "day") return RotateInterval::kDay;
  if (value == "month") return RotateInterval::kMonth;
  return Status::InvalidArgument(
      fmt::format("--rotate-interval '{}' is not valid; use minute, hour, day or month", text));
}

Result<OutputFormat> ParseOutputFormat(std::string_view text) {
  const std::string value = Lower(Trim(text));
  if (value == "jsonl") return OutputFormat::kJsonl;
  if (value == "csv") return OutputFormat::kCsv;
  if (value == "parquet") return OutputFormat::kParquet;
  if (value == "json") {
    return Status::InvalidArgument(
        "--format 'json' (one JSON array per file) is not supported; use jsonl, csv or parquet");
  }
  return Status::InvalidArgument(
      fmt::format("--format '{}' is not valid; use jsonl, csv or parquet", text));
}

Result<EventType> ParseEventType(std::string_view text) {
  const std::string value = Lower(Trim(text));
  if (value == "transaction") return EventType::kTransaction;
  if (value == "security" || value == "web_access" || value == "customer" || value == "all") {
    return Status::InvalidArgument(fmt::format(
        "--type '{}' is not supported yet; only 'transaction' events can be generated", text));
  }
  return Status::InvalidArgument(
      fmt::format("--type '{}' is not a known event type; use transaction", text));
}

std::string_view FormatExtension(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJsonl:
      return "jsonl";
    case OutputFormat::kCsv:
      return "csv";
    case OutputFormat::kParquet:
      return "parquet";
  }
  return "jsonl";
}

std::string_view RotateIntervalName(RotateInterval interval) {
  switch (interval) {
    case RotateInterval::kNone:
      return "none";
    case RotateInterval::kMinute:
      return "minute";
    case RotateInterval::kHour:
      return "hour";
    case RotateInterval::kDay:
      return "day";
    case RotateInterval::kMonth:
      return "month";
  }
  return "none";
}

Result<GeneratorOptions> ResolveOptions(const GenerateFlags& flags) {
  GeneratorOptions options;
  SHOAL_ASSIGN_OR_RETURN(options.type, ParseEventType(flags.type));
  const std::optional<int64_t> count = ParseInteger<int64_t>(flags.count, 1, kMaxCount);
  if (!count) {
    return Status::InvalidArgument(fmt::format(
        "--count '{}' is not valid: expected an integer from 1 to {}", flags.count, kMaxCount));
  }
  options.count = *count;
  SHOAL_ASSIGN_OR_RETURN(options.regions, ParseRegions(flags.regions));

  int64_t days = 1;
  if (!flags.days.empty()) {
    const std::optional<int64_t> parsed = ParseInteger<int64_t>(flags.days, 1, kMaxDays);
    if (!parsed) {
      return Status::InvalidArgument(fmt::format(
          "--days '{}' is not valid: expected an integer from 1 to {}", flags.days, kMaxDays));
    }
    if (!flags.start_date.empty() && !flags.end_date.empty()) {
      return Status::InvalidArgument(
          "--days cannot be combined with both --start-date and --end-date");
    }
    days = *parsed;
  }
  // No clock: a missing start defaults to a fixed date, a missing end to start + --days.
  if (!flags.start_date.empty()) {
    SHOAL_ASSIGN_OR_RETURN(options.start_micros, ParseDateTime(flags.start_date, "--start-date"));
  }
  if (!flags.end_date.empty()) {
    SHOAL_ASSIGN_OR_RETURN(options.end_micros, ParseDateTime(flags.end_date, "--end-date"));
  }
  if (flags.start_date.empty() && flags.end_date.empty()) {
    SHOAL_ASSIGN_OR_RETURN(options.start_micros, ParseDateTime(kDefaultStartDate, "default"));
  }
  if (flags.end_date.empty()) {
    options.end_micros = options.start_micros + days * kMicrosPerDay;
  } else if (flags.start_date.empty()) {
    options.start_micros = options.end_micros - days * kMicrosPerDay;
  }
  if (options.start_micros >= options.end_micros) {
    return Status::InvalidArgument(fmt::format("--start-date {} must be before --end-date {}",
                                               FormatFlagDateTime(options.start_micros),
                                               FormatFlagDateTime(options.end_micros)));
  }

  SHOAL_ASSIGN_OR_RETURN(options.rotate, ParseRotateInterval(flags.rotate_interval));
  options.output_dir = std::string(Trim(flags.output));
  SHOAL_ASSIGN_OR_RETURN(options.format, ParseOutputFormat(flags.format));
  if (!flags.seed.empty()) {
    const std::optional<uint64_t> seed =
        ParseInteger<uint64_t>(flags.seed, 0, std::numeric_limits<uint64_t>::max());
    if (!seed) {
      return Status::InvalidArgument(fmt::format(
          "--seed '{}' is not valid: expected an integer from 0 to 2^64-1", flags.seed));
    }
    options.seed = *seed;
  }
  if (!flags.anomaly_rate.empty()) {
    SHOAL_ASSIGN_OR_RETURN(options.anomaly_rate, ParseRate(flags.anomaly_rate, "--anomaly-rate"));
  }
  if (!flags.null_rate.empty()) {
    SHOAL_ASSIGN_OR_RETURN(options.null_rate, ParseRate(flags.null_rate, "--null-rate"));
  }
  SHOAL_RETURN_IF_ERROR(ValidateOptions(options));
  return options;
}

Status ValidateOptions(const GeneratorOptions& options) {
  if (options.count < 1 || options.count > kMaxCount) {
    return Status::InvalidArgument(
        fmt::format("--count {} is not valid: expected 1 to {}", options.count, kMaxCount));
  }
  if (options.regions.empty()) return Status::InvalidArgument("no region selected");
  for (size_t i = 0; i < options.regions.size(); ++i) {
    if (options.regions[i] < 0 || options.regions[i] >= kRegionCount ||
        (i > 0 && options.regions[i] <= options.regions[i - 1])) {
      return Status::InvalidArgument("regions must be distinct canonical indexes, ascending");
    }
  }
  if (options.start_micros >= options.end_micros) {
    return Status::InvalidArgument("--start-date must be before --end-date");
  }
  if (!(options.anomaly_rate >= 0 && options.anomaly_rate <= 1)) {
    return Status::InvalidArgument("--anomaly-rate must be between 0 and 1");
  }
  if (!(options.null_rate >= 0 && options.null_rate <= 1)) {
    return Status::InvalidArgument("--null-rate must be between 0 and 1");
  }
  return CheckDensity(options);
}

}  // namespace shoal::datagen
