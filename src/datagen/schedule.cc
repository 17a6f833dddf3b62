#include "datagen/schedule.h"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "datagen/calendar.h"
#include "datagen/random.h"

namespace shoal::datagen {
namespace {

// An online shop's day: quiet before dawn, a lunchtime bump, the peak in the evening.
constexpr double kHourOfDay[24] = {0.40, 0.30, 0.22, 0.20, 0.20, 0.25, 0.35, 0.55,
                                   0.75, 0.90, 1.00, 1.10, 1.20, 1.15, 1.05, 1.00,
                                   1.00, 1.05, 1.15, 1.30, 1.40, 1.30, 1.00, 0.60};
// Monday .. Sunday: the weekend sells more.
constexpr double kDayOfWeek[7] = {0.90, 0.92, 0.95, 0.97, 1.05, 1.15, 1.10};

constexpr uint64_t kAnomalySalt = 0x616e6f6d616c7931ULL;  // "anomaly1"

int64_t AlignDown(int64_t micros, RotateInterval interval) {
  switch (interval) {
    case RotateInterval::kMinute:
      return FloorDiv(micros, kMicrosPerMinute) * kMicrosPerMinute;
    case RotateInterval::kHour:
      return FloorDiv(micros, kMicrosPerHour) * kMicrosPerHour;
    case RotateInterval::kDay:
      return FloorDiv(micros, kMicrosPerDay) * kMicrosPerDay;
    case RotateInterval::kMonth:
      return StartOfMonth(micros);
    case RotateInterval::kNone:
      break;
  }
  return micros;
}

int64_t NextBoundary(int64_t aligned, RotateInterval interval) {
  switch (interval) {
    case RotateInterval::kMinute:
      return aligned + kMicrosPerMinute;
    case RotateInterval::kHour:
      return aligned + kMicrosPerHour;
    case RotateInterval::kDay:
      return aligned + kMicrosPerDay;
    case RotateInterval::kMonth:
      return StartOfNextMonth(aligned);
    case RotateInterval::kNone:
      break;
  }
  return aligned;
}

// The file-name key of the interval starting at `aligned`: %Y-%m-%d_%H-%M, %Y-%m-%d_%H,
// %Y-%m-%d or %Y-%m, as the reference generator names its files.
std::string IntervalKey(int64_t aligned, RotateInterval interval) {
  char text[kTimestampTextLength];
  FormatTimestamp(aligned, text);  // YYYY-MM-DD HH:MM:SS.ffffff
  std::string key(text, 19);
  switch (interval) {
    case RotateInterval::kMinute:
      key[10] = '_';
      key[13] = '-';
      return key.substr(0, 16);
    case RotateInterval::kHour:
      key[10] = '_';
      return key.substr(0, 13);
    case RotateInterval::kDay:
      return key.substr(0, 10);
    case RotateInterval::kMonth:
      return key.substr(0, 7);
    case RotateInterval::kNone:
      break;
  }
  return "";
}

}  // namespace

double HourOfDayWeight(int local_hour) { return kHourOfDay[local_hour]; }
double DayOfWeekWeight(int day_of_week) { return kDayOfWeek[day_of_week]; }

std::string_view AnomalyKindName(AnomalyKind kind) {
  switch (kind) {
    case AnomalyKind::kNone:
      return "none";
    case AnomalyKind::kVolumeBurst:
      return "volume_burst";
    case AnomalyKind::kPaymentFailures:
      return "payment_failures";
  }
  return "none";
}

Schedule::Schedule(const GeneratorOptions& options)
    : options_(options), anomaly_seed_(Mix(options.seed, kAnomalySalt)) {}

Anomaly Schedule::AnomalyAt(int64_t hour_start_micros) const {
  Anomaly anomaly;
  anomaly.hour_start_micros = hour_start_micros;
  const uint64_t hour_index = static_cast<uint64_t>(FloorDiv(hour_start_micros, kMicrosPerHour));
  const uint64_t x = Mix(anomaly_seed_, hour_index);
  const double draw = static_cast<double>(x >> 11) * 0x1.0p-53;
  if (!(draw < options_.anomaly_rate)) return anomaly;
  const uint64_t y = Mix(x, 0x6b696e64ULL);  // "kind"
  anomaly.region = options_.regions[y % options_.regions.size()];
  if ((y >> 32) & 1) {
    anomaly.kind = AnomalyKind::kPaymentFailures;
  } else {
    anomaly.kind = AnomalyKind::kVolumeBurst;
    anomaly.burst_factor = 5 + static_cast<int>((y >> 40) % 6);
  }
  return anomaly;
}

double Schedule::RegionWeight(int region, int64_t hour_start_micros) const {
  const Region& info = Regions()[static_cast<size_t>(region)];
  // The local hour is read at the half hour, so +05:30 (Kolkata) falls into a whole hour.
  const int64_t local =
      hour_start_micros + info.utc_offset_minutes * kMicrosPerMinute + kMicrosPerHour / 2;
  const int64_t local_day = FloorDiv(local, kMicrosPerDay);
  const int local_hour = static_cast<int>((local - local_day * kMicrosPerDay) / kMicrosPerHour);
  double weight = kHourOfDay[local_hour] * kDayOfWeek[DayOfWeek(local_day)];
  const Anomaly anomaly = AnomalyAt(hour_start_micros);
  if (anomaly.kind == AnomalyKind::kVolumeBurst && anomaly.region == region) {
    weight *= anomaly.burst_factor;
  }
  return weight;
}

std::vector<Anomaly> Schedule::Anomalies() const {
  std::vector<Anomaly> anomalies;
  for (int64_t hour = FloorDiv(options_.start_micros, kMicrosPerHour) * kMicrosPerHour;
       hour < options_.end_micros; hour += kMicrosPerHour) {
    const Anomaly anomaly = AnomalyAt(hour);
    if (anomaly.kind != AnomalyKind::kNone) anomalies.push_back(anomaly);
  }
  return anomalies;
}

FilePlanner::FilePlanner(const GeneratorOptions& options)
    : options_(options), cursor_(options.start_micros) {}

bool FilePlanner::Next(FilePlan* plan) {
  if (cursor_ >= options_.end_micros) return false;
  const std::string_view extension = FormatExtension(options_.format);
  if (options_.rotate == RotateInterval::kNone) {
    plan->name = fmt::format("transaction_events.{}", extension);
    plan->start_micros = options_.start_micros;
    plan->end_micros = options_.end_micros;
    plan->events = options_.count;
    cursor_ = options_.end_micros;
    return true;
  }
  const int64_t aligned = AlignDown(cursor_, options_.rotate);
  const int64_t boundary = NextBoundary(aligned, options_.rotate);
  plan->name =
      fmt::format("transaction_events_{}.{}", IntervalKey(aligned, options_.rotate), extension);
  plan->start_micros = cursor_;
  plan->end_micros = std::min(boundary, options_.end_micros);
  const int64_t covered = plan->end_micros - plan->start_micros;
  const int64_t full = boundary - aligned;
  if (covered == full) {
    plan->events = options_.count;
  } else {
    // A cut interval keeps the interval's rate: --count scaled by the covered fraction.
    __extension__ using Wide = __int128;
    plan->events =
        static_cast<int64_t>((static_cast<Wide>(options_.count) * covered + full / 2) / full);
  }
  cursor_ = plan->end_micros;
  return true;
}

int64_t TotalEvents(const GeneratorOptions& options) {
  if (options.rotate == RotateInterval::kNone) return options.count;
  FilePlanner planner(options);
  FilePlan plan;
  int64_t total = 0;
  while (planner.Next(&plan)) total += plan.events;
  return total;
}

HourSplitter::HourSplitter(const Schedule& schedule, int64_t start_micros, int64_t end_micros,
                           int64_t events)
    : schedule_(schedule), end_micros_(end_micros), events_(events), cursor_(start_micros) {
  // First pass: the total weight, so the second pass can round cumulatively.
  for (int64_t t = start_micros; t < end_micros;) {
    const int64_t hour = FloorDiv(t, kMicrosPerHour) * kMicrosPerHour;
    const int64_t slot_end = std::min(hour + kMicrosPerHour, end_micros);
    total_weight_ += SlotWeight(hour, t, slot_end, nullptr);
    t = slot_end;
  }
}

double HourSplitter::SlotWeight(int64_t hour_start, int64_t start, int64_t end,
                                HourSlot* slot) const {
  const std::vector<int>& regions = schedule_.options().regions;
  double sum = 0;
  for (size_t i = 0; i < regions.size(); ++i) {
    sum += schedule_.RegionWeight(regions[i], hour_start);
    if (slot != nullptr) {
      slot->regions[i] = regions[i];
      slot->cumulative_share[i] = sum;
    }
  }
  if (slot != nullptr) {
    slot->region_count = static_cast<int>(regions.size());
    for (size_t i = 0; i < regions.size(); ++i) slot->cumulative_share[i] /= sum;
    slot->cumulative_share[regions.size() - 1] = 1.0;
  }
  return sum * static_cast<double>(end - start) / static_cast<double>(kMicrosPerHour);
}

bool HourSplitter::Next(HourSlot* slot) {
  if (cursor_ >= end_micros_) return false;
  const int64_t hour = FloorDiv(cursor_, kMicrosPerHour) * kMicrosPerHour;
  slot->start_micros = cursor_;
  slot->end_micros = std::min(hour + kMicrosPerHour, end_micros_);
  slot->anomaly = schedule_.AnomalyAt(hour);
  cumulative_weight_ += SlotWeight(hour, slot->start_micros, slot->end_micros, slot);
  const int64_t target =
      slot->end_micros == end_micros_
          ? events_
          : std::min<int64_t>(events_, std::llround(static_cast<double>(events_) *
                                                    (cumulative_weight_ / total_weight_)));
  slot->events = std::max<int64_t>(0, target - assigned_);
  assigned_ += slot->events;
  cursor_ = slot->end_micros;
  return true;
}

}  // namespace shoal::datagen
