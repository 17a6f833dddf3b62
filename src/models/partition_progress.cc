#include "models/partition_progress.h"

#include <algorithm>
#include <map>
#include <string>

namespace shoal::models {

void PartitionCounts::Add(const Execution& latest) {
  ++total;
  switch (latest.compute_state.state_type) {
    case ExecutionComputeState::kCompleted:
      ++done;
      finished += 1;
      break;
    case ExecutionComputeState::kFailed:
      ++failed;
      break;
    case ExecutionComputeState::kCancelled:
      break;  // superseded, or the job was stopped
    case ExecutionComputeState::kPublishing:
      ++running;
      finished += 1;  // its engine is done
      break;
    default:
      ++running;
      if (latest.compute_state.state_type == ExecutionComputeState::kRunning &&
          latest.stats.progress > 0) {
        finished += std::min(latest.stats.progress, 1.0);
      }
      break;
  }
}

double PartitionCounts::Fraction(const Job& job) const {
  if (job.state.state_type == JobStateType::kCompleted) return 1;
  const double fraction = total > 0 ? finished / static_cast<double>(total) : 0;
  return std::clamp(fraction, 0.0, 0.99);
}

std::vector<const Execution*> LatestAttempts(const Job& job,
                                             const std::vector<Execution>& executions) {
  const bool per_node = job.type == JobType::kOps;
  std::map<std::pair<int64_t, std::string>, const Execution*> latest;
  for (const Execution& e : executions) {
    if (e.job_version != job.version) continue;
    const auto slot = per_node ? std::make_pair(int64_t{0}, e.node_id)
                               : std::make_pair(e.partition_index, std::string());
    const Execution*& kept = latest[slot];
    if (kept == nullptr || e.attempt > kept->attempt) kept = &e;
  }
  std::vector<const Execution*> out;
  for (const auto& [slot, e] : latest) out.push_back(e);
  return out;
}

PartitionCounts CountPartitions(const Job& job, const std::vector<Execution>& executions) {
  PartitionCounts counts;
  const std::vector<const Execution*> latest = LatestAttempts(job, executions);
  for (const Execution* e : latest) counts.Add(*e);
  const auto placed = static_cast<int64_t>(latest.size());
  if (job.type != JobType::kOps && job.count > placed) counts.total += job.count - placed;
  return counts;
}

}  // namespace shoal::models
