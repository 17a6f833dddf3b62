// Decodes a parsed YAML document into a models::Job (internal to jobspec/; the public entry
// points are in jobspec.h). Every problem goes to `problems` with its path and line, so one run
// reports all of them.
//
// Thread-safety: pure functions over the given Problems.
#pragma once

#include "jobspec/yaml_reader.h"
#include "models/job.h"

namespace shoal::jobspec {

// Fills `job` from the document's root map. Applies the spec-level defaults (Count 1 for batch,
// 0 for ops; Namespace "default"; task Name "main") and drops reserved Meta keys with a warning.
void DecodeJob(Problems& problems, const YAML::Node& root, models::Job* job);

// Fills `task` from `Tasks[i]`.
void DecodeTask(Problems& problems, const YAML::Node& node, const std::string& path,
                models::Task* task);

}  // namespace shoal::jobspec
