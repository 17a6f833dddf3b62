// The schedule of a generator run: which files exist, how many events each holds, how those
// events spread over the hours (daily and weekly seasonality in each region's local time), and
// which (hour, region) pairs carry an injected anomaly.
//
// Everything is a pure function of GeneratorOptions (the seed included), so the plan can be
// recomputed by a test to find the anomalies in the files it reads. docs/generator.md describes
// the shapes in words.
//
// Thread-safety: Schedule is immutable after construction and may be shared; FilePlanner and
// HourSplitter are iterators used by one thread.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "datagen/catalog.h"
#include "datagen/options.h"

namespace shoal::datagen {

// Relative volume by local hour of day (0..23) and local day of week (0 = Monday).
double HourOfDayWeight(int local_hour);
double DayOfWeekWeight(int day_of_week);

enum class AnomalyKind {
  kNone,
  // The region's volume in that hour is multiplied by `burst_factor` (5..10).
  kVolumeBurst,
  // In that hour and region, 75% of payments are forced to "failed" (about 81% failed in all,
  // against 25% normally).
  kPaymentFailures,
};
inline constexpr double kFailureSpikeProbability = 0.75;

struct Anomaly {
  int64_t hour_start_micros = 0;  // a UTC hour boundary
  int region = 0;                 // canonical region index
  AnomalyKind kind = AnomalyKind::kNone;
  int burst_factor = 1;
};

std::string_view AnomalyKindName(AnomalyKind kind);  // "volume_burst", "payment_failures"

class Schedule {
 public:
  explicit Schedule(const GeneratorOptions& options);

  // The anomaly of the UTC hour that starts at `hour_start_micros` (kind kNone for most hours).
  // Each hour is anomalous with probability options.anomaly_rate, decided by a hash of the seed
  // and the hour alone, so overlapping runs with the same seed agree.
  Anomaly AnomalyAt(int64_t hour_start_micros) const;

  // Relative event rate of `region` in that UTC hour: hour-of-day x day-of-week weight in the
  // region's local time (standard offset, hour taken at the half hour), times a burst factor.
  double RegionWeight(int region, int64_t hour_start_micros) const;

  // Every anomaly whose hour overlaps [start, end) of the options, in time order.
  std::vector<Anomaly> Anomalies() const;

  const GeneratorOptions& options() const { return options_; }

 private:
  GeneratorOptions options_;
  uint64_t anomaly_seed_;
};

struct FilePlan {
  std::string name;          // "transaction_events_2024-03.jsonl"
  int64_t start_micros = 0;  // the rotation interval clipped to the range
  int64_t end_micros = 0;
  int64_t events = 0;  // --count, pro-rated when the range cuts the interval
};

// Walks the files of a run in time order (one file when there is no rotation).
class FilePlanner {
 public:
  explicit FilePlanner(const GeneratorOptions& options);
  // Fills `plan` with the next file; false when there are none left. Files with zero events
  // (a sliver of an interval at the range's edge) are still returned; the generator skips them.
  bool Next(FilePlan* plan);

 private:
  const GeneratorOptions& options_;
  int64_t cursor_;
};

// The number of events a run writes in total.
int64_t TotalEvents(const GeneratorOptions& options);

struct HourSlot {
  int64_t start_micros = 0;  // clipped to the file's range
  int64_t end_micros = 0;
  int64_t events = 0;
  Anomaly anomaly;
  // Selected regions and the cumulative share of events each gets in this slot.
  int region_count = 0;
  std::array<int, kRegionCount> regions{};
  std::array<double, kRegionCount> cumulative_share{};
};

// Splits one file's events over the UTC hours it covers, in proportion to each hour's weight
// (the sum of the selected regions' weights times the covered fraction of the hour). Uses
// cumulative rounding, so the slots add up to exactly the file's event count with O(1) memory.
class HourSplitter {
 public:
  HourSplitter(const Schedule& schedule, int64_t start_micros, int64_t end_micros, int64_t events);
  bool Next(HourSlot* slot);

 private:
  double SlotWeight(int64_t hour_start, int64_t start, int64_t end, HourSlot* slot) const;

  const Schedule& schedule_;
  int64_t end_micros_;
  int64_t events_;
  int64_t cursor_;
  double total_weight_ = 0;
  double cumulative_weight_ = 0;
  int64_t assigned_ = 0;
};

}  // namespace shoal::datagen
