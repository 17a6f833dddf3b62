// Job: what a user submits (Bacalhau's job spec v2) plus the fields the orchestrator owns
// (ID, State, Version, Revision, times), and the rules a job must satisfy to be accepted.
//
// A job has exactly one task; JSON carries it as the one-element list `Tasks`, like Bacalhau.
// Times are nanoseconds since the Unix epoch, like Bacalhau's CreateTime/ModifyTime.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "models/selector.h"
#include "models/states.h"
#include "models/task.h"

namespace shoal::models {

inline constexpr std::string_view kDefaultNamespace = "default";
// Meta keys with this prefix are reserved by Bacalhau and dropped from submitted jobs.
inline constexpr std::string_view kReservedMetaPrefix = "bacalhau.org/";

struct Job {
  // Server-set: "j-<uuid>". Any ID in a submitted spec is ignored.
  std::string id;
  // Unique per namespace: resubmitting a Name makes a new Version of that job. Empty in a spec
  // means "the job's ID" (filled in by the orchestrator).
  std::string name;
  std::string namespace_ = std::string(kDefaultNamespace);
  JobType type = JobType::kBatch;
  int64_t priority = 0;
  // batch: number of partitions (>= 1). ops: always 0 (one execution per matching node).
  int64_t count = 1;
  std::vector<LabelSelector> constraints;
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> meta;
  Task task;

  // Server-set.
  State<JobStateType> state;
  int64_t version = 0;
  int64_t revision = 0;
  int64_t create_time = 0;   // when the first version was submitted
  int64_t modify_time = 0;   // the last change of anything above
  int64_t version_time = 0;  // when the current version was submitted: Timeouts count from it

  bool operator==(const Job&) const = default;
};

// Whole seconds from the submission of the job's current version to `now_ns`: what Queue and
// Total timeouts count. (Jobs stored before VersionTime existed count from their last change.)
int64_t SecondsSinceSubmission(const Job& job, int64_t now_ns);

// Applies the defaults and normalisations of a submission: Namespace "default" when empty, ops
// Count forced to 0 (1 is accepted and means the same), reserved Meta keys dropped.
// Returns the Meta keys it dropped, so callers can warn about them.
std::vector<std::string> NormalizeJob(Job& job);

// The rules a normalised job must satisfy before the orchestrator accepts it: a supported
// Type (service/daemon are refused: "Type 'service' is not supported yet; use batch or ops"),
// the Count rules of its type, Priority >= 0, valid constraints and a valid task. Messages
// name the field ("Constraints[1]: ...", "Tasks[0].Timeouts: ...").
Status ValidateJob(const Job& job);

// The Count rule alone, shared with the job-spec decoder so both say the same thing.
Status ValidateCount(JobType type, int64_t count);
// The Type rule alone.
Status ValidateSupportedType(JobType type);

}  // namespace shoal::models
