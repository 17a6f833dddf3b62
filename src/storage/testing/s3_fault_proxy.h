// S3FaultProxy: a TCP proxy for tests that sits between a client and an HTTP server on loopback and
// breaks the first N requests on purpose: it resets the connection, answers with an HTTP error
// (500, 503, 429, 403) and closes, or stalls without answering. Later connections are forwarded
// byte for byte to the upstream port.
//
// The proxy sees every request: it reads each request's head (and body, by Content-Length) and
// adds "Connection: close" before forwarding, so a client's next request always comes on a new
// connection (Connection is not a signed header). Faults can be limited to requests whose request
// line contains a given text (e.g. "partNumber=2&"). FailNext() also cuts connections in flight.
//
// Thread-safety: all public methods may be called from any thread. Test-only code.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace shoal::storage::testing {

class S3FaultProxy {
 public:
  enum class Fault { kReset, kStatus500, kStatus503, kStatus429, kStatus403, kStall };

  explicit S3FaultProxy(int upstream_port) : upstream_port_(upstream_port) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(listen_fd_, 64) != 0) {
      return;
    }
    socklen_t len = sizeof(addr);
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }

  ~S3FaultProxy() {
    stop_ = true;
    ::shutdown(listen_fd_, SHUT_RDWR);
    if (accept_thread_.joinable()) accept_thread_.join();
    ::close(listen_fd_);
    CutForwarded();
    std::vector<std::thread> threads;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      threads.swap(threads_);
    }
    for (std::thread& t : threads) t.join();
  }
  S3FaultProxy(const S3FaultProxy&) = delete;
  S3FaultProxy& operator=(const S3FaultProxy&) = delete;

  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // The next `count` requests whose request line contains `match` get `fault`.
  void FailNext(int count, Fault fault, std::string match = "") {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      fault_ = fault;
      pending_faults_ = count;
      match_ = std::move(match);
    }
    CutForwarded();
  }

  // Requests seen, faulted or forwarded.
  int requests() const { return requests_.load(); }
  int faults_injected() const { return faults_injected_.load(); }
  // The most requests forwarded at the same time.
  int max_concurrent() const { return max_concurrent_.load(); }
  // "METHOD /path?query" of every request seen, in arrival order.
  std::vector<std::string> request_lines() {
    std::lock_guard<std::mutex> lock(mutex_);
    return request_lines_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      int fd = ::accept(listen_fd_, nullptr, nullptr);
      if (fd < 0) {
        if (stop_) return;
        continue;
      }
      std::lock_guard<std::mutex> lock(mutex_);
      threads_.emplace_back([this, fd] { Serve(fd); });
    }
  }

  void CutForwarded() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (int fd : forwarded_) ::shutdown(fd, SHUT_RDWR);
  }

  // Reads until the request head is complete and its body (by Content-Length) has arrived.
  bool ReadRequest(int fd, std::string* data) {
    char buffer[65536];
    size_t body_needed = std::string::npos;
    size_t head_end = std::string::npos;
    while (!stop_) {
      if (head_end != std::string::npos && data->size() >= head_end + body_needed) return true;
      pollfd p{fd, POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return false;
      data->append(buffer, static_cast<size_t>(n));
      if (head_end == std::string::npos) {
        size_t end = data->find("\r\n\r\n");
        if (end == std::string::npos) continue;
        head_end = end + 4;
        std::string head = data->substr(0, head_end);
        std::transform(head.begin(), head.end(), head.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        body_needed = 0;
        if (size_t cl = head.find("\r\ncontent-length:"); cl != std::string::npos) {
          body_needed = std::strtoull(head.c_str() + cl + 17, nullptr, 10);
        }
      }
    }
    return false;
  }

  static void SendAll(int fd, const std::string& data) {
    size_t sent = 0;
    while (sent < data.size()) {
      ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return;
      sent += static_cast<size_t>(n);
    }
  }

  static std::string ErrorResponse(int status, const char* reason, const char* code) {
    std::string body = std::string("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>") +
                       code + "</Code><Message>injected by S3FaultProxy</Message></Error>";
    return "HTTP/1.1 " + std::to_string(status) + " " + reason +
           "\r\nContent-Type: application/xml\r\nContent-Length: " + std::to_string(body.size()) +
           "\r\nConnection: close\r\n\r\n" + body;
  }

  void Serve(int client) {
    std::string request;
    if (!ReadRequest(client, &request)) {
      ::close(client);
      return;
    }
    ++requests_;
    std::string line = request.substr(0, request.find("\r\n"));
    line = line.substr(0, line.rfind(' '));  // drop " HTTP/1.1"
    bool inject = false;
    Fault fault = Fault::kReset;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      request_lines_.push_back(line);
      if (pending_faults_ > 0 && line.find(match_) != std::string::npos) {
        --pending_faults_;
        inject = true;
        fault = fault_;
      }
    }
    if (inject) {
      ++faults_injected_;
      Inject(client, fault);
      return;
    }
    size_t head_end = request.find("\r\n\r\n");
    request.insert(head_end + 2, "Connection: close\r\n");
    Forward(client, request);
  }

  void Inject(int client, Fault fault) {
    switch (fault) {
      case Fault::kReset: {
        linger hard{1, 0};  // close() sends RST
        ::setsockopt(client, SOL_SOCKET, SO_LINGER, &hard, sizeof(hard));
        break;
      }
      case Fault::kStatus500:
        SendAll(client, ErrorResponse(500, "Internal Server Error", "InternalError"));
        break;
      case Fault::kStatus503:
        SendAll(client, ErrorResponse(503, "Service Unavailable", "SlowDown"));
        break;
      case Fault::kStatus429:
        SendAll(client, ErrorResponse(429, "Too Many Requests", "TooManyRequests"));
        break;
      case Fault::kStatus403:
        SendAll(client, ErrorResponse(403, "Forbidden", "AccessDenied"));
        break;
      case Fault::kStall:
        // Say nothing until the client gives up (or the proxy stops).
        while (!stop_) {
          pollfd p{client, POLLIN, 0};
          if (::poll(&p, 1, 100) > 0) {
            char buffer[4096];
            if (::recv(client, buffer, sizeof(buffer), 0) <= 0) break;
          }
        }
        break;
    }
    ::close(client);
  }

  void Forward(int client, const std::string& first_bytes) {
    int upstream = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
    if (::connect(upstream, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
      ::close(upstream);
      ::close(client);
      return;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      forwarded_.insert(client);
      int now = static_cast<int>(forwarded_.size());
      if (now > max_concurrent_.load()) max_concurrent_ = now;
    }
    SendAll(upstream, first_bytes);
    char buffer[65536];
    pollfd fds[2] = {{client, POLLIN, 0}, {upstream, POLLIN, 0}};
    while (!stop_) {
      if (::poll(fds, 2, 100) <= 0) continue;
      bool done = false;
      for (int i = 0; i < 2 && !done; ++i) {
        if ((fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
        ssize_t n = ::recv(fds[i].fd, buffer, sizeof(buffer), 0);
        if (n <= 0) {
          done = true;
          break;
        }
        SendAll(fds[1 - i].fd, std::string(buffer, static_cast<size_t>(n)));
      }
      if (done) break;
    }
    {
      std::lock_guard<std::mutex> lock(mutex_);
      forwarded_.erase(client);
    }
    ::close(upstream);
    ::close(client);
  }

  int upstream_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> faults_injected_{0};
  std::atomic<int> max_concurrent_{0};
  std::mutex mutex_;
  Fault fault_ = Fault::kReset;
  int pending_faults_ = 0;
  std::string match_;
  std::vector<std::string> request_lines_;
  std::set<int> forwarded_;
  std::vector<std::thread> threads_;
  std::thread accept_thread_;
};

}  // namespace shoal::storage::testing
