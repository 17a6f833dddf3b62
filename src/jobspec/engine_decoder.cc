#include "jobspec/engine_decoder.h"

#include <vector>

#include "models/task.h"
#include "models/text.h"

namespace shoal::jobspec {
namespace {

using nlohmann::json;

const char kSupported[] =
    "supported: duckdb (Params.SQL), generator (Params.Args), and docker with image "
    "ghcr.io/bacalhau-project/duckdb or ghcr.io/bacalhau-project/data-generator";

models::SpecConfig DuckdbEngine(std::string sql) {
  return {std::string(models::kEngineDuckdb), json{{"SQL", std::move(sql)}}};
}

models::SpecConfig GeneratorEngine(std::vector<std::string> args) {
  return {std::string(models::kEngineGenerator), json{{"Args", std::move(args)}}};
}

std::optional<models::SpecConfig> DecodeDuckdb(Problems& problems, const YAML::Node& params,
                                               const std::string& path) {
  MapReader p(problems, params, path, {"SQL"});
  std::optional<std::string> sql = p.RequiredString("SQL", "the SQL to run");
  if (!sql) return std::nullopt;
  return DuckdbEngine(*sql);
}

// Params of the native generator: {Args: [...]}, or flags as a map.
std::optional<models::SpecConfig> DecodeGenerator(Problems& problems, const YAML::Node& params,
                                                  const std::string& path) {
  if (!params.IsDefined() || params.IsNull()) return GeneratorEngine({});
  if (!params.IsMap()) {
    problems.Error(LineOf(params), path, "expected a map, got " + Describe(params));
    return std::nullopt;
  }
  std::vector<std::string> args;
  bool ok = true;
  bool has_args = false, has_flags = false;
  for (auto it = params.begin(); it != params.end(); ++it) {
    std::optional<std::string> key = ScalarText(problems, it->first, path);
    if (!key) return std::nullopt;
    const std::string field_path = path + "." + *key;
    if (models::EqualsIgnoreCase(*key, "Args")) {
      has_args = true;
      const YAML::Node list = it->second;
      if (!list.IsSequence()) {
        problems.Error(LineOf(it->first), path + ".Args", "expected a list, got " + Describe(list));
        ok = false;
        continue;
      }
      for (size_t i = 0; i < list.size(); ++i) {
        auto arg = ScalarText(problems, list[i], path + ".Args[" + std::to_string(i) + "]");
        if (arg) args.push_back(*arg);
        ok = ok && arg.has_value();
      }
      continue;
    }
    has_flags = true;
    const std::string flag = "--" + FlagName(*key);
    const YAML::Node value = it->second;
    if (value.IsSequence()) {
      for (size_t i = 0; i < value.size(); ++i) {
        auto item = ScalarText(problems, value[i], field_path + "[" + std::to_string(i) + "]");
        if (item) args.insert(args.end(), {flag, *item});
        ok = ok && item.has_value();
      }
    } else if (value.IsScalar() && value.Tag() != "!" &&
               (value.Scalar() == "true" || value.Scalar() == "false")) {
      if (value.Scalar() == "true") args.push_back(flag);  // a switch such as --list-anomalies
    } else if (value.IsScalar()) {
      args.insert(args.end(), {flag, value.Scalar()});
    } else {
      problems.Error(LineOf(it->first), field_path,
                     "expected a value or a list of values, got " + Describe(value));
      ok = false;
    }
  }
  if (has_args && has_flags) {
    problems.Error(LineOf(params), path, "give either Args or flags, not both");
    return std::nullopt;
  }
  if (!ok) return std::nullopt;
  return GeneratorEngine(std::move(args));
}

// Docker Parameters for the duckdb image, following its entrypoint: a first argument not
// starting with '-' is the SQL; otherwise the arguments go to the DuckDB CLI, of which Shoal
// supports `-c SQL`.
std::optional<std::string> DuckdbImageSql(MapReader& p, const std::vector<std::string>& args) {
  if (args.empty()) return "SELECT 1;";  // the image's default CMD
  if (!models::StartsWith(args[0], "-")) {
    if (args.size() == 1) return args[0];
    p.Error("Parameters", "the duckdb image takes one SQL argument, got " +
                              std::to_string(args.size()) + " arguments (write [-c, SQL])");
    return std::nullopt;
  }
  if (args[0] == "-c" && args.size() == 2) return args[1];
  if (args[0] == "-c") {
    p.Error("Parameters", "expected [-c, SQL] with exactly one SQL argument, got " +
                              std::to_string(args.size() - 1));
    return std::nullopt;
  }
  p.Error("Parameters", "DuckDB CLI option '" + args[0] +
                            "' is not supported; write the SQL as [-c, SQL] or as a single "
                            "argument");
  return std::nullopt;
}

std::optional<std::vector<std::string>> GeneratorImageArgs(MapReader& p,
                                                           std::vector<std::string> args) {
  if (args.empty()) return args;
  if (args[0] == "generate") {
    args.erase(args.begin());
    return args;
  }
  if (args[0] == "stream") {
    p.Error("Parameters", "the data generator's 'stream' command is not supported; use generate");
    return std::nullopt;
  }
  if (models::StartsWith(args[0], "-")) return args;
  p.Error("Parameters", "unknown data generator command '" + args[0] + "'; use generate");
  return std::nullopt;
}

std::optional<DecodedEngine> DecodeDocker(Problems& problems, const YAML::Node& params,
                                          const std::string& path) {
  MapReader p(problems, params, path + ".Params",
              {"Image", "Entrypoint", "Parameters", "WorkingDirectory", "EnvironmentVariables"});
  std::optional<std::string> image = p.RequiredString("Image", kSupported);
  std::optional<std::vector<std::string>> entrypoint = p.StringList("Entrypoint");
  std::vector<std::string> args = p.StringList("Parameters").value_or(std::vector<std::string>{});
  std::vector<std::string> env_list =
      p.StringList("EnvironmentVariables").value_or(std::vector<std::string>{});
  if (p.Has("WorkingDirectory")) {
    p.Warn("WorkingDirectory", "ignored: Shoal runs each execution in its own sandbox directory");
  }
  if (!image || !p.valid()) return std::nullopt;
  const std::string repository = ImageRepository(*image);
  const bool duckdb = repository == kDuckdbImage;
  const bool generator = repository == kGeneratorImage;
  if (!duckdb && !generator) {
    p.Error("Image", "image '" + *image +
                         "' is not supported: Shoal runs engines in-process (no containers); " +
                         kSupported);
    return std::nullopt;
  }
  if (entrypoint && !entrypoint->empty()) {
    p.Error("Entrypoint", "overriding the entrypoint is not supported: Shoal runs the " +
                              std::string(duckdb ? "DuckDB" : "data generator") +
                              " engine in-process; remove Entrypoint and use Parameters");
    return std::nullopt;
  }
  DecodedEngine out;
  for (size_t i = 0; i < env_list.size(); ++i) {
    size_t eq = env_list[i].find('=');
    if (eq == std::string::npos || eq == 0) {
      p.Error("EnvironmentVariables",
              "entry " + std::to_string(i) + " '" + env_list[i] + "' is not NAME=value");
      return std::nullopt;
    }
    out.extra_env[env_list[i].substr(0, eq)] = env_list[i].substr(eq + 1);
  }
  if (duckdb) {
    std::optional<std::string> sql = DuckdbImageSql(p, args);
    if (!sql) return std::nullopt;
    out.engine = DuckdbEngine(*sql);
  } else {
    std::optional<std::vector<std::string>> gen_args = GeneratorImageArgs(p, args);
    if (!gen_args) return std::nullopt;
    out.engine = GeneratorEngine(*gen_args);
  }
  out.original = models::SpecConfig{"docker", YamlToJson(params)};
  return out;
}

}  // namespace

std::string ImageRepository(const std::string& image) {
  std::string repo = image.substr(0, image.find('@'));
  size_t slash = repo.rfind('/');
  size_t colon = repo.rfind(':');
  if (colon != std::string::npos && (slash == std::string::npos || colon > slash)) {
    repo.resize(colon);
  }
  return repo;
}

std::string FlagName(const std::string& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    if (c >= 'A' && c <= 'Z') {
      char prev = i > 0 ? key[i - 1] : '\0';
      if ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9')) out += '-';
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c == '_' ? '-' : c;
    }
  }
  return out;
}

