#include "models/task.h"

#include <array>
#include <set>
#include <utility>

#include "models/table_state.h"
#include "models/text.h"

namespace shoal::models {
namespace {

constexpr std::array<std::pair<NetworkType, std::string_view>, 6> kNetworkTypes{{
    {NetworkType::kDefault, "Default"},
    {NetworkType::kNone, "None"},
    {NetworkType::kHost, "Host"},
    {NetworkType::kFull, "Full"},
    {NetworkType::kHTTP, "HTTP"},
    {NetworkType::kBridge, "Bridge"},
}};

bool IsUpperAlpha(char c) { return c >= 'A' && c <= 'Z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// A string field of params that, when present, must be a string.
Status CheckOptionalString(const nlohmann::json& params, const char* field, const std::string& at) {
  auto it = params.find(field);
  if (it != params.end() && !it->is_string()) {
    return Status::InvalidArgument(at + "." + field + ": must be a string");
  }
  return Status::Ok();
}

Status CheckRequiredString(const nlohmann::json& params, const char* field, const std::string& at) {
  auto it = params.find(field);
  if (it == params.end() || !it->is_string() || it->get<std::string>().empty()) {
    return Status::InvalidArgument(at + "." + field + ": required (a non-empty string)");
  }
  return Status::Ok();
}

Status ValidateSource(const SpecConfig& source, const std::string& at) {
  const std::string params_at = at + ".Params";
  if (!source.params.is_object()) return Status::InvalidArgument(params_at + ": must be a map");
  if (source.type == kSourceLocal) {
    SHOAL_RETURN_IF_ERROR(CheckRequiredString(source.params, "SourcePath", params_at));
    SHOAL_RETURN_IF_ERROR(ValidateSandboxPath(source.params["SourcePath"].get<std::string>())
                              .WithContext(params_at + ".SourcePath"));
    auto rw = source.params.find("ReadWrite");
    if (rw != source.params.end() && !rw->is_boolean()) {
      return Status::InvalidArgument(params_at + ".ReadWrite: must be true or false");
    }
    SHOAL_RETURN_IF_ERROR(CheckOptionalString(source.params, "CreateAs", params_at));
    auto create_as = source.params.find("CreateAs");
    if (create_as != source.params.end()) {
      const std::string value = create_as->get<std::string>();
      if (value != "noCreate" && value != "dir" && value != "file") {
        return Status::InvalidArgument(params_at + ".CreateAs: '" + value +
                                       "' is not one of noCreate, dir, file");
      }
    }
    return Status::Ok();
  }
  if (source.type == kSourceS3) {
    SHOAL_RETURN_IF_ERROR(CheckRequiredString(source.params, "Bucket", params_at));
    for (const char* field :
         {"Key", "Filter", "Region", "Endpoint", "VersionID", "ChecksumSHA256"}) {
      SHOAL_RETURN_IF_ERROR(CheckOptionalString(source.params, field, params_at));
    }
    // A job submitted as JSON skips the YAML decoder's check: refuse it here too, before any
    // node tries it.
    auto partition = source.params.find("Partition");
    if (partition != source.params.end() && partition->is_object() &&
        ToLowerAscii(StringParam(*partition, "Type")) == "date") {
      return Status::InvalidArgument(params_at +
                                     ".Partition.Type: 'date' is not supported yet; use object, "
                                     "regex or substring");
    }
    return Status::Ok();
  }
  return ValidatePluginType(source.type).WithContext(at + ".Type");
}

Status ValidatePublisher(const SpecConfig& publisher, const std::string& at) {
  if (publisher.empty()) return Status::Ok();
  const std::string params_at = at + ".Params";
  if (!publisher.params.is_object()) return Status::InvalidArgument(params_at + ": must be a map");
  if (publisher.type == kPublisherLocal) {
    if (!publisher.params.empty()) {
      return Status::InvalidArgument(params_at + ": the local publisher takes no Params");
    }
    return Status::Ok();
  }
  if (publisher.type == kPublisherS3) {
    SHOAL_RETURN_IF_ERROR(CheckRequiredString(publisher.params, "Bucket", params_at));
    SHOAL_RETURN_IF_ERROR(CheckRequiredString(publisher.params, "Key", params_at));
    for (const char* field : {"Endpoint", "Region", "Encoding"}) {
      SHOAL_RETURN_IF_ERROR(CheckOptionalString(publisher.params, field, params_at));
    }
    auto encoding = publisher.params.find("Encoding");
    if (encoding != publisher.params.end() && *encoding != "gzip" && *encoding != "plain") {
      return Status::InvalidArgument(params_at + ".Encoding: '" + encoding->get<std::string>() +
                                     "' is not one of gzip, plain");
    }
    return Status::Ok();
  }
  return ValidatePluginType(publisher.type).WithContext(at + ".Type");
}

}  // namespace

std::string_view ToString(NetworkType type) {
  for (const auto& [value, name] : kNetworkTypes) {
    if (value == type) return name;
  }
  return "Default";
}

Result<NetworkType> ParseNetworkType(std::string_view text) {
  for (const auto& [value, name] : kNetworkTypes) {
    if (EqualsIgnoreCase(name, text)) return value;
  }
  return Status::InvalidArgument("unknown network type '" + std::string(text) +
                                 "'; valid: Default, None, Host, Full, HTTP, Bridge");
}

Status ValidateEnvName(std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (name.empty()) return Status::InvalidArgument("variable names must not be empty");
  if (!IsUpperAlpha(name[0])) {
    return Status::InvalidArgument("name " + quoted + " must start with an upper-case letter");
  }
  for (char c : name) {
    if (!IsUpperAlpha(c) && !IsDigit(c) && c != '_') {
      return Status::InvalidArgument("name " + quoted +
                                     " may contain only upper-case letters, digits and '_'");
    }
  }
  for (std::string_view reserved : {"BACALHAU_", "SHOAL_"}) {
    if (StartsWith(name, reserved)) {
      return Status::InvalidArgument("name " + quoted + " uses the reserved prefix " +
                                     std::string(reserved) + " (set by the system)");
    }
  }
  return Status::Ok();
}

Status ValidateEnvValue(std::string_view name, std::string_view value) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (value.empty()) return Status::InvalidArgument(quoted + " has an empty value");
  if (StartsWith(value, kEnvReferencePrefix)) {
    std::string_view ref = value.substr(kEnvReferencePrefix.size());
    bool valid = !ref.empty() && !IsDigit(ref[0]);
    for (char c : ref) {
      bool ok = IsUpperAlpha(c) || IsDigit(c) || c == '_' || (c >= 'a' && c <= 'z');
      valid = valid && ok;
    }
    if (!valid) {
      return Status::InvalidArgument(quoted + " refers to '" + std::string(value) +
                                     "', which is not a valid variable name after 'env:'");
    }
  }
  return Status::Ok();
}

Status ValidateTimeouts(const TimeoutConfig& t) {
  if (t.execution_timeout < 0) {
    return Status::InvalidArgument("ExecutionTimeout must be >= 0 seconds");
  }
  if (t.queue_timeout < 0) return Status::InvalidArgument("QueueTimeout must be >= 0 seconds");
  if (t.total_timeout < 0) return Status::InvalidArgument("TotalTimeout must be >= 0 seconds");
  if (t.total_timeout > 0 && t.execution_timeout + t.queue_timeout > t.total_timeout) {
    return Status::InvalidArgument("ExecutionTimeout (" + std::to_string(t.execution_timeout) +
                                   "s) + QueueTimeout (" + std::to_string(t.queue_timeout) +
                                   "s) must not exceed TotalTimeout (" +
                                   std::to_string(t.total_timeout) + "s)");
  }
  return Status::Ok();
}

Status ValidateResultName(std::string_view name) {
  const std::string quoted = "'" + std::string(name) + "'";
  if (name.empty()) return Status::InvalidArgument("Name must not be empty");
  if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos) {
    return Status::InvalidArgument("Name " + quoted + " must not contain '/'");
  }
  if (name == "." || name.find("..") != std::string_view::npos) {
    return Status::InvalidArgument("Name " + quoted + " must not be '.' or contain '..'");
  }
  for (std::string_view reserved : {"stdout", "stderr", "exitCode"}) {
    if (EqualsIgnoreCase(name, reserved)) {
      return Status::InvalidArgument("Name " + quoted +
                                     " is reserved for the result tree's own file");
    }
  }
  for (char c : name) {
    if (static_cast<unsigned char>(c) < ' ') {
      return Status::InvalidArgument("Name " + quoted + " contains a control character");
    }
  }
  return Status::Ok();
}

