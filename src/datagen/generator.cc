#include "datagen/generator.h"

#include <memory>

#include <fmt/format.h>

#include "datagen/background_writer.h"
#include "datagen/blanks.h"
#include "datagen/calendar.h"
#include "datagen/catalog.h"
#include "datagen/customers.h"
#include "datagen/random.h"
#include "datagen/schedule.h"
#include "datagen/transaction.h"
#include "datagen/transaction_writer.h"

namespace shoal::datagen {
namespace {

constexpr uint64_t kEventSalt = 0x6576656e74733031ULL;  // "events01"
constexpr uint64_t kBlankSalt = 0x626c616e6b733031ULL;  // "blanks01"

class Buffer {
 public:
  Buffer() : data_(new char[kWriteBufferBytes + TransactionWriter::kMaxRowBytes]) {}
  char* begin() { return data_.get(); }
  bool full(const char* end) const {
    return static_cast<size_t>(end - data_.get()) >= kWriteBufferBytes;
  }

 private:
  std::unique_ptr<char[]> data_;
};

int PickRegion(const HourSlot& slot, double draw) {
  int i = 0;
  while (i + 1 < slot.region_count && draw >= slot.cumulative_share[static_cast<size_t>(i)]) ++i;
  return slot.regions[static_cast<size_t>(i)];
}

class Run {
 public:
  Run(const GeneratorOptions& options, Sink& sink)
      : options_(options),
        sink_(sink),
        schedule_(options),
        catalog_(options.seed),
        customers_(options.seed, CustomerPool::SizeFor(TotalEvents(options),
                                                       static_cast<int>(options.regions.size()))),
        factory_(catalog_, customers_),
        writer_(catalog_,
                options.format == OutputFormat::kCsv ? RowFormat::kCsv : RowFormat::kJsonl) {
    if (sink.PrefersBackgroundWrites()) background_ = std::make_unique<BackgroundWriter>(sink);
    if (options.null_rate > 0) {
      blanker_ = std::make_unique<RowBlanker>(
          options.null_rate,
          options.format == OutputFormat::kCsv ? RowFormat::kCsv : RowFormat::kJsonl);
    }
  }

  Result<GenerateStats> Go() {
    FilePlanner planner(options_);
    FilePlan plan;
    while (planner.Next(&plan)) {
      if (plan.events == 0) continue;
      SHOAL_RETURN_IF_ERROR(WriteFile(plan));
    }
    return stats_;
  }

 private:
  Status WriteFile(const FilePlan& plan) {
    SHOAL_RETURN_IF_ERROR(sink_.Open(plan.name));
    Rng rng(Mix(options_.seed ^ kEventSalt, static_cast<uint64_t>(plan.start_micros)));
    // Blanks draw from a stream of their own: the events' values stay those of a run without.
    Rng blank_rng(Mix(options_.seed ^ kBlankSalt, static_cast<uint64_t>(plan.start_micros)));
    char* out = writer_.AppendHeader(buffers_[current_].begin());
    HourSplitter splitter(schedule_, plan.start_micros, plan.end_micros, plan.events);
    HourSlot slot;
    TransactionEvent event;
    while (splitter.Next(&slot)) {
      if (slot.events == 0) continue;
      const int64_t duration = slot.end_micros - slot.start_micros;
      if (slot.events > duration) {
        return Status::InvalidArgument(fmt::format(
            "--count {} puts {} events into one hour of {}: more than one per microsecond",
            options_.count, slot.events, plan.name));
      }
      // Event i lands in its own sub-interval [i*d/n, (i+1)*d/n) at a random offset, so
      // timestamps are strictly increasing without sorting: floor(i*d/n) + floor(d/n) <=
      // floor((i+1)*d/n).
      __extension__ using Wide = __int128;
      const uint64_t gap = static_cast<uint64_t>(duration / slot.events);
      for (int64_t i = 0; i < slot.events; ++i) {
        const int64_t offset = static_cast<int64_t>(static_cast<Wide>(i) * duration / slot.events);
        const int64_t timestamp = slot.start_micros + offset + static_cast<int64_t>(rng.Below(gap));
        const int region = PickRegion(slot, rng.Uniform());
        const bool failures =
            slot.anomaly.kind == AnomalyKind::kPaymentFailures && slot.anomaly.region == region;
        factory_.Make(rng, timestamp, region, failures, &event);
        char* const row = out;
        out = writer_.Append(event, out);
        if (blanker_ != nullptr) out = blanker_->Apply(blanker_->Draw(blank_rng), row, out);
        if (buffers_[current_].full(out)) SHOAL_RETURN_IF_ERROR(Flush(out));
      }
      stats_.events += slot.events;
    }
    SHOAL_RETURN_IF_ERROR(Flush(out));
    if (background_ != nullptr) SHOAL_RETURN_IF_ERROR(background_->Wait());
    SHOAL_RETURN_IF_ERROR(sink_.Close());
    ++stats_.files;
    return Status::Ok();
  }

  // Hands the current buffer to the sink and points `out` at the start of an empty one: the
  // same buffer when writing synchronously, the other one when writing in the background.
  Status Flush(char*& out) {
    Buffer& buffer = buffers_[current_];
    const size_t size = static_cast<size_t>(out - buffer.begin());
    if (size == 0) return Status::Ok();
    stats_.bytes += static_cast<int64_t>(size);
    const std::string_view data(buffer.begin(), size);
    if (background_ == nullptr) {
      out = buffer.begin();
      return sink_.Write(data);
    }
    SHOAL_RETURN_IF_ERROR(background_->Submit(data));
    current_ ^= 1;
    out = buffers_[current_].begin();
    return Status::Ok();
  }

  const GeneratorOptions& options_;
  Sink& sink_;
  Schedule schedule_;
  ProductCatalog catalog_;
  CustomerPool customers_;
  TransactionFactory factory_;
  TransactionWriter writer_;
  std::unique_ptr<RowBlanker> blanker_;  // null when options.null_rate is 0
  Buffer buffers_[2];
  int current_ = 0;
  // Declared after the buffers, so it stops (finishing any write) before they are freed.
  std::unique_ptr<BackgroundWriter> background_;
  GenerateStats stats_;
};

}  // namespace

Result<GenerateStats> Generate(const GeneratorOptions& options, Sink& sink) {
  SHOAL_RETURN_IF_ERROR(ValidateOptions(options));
  Run run(options, sink);
  return run.Go();
}

}  // namespace shoal::datagen
