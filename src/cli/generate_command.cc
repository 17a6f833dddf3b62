// `shoal generate`: writes synthetic transaction events with the datagen library. The flags are
// parsed by datagen/args.h (shared with the compute node's generator engine, so a job's Args and
// this command accept exactly the same text); writing the files, Parquet included, is
// compute/engines/generator_engine.h's GenerateToDirectory.
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "cli/api_support.h"
#include "cli/command.h"
#include "compute/engines/generator_engine.h"
#include "datagen/args.h"
#include "datagen/options.h"

namespace shoal::cli {
namespace {

// Usage errors exit 2, anything else 1.
int FailGenerate(const Status& status) {
  return ReportError("shoal generate", status,
                     status.code() == ErrorCode::kInvalidArgument ? 2 : 1);
}

int RunGenerate(const std::vector<std::string>& raw_args) {
  Result<datagen::GenerateArgs> args = datagen::ParseGenerateArgs(raw_args);
  if (!args.ok()) return FailGenerate(args.status());
  if (args->help) {
    std::cout << datagen::GenerateUsage();
    return 0;
  }
  Result<datagen::GeneratorOptions> options = datagen::ResolveOptions(args->flags);
  if (!options.ok()) return FailGenerate(options.status());
  if (args->list_anomalies) {
    std::cout << datagen::FormatAnomalyList(*options);
    return 0;
  }
  if (options->output_dir.empty()) {
    return FailGenerate(
        Status::InvalidArgument("--output is required: the directory to write files into"));
  }
  Result<datagen::GenerateStats> stats = compute::GenerateToDirectory(*options);
  if (!stats.ok()) return FailGenerate(stats.status());
  std::cout << compute::GenerateSummary(*stats, *options, options->output_dir) << "\n";
  return 0;
}

}  // namespace

void AddGenerateCommand(CLI::App& app, int& exit_code) {
  CLI::App* command = app.add_subcommand(
      "generate", "Generate synthetic transaction events as JSONL, CSV or Parquet files");
  // Every argument goes to datagen::ParseGenerateArgs, --help included (it prints the flags).
  command->set_help_flag();
  command->allow_extras();
  command->callback([command, &exit_code] { exit_code = RunGenerate(command->remaining()); });
}

}  // namespace shoal::cli
