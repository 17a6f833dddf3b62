// HttpServer over HTTPS and HttpClient verifying it, with certificates made by `openssl` in the
// test: the right CA works (with a bearer token), every way of getting it wrong fails with a
// message that says what is wrong.
#include <atomic>
#include <filesystem>

#include <gtest/gtest.h>

#include "common/testing/temp_dir.h"
#include "transport/http_client.h"
#include "transport/http_server.h"
#include "transport/testing/test_certs.h"

namespace shoal::transport {
namespace {

class TlsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = shoal::testing::TempDir("tls");
    auto certs = testing::MakeTestCerts(dir_.path());
    ASSERT_TRUE(certs.ok()) << certs.status().ToString();
    certs_ = *certs;
  }
  // Removes the folder while gtest still runs (a static's destructor would run after it has gone).
  static void TearDownTestSuite() { dir_ = shoal::testing::TempDir(); }

  // An HTTPS server on `host` with one route, GET /hello.
  std::unique_ptr<HttpServer> StartTlsServer(const std::string& host = "127.0.0.1") {
    HttpServer::Options options;
    options.host = host;
    options.tls_cert_file = certs_.server_cert;
    options.tls_key_file = certs_.server_key;
    auto server = std::make_unique<HttpServer>(options);
    server->HandleJson("GET", "/hello", [](const Request& request) -> Result<Json> {
      return Json{{"hello", "world"}, {"auth", request.headers.count("Authorization") > 0}};
    });
    auto port = server->Start();
    EXPECT_TRUE(port.ok()) << port.status().ToString();
    return server;
  }

  static HttpClient Client(const std::string& host, int port, bool tls, const std::string& ca) {
    HttpClient::Options options;
    options.ca_cert_file = ca;
    options.bearer_token = "tls-test-token";
    options.read_timeout = std::chrono::milliseconds(3000);
    return HttpClient(Endpoint{host, port, tls}, options);
  }

  static inline shoal::testing::TempDir dir_;
  static inline testing::TestCerts certs_;
};

TEST_F(TlsTest, ClientTrustingTheCaGetsAnAnswer) {
  auto server = StartTlsServer();
  ASSERT_TRUE(server->tls());
  auto answer = Client("127.0.0.1", server->port(), true, certs_.ca_cert).Get("/hello");
  ASSERT_TRUE(answer.ok()) << answer.status().ToString();
  EXPECT_EQ((*answer)["hello"], "world");
  EXPECT_EQ((*answer)["auth"], true);  // the bearer token travels inside TLS
  // The certificate also names localhost.
  EXPECT_TRUE(Client("localhost", server->port(), true, certs_.ca_cert).Get("/hello").ok());
}

// Regression: a server that refused a token answered before reading the body and hung up;
// OpenSSL then wrote into the closed socket and SIGPIPE killed the client (a node with a wrong
// token died silently at its first registration), and a client still sending a body above 16 KiB
// saw "Write" instead of the 401. Now bodies up to 1 MiB are read first, and SIGPIPE is ignored.
TEST_F(TlsTest, ARefusedTokenOverTlsIsA401NotABrokenConnection) {
  BearerAuth auth;
  auth.Require("/", "the-right-token", "client API");
  HttpServer::Options options;
  options.tls_cert_file = certs_.server_cert;
  options.tls_key_file = certs_.server_key;
  HttpServer guarded(options);
  std::atomic<int> audited{0};
  guarded.SetAuth(std::move(auth), [&](const std::string&) { ++audited; });
  guarded.HandleJson("POST", "/post", [](const Request&) -> Result<Json> { return Json{}; });
  auto port = guarded.Start();
  ASSERT_TRUE(port.ok()) << port.status().ToString();
  HttpClient client = Client("127.0.0.1", *port, true, certs_.ca_cert);  // a wrong token
  // Sizes around TLS's 16 KiB records, and an unknown path with a body; losing the race took
  // about one call in ten.
  for (int i = 0; i < 40; ++i) {
    auto answer =
        client.Post(i % 10 == 9 ? "/nowhere" : "/post", Json{{"pad", std::string(i * 1000, 'x')}});
    ASSERT_FALSE(answer.ok());
    EXPECT_EQ(answer.status().code(), ErrorCode::kUnauthenticated)
        << i << ": " << answer.status().ToString();
  }
  EXPECT_EQ(audited.load(), 40);
  // Above 1 MiB the body is not read: the call fails either way, and the process lives on.
  EXPECT_FALSE(client.Post("/post", Json{{"pad", std::string(size_t{4} << 20, 'x')}}).ok());
}

