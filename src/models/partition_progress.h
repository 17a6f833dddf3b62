// How far a job's current version is, partition by partition: each partition (each node, for an
// ops job) counted once, by its latest attempt, as done, running (assigned to publishing) or
// failed, and the running ones' progress from their nodes' heartbeats. `shoal job run`'s progress
// line and the API's job list (`partitions=true`, for the console) both count this way.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <vector>

#include "models/execution.h"
#include "models/job.h"

namespace shoal::models {

struct PartitionCounts {
  int64_t total = 0;
  int64_t done = 0;
  int64_t running = 0;  // assigned, staging, running or publishing
  int64_t failed = 0;   // whose latest attempt failed (a retry may still come)
  // Done partitions plus each running one's progress (publishing counts as finished).
  double finished = 0;

  // Counts one partition whose latest attempt is `latest`.
  void Add(const Execution& latest);
  // finished / total, capped at 0.99 until the job has ended (1 once it Completed).
  double Fraction(const Job& job) const;
};

// The latest attempt of each partition of `job`'s current version (of each node, for an ops
// job), in partition (node) order.
std::vector<const Execution*> LatestAttempts(const Job& job,
                                             const std::vector<Execution>& executions);

// The counts of `job`'s current version; a batch job's partitions that were never placed count
// in `total` only.
PartitionCounts CountPartitions(const Job& job, const std::vector<Execution>& executions);

}  // namespace shoal::models
