// Scheduler: decides, for one job, what should happen next — a pure function of the job, its
// executions and the nodes, so it is easy to test and the orchestrator applies its plan in one
// store transaction.
//
// batch: partitions 0..Count-1; a partition is done when one of its executions Completed. A
// partition without a live execution gets one on a matching node that holds no live execution of
// the job (least loaded first, preferring nodes that have not failed this partition and have not
// completed another one). A failed partition is retried with the same index up to max_attempts,
// after which the job fails with the last error; a failure its node marked as recurring on any
// node (RunOutput::retryable false: SQL that cannot be bound, a missing file) fails the job at
// once. Too few matching nodes for the first placement
// fails the job at once, unless the job has a QueueTimeout, in which case it waits (Queued).
// ops: one execution on every matching node, no retries.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"

namespace shoal::orchestrator {

struct SchedulerPolicy {
  int64_t max_attempts = 3;  // tries per partition, the first included
};

struct PlanInput {
  const models::Job* job = nullptr;
  // Executions of the job's current version.
  const std::vector<models::Execution>* executions = nullptr;
  const std::vector<models::Node>* nodes = nullptr;
  // Live executions per node id, over all jobs (for least-loaded placement and capacity).
  const std::map<std::string, int64_t>* node_load = nullptr;
  int64_t now = 0;  // ns
  SchedulerPolicy policy;
};

struct PlannedExecution {
  std::string node_id;
  int64_t partition_index = 0;
  int64_t attempt = 1;
  std::string previous_execution;
};

struct Plan {
  std::vector<PlannedExecution> create;
  std::vector<std::string> stop;  // execution ids whose desired state becomes Stopped
  // Set when the job's state should change.
  std::optional<models::JobStateType> new_state;
  std::string state_message;
  // Scheduling notes for the job's history (e.g. why nothing could be placed).
  std::vector<std::string> notes;
};

Plan PlanJob(const PlanInput& input);

// Nodes that may run `job`: connected, approved, matching its constraints, with every plug-in it
// names (its engine, input source types and publisher type).
std::vector<const models::Node*> MatchingNodes(const models::Job& job,
                                               const std::vector<models::Node>& nodes);

bool IsLive(const models::Execution& execution);  // neither terminal nor asked to stop

}  // namespace shoal::orchestrator
