#include "datagen/calendar.h"

namespace shoal::datagen {
namespace {

// Writes `value` as exactly `width` decimal digits (zero-padded).
char* PutDigits(int value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

}  // namespace

// Howard Hinnant's days_from_civil / civil_from_days: exact for the whole proleptic calendar.
int64_t DaysFromCivil(const CivilDate& date) {
  const int64_t y = date.year - (date.month <= 2 ? 1 : 0);
  const int64_t era = FloorDiv(y, 400);
  const int64_t yoe = y - era * 400;
  const int64_t mp = (date.month + 9) % 12;
  const int64_t doy = (153 * mp + 2) / 5 + date.day - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

CivilDate CivilFromDays(int64_t days) {
  const int64_t z = days + 719468;
  const int64_t era = FloorDiv(z, 146097);
  const int64_t doe = z - era * 146097;
  const int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const int64_t mp = (5 * doy + 2) / 153;
  CivilDate date;
  date.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  date.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  date.year = static_cast<int>(yoe + era * 400 + (date.month <= 2 ? 1 : 0));
  return date;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

int64_t StartOfMonth(int64_t micros) {
  CivilDate date = CivilFromDays(FloorDiv(micros, kMicrosPerDay));
  date.day = 1;
  return DaysFromCivil(date) * kMicrosPerDay;
}

int64_t StartOfNextMonth(int64_t micros) {
  CivilDate date = CivilFromDays(FloorDiv(micros, kMicrosPerDay));
  date.day = 1;
  if (++date.month > 12) {
    date.month = 1;
    ++date.year;
  }
  return DaysFromCivil(date) * kMicrosPerDay;
}

char* FormatDate(int64_t days, char* out) {
  const CivilDate date = CivilFromDays(days);
  out = PutDigits(date.year, 4, out);
  *out++ = '-';
  out = PutDigits(date.month, 2, out);
  *out++ = '-';
  return PutDigits(date.day, 2, out);
}

char* FormatTimestamp(int64_t micros, char* out) {
  const int64_t days = FloorDiv(micros, kMicrosPerDay);
  const int64_t in_day = micros - days * kMicrosPerDay;
  out = FormatDate(days, out);
  const int64_t seconds = in_day / kMicrosPerSecond;
  *out++ = ' ';
  out = PutDigits(static_cast<int>(seconds / 3600), 2, out);
  *out++ = ':';
  out = PutDigits(static_cast<int>(seconds / 60 % 60), 2, out);
  *out++ = ':';
  out = PutDigits(static_cast<int>(seconds % 60), 2, out);
  *out++ = '.';
  return PutDigits(static_cast<int>(in_day % kMicrosPerSecond), 6, out);
}

std::string FormatFlagDateTime(int64_t micros) {
  char text[kTimestampTextLength];
  FormatTimestamp(micros, text);
  text[10] = 'T';
  return std::string(text, 19);
}

}  // namespace shoal::datagen
