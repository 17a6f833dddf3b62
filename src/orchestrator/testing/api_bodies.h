// Request bodies the orchestrator's HTTP tests send: a node's registration and a one-partition
// job pinned to a region.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "models/json_codec.h"

namespace shoal::orchestrator::testing {

// POST /api/v1/compute/register's body for node `id` in `region`.
inline nlohmann::json RegistrationBody(const std::string& id, const std::string& region,
                                       int64_t max_executions = 2) {
  models::Node node;
  node.id = id;
  node.labels = {{"region", region}};
  node.engines = {"duckdb"};
  node.capacity.max_executions = max_executions;
  return nlohmann::json{{"Node", models::ToJson(node)}};
}

// PUT /api/v1/orchestrator/jobs's body: job `name`, Count 1, running `sql` in `region`, waiting
// up to `queue_timeout_s` for a node (0: none).
inline nlohmann::json JobBody(const std::string& name, const std::string& region,
                              const std::string& sql = "SELECT 1", int64_t queue_timeout_s = 0) {
  models::Job job;
  job.name = name;
  job.count = 1;
  job.task.name = "main";
  job.task.engine = {"duckdb", {{"SQL", sql}}};
  job.task.timeouts.queue_timeout = queue_timeout_s;
  job.constraints.push_back({"region", models::SelectorOperator::kEquals, {region}});
  return nlohmann::json{{"Job", models::ToJson(job)}};
}

}  // namespace shoal::orchestrator::testing
