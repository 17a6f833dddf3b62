// InputStorage: one kind of InputSource a compute node can bring into an execution's sandbox,
// picked by the source's Type. The node holds them in a registry (compute/plugins.h); the
// runner calls every InputSource's storage in two steps, and the node advertises the
// registry's types (docs/development.md, "Adding an input source").
//
// Thread-safety: a storage is shared by every execution of the node, so its methods may be
// called concurrently, each call with its own context.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "compute/node_config.h"
#include "compute/run_control.h"
#include "compute/sandbox.h"
#include "engine/partition.h"
#include "models/task.h"

namespace shoal::compute {

// One InputSource of one execution.
struct InputContext {
  const models::InputSource& input;
  const std::string& field;   // "InputSources[2]", to prefix messages
  const std::string& target;  // input.target, normalized (a sandbox path)
  const NodeConfig& config;
  Sandbox& sandbox;
  engine::Partition partition;  // the execution's, for sources that select a share
  RunControl& control;          // poll control.stop_flag() between pieces of work
};

class InputStorage {
 public:
  virtual ~InputStorage() = default;

  // InputSource.Source.Type, lower case ("s3").
  virtual std::string_view type() const = 0;

  // Before the sandbox's folders are made: a source that is not copied maps its Target onto a
  // host path here (Sandbox::MapToHost), so no folder is made for it. Default: nothing.
  virtual Status Mount(InputContext& context) const {
    (void)context;
    return Status::Ok();
  }

  // After the folders are made: a source copied into the sandbox writes below
  // sandbox.ToReal(target) here. Returns a line for the "Downloading Inputs" progress event
  // ("" for none). Default: nothing.
  virtual Result<std::string> Stage(InputContext& context) const {
    (void)context;
    return std::string();
  }
};

}  // namespace shoal::compute
