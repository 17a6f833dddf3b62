// The `generator` engine, and the "generate into a folder" step it shares with `shoal generate`.
//
// GenerateToDirectory writes a datagen run into a real folder: JSONL and CSV straight from the
// datagen library, Parquet as JSONL converted through the engine (DuckDB's COPY, one file at a
// time, one engine thread so the bytes are the same on every run).
//
// RunGeneratorEngine runs an execution's Params.Args (the arguments of `shoal generate`, as the
// job-spec decoder normalizes the seed's data-generator image and the native form; see
// datagen/args.h). `--output` (default /data, like the seed's image) is a path inside the
// sandbox and must lie in one of its folders, not in a read-only input. stdout gets the same
// summary line as the CLI, naming the virtual folder.
//
// Thread-safety: calls with different output folders may run concurrently.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "compute/engines/job_engine.h"
#include "datagen/generator.h"
#include "datagen/options.h"

namespace shoal::compute {

// Writes the run into options.output_dir (created when missing). When `stop` is given and
// becomes true, the run ends early with kCancelled. Errors creating the folder are prefixed
// "--output: ".
Result<datagen::GenerateStats> GenerateToDirectory(const datagen::GeneratorOptions& options,
                                                   const std::atomic<bool>* stop = nullptr);

// "wrote 36000 transaction events to 12 jsonl file(s) in /data".
std::string GenerateSummary(const datagen::GenerateStats& stats,
                            const datagen::GeneratorOptions& options, std::string_view directory);

// The `generator` engine, for the node's registry (compute/plugins.h).
std::unique_ptr<JobEngine> MakeGeneratorEngine();

}  // namespace shoal::compute
