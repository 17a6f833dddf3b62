// A compute node's side of a store task (models/store_task.h): the orchestrator cannot reach a
// region's store, so a node with a store at the task's location does the work there.
//
//   - commit: writes the job's manifest object. Folder stores write it under a hidden temporary
//     name and rename it; S3 makes a PUT object appear whole. Either way a reader sees the whole
//     manifest or none.
//   - clean: removes what an execution published, or began to publish (DeletePublishedResults).
//
// Both are idempotent: doing a task twice leaves the store as doing it once.
//
// Thread-safety: free functions; concurrent calls must do different tasks.
#pragma once

#include <vector>

#include "common/status.h"
#include "compute/node_config.h"
#include "models/store_task.h"

namespace shoal::compute {

Status RunStoreTask(const models::StoreTask& task, const std::vector<StoreConfig>& stores);

}  // namespace shoal::compute
