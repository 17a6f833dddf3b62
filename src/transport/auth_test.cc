// Bearer-token authentication: the rules, the constant-time comparison, the caller a per-node
// token names, token files, and an HttpServer refusing requests with 401 (no token) or with an
// authorizer's 403 (the wrong caller), each with an audit line that never holds the token.
#include "transport/auth.h"

#include <filesystem>
#include <fstream>
#include <mutex>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>
#include <sys/stat.h>

#include "common/testing/temp_dir.h"
#include "transport/http_client.h"
#include "transport/http_server.h"

namespace shoal::transport {
namespace {

constexpr const char* kClientToken = "client-0123456789abcdef";
constexpr const char* kNodeToken = "node-fedcba9876543210";

BearerAuth ClientAndNodeRules() {
  BearerAuth auth;
  auth.Require("/", kClientToken, "client API");
  auth.Require("/api/v1/compute/", kNodeToken, "node channel");
  auth.Open("/api/v1/agent/alive");
  return auth;
}

TEST(ConstantTimeEqualsTest, ComparesWholeValues) {
  EXPECT_TRUE(ConstantTimeEquals("secret", "secret"));
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secreT"));
  EXPECT_FALSE(ConstantTimeEquals("secret", "secret2"));  // a prefix is not enough
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals("Xecret", "secret"));
}

TEST(BearerTokenTest, ReadsTheBearerScheme) {
  EXPECT_EQ(BearerToken("Bearer abc"), "abc");
  EXPECT_EQ(BearerToken("bearer  abc "), "abc");
  EXPECT_EQ(BearerToken("BEARER abc"), "abc");
  EXPECT_EQ(BearerToken("Basic YWJjOmRlZg=="), "");
  EXPECT_EQ(BearerToken("Bearer"), "");
  EXPECT_EQ(BearerToken("Bearerabc"), "");
  EXPECT_EQ(BearerToken(""), "");
}

TEST(BearerAuthTest, MissingWrongAndRightTokens) {
  BearerAuth auth = ClientAndNodeRules();
  const std::string client = std::string("Bearer ") + kClientToken;
  const std::string node = std::string("Bearer ") + kNodeToken;

  Status missing = auth.Check("/api/v1/orchestrator/jobs", "");
  EXPECT_EQ(missing.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(missing.message(), "missing bearer token");
  Status wrong = auth.Check("/api/v1/orchestrator/jobs", "Bearer guess");
  EXPECT_EQ(wrong.code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(wrong.message(), "invalid token");
  EXPECT_TRUE(auth.Check("/api/v1/orchestrator/jobs", client).ok());

  // Each realm takes its own token only.
  EXPECT_EQ(auth.Check("/api/v1/orchestrator/jobs", node).message(), "invalid token");
  EXPECT_EQ(auth.Check("/api/v1/compute/register", client).message(), "invalid token");
  EXPECT_TRUE(auth.Check("/api/v1/compute/register", node).ok());

  // The health check is open; paths near it are not.
  EXPECT_TRUE(auth.Check("/api/v1/agent/alive", "").ok());
  EXPECT_FALSE(auth.Check("/api/v1/agent/alive/x", "").ok());
  EXPECT_FALSE(auth.Check("/api/v1/agent/version", "").ok());
  EXPECT_FALSE(auth.Check("/nowhere", "").ok());

  EXPECT_EQ(auth.RealmFor("/api/v1/compute/work"), "node channel");
  EXPECT_EQ(auth.RealmFor("/api/v1/orchestrator/nodes"), "client API");
  EXPECT_EQ(auth.RealmFor("/api/v1/agent/alive"), "");
  EXPECT_TRUE(auth.any_token());
}

TEST(BearerAuthTest, AnEmptyTokenLeavesItsPathsOpen) {
  BearerAuth auth;
  auth.Require("/", "", "client API");
  auth.Require("/api/v1/compute/", kNodeToken, "node channel");
  EXPECT_TRUE(auth.Check("/api/v1/orchestrator/jobs", "").ok());
  EXPECT_FALSE(auth.Check("/api/v1/compute/work", "").ok());
  EXPECT_TRUE(auth.any_token());
  EXPECT_FALSE(BearerAuth().any_token());
  EXPECT_TRUE(BearerAuth().Check("/anything", "").ok());
}

// A resolver names the caller of each token it knows; the rule's fixed token stays anonymous.
TEST(BearerAuthTest, AResolverNamesTheCallerAndTheFixedTokenIsAnonymous) {
  TokenResolver resolver = [](std::string_view token) -> Result<std::string> {
    if (token == "token-of-a") return std::string("node-a");
    if (token == "token-of-nobody") return std::string();  // a broken resolver
    return Status(ErrorCode::kUnauthenticated, "invalid token");
  };
  BearerAuth per_node;
  per_node.Require("/api/v1/compute/", "", "node channel", resolver);
  EXPECT_TRUE(per_node.any_token());
  EXPECT_EQ(per_node.RealmFor("/api/v1/compute/work"), "node channel");
  EXPECT_EQ(*per_node.Authenticate("/api/v1/compute/work", "Bearer token-of-a"), "node-a");
  EXPECT_EQ(per_node.Authenticate("/api/v1/compute/work", "Bearer guess").status().message(),
            "invalid token");
  EXPECT_EQ(per_node.Authenticate("/api/v1/compute/work", "").status().message(),
            "missing bearer token");
  // An empty name must not make the caller anonymous.
  EXPECT_EQ(
      per_node.Authenticate("/api/v1/compute/work", "Bearer token-of-nobody").status().message(),
      "invalid token");
  EXPECT_EQ(*per_node.Authenticate("/api/v1/orchestrator/jobs", ""), "");  // no rule: open

  BearerAuth both;  // per-node tokens beside a shared (legacy) one
  both.Require("/api/v1/compute/", kNodeToken, "node channel", resolver);
  EXPECT_EQ(*both.Authenticate("/api/v1/compute/work", "Bearer token-of-a"), "node-a");
  auto shared = both.Authenticate("/api/v1/compute/work", std::string("Bearer ") + kNodeToken);
  ASSERT_TRUE(shared.ok());
  EXPECT_EQ(*shared, "");
  EXPECT_FALSE(both.Authenticate("/api/v1/compute/work", "Bearer guess").ok());
}

TEST(AuditLineTest, NamesTheRequestAndReasonOnly) {
  EXPECT_EQ(
      AuditLine("PUT", "/api/v1/orchestrator/jobs", "10.0.0.7:51234", "client API",
                Status(ErrorCode::kUnauthenticated, "invalid token")),
      "refused PUT /api/v1/orchestrator/jobs from 10.0.0.7:51234 (client API): invalid token");
}

// The server side: 401, the JSON error, the WWW-Authenticate header, one audit line per refusal
// that names remote, method, path and reason, and never the token.
TEST(HttpServerAuthTest, RefusesWithA401AndAnAuditLineWithoutTheToken) {
  HttpServer server({});
  std::mutex mu;
  std::vector<std::string> audit;
  server.SetAuth(ClientAndNodeRules(), [&](const std::string& line) {
    std::lock_guard lock(mu);
    audit.push_back(line);
  });
  int handled = 0;
  server.HandleJson("GET", "/api/v1/orchestrator/jobs", [&](const Request&) -> Result<Json> {
    ++handled;
    return Json{{"Items", Json::array()}};
  });
  server.HandleJson("GET", "/api/v1/agent/alive", [](const Request&) -> Result<Json> {
    return Json{{"Status", "OK"}};
  });
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();

  const std::string wrong_token = "wrong-token-5f3a9c";
  HttpClient::Options wrong;
  wrong.bearer_token = wrong_token;
  auto refused = HttpClient({"127.0.0.1", *port}, wrong).Get("/api/v1/orchestrator/jobs");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(refused.status().message(), "invalid token");

  auto missing = HttpClient({"127.0.0.1", *port}).Get("/api/v1/orchestrator/jobs");
  EXPECT_EQ(missing.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(missing.status().message(), "missing bearer token");
  // Unknown paths are refused before routing: no route list for callers without a token.
  auto unknown = HttpClient({"127.0.0.1", *port}).Get("/api/v1/secret-route");
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_EQ(handled, 0);

  HttpClient::Options right;
  right.bearer_token = kClientToken;
  EXPECT_TRUE(HttpClient({"127.0.0.1", *port}, right).Get("/api/v1/orchestrator/jobs").ok());
  EXPECT_EQ(handled, 1);
  EXPECT_TRUE(HttpClient({"127.0.0.1", *port}).Get("/api/v1/agent/alive").ok());

  // The raw answer: status, header and body.
  httplib::Client raw("127.0.0.1", *port);
  auto answer = raw.Get("/api/v1/orchestrator/jobs");
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 401);
  EXPECT_EQ(answer->get_header_value("WWW-Authenticate"), "Bearer realm=\"shoal\"");
  EXPECT_EQ(Json::parse(answer->body),
            (Json{{"Error", {{"Code", "unauthenticated"}, {"Message", "missing bearer token"}}}}));
  server.Stop();

  std::lock_guard lock(mu);
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0].rfind("refused GET /api/v1/orchestrator/jobs from 127.0.0.1:", 0), 0u)
      << audit[0];
  EXPECT_NE(audit[0].find("(client API): invalid token"), std::string::npos) << audit[0];
  EXPECT_NE(audit[1].find("(client API): missing bearer token"), std::string::npos) << audit[1];
  EXPECT_NE(audit[2].find("GET /api/v1/secret-route"), std::string::npos) << audit[2];
  for (const std::string& line : audit) {
    EXPECT_EQ(line.find(wrong_token), std::string::npos) << line;
    EXPECT_EQ(line.find(kClientToken), std::string::npos) << line;
    EXPECT_EQ(line.find("Bearer"), std::string::npos) << line;
  }
}

// Authorize: every route under its prefix, registered before or after it, sees the caller's
// name and is refused (with the refusal's status and an audit line) before its handler runs.
TEST(HttpServerAuthTest, AuthorizersSeeTheCallerAndRefuseBeforeTheHandler) {
  HttpServer server({});
  std::mutex mu;
  std::vector<std::string> audit;
  BearerAuth auth;
  auth.Require("/api/v1/compute/", "", "node channel",
               [](std::string_view token) -> Result<std::string> {
                 if (token == "token-of-a") return std::string("node-a");
                 return Status(ErrorCode::kUnauthenticated, "invalid token");
               });
  server.SetAuth(std::move(auth), [&](const std::string& line) {
    std::lock_guard lock(mu);
    audit.push_back(line);
  });
  std::vector<std::string> seen;  // (identity, upload) of each request a handler served
  auto handler = [&](const Request& request) -> Result<Json> {
    seen.push_back(request.identity + (request.upload ? " upload" : ""));
    return Json::object();
  };
  server.HandleJson("GET", "/api/v1/compute/before", handler);
  server.Authorize("/api/v1/compute/", [](const Request& request) -> Status {
    if (request.Param("as") == request.identity) return Status::Ok();
    return Status::PermissionDenied(request.identity + " may not act as " + request.Param("as"));
  });
  server.HandleJson("GET", "/api/v1/compute/after", handler);
  server.HandleUpload("PUT", "/api/v1/compute/upload", handler);
  server.HandleJson("GET", "/elsewhere", handler);
  auto port = server.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  HttpClient::Options as_a;
  as_a.bearer_token = "token-of-a";
  const HttpClient client({"127.0.0.1", *port}, as_a);

  EXPECT_TRUE(client.Get("/api/v1/compute/before?as=node-a").ok());
  EXPECT_TRUE(client.Get("/api/v1/compute/after?as=node-a").ok());
  EXPECT_TRUE(client.PutBytes("/api/v1/compute/upload?as=node-a", "bytes").ok());
  for (const char* path : {"/api/v1/compute/before?as=node-b", "/api/v1/compute/after?as=node-b"}) {
    auto refused = client.Get(path);
    EXPECT_EQ(refused.status().code(), ErrorCode::kPermissionDenied) << path;
    EXPECT_EQ(refused.status().message(), "node-a may not act as node-b") << path;
  }
  EXPECT_EQ(client.PutBytes("/api/v1/compute/upload?as=node-b", "bytes").code(),
            ErrorCode::kPermissionDenied);
  EXPECT_TRUE(HttpClient({"127.0.0.1", *port}).Get("/elsewhere?as=anyone").ok());
  httplib::Client raw("127.0.0.1", *port);
  auto answer =
      raw.Get("/api/v1/compute/after?as=node-b", {{"Authorization", "Bearer token-of-a"}});
  ASSERT_TRUE(answer);
  EXPECT_EQ(answer->status, 403);
  server.Stop();

  EXPECT_EQ(seen, (std::vector<std::string>{"node-a", "node-a", "node-a upload", ""}));
  std::lock_guard lock(mu);
  ASSERT_EQ(audit.size(), 4u);
  EXPECT_EQ(audit[0].rfind("refused GET /api/v1/compute/before from 127.0.0.1:", 0), 0u)
      << audit[0];
  EXPECT_NE(audit[0].find("(node channel): node-a may not act as node-b"), std::string::npos)
      << audit[0];
  for (const std::string& line : audit) EXPECT_EQ(line.find("token-of-a"), std::string::npos);
}

class TokenFileTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = shoal::testing::TempDir::ForCurrentTest(); }
  std::string Write(const std::string& name, const std::string& text) {
    std::ofstream((dir_ / name).string(), std::ios::binary) << text;
    return (dir_ / name).string();
  }
  shoal::testing::TempDir dir_;
};

