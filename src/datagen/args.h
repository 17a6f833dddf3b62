// The generator's command line, shared by `shoal generate` and the compute node's `generator`
// engine: the argument list (as a job's Engine.Params.Args or the seed's data-generator image
// parameters carry it) parsed into GenerateFlags without CLI11, the help text, and the
// `--list-anomalies` listing.
//
// Accepted forms: `--name value`, `--name=value`, `-x value`, `-xvalue`; `-r/--region` may be
// repeated; `--list-anomalies` and `-h/--help` are switches. A value is taken as written even
// when it starts with '-' (`--days -3` reaches ResolveOptions, which explains what is wrong).
// Values are not checked here: ResolveOptions does that and names the flag.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "datagen/options.h"

namespace shoal::datagen {

struct GenerateArgs {
  GenerateFlags flags;
  bool list_anomalies = false;  // print the injected anomalies as CSV and write no files
  bool help = false;            // -h/--help was given: show GenerateUsage() and do nothing else
};

// Parses the arguments that follow the command name. Errors (kInvalidArgument) name the
// argument: "unknown flag '--colour'", "--count needs a value", "--seed was given twice".
Result<GenerateArgs> ParseGenerateArgs(const std::vector<std::string>& args);

// The help text of `shoal generate`: usage line and one line per flag.
std::string GenerateUsage();

// The `--list-anomalies` output: "hour,region,kind,burst_factor" then one CSV line per anomaly.
std::string FormatAnomalyList(const GeneratorOptions& options);

}  // namespace shoal::datagen
