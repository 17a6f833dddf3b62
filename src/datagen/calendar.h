// Calendar arithmetic for the generator: proleptic Gregorian dates, timestamps as microseconds
// since 1970-01-01 00:00:00, and the timestamp text the event files carry.
//
// Timestamps are naive (no time zone), like the reference generator's, and read as UTC. No
// function here reads a clock: everything is a pure function of its arguments, which is what
// makes generated files reproducible.
//
// Thread-safety: pure functions and plain values.
#pragma once

#include <cstdint>
#include <string>

namespace shoal::datagen {

inline constexpr int64_t kMicrosPerSecond = 1'000'000;
inline constexpr int64_t kMicrosPerMinute = 60 * kMicrosPerSecond;
inline constexpr int64_t kMicrosPerHour = 60 * kMicrosPerMinute;
inline constexpr int64_t kMicrosPerDay = 24 * kMicrosPerHour;

struct CivilDate {
  int year = 1970;
  int month = 1;  // 1..12
  int day = 1;    // 1..31
};

// Days since 1970-01-01 of a valid civil date (negative before 1970).
int64_t DaysFromCivil(const CivilDate& date);
// The civil date `days` days after 1970-01-01.
CivilDate CivilFromDays(int64_t days);
// 28..31.
int DaysInMonth(int year, int month);

// Floor division that rounds towards negative infinity (timestamps before 1970 stay correct).
inline int64_t FloorDiv(int64_t a, int64_t b) {
  int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

// 0 = Monday .. 6 = Sunday for the day `days` after 1970-01-01 (a Thursday).
inline int DayOfWeek(int64_t days) { return static_cast<int>(((days % 7) + 7 + 3) % 7); }

// Timestamp of the first microsecond of the month after the one containing `micros`.
int64_t StartOfNextMonth(int64_t micros);
// Timestamp of the first microsecond of the month containing `micros`.
int64_t StartOfMonth(int64_t micros);

// Writes "YYYY-MM-DD" (10 chars) for a day; years must be 0..9999. Returns the end pointer.
char* FormatDate(int64_t days, char* out);
// The event files' timestamp text, "YYYY-MM-DD HH:MM:SS.ffffff" (always 26 chars, always six
// fraction digits). Of the ISO-8601 shapes, this is one DuckDB 1.4's read_json_auto recognizes as
// TIMESTAMP; a 'T' separator or a fraction that comes and goes (Python's isoformat()) is left as
// VARCHAR. Returns the end pointer.
inline constexpr int kTimestampTextLength = 26;
char* FormatTimestamp(int64_t micros, char* out);
// "YYYY-MM-DDThh:mm:ss", the shape --start-date accepts, for messages.
std::string FormatFlagDateTime(int64_t micros);

}  // namespace shoal::datagen
