// Generate: runs the transaction event generator, writing every file of the run to a Sink.
//
// The run is a pure function of GeneratorOptions: files in time order, each with exactly its
// planned number of events (schedule.h), timestamps strictly increasing inside [start, end) of
// the file, rows formatted by TransactionWriter (and, with a null_rate, blanked by RowBlanker)
// into a 1 MiB buffer that is handed to the sink whole. Each file draws from its own random
// stream (seed x interval start), so a file's content does not depend on the files before it.
//
// Thread-safety: Generate may run on several threads at once with different sinks. When the sink
// PrefersBackgroundWrites (FileSink), Generate calls its Write from a helper thread of its own, so
// formatting overlaps the write; the sink never sees two calls at once.
#pragma once

#include <cstdint>

#include "common/status.h"
#include "datagen/options.h"
#include "datagen/sink.h"

namespace shoal::datagen {

struct GenerateStats {
  int64_t files = 0;
  int64_t events = 0;
  int64_t bytes = 0;
};

// The buffer size handed to Sink::Write (the last write of a file may be smaller).
inline constexpr size_t kWriteBufferBytes = 1 << 20;

// Writes the run. For OutputFormat::kParquet the rows are JSONL under ".parquet" names: the sink
// is expected to convert them (the CLI does, through the engine). Stops at the first error.
Result<GenerateStats> Generate(const GeneratorOptions& options, Sink& sink);

}  // namespace shoal::datagen
