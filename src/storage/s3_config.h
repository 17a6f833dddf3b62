// S3Config: where an S3 store is (endpoint, region, URL style, TLS), who we are (credentials) and
// how patient to be (timeouts, retries, multipart sizing). Built from the environment the way
// DuckDB's httpfs reads it, so the seed's job text works, or set field by field from a node's
// configuration.
//
// The secret key and session token live only here and in the signer; S3Config has no ToString,
// and Describe() names everything except them.
//
// Thread-safety: plain value.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "storage/retry.h"
#include "storage/sigv4.h"

namespace shoal::storage {

enum class UrlStyle {
  kPath,           // http(s)://endpoint/bucket/key
  kVirtualHosted,  // http(s)://bucket.endpoint/key
};

struct S3Config {
  // host[:port], no scheme. Empty means AWS: s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  // DuckDB httpfs defaults: virtual-hosted over HTTPS. Loopback stores want kPath and no TLS.
  UrlStyle url_style = UrlStyle::kVirtualHosted;
  bool use_ssl = true;
  SigV4Credentials credentials;
  // Send unsigned requests (public buckets). Without it, missing credentials are an error.
  bool anonymous = false;

  std::chrono::milliseconds connect_timeout{5000};
  // A transfer that moves less than low_speed_bytes per second for low_speed_time is abandoned
  // (and retried): this catches stalled connections without capping large transfers.
  std::chrono::seconds low_speed_time{30};
  long low_speed_bytes = 1;
  RetryPolicy retry;

  // Uploads larger than this from a file go multipart.
  size_t multipart_threshold = 64ull << 20;
  // Part size for multipart uploads (S3: at least 5 MiB except the last, at most 10,000 parts;
  // the part size grows for very large objects to stay under that count).
  size_t multipart_part_size = 8ull << 20;
  // Parts in flight at once.
  int multipart_threads = 4;

  // The endpoint actually used (endpoint, or the AWS default for the region).
  std::string EffectiveEndpoint() const;
  // "http://127.0.0.1:9000 (path-style, region us-east-1, key id AKID...)": for messages. No
  // secrets.
  std::string Describe() const;
  // Checks the fields that can be wrong (endpoint form, missing credentials, sizes).
  Status Validate() const;
};

// Reads AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or
// AWS_DEFAULT_REGION), DUCKDB_S3_ENDPOINT (host[:port], or a URL whose scheme sets use_ssl) and
// DUCKDB_S3_USE_SSL (true/false/1/0) over the defaults above. A variable that is malformed is an
// error naming it. Missing credentials are not an error here; Validate() reports them.
Result<S3Config> S3ConfigFromEnvironment(const std::map<std::string, std::string>& env);

// An S3 endpoint as users write it (DUCKDB_S3_ENDPOINT, SET s3_endpoint, a node's store):
// host[:port], optionally after http:// or https://, which then says whether to use TLS, and
// before trailing '/'s. Parsed in one place for all of them.
struct S3Endpoint {
  std::string host_port;        // "storage:9000", "[::1]:9000"
  std::optional<bool> use_ssl;  // set when a scheme was given
};
// Errors: another scheme, an empty host, a path, user, space or bad port.
Result<S3Endpoint> ParseS3Endpoint(std::string_view text);

// The error for missing credentials, naming the variables and settings to set.
Status MissingCredentialsError();

}  // namespace shoal::storage
