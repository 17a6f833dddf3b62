// JSON encoding of the cluster model, with Bacalhau's PascalCase field names so the API speaks
// JSON that looks like Bacalhau's (`{"Name": ..., "Type": "batch", "Tasks": [{"Engine": ...}]}`).
//
// ToJson writes every field (empty optional parts are omitted). The FromJson functions read what
// ToJson writes; absent or null fields keep their defaults, unknown fields are ignored (so
// stored rows survive version changes), and a field of the wrong type or an unknown enum
// spelling is an InvalidArgument error naming its path, e.g.
// "Tasks[0].Resources.CPU: expected a string, got number". They do not run the Validate*
// rules; callers that accept user input call ValidateJob afterwards.
//
// Thread-safety: pure functions.
#pragma once

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/event.h"
#include "models/execution.h"
#include "models/job.h"
#include "models/node.h"
#include "models/selector.h"
#include "models/spec_config.h"
#include "models/task.h"

namespace shoal::models {

nlohmann::json ToJson(const SpecConfig& spec);
nlohmann::json ToJson(const LabelSelector& selector);
nlohmann::json ToJson(const Task& task);
nlohmann::json ToJson(const Job& job);
nlohmann::json ToJson(const RunOutput& run_output);
nlohmann::json ToJson(const ExecutionStats& stats);
nlohmann::json ToJson(const Execution& execution);
nlohmann::json ToJson(const Node& node);
nlohmann::json ToJson(const Event& event);

Result<SpecConfig> SpecConfigFromJson(const nlohmann::json& json);
Result<LabelSelector> LabelSelectorFromJson(const nlohmann::json& json);
Result<Task> TaskFromJson(const nlohmann::json& json);
Result<Job> JobFromJson(const nlohmann::json& json);
Result<RunOutput> RunOutputFromJson(const nlohmann::json& json);
Result<ExecutionStats> ExecutionStatsFromJson(const nlohmann::json& json);
Result<Execution> ExecutionFromJson(const nlohmann::json& json);
Result<Node> NodeFromJson(const nlohmann::json& json);
Result<Event> EventFromJson(const nlohmann::json& json);

}  // namespace shoal::models
