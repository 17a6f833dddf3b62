// The seed's data generator job (jobs/data-generator.yaml) with NULLs in its data, for the
// cluster tests that compare a distributed answer with one DuckDB's over the same files: data
// with holes (NULL keys and amounts, empty strings) is where merges and partial aggregates go
// wrong, so every such test generates it.
//
// jobs/data-generator.yaml stays the seed's (its -V variables unchanged, and without the flag,
// which the seed's generator image does not know); the tests run a copy whose generator
// parameters end in `--null-rate RATE` before `--output`. Usage, with the job's usual -V
// variables:
//
//   const std::string job = testing::DataGeneratorJobWithNulls(SHOAL_SOURCE_ROOT, root_);
//   Shoal({"job", "run", job, "-V", "Region=us", "-V", "Events=200", ...});
//
// Thread-safety: plain functions.
#pragma once

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "common/testing/run_process.h"

namespace shoal::testing {

// The share of each blankable field that the cluster equality tests blank
// (`shoal generate --null-rate`, docs/generator.md): about 40% of events carry a blank.
inline constexpr const char* kTestNullRate = "0.05";

// Writes `source_root`/jobs/data-generator.yaml, with `--null-rate null_rate` added to the
// generator's parameters, to `dir`/data-generator-nulls.yaml and returns that path. A job file
// whose parameters no longer end in `--output` fails the calling test (and returns "").
inline std::string DataGeneratorJobWithNulls(const std::filesystem::path& source_root,
                                             const std::filesystem::path& dir,
                                             const std::string& null_rate = kTestNullRate) {
  std::string yaml = ReadWholeFile(source_root / "jobs" / "data-generator.yaml");
  const std::string output = "- --output\n";
  const size_t at = yaml.find(output);
  if (at == std::string::npos) {
    ADD_FAILURE() << "jobs/data-generator.yaml has no '" << output
                  << "' line to add --null-rate to";
    return "";
  }
  const size_t line = yaml.rfind('\n', at) + 1;
  const std::string indent = yaml.substr(line, at - line);
  yaml.insert(line, indent + "- --null-rate\n" + indent + "- \"" + null_rate + "\"\n");
  const std::filesystem::path path = dir / "data-generator-nulls.yaml";
  std::filesystem::create_directories(dir);
  std::ofstream(path) << yaml;
  return path.string();
}

}  // namespace shoal::testing
