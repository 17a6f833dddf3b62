// s3:// URL parsing, key globbing and the httpfs-style settings over an environment map: pure
// functions, no server.
#include "engine/s3_glob.h"

#include <gtest/gtest.h>

#include "engine/s3_settings.h"

namespace shoal::engine {
namespace {

TEST(S3UrlTest, SplitsBucketAndKey) {
  auto url = ParseS3Url("s3://my-bucket/transactions/a.jsonl");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->bucket, "my-bucket");
  EXPECT_EQ(url->key, "transactions/a.jsonl");
  EXPECT_EQ(ParseS3Url("s3://b")->key, "");
  EXPECT_EQ(MakeS3Url("b", "x/y"), "s3://b/x/y");

  EXPECT_FALSE(ParseS3Url("http://b/k").ok());
  auto empty = ParseS3Url("s3:///k");
  ASSERT_FALSE(empty.ok());
  EXPECT_NE(empty.status().message().find("names no bucket"), std::string::npos);
  auto pattern = ParseS3Url("s3://bucket-*/k");
  ASSERT_FALSE(pattern.ok());
  EXPECT_NE(pattern.status().message().find("bucket name cannot be a pattern"), std::string::npos);
}

TEST(S3GlobTest, LiteralPrefixStopsAtTheFirstWildcard) {
  EXPECT_EQ(LiteralPrefix("transactions/**/*.jsonl"), "transactions/");
  EXPECT_EQ(LiteralPrefix("data/events_2024-0?.json"), "data/events_2024-0");
  EXPECT_EQ(LiteralPrefix("data/[ab].csv"), "data/");
  EXPECT_EQ(LiteralPrefix("plain/key.csv"), "plain/key.csv");
  EXPECT_EQ(LiteralPrefix("**"), "");
  EXPECT_TRUE(HasGlobCharacters("a/*.csv"));
  EXPECT_TRUE(HasGlobCharacters("a/?.csv"));
  EXPECT_TRUE(HasGlobCharacters("a/[0-9].csv"));
  EXPECT_FALSE(HasGlobCharacters("a/b.csv"));
  EXPECT_FALSE(HasGlobCharacters("a/\\*.csv"));

  EXPECT_TRUE(IsSingleLevelPattern("dir/*.json"));
  EXPECT_TRUE(IsSingleLevelPattern("dir/a**b.json"));
  EXPECT_FALSE(IsSingleLevelPattern("dir/**"));
  EXPECT_FALSE(IsSingleLevelPattern("*/x.json"));
  EXPECT_FALSE(IsSingleLevelPattern("dir/**/x.json"));
}

TEST(S3GlobTest, SegmentWildcards) {
  EXPECT_TRUE(MatchSegment("events_2024-01.jsonl", "events_*.jsonl"));
  EXPECT_TRUE(MatchSegment("events_2024-01.jsonl", "*"));
  EXPECT_TRUE(MatchSegment("", "*"));
  EXPECT_FALSE(MatchSegment("events.csv", "*.jsonl"));
  EXPECT_TRUE(MatchSegment("a1.csv", "a?.csv"));
  EXPECT_FALSE(MatchSegment("a12.csv", "a?.csv"));
  EXPECT_TRUE(MatchSegment("b.csv", "[abc].csv"));
  EXPECT_FALSE(MatchSegment("d.csv", "[abc].csv"));
  EXPECT_TRUE(MatchSegment("d.csv", "[!abc].csv"));
  EXPECT_TRUE(MatchSegment("d.csv", "[^abc].csv"));
  EXPECT_TRUE(MatchSegment("m7.csv", "m[0-9].csv"));
  EXPECT_FALSE(MatchSegment("mx.csv", "m[0-9].csv"));
  EXPECT_TRUE(MatchSegment("]x", "[]]x"));
  EXPECT_TRUE(MatchSegment("[x", "[x"));  // an unclosed '[' stands for itself
  EXPECT_TRUE(MatchSegment("a*b", "a\\*b"));
  EXPECT_FALSE(MatchSegment("axb", "a\\*b"));
  EXPECT_TRUE(MatchSegment("aXbXc", "a*b*c"));
  EXPECT_FALSE(MatchSegment("aXbXd", "a*b*c"));
}

TEST(S3GlobTest, DoubleStarSpansSegmentsIncludingNone) {
  const char* pattern = "transactions/**/*.jsonl";
  EXPECT_TRUE(MatchKey("transactions/a.jsonl", pattern));
  EXPECT_TRUE(MatchKey("transactions/us/a.jsonl", pattern));
  EXPECT_TRUE(MatchKey("transactions/us/compute-1/data/a.jsonl", pattern));
  EXPECT_FALSE(MatchKey("transactions/us/a.csv", pattern));
  EXPECT_FALSE(MatchKey("other/us/a.jsonl", pattern));
  // Single-segment wildcards never cross a '/'.
  EXPECT_TRUE(MatchKey("data/x.csv", "data/*.csv"));
  EXPECT_FALSE(MatchKey("data/sub/x.csv", "data/*.csv"));
  EXPECT_FALSE(MatchKey("data/sub/x.csv", "data/*"));
  EXPECT_TRUE(MatchKey("data/sub/x.csv", "data/**"));
  EXPECT_TRUE(MatchKey("a/b/c/d", "**/d"));
  EXPECT_TRUE(MatchKey("a/x/y/b/z", "a/**/b/**"));
  EXPECT_FALSE(MatchKey("a/x/y/c/z", "a/**/b/**"));
  // Many `**` stay fast (no exponential backtracking).
  std::string deep;
  for (int i = 0; i < 200; ++i) deep += "s/";
  EXPECT_FALSE(MatchKey(deep + "x", "**/**/**/**/**/**/**/**/y"));
}

TEST(S3SettingsTest, SettingsWinOverTheEnvironment) {
  std::map<std::string, std::string> env = {{"DUCKDB_S3_ENDPOINT", "storage-local:9000"},
                                            {"DUCKDB_S3_USE_SSL", "false"},
                                            {"AWS_ACCESS_KEY_ID", "env-id"},
                                            {"AWS_SECRET_ACCESS_KEY", "env-secret"},
                                            {"AWS_REGION", "eu-west-1"}};
  auto from_env = ResolveS3Config({}, env);
  ASSERT_TRUE(from_env.ok()) << from_env.status().ToString();
  EXPECT_EQ(from_env->endpoint, "storage-local:9000");
  EXPECT_FALSE(from_env->use_ssl);
  EXPECT_EQ(from_env->region, "eu-west-1");
  EXPECT_EQ(from_env->credentials.access_key_id, "env-id");
  EXPECT_EQ(from_env->url_style, storage::UrlStyle::kVirtualHosted);  // httpfs's default

  S3Settings settings;
  settings.endpoint = "other:1234";
  settings.access_key_id = "set-id";
  settings.url_style = "path";
  auto mixed = ResolveS3Config(settings, env);
  ASSERT_TRUE(mixed.ok());
  EXPECT_EQ(mixed->endpoint, "other:1234");
  EXPECT_FALSE(mixed->use_ssl);  // still from DUCKDB_S3_USE_SSL
  EXPECT_EQ(mixed->credentials.access_key_id, "set-id");
  EXPECT_EQ(mixed->credentials.secret_access_key, "env-secret");
  EXPECT_EQ(mixed->url_style, storage::UrlStyle::kPath);

  settings.use_ssl = true;
  EXPECT_TRUE(ResolveS3Config(settings, env)->use_ssl);
}

TEST(S3SettingsTest, EndpointAliasesNameANodesStores) {
  storage::S3Config store;
  store.endpoint = "127.0.0.1:4568";
  store.use_ssl = false;
  store.url_style = storage::UrlStyle::kPath;
  store.region = "us-east-1";
  store.credentials.access_key_id = "node-id";
  store.credentials.secret_access_key = "node-secret";
  const S3EndpointAliases aliases = {{"storage-local", store}};

  // The seed's job text: the alias with MinIO's port, TLS off, credentials from the job's Env.
  std::map<std::string, std::string> env = {{"DUCKDB_S3_ENDPOINT", "Storage-Local:9000"},
                                            {"DUCKDB_S3_USE_SSL", "true"},
                                            {"AWS_ACCESS_KEY_ID", "job-id"},
                                            {"AWS_SECRET_ACCESS_KEY", "job-secret"},
                                            {"AWS_REGION", "storage-region"}};
  auto with_job_keys = ResolveS3Config({}, env, aliases);
  ASSERT_TRUE(with_job_keys.ok()) << with_job_keys.status().ToString();
  EXPECT_EQ(with_job_keys->endpoint, "127.0.0.1:4568");
  EXPECT_FALSE(with_job_keys->use_ssl);  // the store's transport, not the job's guess
  EXPECT_EQ(with_job_keys->url_style, storage::UrlStyle::kPath);
  EXPECT_EQ(with_job_keys->region, "us-east-1");
  EXPECT_EQ(with_job_keys->credentials.access_key_id, "job-id");

  // No credentials in the job: the node's own for that store.
  auto with_node_keys = ResolveS3Config({}, {{"DUCKDB_S3_ENDPOINT", "storage-local"}}, aliases);
  ASSERT_TRUE(with_node_keys.ok());
  EXPECT_EQ(with_node_keys->credentials.access_key_id, "node-id");
  EXPECT_EQ(with_node_keys->credentials.secret_access_key, "node-secret");

  // SET s3_endpoint reaches aliases too; an endpoint that is no alias stays as written.
  S3Settings settings;
  settings.endpoint = "http://storage-local:9000";
  EXPECT_EQ(ResolveS3Config(settings, {}, aliases)->endpoint, "127.0.0.1:4568");
  settings.endpoint = "storage:9000";
  auto other = ResolveS3Config(settings, {}, aliases);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->endpoint, "storage:9000");
  EXPECT_TRUE(other->credentials.access_key_id.empty());
}

TEST(S3SettingsTest, EndpointSchemeAndAddressing) {
  S3Settings settings;
  settings.endpoint = "http://127.0.0.1:9000/";
  auto config = ResolveS3Config(settings, {});
  ASSERT_TRUE(config.ok());
  EXPECT_EQ(config->endpoint, "127.0.0.1:9000");
  EXPECT_FALSE(config->use_ssl);
  // An IP address cannot carry a bucket as a subdomain.
  EXPECT_EQ(config->url_style, storage::UrlStyle::kPath);
  settings.use_ssl = true;
  EXPECT_TRUE(ResolveS3Config(settings, {})->use_ssl);

  settings.url_style = "virtual";
  auto bad = ResolveS3Config(settings, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("s3_url_style 'virtual'"), std::string::npos);
  settings.url_style.reset();
  settings.endpoint = "ftp://x";
  EXPECT_FALSE(ResolveS3Config(settings, {}).ok());
  auto bad_env = ResolveS3Config({}, {{"DUCKDB_S3_USE_SSL", "maybe"}});
  ASSERT_FALSE(bad_env.ok());
  EXPECT_NE(bad_env.status().message().find("DUCKDB_S3_USE_SSL"), std::string::npos);
}

}  // namespace
}  // namespace shoal::engine
