// AWS Signature Version 4 (header-based), as pure functions: canonical request, string to sign,
// signing key and the Authorization header. No I/O and no clock: the caller passes the request
// time, so results are reproducible and checkable against AWS's published test vectors.
//
// The signer follows the S3 rules: the path is never normalized ('.', '..' and '//' are signed as
// sent) and is encoded once. Callers build the canonical URI with UriEncodePath() from the
// object key and send exactly that path.
//
// Thread-safety: stateless functions; safe to call from any thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace shoal::storage {

// The payload hash S3 accepts for bodies the client does not hash (streamed files).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string, the payload hash of every request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SigV4Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials
};

using NameValueList = std::vector<std::pair<std::string, std::string>>;

// One HTTP request as it is sent, for signing.
struct SigV4Request {
  std::string method;         // "GET", "PUT", ...
  std::string canonical_uri;  // the URI-encoded path as sent, e.g. "/bucket/a%20b"
  NameValueList query;        // decoded names and values, any order
  NameValueList headers;      // as sent, any case and order; must hold host and x-amz-date
  std::string payload_hash;   // lowercase hex SHA-256 of the body, or kUnsignedPayload
};

// What signing produced; the intermediate strings are kept for tests and debugging. They hold no
// secret, but `authorization` carries the signature: never log it.
struct SigV4Signature {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-content-sha256;x-amz-date"
  std::string signature;       // lowercase hex
  std::string authorization;   // the Authorization header value
};

// RFC 3986 percent-encoding as SigV4 wants it: unreserved characters (A-Z a-z 0-9 - . _ ~) stay,
// every other byte becomes %XX with uppercase hex. '/' is kept when `keep_slash` is true.
std::string UriEncode(std::string_view text, bool keep_slash);
// "/" + the key with each segment encoded and '/' kept: the canonical URI of an S3 object.
std::string UriEncodePath(std::string_view path);

// Lowercase hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);
// Raw (32-byte) HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// "20150830T123600Z" for `time` (UTC).
std::string AmzDate(std::chrono::system_clock::time_point time);

// The pieces of the canonical request.
std::string CanonicalQueryString(const NameValueList& query);
// "name:value\n" lines (names lowercased, values trimmed with inner runs of spaces collapsed,
// repeated names joined with ','), sorted by name; and the matching "a;b;c" list.
std::string CanonicalHeaders(const NameValueList& headers);
std::string SignedHeaders(const NameValueList& headers);
std::string CanonicalRequest(const SigV4Request& request);

// "<date>/<region>/<service>/aws4_request" for an x-amz-date value.
std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service);
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);
// The derived key for one day, region and service (raw bytes).
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);

// Signs `request` at `amz_date` (which must match the x-amz-date header).
SigV4Signature Sign(const SigV4Request& request, const SigV4Credentials& credentials,
                    std::string_view region, std::string_view service, std::string_view amz_date);

}  // namespace shoal::storage