TEST_F(TokenFileTest, ReadsTheTokenWithoutTrailingNewline) {
  auto token = ReadTokenFile(Write("t", "s3cr3t-token\n"), "--auth-token-file");
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  EXPECT_EQ(*token, "s3cr3t-token");
  EXPECT_EQ(*ReadTokenFile(Write("crlf", "abc\r\n\n"), "x"), "abc");
}

TEST_F(TokenFileTest, EmptyUnreadableOrMultiWordFilesAreErrors) {
  auto empty = ReadTokenFile(Write("empty", "\n"), "--auth-token-file");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(empty.status().message().find("--auth-token-file '"), std::string::npos);
  EXPECT_NE(empty.status().message().find("the token is empty"), std::string::npos);

  auto missing = ReadTokenFile((dir_ / "nope").string(), "--node-token-file");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("--node-token-file: cannot read token file"),
            std::string::npos)
      << missing.status().message();

  auto spaced = ReadTokenFile(Write("spaced", "two words\n"), "x");
  ASSERT_FALSE(spaced.ok());
  EXPECT_NE(spaced.status().message().find("one word"), std::string::npos);
  // The message never repeats the file's content.
  EXPECT_EQ(spaced.status().message().find("two words"), std::string::npos);
}

TEST_F(TokenFileTest, RandomTokensAreWrittenOwnerOnly) {
  auto first = RandomToken();
  auto second = RandomToken();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(first->size(), 64u);
  EXPECT_EQ(first->find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_NE(*first, *second);

  mode_t old_umask = ::umask(0);  // a umask that would leave the file world-readable
  const std::string path = (dir_ / "client.token").string();
  Write("client.token", "old");  // an existing file is replaced
  Status written = WriteTokenFile(path, *first);
  ::umask(old_umask);
  ASSERT_TRUE(written.ok()) << written.ToString();
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  EXPECT_EQ(*ReadTokenFile(path, "x"), *first);
}

}  // namespace
}  // namespace shoal::transport
