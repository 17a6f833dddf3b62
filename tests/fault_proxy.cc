#include "fault_proxy.h"

#include <algorithm>
#include <cerrno>
#include <string_view>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shoal::testing {

namespace {

constexpr int kPollMs = 50;  // how soon a connection notices a change of mode or a stop

bool SendAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t sent = ::send(fd, data, size, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    data += sent;
    size -= static_cast<size_t>(sent);
  }
  return true;
}

int ConnectTo(const std::string& host, int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  return fd;
}

}  // namespace

struct FaultProxy::Connection {
  int client = -1;
  int target = -1;
  // Wakes both directions with an end of stream; the serving thread closes the descriptors.
  void Shutdown() const {
    ::shutdown(client, SHUT_RDWR);
    ::shutdown(target, SHUT_RDWR);
  }
};

FaultProxy::FaultProxy(int target_port, std::string target_host)
    : target_host_(std::move(target_host)), target_port_(target_port) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(addr);
  if (listen_fd_ < 0 || ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
      ::listen(listen_fd_, 128) != 0 ||
      ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
    return;
  }
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

FaultProxy::~FaultProxy() {
  stopping_ = true;
  if (acceptor_.joinable()) acceptor_.join();
  std::vector<std::thread> workers;
  {
    std::lock_guard lock(mu_);
    for (const auto& connection : live_) connection->Shutdown();
    workers.swap(workers_);
  }
  for (auto& worker : workers) worker.join();
  if (listen_fd_ >= 0) ::close(listen_fd_);
}

void FaultProxy::Cut() {
  cut_ = true;
  std::lock_guard lock(mu_);
  for (const auto& connection : live_) connection->Shutdown();
}

void FaultProxy::Restore() {
  upload_limit_ = -1;
  {
    std::lock_guard lock(mu_);
    hold_text_.clear();
  }
  holding_text_ = false;
  cut_ = false;
}

void FaultProxy::HoldRequestsContaining(std::string text) {
  std::lock_guard lock(mu_);
  hold_text_ = std::move(text);
  holding_text_ = !hold_text_.empty();
}

void FaultProxy::DropTheAnswerTo(std::string text) {
  std::lock_guard lock(mu_);
  drop_answer_text_ = std::move(text);
}

void FaultProxy::StallUploadsAfter(int64_t bytes) { upload_limit_ = bytes; }

void FaultProxy::AcceptLoop() {
  while (!stopping_) {
    pollfd listening{listen_fd_, POLLIN, 0};
    if (::poll(&listening, 1, kPollMs) <= 0) continue;
    int client = ::accept(listen_fd_, nullptr, nullptr);
    if (client < 0) continue;
    ++accepted_;
    int target = cut_ ? -1 : ConnectTo(target_host_, target_port_);
    if (target < 0) {
      ::close(client);  // cut off (or the target is down): the client sees the link drop
      continue;
    }
    int one = 1;
    ::setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    auto connection = std::make_shared<Connection>(Connection{client, target});
    std::lock_guard lock(mu_);
    live_.insert(connection);
    workers_.emplace_back([this, connection] { Serve(connection); });
  }
}

void FaultProxy::Serve(std::shared_ptr<Connection> connection) {
  char buffer[16384];
  int64_t forwarded_up = 0;  // client -> target
  bool stalled = false;
  bool held_text = false;    // holding a chunk with hold_text_: dropped, never forwarded
  bool drop_answer = false;  // its request was forwarded; the target's answer is dropped
  while (!stopping_ && !cut_) {
    if (held_text && !holding_text_) break;  // Restore(): the held request is lost
    const int64_t limit = upload_limit_.load();
    const bool hold = held_text || (limit >= 0 && forwarded_up >= limit);
    if (hold != stalled) {
      stalled = hold;
      stalled_ += hold ? 1 : -1;
    }
    pollfd fds[2] = {{connection->client, static_cast<short>(hold ? 0 : POLLIN), 0},
                     {connection->target, POLLIN, 0}};
    int ready = ::poll(fds, 2, kPollMs);
    if (ready < 0 && errno != EINTR) break;
    if (ready <= 0) continue;
    if (fds[0].revents & (POLLERR | POLLNVAL)) break;
    if (!hold && (fds[0].revents & (POLLIN | POLLHUP))) {
      size_t want = sizeof(buffer);
      if (limit >= 0) want = std::min<size_t>(want, static_cast<size_t>(limit - forwarded_up));
      ssize_t got = ::recv(connection->client, buffer, want, 0);
      if (got <= 0) break;
      if (holding_text_) {
        std::lock_guard lock(mu_);
        held_text = !hold_text_.empty() &&
                    std::string_view(buffer, static_cast<size_t>(got)).find(hold_text_) !=
                        std::string_view::npos;
        if (held_text) continue;
      }
      {
        std::lock_guard lock(mu_);
        if (!drop_answer_text_.empty() &&
            std::string_view(buffer, static_cast<size_t>(got)).find(drop_answer_text_) !=
                std::string_view::npos) {
          drop_answer = true;
          drop_answer_text_.clear();
        }
      }
      if (!SendAll(connection->target, buffer, static_cast<size_t>(got))) break;
      forwarded_up += got;
    }
    if (fds[1].revents & (POLLERR | POLLNVAL)) break;
    if (fds[1].revents & (POLLIN | POLLHUP)) {
      ssize_t got = ::recv(connection->target, buffer, sizeof(buffer), 0);
      if (drop_answer) break;
      if (got <= 0 || !SendAll(connection->client, buffer, static_cast<size_t>(got))) break;
    }
  }
  if (stalled) --stalled_;
  std::lock_guard lock(mu_);
  connection->Shutdown();
  ::close(connection->client);
  ::close(connection->target);
  live_.erase(connection);
}

}  // namespace shoal::testing
