#include "metrics/registry.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>

namespace shoal::metrics {
namespace {

[[noreturn]] void Misuse(const std::string& message) {
  std::fprintf(stderr, "metrics: %s\n", message.c_str());
  std::abort();
}

LabelPairs Pairs(const std::vector<std::string>& names, const std::vector<std::string>& values) {
  LabelPairs pairs;
  for (size_t i = 0; i < names.size(); ++i) pairs.emplace_back(names[i], values[i]);
  return pairs;
}

template <typename Metric>
MetricType TypeOf();
template <>
MetricType TypeOf<Counter>() {
  return MetricType::kCounter;
}
template <>
MetricType TypeOf<Gauge>() {
  return MetricType::kGauge;
}
template <>
MetricType TypeOf<Histogram>() {
  return MetricType::kHistogram;
}

void WriteSeries(ExpositionWriter& writer, const LabelPairs& labels, const Counter& counter,
                 const std::vector<double>&) {
  writer.Sample(labels, counter.value());
}

void WriteSeries(ExpositionWriter& writer, const LabelPairs& labels, const Gauge& gauge,
                 const std::vector<double>&) {
  writer.Sample(labels, gauge.value());
}

void WriteSeries(ExpositionWriter& writer, const LabelPairs& labels, const Histogram& histogram,
                 const std::vector<double>& bounds) {
  const Histogram::Snapshot snapshot = histogram.Read();
  LabelPairs with_le = labels;
  with_le.emplace_back("le", "");
  for (size_t i = 0; i < bounds.size(); ++i) {
    with_le.back().second = FormatValue(bounds[i]);
    writer.Sample(with_le, static_cast<double>(snapshot.cumulative[i]), "_bucket");
  }
  with_le.back().second = "+Inf";
  writer.Sample(with_le, static_cast<double>(snapshot.count), "_bucket");
  writer.Sample(labels, snapshot.sum, "_sum");
  writer.Sample(labels, static_cast<double>(snapshot.count), "_count");
}

// The family of `families` named `name`, when it was added with this definition; null when none
// was. Another definition under the name aborts (Reserve catches a name of another kind).
template <typename Metric>
Family<Metric>* Existing(const std::vector<std::unique_ptr<Family<Metric>>>& families,
                         const std::string& name, const std::vector<std::string>& label_names,
                         const std::vector<double>& bounds = {}) {
  for (const auto& family : families) {
    if (family->name() != name) continue;
    if (!family->SameDefinition(label_names, bounds)) {
      Misuse(name + " is added twice with different labels or buckets");
    }
    return family.get();
  }
  return nullptr;
}

}  // namespace

void Histogram::Observe(double value) {
  const auto bucket = std::lower_bound(bounds_->begin(), bounds_->end(), value);
  std::lock_guard lock(mu_);
  if (bucket != bounds_->end()) ++counts_[bucket - bounds_->begin()];
  ++count_;
  sum_ += value;
}

Histogram::Snapshot Histogram::Read() const {
  std::lock_guard lock(mu_);
  Snapshot snapshot;
  uint64_t running = 0;
  for (uint64_t n : counts_) snapshot.cumulative.push_back(running += n);
  snapshot.count = count_;
  snapshot.sum = sum_;
  return snapshot;
}

const std::vector<double>& DurationBuckets() {
  static const std::vector<double> bounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1,
                                             2.5,   5,    10,    30,   60,  300,  900, 3600};
  return bounds;
}

template <typename Metric>
Metric& Family<Metric>::With(const std::vector<std::string>& label_values) {
  if (label_values.size() != label_names_.size()) {
    Misuse(name_ + " has " + std::to_string(label_names_.size()) + " labels, given " +
           std::to_string(label_values.size()) + " values");
  }
  std::lock_guard lock(mu_);
  auto& series = series_[label_values];
  if (!series) {
    if constexpr (std::is_same_v<Metric, Histogram>) {
      series = std::make_unique<Histogram>(&bounds_);
    } else {
      series = std::make_unique<Metric>();
    }
  }
  return *series;
}

template <typename Metric>
void Family<Metric>::Write(ExpositionWriter& writer) const {
  writer.Family(name_, TypeOf<Metric>(), help_);
  std::lock_guard lock(mu_);
  for (const auto& [values, metric] : series_) {
    WriteSeries(writer, Pairs(label_names_, values), *metric, bounds_);
  }
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

void Registry::Reserve(const std::string& name) {
  if (std::find(names_.begin(), names_.end(), name) != names_.end()) {
    Misuse(name + " is added twice");
  }
  names_.push_back(name);
}

CounterFamily& Registry::AddCounter(std::string name, std::string help,
                                    std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  if (auto* existing = Existing(counters_, name, label_names)) return *existing;
  Reserve(name);
  auto& family = counters_.emplace_back(
      std::make_unique<CounterFamily>(std::move(name), std::move(help), std::move(label_names)));
  writers_.push_back([f = family.get()](ExpositionWriter& w) { f->Write(w); });
  return *family;
}

GaugeFamily& Registry::AddGauge(std::string name, std::string help,
                                std::vector<std::string> label_names) {
  std::lock_guard lock(mu_);
  if (auto* existing = Existing(gauges_, name, label_names)) return *existing;
  Reserve(name);
  auto& family = gauges_.emplace_back(
      std::make_unique<GaugeFamily>(std::move(name), std::move(help), std::move(label_names)));
  writers_.push_back([f = family.get()](ExpositionWriter& w) { f->Write(w); });
  return *family;
}

HistogramFamily& Registry::AddHistogram(std::string name, std::string help,
                                        std::vector<std::string> label_names,
                                        std::vector<double> bounds) {
  if (!std::is_sorted(bounds.begin(), bounds.end()) ||
      std::adjacent_find(bounds.begin(), bounds.end()) != bounds.end()) {
    Misuse(name + ": bucket bounds must increase");
  }
  std::lock_guard lock(mu_);
  if (auto* existing = Existing(histograms_, name, label_names, bounds)) return *existing;
  Reserve(name);
  auto& family = histograms_.emplace_back(std::make_unique<HistogramFamily>(
      std::move(name), std::move(help), std::move(label_names), std::move(bounds)));
  writers_.push_back([f = family.get()](ExpositionWriter& w) { f->Write(w); });
  return *family;
}

void Registry::AddCollector(std::vector<std::string> names, Collector collector) {
  std::lock_guard lock(mu_);
  for (const auto& name : names) Reserve(name);
  writers_.push_back(std::move(collector));
}

std::string Registry::Expose() const {
  std::vector<std::function<void(ExpositionWriter&)>> writers;
  {
    std::lock_guard lock(mu_);
    writers = writers_;
  }
  ExpositionWriter writer;
  for (const auto& write : writers) write(writer);
  return writer.Take();
}

}  // namespace shoal::metrics
