// The `local` publisher (Bacalhau's default): the result tree stays with the node, which uploads
// it to the orchestrator when the execution ends (ComputeNode); the runner writes nothing
// anywhere. A task with no Publisher is published this way too.
//
// Thread-safety: stateless.
#pragma once

#include <memory>

#include "compute/publishers/result_publisher.h"

namespace shoal::compute {

// The `local` publisher, for the node's registry (compute/plugins.h).
std::unique_ptr<ResultPublisher> MakeLocalPublisher();

}  // namespace shoal::compute
