#include "models/node.h"

#include <algorithm>
#include <set>

#include "models/text.h"

namespace shoal::models {

namespace {

bool Has(const std::vector<std::string>& types, std::string_view type) {
  return types.empty() || std::find(types.begin(), types.end(), type) != types.end();
}

// `type` is built in or reported by a node; otherwise the refusal for `field`.
Status CheckOffered(const std::string& type, const std::string& field, const std::string& kind,
                    const std::vector<std::string>& builtin, const std::vector<Node>& nodes,
                    std::vector<std::string> Node::*reported) {
  if (std::find(builtin.begin(), builtin.end(), type) != builtin.end()) return Status::Ok();
  std::set<std::string> added;
  for (const Node& node : nodes) {
    for (const std::string& other : node.*reported) {
      if (other == type) return Status::Ok();
      if (std::find(builtin.begin(), builtin.end(), other) == builtin.end()) added.insert(other);
    }
  }
  std::string message =
      field + ": " + kind + " '" + type + "' is not supported; supported: " + JoinComma(builtin);
  if (!added.empty()) {
    message += "; this cluster's nodes add: " +
               JoinComma(std::vector<std::string>(added.begin(), added.end()));
  }
  return Status::InvalidArgument(message);
}

}  // namespace

Status CheckPluginsOffered(const Task& task, const std::vector<Node>& nodes) {
  SHOAL_RETURN_IF_ERROR(CheckOffered(task.engine.type, "Engine.Type", "engine", BuiltinEngines(),
                                     nodes, &Node::engines));
  for (size_t i = 0; i < task.input_sources.size(); ++i) {
    SHOAL_RETURN_IF_ERROR(CheckOffered(
        task.input_sources[i].source.type, "InputSources[" + std::to_string(i) + "].Source.Type",
        "input source", BuiltinInputSources(), nodes, &Node::input_sources));
  }
  if (task.publisher.empty()) return Status::Ok();
  return CheckOffered(task.publisher.type, "Publisher.Type", "publisher", BuiltinPublishers(),
                      nodes, &Node::publishers);
}

bool NamesOnlyBuiltinPlugins(const Task& task) { return CheckPluginsOffered(task, {}).ok(); }

bool HasPlugins(const Node& node, const Task& task) {
  if (!Has(node.engines, task.engine.type)) return false;
  for (const InputSource& input : task.input_sources) {
    if (!Has(node.input_sources, input.source.type)) return false;
  }
  return Has(node.publishers,
             task.publisher.empty() ? kPublisherLocal : std::string_view(task.publisher.type));
}

}  // namespace shoal::models
