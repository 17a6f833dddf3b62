// An S3 client told to use TLS against a server that speaks plain HTTP fails at once with a
// message saying so, instead of retrying a handshake that can never succeed.
#include <atomic>
#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "storage/s3_client.h"

namespace shoal::storage {
namespace {

// Accepts connections on a loopback port and answers anything with a plain HTTP 400, as an HTTP
// server does to a TLS ClientHello. Counts the connections.
class PlainHttpServer {
 public:
  PlainHttpServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), size) != 0 || ::listen(fd_, 16) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) != 0) {
      return;
    }
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        const int client = ::accept(fd_, nullptr, nullptr);
        if (client < 0) return;
        ++connections_;
        char buffer[4096];
        if (::recv(client, buffer, sizeof buffer, 0) > 0) {
          static constexpr char kAnswer[] =
              "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          (void)!::send(client, kAnswer, sizeof kAnswer - 1, MSG_NOSIGNAL);
        }
        ::close(client);
      }
    });
  }
  ~PlainHttpServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    if (thread_.joinable()) thread_.join();
  }
  int port() const { return port_; }
  int connections() const { return connections_.load(); }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
  std::atomic<int> connections_{0};
};

TEST(S3TlsMismatchTest, TlsAgainstPlainHttpFailsAtOnceSayingWhy) {
  PlainHttpServer server;
  ASSERT_GT(server.port(), 0);
  S3Config config;
  config.endpoint = "127.0.0.1:" + std::to_string(server.port());
  config.url_style = UrlStyle::kPath;
  config.use_ssl = true;
  config.credentials = {"id", "secret", ""};
  config.retry.max_attempts = 5;
  auto client = S3Client::Create(config);
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  auto got = (*client)->GetObject("bucket", "key");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(got.status().message().find("does not speak TLS"), std::string::npos)
      << got.status().message();
  EXPECT_EQ(server.connections(), 1);
}

}  // namespace
}  // namespace shoal::storage
