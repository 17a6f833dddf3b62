// GeneratorOptions: what `shoal generate` is asked to produce, and the parsing and validation
// that turn the command-line text into it.
//
// GenerateFlags holds the flags exactly as typed (all strings, so every message can quote the
// bad value and name its flag); ResolveOptions turns them into a validated GeneratorOptions or
// an InvalidArgument Status such as "--region 'mars' is not a known region; valid: ...".
// Nothing here reads the clock: missing dates get fixed defaults, so runs are reproducible.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::datagen {

enum class EventType { kTransaction };
enum class RotateInterval { kNone, kMinute, kHour, kDay, kMonth };
enum class OutputFormat { kJsonl, kCsv, kParquet };

// The default range when no date is given: [2024-01-01, 2024-01-01 + --days).
inline constexpr std::string_view kDefaultStartDate = "2024-01-01";
// At most this many events per second of the range on average, so that timestamps can stay
// strictly increasing at microsecond resolution even in the busiest (seasonal peak x burst) hour.
inline constexpr int64_t kMaxEventsPerSecond = 1000;
inline constexpr uint64_t kDefaultSeed = 42;
inline constexpr double kDefaultAnomalyRate = 0.005;

struct GeneratorOptions {
  EventType type = EventType::kTransaction;
  // Events per rotation interval (pro-rated for an interval the range cuts), or in total
  // when rotate == kNone.
  int64_t count = 100;
  // Canonical region indexes into Regions() (catalog.h), ascending and distinct; never empty.
  std::vector<int> regions;
  // Range [start_micros, end_micros) in microseconds since 1970-01-01 (naive, read as UTC).
  int64_t start_micros = 0;
  int64_t end_micros = 0;
  RotateInterval rotate = RotateInterval::kNone;
  // Where files go; the generator itself only talks to a Sink, so this may be empty.
  std::string output_dir;
  OutputFormat format = OutputFormat::kJsonl;
  uint64_t seed = kDefaultSeed;
  // Probability that a given (hour, region) carries an injected anomaly; 0 disables them.
  double anomaly_rate = kDefaultAnomalyRate;
  // Probability that each blankable field of an event (blanks.h: keys, amounts, text) is
  // written as NULL or an empty string; 0, the default, writes every value.
  double null_rate = 0;
};

// The flags of `shoal generate` as the user typed them. Empty means "not given".
struct GenerateFlags {
  std::string type = "transaction";
  std::string count = "100";
  std::vector<std::string> regions;  // each may also be a comma-separated list
  std::string start_date;
  std::string end_date;
  std::string days;
  std::string rotate_interval;
  std::string output;
  std::string format = "jsonl";
  std::string seed;
  std::string anomaly_rate;
  std::string null_rate;
};

// Parses and validates every flag; the first problem found is returned, naming its flag.
Result<GeneratorOptions> ResolveOptions(const GenerateFlags& flags);

// Checks the invariants documented on GeneratorOptions (also for options built in code).
Status ValidateOptions(const GeneratorOptions& options);

// "YYYY-MM-DD" or "YYYY-MM-DDThh:mm:ss" (a space may replace the T), years 1900..9998, to
// microseconds since 1970-01-01. `flag` names the flag in the error message.
Result<int64_t> ParseDateTime(std::string_view text, std::string_view flag);

// Full names (us-east, us-west, eu-west, ap-south) or prefixes (us, eu, ap), case-insensitive,
// each entry possibly a comma-separated list. Returns canonical indexes, ascending and distinct;
// no entries means every region.
Result<std::vector<int>> ParseRegions(const std::vector<std::string>& values);

Result<RotateInterval> ParseRotateInterval(std::string_view text);
Result<OutputFormat> ParseOutputFormat(std::string_view text);
Result<EventType> ParseEventType(std::string_view text);

// "jsonl", "csv", "parquet": the file extension of a format.
std::string_view FormatExtension(OutputFormat format);
// "minute", "hour", "day", "month"; "none" for kNone.
std::string_view RotateIntervalName(RotateInterval interval);

}  // namespace shoal::datagen
