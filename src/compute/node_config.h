// NodeConfig: what a compute node offers its executions (work folder, allowed local folders,
// env allow-list, named stores, started-ahead DuckDB instances), and ResultFile, one file of an
// execution's result tree. The leaf headers of this module take these without the runner.
//
// Thread-safety: plain values; the DatabasePool they share is itself thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "engine/database_pool.h"
#include "models/results.h"
#include "storage/s3_config.h"

namespace shoal::compute {

struct NodePlugins;

// A storage location the node offers, reached by name from job text: `s3://BUCKET/KEY` inside
// DuckDB (through DUCKDB_S3_ENDPOINT or s3_endpoint), an `s3` InputSource or an `s3` Publisher
// with Endpoint `NAME` (or `http://NAME:9000`). A store is either a folder whose sub-folders are
// buckets (`<directory>/BUCKET/KEY`) or a real S3 endpoint: the name is then an endpoint alias,
// the seed's DNS trick without DNS, and `s3` carries the endpoint and the node's credentials.
struct StoreConfig {
  std::string name;       // endpoint alias, e.g. "storage-local" (the region's) or "storage"
  std::string directory;  // folder-backed store; empty for an S3 store
  std::optional<storage::S3Config> s3 = std::nullopt;  // S3 store

  bool is_s3() const { return s3.has_value(); }
};

struct NodeConfig {
  std::string node_id;
  std::string work_dir;  // executions' sandboxes are created under <work_dir>/executions/
  // Folders a `localDirectory` InputSource may mount (its SourcePath must be inside one).
  std::vector<std::string> allowed_local_paths;
  // Regexes of host environment variable names a task's `env:NAME` may read.
  std::vector<std::string> env_allow_list;
  // Named stores; the one named "storage-local" is the default for s3:// paths in SQL.
  std::vector<StoreConfig> stores;
  // The node's own environment, for env:NAME (injected so tests need no real environment).
  std::map<std::string, std::string> host_environment;
  // DuckDB instances started ahead for the executions' sessions (engine/database_pool.h); null:
  // each execution starts its own.
  std::shared_ptr<engine::DatabasePool> databases;
  // The engines, input storages and publishers the node has (compute/plugins.h); null: the
  // built-ins.
  std::shared_ptr<const NodePlugins> plugins;
};

// One file of an execution's result tree (the same as the public API's, models/results.h).
using ResultFile = models::ResultFile;

}  // namespace shoal::compute
