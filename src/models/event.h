// Event: one entry of a job's history (`shoal job history`): a job-level transition or
// something that happened to one execution, in order of SeqNum.
//
// Topics follow Bacalhau: orchestrator "Submission", "State Update", "Scheduling", "Queueing",
// "Exec Timeout", "Job Timeout", "Execution"; compute "Exec Scanning", "Downloading Inputs",
// "Preparing Environment", "Running Execution", "Publishing Results", "Restart".
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "models/states.h"

namespace shoal::models {

struct Event {
  int64_t seq_num = 0;  // increasing per job, assigned by the store
  EventType type = EventType::kJobLevel;
  std::string job_id;
  int64_t job_version = 0;
  std::string execution_id;  // empty for job-level events
  std::string topic;
  std::string message;
  std::map<std::string, std::string> details;
  int64_t time = 0;  // ns since the Unix epoch

  bool operator==(const Event&) const = default;
};

}  // namespace shoal::models
