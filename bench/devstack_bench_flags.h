// The command line of the benchmarks that run a devstack process (query_bench, columnar_bench):
// `BENCH PATH_TO_SHOAL [--events N] [--runs N] [--keep DIR]`.
//
// Thread-safety: plain functions over values.
#pragma once

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include <unistd.h>

namespace shoal::bench {

struct DevstackBenchFlags {
  std::string shoal;  // absolute path of the shoal binary
  int events = 0;     // generator events per node and month (-V Events)
  int runs = 0;       // timed rounds per figure
  std::string keep;   // when set: the devstack's folder, kept after the run
  // The benchmark's folder: `keep`, or shoal-<bench>-<pid> in the temp folder.
  std::filesystem::path dir;
};

// Fills `flags` from argv; "" when it went well, otherwise what is wrong, usage included.
inline std::string ParseInto(int argc, char** argv, const std::string& bench,
                             DevstackBenchFlags& flags) {
  const std::string usage =
      "usage: " + bench + " PATH_TO_SHOAL [--events N] [--runs N] [--keep DIR]";
  if (argc < 2) return usage;
  flags.shoal = std::filesystem::absolute(argv[1]).string();
  for (int i = 2; i < argc; i += 2) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return flag + " needs a value; " + usage;
    if (flag == "--events") {
      flags.events = std::atoi(argv[i + 1]);
    } else if (flag == "--runs") {
      flags.runs = std::atoi(argv[i + 1]);
    } else if (flag == "--keep") {
      flags.keep = argv[i + 1];
    } else {
      return "unknown flag " + flag + "; " + usage;
    }
  }
  if (flags.events <= 0 || flags.runs <= 0) return "--events and --runs must be positive";
  return "";
}

// Parses argv over the defaults `events` and `runs`; calls `die` (which must not return) with
// what is wrong, usage included.
template <typename Die>
DevstackBenchFlags ParseDevstackBenchFlags(int argc, char** argv, const std::string& bench,
                                           int events, int runs, Die&& die) {
  DevstackBenchFlags flags;
  flags.events = events;
  flags.runs = runs;
  const std::string problem = ParseInto(argc, argv, bench, flags);
  if (!problem.empty()) die(problem);
  std::string folder = "shoal-" + bench + "-" + std::to_string(::getpid());
  std::replace(folder.begin(), folder.end(), '_', '-');
  flags.dir = flags.keep.empty() ? std::filesystem::temp_directory_path() / folder
                                 : std::filesystem::path(flags.keep);
  return flags;
}

}  // namespace shoal::bench
