// LoopbackListener: a TCP socket listening on 127.0.0.1 (a free port) that never answers, for
// tests that prove a statement made no network connection: whatever connects completes the
// handshake in the kernel and waits in the backlog, where Contacted() finds it.
//
// Thread-safety: one thread at a time. Test-only; never contacts anything itself.
#pragma once

#include <string>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shoal::testing {

class LoopbackListener {
 public:
  LoopbackListener() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    socklen_t size = sizeof(address);
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        listen(fd_, 16) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      return;
    }
    port_ = ntohs(address.sin_port);
  }
  ~LoopbackListener() {
    if (fd_ >= 0) close(fd_);
  }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  bool ok() const { return port_ != 0; }
  // "127.0.0.1:PORT".
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

  // True when anything connected since the listener opened (waits up to `wait_ms` for it).
  bool Contacted(int wait_ms = 200) const {
    pollfd waiting{fd_, POLLIN, 0};
    return poll(&waiting, 1, wait_ms) > 0 && (waiting.revents & POLLIN) != 0;
  }

 private:
  int fd_ = -1;
  int port_ = 0;
};

}  // namespace shoal::testing
