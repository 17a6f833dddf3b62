// S3Settings: the httpfs-style s3_* settings of one DuckDB session (`SET s3_endpoint = ...`), and
// how they combine with an environment map into the storage client's S3Config.
//
// The precedence follows DuckDB's httpfs, where the environment only provides defaults for the
// settings: a setting that is set wins; otherwise DUCKDB_S3_ENDPOINT, DUCKDB_S3_USE_SSL,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (AWS_DEFAULT_REGION)
// from the map apply; otherwise the defaults (AWS, virtual-hosted, HTTPS). The map is whatever the
// caller passes (`shoal sql`: its process environment; a compute node: the execution's own Env),
// never read from the process here. An endpoint may carry a scheme, which sets TLS unless
// s3_use_ssl is set. With no s3_url_style, addressing is virtual-hosted as in httpfs, except for
// an endpoint that is an IP address, where only path-style can work.
//
// A compute node's named stores (its endpoint aliases, e.g. "storage-local") take the place of a
// DNS alias: when the resolved endpoint's host (port ignored, any case) is an alias, the store's
// own endpoint, TLS, addressing and region replace it, and its credentials apply when neither
// the settings nor the environment give any. So `DUCKDB_S3_ENDPOINT=storage-local:9000` reaches
// the region's store on whichever node the job runs.
//
// Thread-safety: plain values and a stateless function.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "common/status.h"
#include "storage/s3_config.h"

namespace shoal::engine {

// Unset (or empty) settings are nullopt.
struct S3Settings {
  std::optional<std::string> endpoint;
  std::optional<std::string> region;
  std::optional<std::string> access_key_id;
  std::optional<std::string> secret_access_key;
  std::optional<std::string> session_token;
  std::optional<std::string> url_style;  // "path" or "vhost"
  std::optional<bool> use_ssl;
};

// The values the non-secret settings start from in a session, as httpfs shows them: those the
// environment provides (endpoint without its scheme, region, TLS), else "" and true. Secrets
// never become setting values (current_setting() would show them).
struct S3SettingDefaults {
  std::string endpoint;
  std::string region;
  bool use_ssl = true;
};
S3SettingDefaults S3SettingDefaultsFromEnvironment(
    const std::map<std::string, std::string>& environment);

// Store configs by alias name, lower case.
using S3EndpointAliases = std::map<std::string, storage::S3Config>;

// The config for `settings` over `environment`, with `aliases` applied; `*alias` (if given)
// becomes the alias the endpoint named, or "" when it named none. Errors name the setting or
// variable that is malformed. Missing credentials are not an error here (S3Config::Validate
// reports them).
Result<storage::S3Config> ResolveS3Config(const S3Settings& settings,
                                          const std::map<std::string, std::string>& environment,
                                          const S3EndpointAliases& aliases = {},
                                          std::string* alias = nullptr);

// The host an endpoint names, lower case, without scheme, port or path:
// "HTTP://Storage-Local:9000/" -> "storage-local". An IPv6 literal keeps its brackets.
std::string EndpointHost(const std::string& endpoint);

}  // namespace shoal::engine
