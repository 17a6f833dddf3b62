// The live progress line of `shoal job run` and `shoal query` on a terminal, in the spirit of
// Trino's CLI: elapsed time, a bar (capped at 99% while running), partitions done/running/failed
// overall and per region, bytes read with their rate, rows read:
//
//    0:07 [=========>          ] 45% j-1234abcd 3/8 done, 2 running · us 2/4 eu 1/4 · 1.2 GB read,
//    170 MB/s · 3.4M rows
//
// (one line). What running partitions have done comes from the nodes' heartbeats (their
// executions' live Stats); a partition counts once, by its latest attempt.
//
// ProgressDisplay draws it: not before 1 s has passed, at most twice a second, in place.
//
// Thread-safety: plain values and functions; a ProgressDisplay is used by one thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <vector>

#include "models/execution.h"
#include "models/job.h"
#include "models/partition_progress.h"

namespace shoal::cli {

struct RunProgress {
  std::string label;  // "j-1234abcd", "q-1234abcd"
  std::chrono::milliseconds elapsed{0};
  models::PartitionCounts overall;  // of every job added; `finished` makes the bar
  std::map<std::string, models::PartitionCounts> regions;  // partitions not placed yet: none
  int64_t bytes_read = 0;                                  // every attempt's, running ones so far
  int64_t rows_read = 0;
};

// Adds one job's partitions (its current version's executions) to `progress`. `node_regions`
// maps node ids to their region; `region`, when not empty, is the region of every partition (a
// query's per-region job).
void AddJobProgress(const models::Job& job, const std::vector<models::Execution>& executions,
                    const std::map<std::string, std::string>& node_regions,
                    const std::string& region, RunProgress* progress);

// The line, without "\r" or erase codes.
std::string FormatProgressLine(const RunProgress& progress);

// "0:07", "12:03", "1:02:03".
std::string FormatElapsed(std::chrono::milliseconds elapsed);

// True when stderr is a terminal (live progress is shown only there).
bool StderrIsTerminal();
// The columns of the terminal on stderr; 0 when unknown.
int StderrColumns();

class ProgressDisplay {
 public:
  // Lines longer than `columns` - 1 characters are cut (a wrapped line cannot be redrawn in
  // place); `columns` 0: no limit.
  ProgressDisplay(std::ostream& out, int columns);
  ProgressDisplay(const ProgressDisplay&) = delete;
  ProgressDisplay& operator=(const ProgressDisplay&) = delete;

  // True when a line drawn now would be shown: 1 s after the start, 0.5 s after the last.
  bool Due() const;
  // Since the display was made.
  std::chrono::milliseconds Elapsed() const;
  // Draws `line` in place of the previous one (only when Due()).
  void Draw(const std::string& line);
  // Erases the line, if one is drawn (before other output, and at the end).
  void Clear();

 private:
  std::ostream& out_;
  const int columns_;
  const std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_{};
  bool drawn_ = false;
};

}  // namespace shoal::cli