std::optional<DecodedEngine> DecodeEngine(Problems& problems, const YAML::Node& node,
                                          const std::string& path) {
  MapReader r(problems, node, path, {"Type", "Params"});
  if (!node.IsDefined() || node.IsNull()) {
    problems.Error(LineOf(node), path, std::string("required; ") + kSupported);
    return std::nullopt;
  }
  std::optional<std::string> type = r.RequiredString("Type", kSupported);
  if (!type || !r.valid()) return std::nullopt;
  const std::string lower = models::ToLowerAscii(*type);
  const YAML::Node params = r.Get("Params");
  if (lower == models::kEngineDuckdb) {
    if (!params.IsDefined()) {
      r.Error("Params", "required for the duckdb engine: Params: {SQL: ...}");
      return std::nullopt;
    }
    auto engine = DecodeDuckdb(problems, params, r.PathOf("Params"));
    if (!engine) return std::nullopt;
    return DecodedEngine{*engine, std::nullopt, {}};
  }
  if (lower == models::kEngineGenerator) {
    auto engine = DecodeGenerator(problems, params, r.PathOf("Params"));
    if (!engine) return std::nullopt;
    return DecodedEngine{*engine, std::nullopt, {}};
  }
  if (lower == "docker") {
    if (!params.IsDefined()) {
      r.Error("Params",
              std::string("required for the docker engine (Params.Image); ") + kSupported);
      return std::nullopt;
    }
    return DecodeDocker(problems, params, path);
  }
  std::vector<std::string> builtin = models::BuiltinEngines();
  builtin.push_back("docker");
  auto plugin = DecodeOtherPlugin(r, "engine", *type, builtin);
  if (!plugin) return std::nullopt;
  return DecodedEngine{*plugin, std::nullopt, {}};
}

}  // namespace shoal::jobspec
