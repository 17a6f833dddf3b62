// Registry: the metrics a Shoal process keeps in memory (counters, gauges, histograms, each a
// family of series told apart by label values) plus collectors that compute metrics when they
// are scraped (state read from the job store, for one). Expose() writes them all in Prometheus'
// text format (metrics/exposition.h), families in the order they were added, series in the
// order of their label values.
//
// Series are created on first use and live as long as the registry, so a reference from With()
// may be kept and updated without a lookup. Adding a family again with the same definition
// returns the one there (two servers of one process share their counters). Label values must stay
// few (a region, a state, a route): never a job or execution id. Misuse (a name added twice with
// different definitions, a wrong number of label values) is a programming error and aborts with a
// message.
//
// Thread-safety: every method may be called from any thread. Updates are lock-free (counters
// and gauges) or take one series' mutex (histograms); Expose() runs the collectors on the
// calling thread.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "metrics/exposition.h"

namespace shoal::metrics {

class Counter {
 public:
  void Increment(double by = 1) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Gauge {
 public:
  void Set(double value) { value_.store(value, std::memory_order_relaxed); }
  void Add(double by) { value_.fetch_add(by, std::memory_order_relaxed); }
  double value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class Histogram {
 public:
  explicit Histogram(const std::vector<double>* bounds) : bounds_(bounds) {
    counts_.assign(bounds->size(), 0);
  }
  void Observe(double value);

  struct Snapshot {
    std::vector<uint64_t> cumulative;  // per bound, observations <= it
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  const std::vector<double>* bounds_;  // the family's, increasing
  mutable std::mutex mu_;
  std::vector<uint64_t> counts_;  // per bound, observations in (previous bound, bound]
  uint64_t count_ = 0;
  double sum_ = 0;
};

// Bucket bounds for durations in seconds, 5 ms to 1 h.
const std::vector<double>& DurationBuckets();

// The series of one metric name. `Metric` is Counter, Gauge or Histogram.
template <typename Metric>
class Family {
 public:
  Family(std::string name, std::string help, std::vector<std::string> label_names,
         std::vector<double> bounds = {})
      : name_(std::move(name)),
        help_(std::move(help)),
        label_names_(std::move(label_names)),
        bounds_(std::move(bounds)) {}

  // The series with these label values (one per label name, in order), made on first use.
  Metric& With(const std::vector<std::string>& label_values);
  void Write(ExpositionWriter& writer) const;
  const std::string& name() const { return name_; }
  bool SameDefinition(const std::vector<std::string>& label_names,
                      const std::vector<double>& bounds) const {
    return label_names == label_names_ && (bounds.empty() || bounds == bounds_);
  }

 private:
  const std::string name_;
  const std::string help_;
  const std::vector<std::string> label_names_;
  const std::vector<double> bounds_;  // histograms only
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<Metric>> series_;  // guarded by mu_
};

using CounterFamily = Family<Counter>;
using GaugeFamily = Family<Gauge>;
using HistogramFamily = Family<Histogram>;

class Registry {
 public:
  // Writes metrics computed at scrape time, each family whole (Family, then its samples).
  using Collector = std::function<void(ExpositionWriter&)>;

  CounterFamily& AddCounter(std::string name, std::string help,
                            std::vector<std::string> label_names = {});
  GaugeFamily& AddGauge(std::string name, std::string help,
                        std::vector<std::string> label_names = {});
  // `bounds` increasing; the +Inf bucket is implied.
  HistogramFamily& AddHistogram(std::string name, std::string help,
                                std::vector<std::string> label_names,
                                std::vector<double> bounds = DurationBuckets());
  // `names`: the families it writes, reserved against clashes with the others.
  void AddCollector(std::vector<std::string> names, Collector collector);

  // Every family, in Prometheus' text format.
  std::string Expose() const;

 private:
  void Reserve(const std::string& name);

  mutable std::mutex mu_;
  // In the order added; each entry writes one family or one collector's families.
  std::vector<std::function<void(ExpositionWriter&)>> writers_;  // guarded by mu_
  std::vector<std::string> names_;                               // guarded by mu_
  std::vector<std::unique_ptr<CounterFamily>> counters_;         // guarded by mu_
  std::vector<std::unique_ptr<GaugeFamily>> gauges_;             // guarded by mu_
  std::vector<std::unique_ptr<HistogramFamily>> histograms_;     // guarded by mu_
};

}  // namespace shoal::metrics
