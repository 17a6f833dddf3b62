// S3Config from the environment (as DuckDB's httpfs reads it), validation, retry policy and the
// request builder's addressing.
#include "storage/s3_config.h"

#include <gtest/gtest.h>

#include "storage/retry.h"
#include "storage/s3_request.h"

namespace shoal::storage {
namespace {

TEST(S3ConfigTest, DefaultsFollowHttpfs) {
  auto config = S3ConfigFromEnvironment({});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->region, "us-east-1");
  EXPECT_TRUE(config->use_ssl);
  EXPECT_EQ(config->url_style, UrlStyle::kVirtualHosted);
  EXPECT_EQ(config->EffectiveEndpoint(), "s3.us-east-1.amazonaws.com");
}

TEST(S3ConfigTest, ReadsTheSeedsEnvironment) {
  auto config = S3ConfigFromEnvironment({{"AWS_ACCESS_KEY_ID", "AKID"},
                                         {"AWS_SECRET_ACCESS_KEY", "secret"},
                                         {"AWS_SESSION_TOKEN", "token"},
                                         {"AWS_DEFAULT_REGION", "eu-west-1"},
                                         {"DUCKDB_S3_ENDPOINT", "storage-local:9000"},
                                         {"DUCKDB_S3_USE_SSL", "false"}});
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->credentials.access_key_id, "AKID");
  EXPECT_EQ(config->credentials.secret_access_key, "secret");
  EXPECT_EQ(config->credentials.session_token, "token");
  EXPECT_EQ(config->region, "eu-west-1");
  EXPECT_EQ(config->endpoint, "storage-local:9000");
  EXPECT_FALSE(config->use_ssl);
  EXPECT_TRUE(config->Validate().ok());
  std::string described = config->Describe();
  EXPECT_EQ(described,
            "http://storage-local:9000 (virtual-hosted, region eu-west-1, temporary "
            "credentials)");
  EXPECT_EQ(described.find("secret"), std::string::npos);
  EXPECT_EQ(described.find("token"), std::string::npos);
}

TEST(S3ConfigTest, AwsRegionWinsOverDefaultRegionAndUrlSchemeSetsTls) {
  auto config = S3ConfigFromEnvironment({{"AWS_REGION", "us-west-2"},
                                         {"AWS_DEFAULT_REGION", "eu-west-1"},
                                         {"DUCKDB_S3_ENDPOINT", "http://127.0.0.1:4568/"}});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->region, "us-west-2");
  EXPECT_EQ(config->endpoint, "127.0.0.1:4568");
  EXPECT_FALSE(config->use_ssl);
}

TEST(S3ConfigTest, MalformedVariablesAreNamed) {
  auto bad_bool = S3ConfigFromEnvironment({{"DUCKDB_S3_USE_SSL", "perhaps"}});
  ASSERT_FALSE(bad_bool.ok());
  EXPECT_NE(bad_bool.status().message().find("DUCKDB_S3_USE_SSL"), std::string::npos);
  for (const char* endpoint : {"ftp://x", "host:99999", "host:port", "a/b", "a b", "user@host"}) {
    SCOPED_TRACE(endpoint);
    auto bad = S3ConfigFromEnvironment({{"DUCKDB_S3_ENDPOINT", endpoint}});
    ASSERT_FALSE(bad.ok());
    EXPECT_NE(bad.status().message().find("DUCKDB_S3_ENDPOINT"), std::string::npos)
        << bad.status().message();
  }
}

