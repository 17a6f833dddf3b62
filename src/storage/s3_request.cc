#include "storage/s3_request.h"

namespace shoal::storage {

std::string S3Uri(const std::string& bucket, const std::string& key) {
  return "s3://" + bucket + (key.empty() ? "" : "/" + key);
}

Status ValidateBucketName(const std::string& bucket) {
  if (bucket.empty()) return Status::InvalidArgument("S3 bucket name is empty");
  if (bucket.size() > 255) return Status::InvalidArgument("S3 bucket name is too long");
  for (char c : bucket) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '-' || c == '_';
    if (!ok) {
      return Status::InvalidArgument("S3 bucket name '" + bucket +
                                     "' may only hold letters, digits, '.', '-' and '_'");
    }
  }
  return Status::Ok();
}

Status ValidateObjectKey(const std::string& key) {
  if (key.empty()) return Status::InvalidArgument("S3 object key is empty");
  if (key.size() > 1024) {
    return Status::InvalidArgument("S3 object key is longer than 1024 bytes: " + key.substr(0, 64) +
                                   "...");
  }
  if (key.find('\0') != std::string::npos) {
    return Status::InvalidArgument("S3 object key holds a NUL byte");
  }
  return Status::Ok();
}

Result<HttpRequestSpec> BuildS3Request(const S3Config& config, const S3Request& request,
                                       std::chrono::system_clock::time_point now) {
  SHOAL_RETURN_IF_ERROR(config.Validate());
  SHOAL_RETURN_IF_ERROR(ValidateBucketName(request.bucket));
  if (!request.key.empty()) SHOAL_RETURN_IF_ERROR(ValidateObjectKey(request.key));

  std::string endpoint = config.EffectiveEndpoint();
  // A dotted bucket name does not match the endpoint's wildcard certificate as a subdomain, so
  // over TLS such buckets are addressed path-style (as the AWS SDKs do).
  bool virtual_hosted = config.url_style == UrlStyle::kVirtualHosted &&
                        !(config.use_ssl && request.bucket.find('.') != std::string::npos);
  std::string host = virtual_hosted ? request.bucket + "." + endpoint : endpoint;
  std::string path;
  if (virtual_hosted) {
    path = UriEncodePath(request.key);
  } else {
    path = "/" + UriEncode(request.bucket, false);
    if (!request.key.empty()) path += UriEncodePath(request.key);
  }

  std::string amz_date = AmzDate(now);
  std::string payload_hash =
      request.payload_hash.empty() ? std::string(kEmptyPayloadSha256) : request.payload_hash;

  SigV4Request signable;
  signable.method = request.method;
  signable.canonical_uri = path;
  signable.query = request.query;
  signable.payload_hash = payload_hash;
  signable.headers = request.headers;
  signable.headers.emplace_back("Host", host);
  signable.headers.emplace_back("x-amz-date", amz_date);
  signable.headers.emplace_back("x-amz-content-sha256", payload_hash);
  if (!config.anonymous && !config.credentials.session_token.empty()) {
    signable.headers.emplace_back("x-amz-security-token", config.credentials.session_token);
  }

  HttpRequestSpec spec;
  spec.method = request.method;
  spec.url = (config.use_ssl ? "https://" : "http://") + host + path;
  std::string query = CanonicalQueryString(request.query);
  if (!query.empty()) spec.url += "?" + query;
  spec.headers = signable.headers;
  if (!config.anonymous) {
    SigV4Signature signature = Sign(signable, config.credentials, config.region, "s3", amz_date);
    spec.headers.emplace_back("Authorization", std::move(signature.authorization));
  }
  return spec;
}

}  // namespace shoal::storage