Status ValidateSandboxPath(std::string_view path) {
  const std::string quoted = "'" + std::string(path) + "'";
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument("path " + quoted + " must be absolute (start with '/')");
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") {
      return Status::InvalidArgument("path " + quoted + " must not contain '..'");
    }
    start = end + 1;
  }
  return Status::Ok();
}

const std::vector<std::string>& BuiltinEngines() {
  static const std::vector<std::string> types = {
      std::string(kEngineDuckdb), std::string(kEngineGenerator), std::string(kEngineCompact)};
  return types;
}

const std::vector<std::string>& BuiltinInputSources() {
  static const std::vector<std::string> types = {std::string(kSourceLocal), std::string(kSourceS3)};
  return types;
}

const std::vector<std::string>& BuiltinPublishers() {
  static const std::vector<std::string> types = {std::string(kPublisherLocal),
                                                 std::string(kPublisherS3)};
  return types;
}

Status ValidatePluginType(std::string_view type) {
  constexpr size_t kMaxLength = 64;
  bool valid =
      !type.empty() && type.size() <= kMaxLength && type.front() >= 'a' && type.front() <= 'z';
  for (char c : type) {
    valid = valid && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_');
  }
  if (valid) return Status::Ok();
  return Status::InvalidArgument("'" + std::string(type) +
                                 "' is not a plug-in type (lower-case letters, digits, '-' and "
                                 "'_', starting with a letter)");
}

