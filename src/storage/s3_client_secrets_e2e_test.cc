// S3Client errors never carry a secret: what a server echoes back is scrubbed before a message
// shows it (an echo server on loopback answers with the request it got).
#include "storage/testing/s3_client_fixture.h"

namespace shoal::storage {
namespace {

using namespace testing;  // NOLINT: the fixture, its config and the test data helpers
using ::shoal::testing::S3rver;

// A server that answers every request with a 400 whose body echoes the request head, the way a
// broken proxy might: the signature and token it echoes must not reach the error message.
class EchoServer {
 public:
  EchoServer() {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr));
    ::listen(fd_, 8);
    socklen_t len = sizeof(addr);
    ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] {
      while (true) {
        int c = ::accept(fd_, nullptr, nullptr);
        if (c < 0) return;
        std::string head;
        char buf[4096];
        while (head.find("\r\n\r\n") == std::string::npos) {
          ssize_t n = ::recv(c, buf, sizeof(buf), 0);
          if (n <= 0) break;
          head.append(buf, static_cast<size_t>(n));
        }
        // The Authorization line first, then the rest, so the part of the body the client keeps
        // in its message holds the signature and (cut somewhere) the session token.
        std::string body;
        if (size_t at = head.find("Authorization:"); at != std::string::npos) {
          body = head.substr(at, head.find("\r\n", at) - at) + "\r\n";
        }
        body += head;
        std::string response =
            "HTTP/1.1 400 Bad Request\r\nContent-Length: " + std::to_string(body.size()) +
            "\r\nConnection: close\r\n\r\n" + body;
        ::send(c, response.data(), response.size(), MSG_NOSIGNAL);
        ::close(c);
      }
    });
  }
  ~EchoServer() {
    ::shutdown(fd_, SHUT_RDWR);
    ::close(fd_);
    thread_.join();
  }
  int port() const { return port_; }

 private:
  int fd_ = -1;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(S3ClientE2ETest, SecretsNeverAppearInErrorMessages) {
  const std::string secret = "SeCrEt-Do-Not-Leak-0123456789abcdef";
  const std::string token = "ToKeN-Do-Not-Leak-9876543210fedcba";
  std::regex signature_hex("Signature=[0-9a-f]{16,}");
  std::vector<std::string> messages;

  S3Config base = LoopbackConfig(server_->endpoint());
  base.credentials = {S3rver::kAccessKey, secret, token};
  base.retry.max_attempts = 2;
  messages.push_back(base.Describe());

  auto client = S3Client::Create(base);
  ASSERT_TRUE(client.ok());
  messages.push_back((*client)->GetObject("no-such-bucket", "k").status().message());
  messages.push_back((*client)->HeadObject(kBucket, "missing").status().message());
  messages.push_back((*client)->GetRange(kBucket, "missing", 0, 10).status().message());
  messages.push_back((*client)->ListObjectsV2("no-such-bucket", {}).status().message());
  messages.push_back((*client)->DeleteObjects("no-such-bucket", {"a", "b"}).message());
  messages.push_back((*client)->MultipartUpload("no-such-bucket", "k", "data").status().message());

  S3Config wrong_key = base;
  wrong_key.credentials.access_key_id = "WRONG";
  auto wrong_client = S3Client::Create(wrong_key);
  messages.push_back((*wrong_client)->GetObject(kBucket, "k").status().message());

  S3Config refused = base;
  refused.endpoint = "127.0.0.1:" + std::to_string(shoal::testing::FreePort());
  auto refused_client = S3Client::Create(refused);
  messages.push_back((*refused_client)->GetObject(kBucket, "k").status().message());

  EchoServer echo;
  S3Config echoed = base;
  echoed.endpoint = "127.0.0.1:" + std::to_string(echo.port());
  auto echo_client = S3Client::Create(echoed);
  std::string echo_message = (*echo_client)->GetObject(kBucket, "k").status().message();
  EXPECT_NE(echo_message.find("Signature=[redacted]"), std::string::npos) << echo_message;
  messages.push_back(echo_message);

  S3Config incomplete = base;
  incomplete.credentials.access_key_id = "";
  messages.push_back(S3Client::Create(incomplete).status().message());
  incomplete = base;
  incomplete.credentials.secret_access_key = "";
  messages.push_back(S3Client::Create(incomplete).status().message());

  for (const std::string& message : messages) {
    SCOPED_TRACE(message);
    EXPECT_FALSE(message.empty());
    // Not even a piece: a message cut short must not keep a secret's prefix either.
    for (const std::string& hidden : {secret, token}) {
      for (size_t i = 0; i + 8 <= hidden.size(); ++i) {
        EXPECT_EQ(message.find(hidden.substr(i, 8)), std::string::npos) << hidden.substr(i, 8);
      }
    }
    EXPECT_FALSE(std::regex_search(message, signature_hex));
  }
}

}  // namespace
}  // namespace shoal::storage