TEST(S3ConfigTest, MissingCredentialsSayWhatToSet) {
  auto config = S3ConfigFromEnvironment({});
  Status status = config->Validate();
  EXPECT_EQ(status.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(status.message(),
            "S3 credentials are missing: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and "
            "AWS_SESSION_TOKEN for temporary credentials) in this process's environment");
  config->anonymous = true;
  EXPECT_TRUE(config->Validate().ok());
}

TEST(RetryTest, RetryableStatuses) {
  for (long status : {429L, 500L, 502L, 503L, 504L}) EXPECT_TRUE(IsRetryableHttpStatus(status));
  for (long status : {200L, 206L, 301L, 400L, 403L, 404L, 409L, 412L, 416L}) {
    EXPECT_FALSE(IsRetryableHttpStatus(status)) << status;
  }
}

TEST(RetryTest, BackoffIsExponentialWithFullJitterAndCapped) {
  RetryPolicy policy{10, std::chrono::milliseconds(100), std::chrono::milliseconds(1000)};
  auto top = [] { return 0.999999; };
  EXPECT_EQ(BackoffDelay(policy, 1, top).count(), 99);
  EXPECT_EQ(BackoffDelay(policy, 2, top).count(), 199);
  EXPECT_EQ(BackoffDelay(policy, 3, top).count(), 399);
  EXPECT_EQ(BackoffDelay(policy, 5, top).count(), 999);  // capped
  EXPECT_EQ(BackoffDelay(policy, 1000, top).count(), 999);
  EXPECT_EQ(BackoffDelay(policy, 3, [] { return 0.0; }).count(), 0);
  EXPECT_EQ(BackoffDelay(policy, 3, [] { return 0.5; }).count(), 200);
  for (int i = 0; i < 1000; ++i) {
    auto d = BackoffDelay(policy, 4, DefaultJitter);
    EXPECT_GE(d.count(), 0);
    EXPECT_LE(d.count(), 800);
  }
}

S3Config TestConfig() {
  S3Config config;
  config.endpoint = "127.0.0.1:9000";
  config.use_ssl = false;
  config.url_style = UrlStyle::kPath;
  config.credentials = {"AKID", "secret", ""};
  return config;
}

std::string HeaderValue(const HttpRequestSpec& spec, const std::string& name) {
  for (const auto& [n, v] : spec.headers) {
    if (n == name) return v;
  }
  return "<none>";
}

TEST(S3RequestTest, PathStyleUrlsEncodeKeysAndSortQueries) {
  S3Request request;
  request.bucket = "b";
  request.key = "dir/a b+c.json";
  request.query = {{"versionId", "v 1"}, {"acl", ""}};
  auto spec = BuildS3Request(TestConfig(), request, std::chrono::system_clock::from_time_t(0));
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->url, "http://127.0.0.1:9000/b/dir/a%20b%2Bc.json?acl=&versionId=v%201");
  EXPECT_EQ(HeaderValue(*spec, "Host"), "127.0.0.1:9000");
  EXPECT_EQ(HeaderValue(*spec, "x-amz-date"), "19700101T000000Z");
  EXPECT_EQ(HeaderValue(*spec, "x-amz-content-sha256"), kEmptyPayloadSha256);
  EXPECT_EQ(HeaderValue(*spec, "x-amz-security-token"), "<none>");
  EXPECT_EQ(HeaderValue(*spec, "Authorization")
                .rfind("AWS4-HMAC-SHA256 Credential=AKID/19700101/us-east-1/s3/aws4_request, "
                       "SignedHeaders=host;x-amz-content-sha256;x-amz-date, Signature=",
                       0),
            0u);
}

TEST(S3RequestTest, VirtualHostedUrlsAndTheirDottedBucketFallback) {
  S3Config config = TestConfig();
  config.url_style = UrlStyle::kVirtualHosted;
  config.endpoint = "s3.example.com";
  config.credentials.session_token = "tok";
  S3Request request;
  request.bucket = "my-bucket";
  request.key = "k";
  auto spec = BuildS3Request(config, request, std::chrono::system_clock::now());
  ASSERT_TRUE(spec.ok());
  EXPECT_EQ(spec->url, "http://my-bucket.s3.example.com/k");
  EXPECT_EQ(HeaderValue(*spec, "x-amz-security-token"), "tok");
  request.key = "";
  EXPECT_EQ(BuildS3Request(config, request, std::chrono::system_clock::now())->url,
            "http://my-bucket.s3.example.com/");
  // Over TLS a dotted bucket would not match the certificate as a subdomain: path-style.
  config.use_ssl = true;
  request.bucket = "my.bucket";
  request.key = "k";
  EXPECT_EQ(BuildS3Request(config, request, std::chrono::system_clock::now())->url,
            "https://s3.example.com/my.bucket/k");
}

TEST(S3RequestTest, RejectsBadNames) {
  S3Request request;
  request.bucket = "bad/bucket";
  request.key = "k";
  EXPECT_FALSE(BuildS3Request(TestConfig(), request, std::chrono::system_clock::now()).ok());
  request.bucket = "";
  EXPECT_FALSE(BuildS3Request(TestConfig(), request, std::chrono::system_clock::now()).ok());
  request.bucket = "b";
  request.key = std::string(1025, 'k');
  EXPECT_FALSE(BuildS3Request(TestConfig(), request, std::chrono::system_clock::now()).ok());
  request.key = std::string("a\0b", 3);
  EXPECT_FALSE(BuildS3Request(TestConfig(), request, std::chrono::system_clock::now()).ok());
}

TEST(S3RequestTest, AnonymousRequestsCarryNoAuthorization) {
  S3Config config = TestConfig();
  config.credentials = {};
  config.anonymous = true;
  S3Request request;
  request.bucket = "b";
  request.key = "k";
  auto spec = BuildS3Request(config, request, std::chrono::system_clock::now());
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(HeaderValue(*spec, "Authorization"), "<none>");
}

}  // namespace
}  // namespace shoal::storage
