#include "datagen/args.h"

#include <set>
#include <sstream>
#include <string_view>

#include <fmt/format.h>

#include "datagen/calendar.h"
#include "datagen/catalog.h"
#include "datagen/schedule.h"

namespace shoal::datagen {
namespace {

enum class Kind { kValue, kList, kSwitch };

struct FlagSpec {
  std::string_view name;  // long name without "--"
  char short_name;        // 0 when there is none
  Kind kind;
  std::string GenerateFlags::*field;  // kValue only
  std::string_view value_name;        // shown in the help, e.g. "N"
  std::string_view help;
};

const std::vector<FlagSpec>& Flags() {
  static const std::vector<FlagSpec> flags = {
      {"type", 't', Kind::kValue, &GenerateFlags::type, "TYPE",
       "Event type; only 'transaction' is supported (default transaction)"},
      {"count", 'n', Kind::kValue, &GenerateFlags::count, "N",
       "Events per rotation interval with --rotate-interval, else in total (default 100)"},
      {"region", 'r', Kind::kList, nullptr, "REGION",
       "Region (repeatable or comma-separated): us-east, us-west, eu-west, ap-south, or "
       "prefixes us, eu, ap; default all"},
      {"start-date", 0, Kind::kValue, &GenerateFlags::start_date, "DATE",
       "Range start, YYYY-MM-DD or YYYY-MM-DDThh:mm:ss (default 2024-01-01, or --end-date "
       "minus --days)"},
      {"end-date", 0, Kind::kValue, &GenerateFlags::end_date, "DATE",
       "Range end, exclusive (default --start-date plus --days)"},
      {"days", 'd', Kind::kValue, &GenerateFlags::days, "N",
       "Length of the range in days when a date is missing (default 1)"},
      {"rotate-interval", 0, Kind::kValue, &GenerateFlags::rotate_interval, "INTERVAL",
       "One file per minute, hour, day or month (default one file)"},
      {"output", 'o', Kind::kValue, &GenerateFlags::output, "DIR",
       "Directory for the files (created if missing)"},
      {"format", 'f', Kind::kValue, &GenerateFlags::format, "FORMAT",
       "jsonl, csv or parquet (default jsonl)"},
      {"seed", 0, Kind::kValue, &GenerateFlags::seed, "N",
       "Random seed; same seed and flags give identical files (default 42)"},
      {"anomaly-rate", 0, Kind::kValue, &GenerateFlags::anomaly_rate, "RATE",
       "Share of hours with an injected anomaly, 0 to disable (default 0.005)"},
      {"null-rate", 0, Kind::kValue, &GenerateFlags::null_rate, "RATE",
       "Share of keys, amounts and texts written as NULL or empty, each field on its own; "
       "0 writes every value (default 0)"},
      {"list-anomalies", 0, Kind::kSwitch, nullptr, "",
       "Print the injected anomalies of these flags as CSV and write no files"},
      {"help", 'h', Kind::kSwitch, nullptr, "", "Print this help and exit"},
  };
  return flags;
}

const FlagSpec* FindLong(std::string_view name) {
  for (const FlagSpec& flag : Flags()) {
    if (flag.name == name) return &flag;
  }
  return nullptr;
}

const FlagSpec* FindShort(char name) {
  for (const FlagSpec& flag : Flags()) {
    if (flag.short_name != 0 && flag.short_name == name) return &flag;
  }
  return nullptr;
}

Status Apply(const FlagSpec& flag, std::string value, std::set<std::string_view>& seen,
             GenerateArgs& out) {
  if (flag.kind != Kind::kList && !seen.insert(flag.name).second) {
    return Status::InvalidArgument(fmt::format("--{} was given twice", flag.name));
  }
  switch (flag.kind) {
    case Kind::kValue:
      out.flags.*flag.field = std::move(value);
      break;
    case Kind::kList:
      out.flags.regions.push_back(std::move(value));
      break;
    case Kind::kSwitch:
      (flag.name == "help" ? out.help : out.list_anomalies) = true;
      break;
  }
  return Status::Ok();
}

}  // namespace

Result<GenerateArgs> ParseGenerateArgs(const std::vector<std::string>& args) {
  GenerateArgs out;
  std::set<std::string_view> seen;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    const FlagSpec* flag = nullptr;
    std::optional<std::string> inline_value;  // the part after '=' or after a short flag
    if (arg.size() > 2 && arg.compare(0, 2, "--") == 0) {
      const size_t eq = arg.find('=');
      flag = FindLong(std::string_view(arg).substr(2, eq == std::string::npos ? eq : eq - 2));
      if (eq != std::string::npos) inline_value = arg.substr(eq + 1);
    } else if (arg.size() >= 2 && arg[0] == '-' && arg[1] != '-') {
      flag = FindShort(arg[1]);
      if (arg.size() > 2) inline_value = arg.substr(arg[2] == '=' ? 3 : 2);
    } else {
      return Status::InvalidArgument(
          fmt::format("unexpected argument '{}': every value follows its flag (see --help)", arg));
    }
    const std::string shown = arg.substr(0, arg.find('='));
    if (flag == nullptr) {
      return Status::InvalidArgument(fmt::format("unknown flag '{}' (see --help)", shown));
    }
    std::string value;
    if (flag->kind == Kind::kSwitch) {
      if (inline_value) {
        return Status::InvalidArgument(fmt::format("--{} takes no value", flag->name));
      }
    } else if (inline_value) {
      value = *inline_value;
    } else if (i + 1 < args.size()) {
      value = args[++i];
    } else {
      return Status::InvalidArgument(fmt::format("--{} needs a value", flag->name));
    }
    SHOAL_RETURN_IF_ERROR(Apply(*flag, std::move(value), seen, out));
  }
  return out;
}

std::string GenerateUsage() {
  std::ostringstream out;
  out << "Generate synthetic transaction events as JSONL, CSV or Parquet files\n"
      << "Usage: shoal generate [OPTIONS]\n\nOptions:\n";
  for (const FlagSpec& flag : Flags()) {
    std::string names = flag.short_name != 0 ? fmt::format("-{}, ", flag.short_name) : "    ";
    names += fmt::format("--{}", flag.name);
    if (!flag.value_name.empty()) names += " " + std::string(flag.value_name);
    out << fmt::format("  {:<30} {}\n", names, flag.help);
  }
  return out.str();
}

std::string FormatAnomalyList(const GeneratorOptions& options) {
  std::string out = "hour,region,kind,burst_factor\n";
  for (const Anomaly& anomaly : Schedule(options).Anomalies()) {
    char hour[kTimestampTextLength];
    FormatTimestamp(anomaly.hour_start_micros, hour);
    out += fmt::format("{},{},{},{}\n", std::string_view(hour, 19),
                       Regions()[static_cast<size_t>(anomaly.region)].name,
                       AnomalyKindName(anomaly.kind), anomaly.burst_factor);
  }
  return out;
}

}  // namespace shoal::datagen