TEST_F(TlsTest, AnUntrustedCaFailsNamingTheCertificateProblem) {
  auto server = StartTlsServer();
  auto answer = Client("127.0.0.1", server->port(), true, certs_.other_ca_cert).Get("/hello");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), ErrorCode::kFailedPrecondition);
  const std::string& message = answer.status().message();
  EXPECT_NE(message.find("the TLS certificate of 127.0.0.1:" + std::to_string(server->port()) +
                         " did not verify against the CA in '" + certs_.other_ca_cert + "'"),
            std::string::npos)
      << message;
  EXPECT_NE(message.find("unable to get local issuer certificate"), std::string::npos) << message;

  // No CA given: the system's CAs do not know the test CA either.
  auto system = Client("127.0.0.1", server->port(), true, "").Get("/hello");
  ASSERT_FALSE(system.ok());
  EXPECT_NE(system.status().message().find("the system's CA certificates"), std::string::npos)
      << system.status().message();
}

TEST_F(TlsTest, ACertificateForAnotherHostFails) {
  // The whole of 127/8 is loopback; the certificate names 127.0.0.1 and localhost only.
  auto server = StartTlsServer("127.0.0.2");
  auto answer = Client("127.0.0.2", server->port(), true, certs_.ca_cert).Get("/hello");
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("it is not issued for the host 127.0.0.2"),
            std::string::npos)
      << answer.status().message();
}

TEST_F(TlsTest, PlainHttpAgainstTheTlsPortFailsSayingHttps) {
  auto server = StartTlsServer();
  auto answer = Client("127.0.0.1", server->port(), false, "").Get("/hello");
  ASSERT_FALSE(answer.ok());
  EXPECT_EQ(answer.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(answer.status().message().find("if it serves HTTPS, use https://127.0.0.1:"),
            std::string::npos)
      << answer.status().message();
}

TEST_F(TlsTest, HttpsAgainstAPlainServerFailsSayingHttp) {
  HttpServer plain({});
  auto port = plain.Start();
  ASSERT_TRUE(port.ok());
  auto answer = Client("127.0.0.1", *port, true, certs_.ca_cert).Get("/hello");
  ASSERT_FALSE(answer.ok());
  EXPECT_NE(answer.status().message().find("TLS handshake with 127.0.0.1:" + std::to_string(*port) +
                                           " failed"),
            std::string::npos)
      << answer.status().message();
  EXPECT_NE(answer.status().message().find("use http://"), std::string::npos);
}

TEST_F(TlsTest, AMissingOrMismatchedKeyIsAStartError) {
  HttpServer::Options missing;
  missing.tls_cert_file = certs_.server_cert;
  missing.tls_key_file = (dir_ / "no-such.key").string();
  auto started = HttpServer(missing).Start();
  ASSERT_FALSE(started.ok());
  EXPECT_EQ(started.status().message(), "cannot read TLS file '" + missing.tls_key_file + "'");

  HttpServer::Options mismatched;
  mismatched.tls_cert_file = certs_.server_cert;
  mismatched.tls_key_file = (dir_ / "ca.key").string();  // a key, but not the certificate's
  started = HttpServer(mismatched).Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("cannot load the TLS certificate"), std::string::npos)
      << started.status().message();

  HttpServer::Options half;
  half.tls_cert_file = certs_.server_cert;
  started = HttpServer(half).Start();
  ASSERT_FALSE(started.ok());
  EXPECT_NE(started.status().message().find("needs both"), std::string::npos);
}

}  // namespace
}  // namespace shoal::transport
