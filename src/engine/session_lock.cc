#include "engine/session_lock.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "duckdb.hpp"

#include "engine/s3_settings.h"

namespace shoal::engine {

namespace {

std::string Quoted(const std::string& text) { return duckdb::KeywordHelper::WriteQuoted(text); }

// The names SQL may give s3_endpoint: the aliases and the mapped stores, sorted.
std::set<std::string> StoreNames(const SessionOptions& options) {
  std::set<std::string> names(options.s3.endpoint_names.begin(), options.s3.endpoint_names.end());
  for (const auto& [alias, config] : options.s3.endpoint_aliases) names.insert(alias);
  return names;
}

std::string Join(const std::vector<std::string>& items) {
  std::string text;
  for (const std::string& item : items) {
    if (!text.empty()) text += ", ";
    text += item;
  }
  return text;
}

std::string InsertAfterFirstLine(const std::string& message, const std::string& note) {
  const size_t end = message.find('\n');
  if (end == std::string::npos) return message + note;
  return message.substr(0, end) + note + message.substr(end);
}

// True when `line` quotes an http:// or https:// URL, in any case ("Cannot access file
// \"HTTPS://host/x.csv\"").
bool NamesNetworkUrl(const std::string& line) {
  std::string lower = line;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return lower.find("\"http://") != std::string::npos ||
         lower.find("\"https://") != std::string::npos;
}

}  // namespace

std::vector<std::string> AllowedPrefixes(const SessionOptions& options) {
  std::vector<std::string> prefixes;
  for (const PathMapping& mapping : options.path_mappings) {
    prefixes.push_back(mapping.virtual_prefix);
  }
  if (!options.s3.endpoint_aliases.empty()) prefixes.push_back("s3://");
  std::sort(prefixes.begin(), prefixes.end());
  return prefixes;
}

std::string DescribeReach(const SessionOptions& options) {
  std::vector<std::string> prefixes;
  for (const PathMapping& mapping : options.path_mappings) {
    prefixes.push_back(mapping.virtual_prefix);
  }
  std::sort(prefixes.begin(), prefixes.end());
  std::string reach = Join(prefixes);
  if (!options.s3.endpoint_aliases.empty()) {
    std::vector<std::string> aliases;
    for (const auto& [alias, config] : options.s3.endpoint_aliases) aliases.push_back(alias);
    reach += (reach.empty() ? "" : " and ") +
             std::string(aliases.size() == 1 ? "the S3 store " : "the S3 stores ") + Join(aliases);
  }
  return reach.empty() ? "no files" : reach;
}

std::string LockStatements(const SessionOptions& options) {
  const std::string home = kSandboxHome;
  std::string sql = "SET home_directory = " + Quoted(home) +
                    "; SET secret_directory = " + Quoted(home + "/.duckdb/stored_secrets") + ";";
  const std::string temp = options.temp_directory.empty() ? "" : kSandboxTempDirectory;
  sql += " SET temp_directory = " + Quoted(temp) + ";";
  if (!temp.empty() && !options.max_temp_directory_size.empty()) {
    sql += " SET max_temp_directory_size = " + Quoted(options.max_temp_directory_size) + ";";
  }
  // Secrets stay in memory (no secret directory under the node's home); no extension from
  // outside DuckDB's own repository either.
  sql += " SET allow_persistent_secrets = false; SET allow_community_extensions = false;";
  std::string list;
  for (const std::string& prefix : AllowedPrefixes(options)) {
    list += (list.empty() ? "" : ", ") + Quoted(prefix);
  }
  sql += " SET allowed_directories = [" + list + "]::VARCHAR[];";
  sql += " SET enable_external_access = false;";
  sql += " SET autoinstall_known_extensions = false; SET autoload_known_extensions = false;";
  sql += " SET lock_configuration = true;";
  return sql;
}

bool IsSettableWhenLocked(std::string_view name) {
  static const std::set<std::string, std::less<>> kNames = {
      "s3_endpoint",      "s3_region",        "s3_url_style", "s3_use_ssl", "s3_secret_access_key",
      "s3_access_key_id", "s3_session_token", "timezone",     "calendar"};
  std::string lower(name);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return kNames.count(lower) > 0;
}

Status CheckS3Endpoint(const std::string& endpoint, const SessionOptions& options) {
  if (endpoint.empty()) return Status::Ok();
  const std::set<std::string> names = StoreNames(options);
  if (names.count(EndpointHost(endpoint)) > 0) return Status::Ok();
  return Status::PermissionDenied(
      "s3_endpoint '" + endpoint + "' is not one of this node's stores; " +
      (names.empty() ? std::string("this execution reaches no S3 store")
                     : "SQL may name " + Join({names.begin(), names.end()})));
}

bool IsRefusal(const std::string& message) {
  return message.rfind("Permission Error:", 0) == 0 ||
         message.find("the configuration has been locked") != std::string::npos;
}

std::string ExplainRefusal(const std::string& message, const std::string& reach) {
  if (message.find("file system operations are disabled by configuration") != std::string::npos) {
    if (NamesNetworkUrl(message.substr(0, message.find('\n')))) {
      return InsertAfterFirstLine(message,
                                  "; an execution does not reach the network (http:// and "
                                  "https:// are refused), it reaches only " +
                                      reach);
    }
    return InsertAfterFirstLine(message, "; this execution reaches only " + reach);
  }
  if (message.find("the configuration has been locked") != std::string::npos) {
    return InsertAfterFirstLine(
        message,
        "; an execution's settings are fixed (threads and memory_limit come from the job's "
        "Resources), only the s3_* settings, TimeZone and Calendar can change");
  }
  if (message.find("Loading external extensions is disabled") != std::string::npos) {
    return InsertAfterFirstLine(message,
                                "; an execution installs and loads no extension (json, parquet "
                                "and icu are built in, s3:// is Shoal's own)");
  }
  return message;
}

}  // namespace shoal::engine
