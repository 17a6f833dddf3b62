#include "compute/plugins.h"

#include "compute/engines/compact_engine.h"
#include "compute/engines/duckdb_engine.h"
#include "compute/engines/generator_engine.h"
#include "compute/inputs/local_input.h"
#include "compute/inputs/s3_input.h"
#include "compute/publishers/local_publisher.h"
#include "compute/publishers/s3_publisher.h"

namespace shoal::compute {

NodePlugins BuiltinPlugins() {
  NodePlugins plugins;
  // Distinct types by construction: Add cannot fail here.
  (void)plugins.engines.Add(MakeDuckdbEngine());
  (void)plugins.engines.Add(MakeGeneratorEngine());
  (void)plugins.engines.Add(MakeCompactEngine());
  (void)plugins.inputs.Add(MakeLocalInputStorage());
  (void)plugins.inputs.Add(MakeS3InputStorage());
  (void)plugins.publishers.Add(MakeLocalPublisher());
  (void)plugins.publishers.Add(MakeS3Publisher());
  return plugins;
}

const NodePlugins& PluginsOf(const NodeConfig& config) {
  if (config.plugins != nullptr) return *config.plugins;
  static const NodePlugins* const builtin = new NodePlugins(BuiltinPlugins());
  return *builtin;
}

}  // namespace shoal::compute
