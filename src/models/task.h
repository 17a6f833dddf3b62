// Task: the one unit of work of a job (Bacalhau's `Tasks[0]`): which engine runs what, with
// which environment, inputs, publisher, result paths, resources, network and timeouts; and the
// validation rules of each part.
//
// Engine, input sources and publisher are plug-ins picked by Type (spec_config.h). Shoal's own
// types have their Params checked here; any other type belongs to a plug-in only some nodes may
// have (compute/plugins.h): its Params need only be a map, the orchestrator takes the job when a
// node has it, and that node checks the rest. The job-spec decoder maps Bacalhau's docker images
// onto the built-in engines and keeps the engine as written in `original_engine` for display.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "models/resources.h"
#include "models/spec_config.h"

namespace shoal::models {

struct InputSource {
  SpecConfig source;
  std::string alias;   // optional
  std::string target;  // absolute path inside the execution's sandbox, e.g. /inputs

  bool operator==(const InputSource&) const = default;
};

struct ResultPath {
  std::string name;  // sub-directory of the published result tree
  std::string path;  // absolute path inside the execution's sandbox, e.g. /outputs

  bool operator==(const ResultPath&) const = default;
};

// Bacalhau's network modes. Shoal engines run in-process, so the mode is recorded and checked
// for consistency but does not yet restrict anything.
enum class NetworkType { kDefault, kNone, kHost, kFull, kHTTP, kBridge };
std::string_view ToString(NetworkType type);  // "Default", "None", "Host", "Full", "HTTP", ...
Result<NetworkType> ParseNetworkType(std::string_view text);

struct NetworkConfig {
  NetworkType type = NetworkType::kDefault;
  std::vector<std::string> domains;  // only with HTTP

  bool operator==(const NetworkConfig&) const = default;
};

// Seconds; 0 means "none" (ExecutionTimeout then falls back to TotalTimeout).
struct TimeoutConfig {
  int64_t execution_timeout = 0;
  int64_t queue_timeout = 0;
  int64_t total_timeout = 0;

  bool operator==(const TimeoutConfig&) const = default;
};

struct Task {
  std::string name = "main";
  SpecConfig engine;
  // The engine as written when it was an alias (e.g. docker + ghcr.io/bacalhau-project/duckdb).
  std::optional<SpecConfig> original_engine;
  SpecConfig publisher;  // empty: the orchestrator's default publisher
  // NAME -> value. A value "env:HOST_VAR" is a reference resolved on the compute node.
  std::map<std::string, std::string> env;
  std::vector<InputSource> input_sources;
  std::vector<ResultPath> result_paths;
  ResourcesConfig resources;
  NetworkConfig network;
  TimeoutConfig timeouts;

  bool operator==(const Task&) const = default;
};

// Prefix of an Env value that refers to a variable of the compute node's environment.
inline constexpr std::string_view kEnvReferencePrefix = "env:";

// Upper-case letters, digits and '_', starting with a letter, not starting with BACALHAU_
// (reserved for the variables every execution gets).
Status ValidateEnvName(std::string_view name);
// Non-empty; "env:NAME" needs a valid variable name after the prefix.
Status ValidateEnvValue(std::string_view name, std::string_view value);
// Each >= 0; ExecutionTimeout + QueueTimeout <= TotalTimeout when TotalTimeout > 0.
Status ValidateTimeouts(const TimeoutConfig& timeouts);
// Non-empty, no '/', not "." or "..", not one of the result tree's own files (stdout, stderr,
// exitCode).
Status ValidateResultName(std::string_view name);
// An absolute path without ".." components.
Status ValidateSandboxPath(std::string_view path);
// A built-in engine with well-formed Params (see spec_config.h), or another plug-in type.
Status ValidateEngine(const SpecConfig& engine);

// Shoal's own plug-in types, in the order messages list them.
const std::vector<std::string>& BuiltinEngines();       // duckdb, generator, compact
const std::vector<std::string>& BuiltinInputSources();  // local, s3
const std::vector<std::string>& BuiltinPublishers();    // local, s3
// A plug-in's Type: lower-case letters, digits, '-' and '_', starting with a letter, at most
// 64 characters.
Status ValidatePluginType(std::string_view type);

// Everything above plus sources, publisher, unique names/targets, resources and network.
// Messages name the field, e.g. "Tasks[0].Env: name 'aws_key' must be upper-case".
Status ValidateTask(const Task& task);

}  // namespace shoal::models
