// StoreTask: work the orchestrator hands to a compute node about a regional store it cannot
// reach itself (it holds no store credentials): commit a finished job's results by writing its
// manifest, or remove the tree of an execution whose results will never be committed.
//
// The store commit protocol (docs/jobs.md, "Results in a store"): an `s3` publisher's files are
// the job's results only once the job's manifest names them. The manifest is written last, by a
// commit task, after the orchestrator has accepted one execution per partition and the job has
// Completed; readers that go through it never see a partial or duplicate tree.
//
// Task ids are deterministic (one commit per job version and store, one clean per execution), so
// queuing a task twice is harmless and a task retried after a crash does the same thing again.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "models/spec_config.h"

namespace shoal::models {

enum class StoreTaskKind {
  kCommit,  // write `content` to `object_key` in `target`'s bucket
  kClean,   // remove what `execution_id` published, or began to publish, at `target`
};

std::string_view ToString(StoreTaskKind kind);  // "commit", "clean"

struct StoreTask {
  std::string id;
  StoreTaskKind kind = StoreTaskKind::kCommit;
  std::string job_id;
  std::string execution_id;  // clean: whose tree goes
  // An `s3` published spec: {Bucket, Key, Encoding, Store, StoreLocation, ...}. StoreLocation
  // picks the nodes that can do the task.
  SpecConfig target;
  std::vector<std::string> paths;  // clean: what the publisher meant to write below Key
  std::string object_key;          // commit: the manifest's key in target's bucket
  std::string content;             // commit: the manifest
  int64_t create_time = 0;         // ns since the Unix epoch

  std::string store_location() const { return StringParam(target.params, "StoreLocation"); }
  bool operator==(const StoreTask&) const = default;
};

nlohmann::json ToJson(const StoreTask& task);
Result<StoreTask> StoreTaskFromJson(const nlohmann::json& json);

// The key of the manifest of `job_id` version `version` that commits the results published to
// the store at `location`: "_shoal/commits/<job>/v<N>-<location hash>.ndjson". One object per
// store location, because nodes may reach one store by several locations (two endpoints of one
// S3 service): each part is written once and whole, and a reader takes the union of the parts
// it finds (`_shoal/commits/<job>/*.ndjson`).
std::string CommitManifestKey(const std::string& job_id, int64_t version,
                              const std::string& location);

// One file an `s3` publisher put under its Key, as the published spec's Files param lists it.
struct PublishedFile {
  std::string path;   // relative to the Key
  int64_t size = -1;  // -1: not given
};

// The Files param of a published spec ([{Path, Size}]); nullopt when there is none (a spec from
// a node older than the param). Entries without a string Path are skipped.
std::optional<std::vector<PublishedFile>> PublishedFiles(const SpecConfig& published);

// 16 hex digits naming a store location in object keys and task ids.
std::string LocationHash(const std::string& location);

// True when `key` (a published Key) names `execution_id`, so that the tree below it is that
// execution's alone and removing it cannot remove anyone else's results.
bool KeyNamesExecution(const SpecConfig& published, const std::string& execution_id);

}  // namespace shoal::models
