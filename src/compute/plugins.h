// NodePlugins: what a compute node can run and move, as three registries keyed by the job
// spec's Type: engines (compute/engines/job_engine.h), input storages
// (compute/inputs/input_storage.h) and publishers (compute/publishers/result_publisher.h). The
// runner dispatches through them and the node advertises their types when it registers, so the
// orchestrator schedules a job only on nodes that have every plug-in it names. The job model
// and the job-spec decoder do not list plug-ins: adding one is a class and a line in
// BuiltinPlugins() (or a registration in a test; docs/development.md says how).
//
// Thread-safety: fill a NodePlugins before the node starts; afterwards it is read-only and may
// be shared by any number of threads.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "compute/engines/job_engine.h"
#include "compute/inputs/input_storage.h"
#include "compute/node_config.h"
#include "compute/publishers/result_publisher.h"

namespace shoal::compute {

// Plug-ins of one kind (Plugin has `std::string_view type() const`), by type.
template <typename Plugin>
class PluginRegistry {
 public:
  // Adds `plugin` under its type(). A type registered already is refused: two plug-ins of one
  // type would make the dispatch ambiguous.
  Status Add(std::unique_ptr<Plugin> plugin) {
    const std::string type(plugin->type());
    if (plugins_.count(type) != 0) {
      return Status::InvalidArgument("a plug-in of type '" + type + "' is registered already");
    }
    plugins_.emplace(type, std::move(plugin));
    return Status::Ok();
  }

  // The plug-in of `type`, or null.
  const Plugin* Find(std::string_view type) const {
    auto it = plugins_.find(type);
    return it == plugins_.end() ? nullptr : it->second.get();
  }

  // Every type, sorted.
  std::vector<std::string> Types() const {
    std::vector<std::string> types;
    for (const auto& [type, plugin] : plugins_) types.push_back(type);
    return types;
  }

 private:
  std::map<std::string, std::unique_ptr<Plugin>, std::less<>> plugins_;
};

struct NodePlugins {
  PluginRegistry<JobEngine> engines;
  PluginRegistry<InputStorage> inputs;
  PluginRegistry<ResultPublisher> publishers;
};

// Shoal's own: engines duckdb, generator, compact; input sources local, s3; publishers local,
// s3. A fresh set each call, so a test can add to it.
NodePlugins BuiltinPlugins();

// The node's plug-ins: config.plugins, or one shared set of the built-ins when it is null.
const NodePlugins& PluginsOf(const NodeConfig& config);

}  // namespace shoal::compute
