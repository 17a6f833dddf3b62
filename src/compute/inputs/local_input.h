// The `local` input source: a host folder or file mapped into the sandbox, not copied (regional
// data sets are large).
//
// SourcePath, after resolving symlinks and '..', must be inside one of the node's
// allowed_local_paths. It is mapped at its Target. ReadWrite false is read-only by convention
// only: the engine's path mappings cannot refuse writes yet, but the generator refuses to write
// into such an input. CreateAs `dir` / `file` creates a missing SourcePath (inside an allowed
// folder); `noCreate` (the default) needs it.
//
// Thread-safety: free functions; the storage is stateless.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "compute/inputs/input_storage.h"
#include "models/spec_config.h"

namespace shoal::compute {

struct LocalInput {
  std::string real_path;  // the resolved SourcePath
  bool read_only = true;
};

// Checks and resolves a `local` source. Errors name the field, e.g. "SourcePath '/etc' is not
// inside a folder this node allows (allowed: /srv/data)".
Result<LocalInput> ResolveLocalInput(const models::SpecConfig& source,
                                     const std::vector<std::string>& allowed_local_paths);

// The `local` storage, for the node's registry (compute/plugins.h).
std::unique_ptr<InputStorage> MakeLocalInputStorage();

}  // namespace shoal::compute
