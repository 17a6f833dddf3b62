// JobEngine: one kind of engine a compute node runs, picked by a task's Engine.Type. The node
// holds its engines in a registry (compute/plugins.h); the runner looks the type up there and
// the node advertises the registry's types, so adding an engine is one class here and one line
// in the built-in list (docs/development.md, "Adding an engine").
//
// Thread-safety: an engine is shared by every execution of the node, so Run() and
// FailureRecurs() may be called concurrently; keep per-run state in the EngineContext.
#pragma once

#include <memory>
#include <string_view>

#include "common/status.h"
#include "compute/engines/engine_context.h"

namespace shoal::compute {

class JobEngine {
 public:
  virtual ~JobEngine() = default;

  // Engine.Type, lower case ("duckdb").
  virtual std::string_view type() const = 0;

  // Runs one execution; EngineContext states the contract (what to write where, when to stop).
  virtual Status Run(const EngineContext& context) const = 0;

  // Whether `failure`, returned by Run() for a run that was not cancelled or timed out, would
  // recur on any node: the spec's own problem (SQL that cannot bind) rather than this node's (a
  // full disk). The orchestrator does not retry such a failure elsewhere.
  virtual bool FailureRecurs(const Status& failure) const {
    (void)failure;
    return false;
  }
};

}  // namespace shoal::compute
