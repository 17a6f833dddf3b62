// Turns one S3 operation (method, bucket, key, query, extra headers, payload hash) into the exact
// HTTP request to send: URL for the configured addressing style and scheme, and the signed
// headers (Host, x-amz-date, x-amz-content-sha256, x-amz-security-token, Authorization). What is
// signed is byte for byte what is sent: the URL's query is the canonical query string and the
// Host header is set explicitly.
//
// Thread-safety: stateless functions.
#pragma once

#include <chrono>
#include <string>

#include "common/status.h"
#include "storage/s3_config.h"
#include "storage/sigv4.h"

namespace shoal::storage {

struct S3Request {
  std::string method = "GET";
  std::string bucket;
  std::string key;           // empty for bucket-level operations (listing, DeleteObjects)
  NameValueList query;       // decoded names and values
  NameValueList headers;     // extra headers to send and sign (Range, Content-MD5, ...)
  std::string payload_hash;  // hex SHA-256 of the body or kUnsignedPayload; empty = no body
};

struct HttpRequestSpec {
  std::string method;
  std::string url;        // scheme://authority/encoded-path[?canonical-query]
  NameValueList headers;  // everything to send, Authorization included (never log it)
};

// Checks that `bucket` can be put in a URL and a host name: 1-255 characters of [A-Za-z0-9._-].
Status ValidateBucketName(const std::string& bucket);
// Checks that `key` is a usable object key: 1-1024 bytes, no NUL.
Status ValidateObjectKey(const std::string& key);

// Builds and signs `request` at `now`. Fails only on invalid bucket or key names, or on a config
// that Validate() rejects.
Result<HttpRequestSpec> BuildS3Request(const S3Config& config, const S3Request& request,
                                       std::chrono::system_clock::time_point now);

// "s3://bucket/key", for messages.
std::string S3Uri(const std::string& bucket, const std::string& key);

}  // namespace shoal::storage
