// Node: what the orchestrator knows about a compute node: identity, labels (matched by job
// Constraints), capacity, the engines it offers, the stores it can reach, approval (membership)
// and liveness (connection, last heartbeat).
//
// Only CONNECTED and APPROVED nodes receive work. Node IDs are the node's name (e.g.
// compute-us-1) or "n-<uuid>".
//
// Thread-safety: plain values.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "models/states.h"
#include "models/task.h"

namespace shoal::models {

struct NodeCapacity {
  int64_t cpu_millis = 0;
  int64_t memory_bytes = 0;
  int64_t disk_bytes = 0;
  int64_t gpu = 0;
  int64_t max_executions = 0;  // concurrent executions the node accepts

  bool operator==(const NodeCapacity&) const = default;
};

// A store the node can reach, as it reports it: the name jobs use for it on that node and where
// the store really is ("http://10.0.0.5:9000", "folder:/srv/us"; never credentials). Nodes whose
// stores have the same Location share the store, whatever name each gives it: the orchestrator,
// which cannot reach stores itself, asks such a node to read published results back.
struct NodeStore {
  std::string name;
  std::string location;

  bool operator==(const NodeStore&) const = default;
};

struct Node {
  std::string id;
  std::map<std::string, std::string> labels;
  NodeCapacity capacity;
  // The plug-ins it has, by type (compute/plugins.h): a job runs only on a node with its engine,
  // every input source type and its publisher type. Empty: not reported (any type).
  std::vector<std::string> engines;        // e.g. {"compact", "duckdb", "generator"}
  std::vector<std::string> input_sources;  // e.g. {"local", "s3"}
  std::vector<std::string> publishers;     // e.g. {"local", "s3"}
  std::vector<NodeStore> stores;
  NodeMembership membership = NodeMembership::kPending;
  NodeConnection connection = NodeConnection::kDisconnected;
  int64_t last_heartbeat = 0;  // ns since the Unix epoch; 0 = never
  std::string version;         // Shoal version the node runs

  bool operator==(const Node&) const = default;

  bool Schedulable() const {
    return membership == NodeMembership::kApproved && connection == NodeConnection::kConnected;
  }
};

// Whether `node` has every plug-in `task` names: its engine, each input source type and its
// publisher type (`local` for a task without one). A list the node did not report counts as every
// type. On the scheduler's path for every node and job: it allocates nothing.
bool HasPlugins(const Node& node, const Task& task);

// Refuses a task naming a plug-in type that is neither built in (task.h) nor reported by any of
// `nodes`, naming the field and what is supported: "Engine.Type: engine 'spark' is not
// supported; supported: duckdb, generator, compact" (then "; this cluster's nodes add: ...").
Status CheckPluginsOffered(const Task& task, const std::vector<Node>& nodes);
// Whether every plug-in `task` names is built in (then CheckPluginsOffered needs no nodes).
bool NamesOnlyBuiltinPlugins(const Task& task);

}  // namespace shoal::models
