// Decodes a task's `Engine: {Type, Params}` (internal to jobspec/).
//
// Accepted:
//   Type duckdb     Params {SQL: "..."}
//   Type generator  Params {Args: [...]} or flags as a map ({Count: 3000, RotateInterval: month}
//                   becomes [--count, 3000, --rotate-interval, month])
//   Type docker     Params.Image ghcr.io/bacalhau-project/duckdb (any tag): Parameters
//                   [-c, SQL], a single SQL argument, or none (the image's default SELECT 1;)
//                   -> duckdb {SQL}
//                   Params.Image ghcr.io/bacalhau-project/data-generator: Parameters are the
//                   generator's arguments, optionally starting with `generate` -> generator {Args}
// A docker alias keeps the engine as written in DecodedEngine::original. Any other Type is a
// plug-in engine only some nodes may have, kept with its Params as written and a warning
// (DecodeOtherPlugin in yaml_reader.h); one close to a built-in name is an error ("did you mean
// duckdb?").
//
// Thread-safety: pure functions over the given Problems.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "jobspec/yaml_reader.h"
#include "models/spec_config.h"

namespace shoal::jobspec {

inline constexpr char kDuckdbImage[] = "ghcr.io/bacalhau-project/duckdb";
inline constexpr char kGeneratorImage[] = "ghcr.io/bacalhau-project/data-generator";

struct DecodedEngine {
  models::SpecConfig engine;                   // canonical duckdb or generator
  std::optional<models::SpecConfig> original;  // as written, when it was a docker alias
  // Docker Params.EnvironmentVariables ("NAME=value"), merged into the task's Env.
  std::map<std::string, std::string> extra_env;
};

// nullopt when the engine is unusable (errors recorded in `problems`).
std::optional<DecodedEngine> DecodeEngine(Problems& problems, const YAML::Node& node,
                                          const std::string& path);

// "pkg:tag" / "pkg@sha256:..." -> "pkg".
std::string ImageRepository(const std::string& image);

// "StartDate" -> "start-date", "rotate_interval" -> "rotate-interval".
std::string FlagName(const std::string& key);

}  // namespace shoal::jobspec
