// What the orchestrator asks of a region's store, decided from its own records (pure functions;
// the Orchestrator queues the tasks and hands them to nodes, see orchestrator.h):
//
//   - when a job Completes, one commit task per store its `s3` results went to: the manifest
//     naming the committed execution of each partition and every file it published there, one
//     JSON object per line (docs/jobs.md, "Results in a store");
//   - when an execution ends without its results being the job's (it failed, was cancelled, or
//     its job failed or was stopped), a clean task for the tree it published, or began to, but
//     only when the tree's key names the execution: a key shared with other executions may hold
//     the results of the one that did commit.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/execution.h"
#include "models/job.h"
#include "models/store_task.h"

namespace shoal::orchestrator {

// The tasks `job` needs now that it has ended (job.state is terminal): commits when it
// Completed, cleans of its completed executions' trees otherwise. `executions` are all of the
// job's executions (other versions are skipped).
std::vector<models::StoreTask> JobEndStoreTasks(const models::Job& job,
                                                const std::vector<models::Execution>& executions,
                                                int64_t now);

// The clean task for `e`, an execution that ended without committing, when it had a publish
// target that names it.
std::optional<models::StoreTask> CleanTaskFor(const models::Execution& e, int64_t now);

// The manifest of `committed` (Completed executions of one job version, all in one store): one
// line per published file, sorted by partition and path.
std::string CommitManifest(const models::Job& job, int64_t partitions,
                           const std::vector<models::Execution>& committed);

}  // namespace shoal::orchestrator