Status ValidateEngine(const SpecConfig& engine) {
  if (!engine.params.is_object()) {
    return Status::InvalidArgument("Engine.Params: must be a map");
  }
  if (engine.type == kEngineDuckdb) {
    return CheckRequiredString(engine.params, "SQL", "Engine.Params");
  }
  if (engine.type == kEngineGenerator) {
    auto args = engine.params.find("Args");
    if (args == engine.params.end() || !args->is_array()) {
      return Status::InvalidArgument("Engine.Params.Args: required (a list of strings)");
    }
    for (const auto& arg : *args) {
      if (!arg.is_string()) {
        return Status::InvalidArgument("Engine.Params.Args: every argument must be a string");
      }
    }
    return Status::Ok();
  }
  if (engine.type == kEngineCompact) return CompactionSpecFromParams(engine.params).status();
  return ValidatePluginType(engine.type).WithContext("Engine.Type");
}

Status ValidateTask(const Task& task) {
  if (task.name.empty()) return Status::InvalidArgument("Name: must not be empty");
  SHOAL_RETURN_IF_ERROR(ValidateEngine(task.engine));
  for (const auto& [name, value] : task.env) {
    SHOAL_RETURN_IF_ERROR(ValidateEnvName(name).WithContext("Env"));
    SHOAL_RETURN_IF_ERROR(ValidateEnvValue(name, value).WithContext("Env"));
  }
  std::set<std::string> targets, aliases;
  for (size_t i = 0; i < task.input_sources.size(); ++i) {
    const InputSource& input = task.input_sources[i];
    const std::string at = "InputSources[" + std::to_string(i) + "]";
    SHOAL_RETURN_IF_ERROR(ValidateSource(input.source, at + ".Source"));
    SHOAL_RETURN_IF_ERROR(ValidateSandboxPath(input.target).WithContext(at + ".Target"));
    if (!targets.insert(input.target).second) {
      return Status::InvalidArgument(at + ".Target: '" + input.target + "' is used twice");
    }
    if (!input.alias.empty() && !aliases.insert(input.alias).second) {
      return Status::InvalidArgument(at + ".Alias: '" + input.alias + "' is used twice");
    }
  }
  SHOAL_RETURN_IF_ERROR(ValidatePublisher(task.publisher, "Publisher"));
  std::set<std::string> result_names;
  for (size_t i = 0; i < task.result_paths.size(); ++i) {
    const ResultPath& result = task.result_paths[i];
    const std::string at = "ResultPaths[" + std::to_string(i) + "]";
    SHOAL_RETURN_IF_ERROR(ValidateResultName(result.name).WithContext(at));
    SHOAL_RETURN_IF_ERROR(ValidateSandboxPath(result.path).WithContext(at + ".Path"));
    if (!result_names.insert(ToLowerAscii(result.name)).second) {
      return Status::InvalidArgument(at + ".Name: '" + result.name + "' is used twice");
    }
  }
  auto resources = ParseResources(task.resources);
  if (!resources.ok()) return resources.status().WithContext("Resources");
  if (!task.network.domains.empty() && task.network.type != NetworkType::kHTTP) {
    return Status::InvalidArgument("Network.Domains: only allowed with Network.Type HTTP");
  }
  return ValidateTimeouts(task.timeouts).WithContext("Timeouts");
}

}  // namespace shoal::models
