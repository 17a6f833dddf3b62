#include "cli/serve_config.h"

#include <map>
#include <optional>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "models/text.h"

namespace shoal::cli {

namespace {

// Keys a config file may not hold: the file itself, and help.
bool IsOwnOption(const CLI::Option& option) {
  return option.check_lname("config") || option.check_lname("help");
}

std::vector<std::string> ConfigurableNames(const CLI::App& serve) {
  std::vector<std::string> names;
  for (const CLI::Option* option : serve.get_options()) {
    if (!IsOwnOption(*option) && !option->get_lnames().empty()) {
      names.push_back(option->get_lnames().front());
    }
  }
  return names;
}

// YAML's booleans as the YAML 1.1 files people write them (yes/no too).
std::optional<bool> YamlBoolean(const std::string& text) {
  const std::string lower = models::ToLowerAscii(text);
  if (lower == "true" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

// The results one key's value gives its option; nullopt when the option stays unset (a flag
// that is false).
Result<std::optional<std::vector<std::string>>> OptionResults(const CLI::Option& option,
                                                              const std::string& name,
                                                              const YAML::Node& value) {
  if (value.IsNull()) {
    return Status::InvalidArgument(name + ": no value (remove the line, or give one)");
  }
  if (value.IsMap()) {
    return Status::InvalidArgument(name + ": expected a value, or a list of values, not a mapping");
  }
  std::vector<std::string> results;
  if (value.IsSequence()) {
    if (option.get_expected_max() <= 1) {
      return Status::InvalidArgument(name + ": takes one value, not a list");
    }
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) {
        return Status::InvalidArgument(name + ": each item of the list must be a single value");
      }
      results.push_back(item.Scalar());
    }
    return std::optional(results);
  }
  const std::string& text = value.Scalar();
  if (option.get_expected_min() > 0) return std::optional(std::vector<std::string>{text});
  // A flag (--compute), or --orchestrator, whose value is optional: true sets it as the bare
  // flag would, false leaves it unset.
  const std::optional<bool> flag = YamlBoolean(text);
  if (!flag.has_value() && option.get_expected_max() == 0) {
    return Status::InvalidArgument(name + ": expected true or false, got '" + text + "'");
  }
  if (flag.has_value() && !*flag) return std::optional<std::vector<std::string>>();
  if (!flag.has_value()) return std::optional(std::vector<std::string>{text});
  return std::optional(std::vector<std::string>{option.get_expected_max() == 0 ? "true" : ""});
}

}  // namespace

Status ApplyServeConfigFile(CLI::App& serve, const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    return Status::InvalidArgument("--config: cannot read '" + path + "'");
  } catch (const YAML::ParserException& error) {
    return Status::InvalidArgument(path + ":" + std::to_string(error.mark.line + 1) + ": " +
                                   error.msg);
  }
  if (root.IsNull()) return Status::Ok();  // an empty file sets nothing
  if (!root.IsMap()) {
    return Status::InvalidArgument(path + ":" + std::to_string(root.Mark().line + 1) +
                                   ": expected serve's flags as KEY: VALUE lines "
                                   "(data-dir: /var/lib/shoal)");
  }
  std::map<std::string, int> lines;  // each key's line, to name a key given twice
  for (const auto& entry : root) {
    const int line = entry.first.Mark().line + 1;
    const std::string where = path + ":" + std::to_string(line) + ": ";
    const std::string name = entry.first.Scalar();
    if (auto [first, added] = lines.emplace(name, line); !added) {
      return Status::InvalidArgument(where + "'" + name + "' is given twice (first on line " +
                                     std::to_string(first->second) + ")");
    }
    CLI::Option* option = serve.get_option_no_throw("--" + name);
    if (option == nullptr || IsOwnOption(*option)) {
      std::string message = where + "unknown key '" + name + "'";
      if (auto near = models::ClosestMatch(name, ConfigurableNames(serve))) {
        message += "; did you mean " + *near + "?";
      } else {
        message += " (the keys are serve's flags without the dashes, e.g. data-dir)";
      }
      return Status::InvalidArgument(message);
    }
    // Checked even when the command line sets the flag: a bad file stays bad.
    auto results = OptionResults(*option, name, entry.second);
    if (!results.ok()) return Status::InvalidArgument(where + results.status().message());
    if (option->count() > 0 || !results->has_value()) continue;  // the command line wins
    try {
      option->add_result(**results);
      option->run_callback();
    } catch (const CLI::Error& error) {
      return Status::InvalidArgument(where + name + ": " + error.what());
    }
  }
  return Status::Ok();
}

}  // namespace shoal::cli
