// FaultProxy: a TCP proxy for chaos tests that stands between clients and one target (an
// orchestrator, an S3 server) on loopback and breaks the link on demand, the way a network does.
//
// It listens on a random loopback port and forwards every connection to the target, byte for
// byte, in both directions. Cut() closes every live connection and, until Restore(), closes each
// new one as soon as it is accepted: to the clients the target is unreachable (connection reset),
// as when a region's link goes down. StallUploadsAfter(n) lets each connection send only its
// first n bytes to the target and then holds the rest, so a client is provably stuck mid-request
// (an upload that hangs); Restore() lets the held bytes through. HoldRequestsContaining(text)
// holds, instead of forwarding, the first chunk a client sends that contains `text` (a report the
// target must not get yet); Restore() drops such connections without forwarding what they held,
// as a network that lost the request would.
//
// Thread-safety: every method may be called from any thread. Each connection is served by its
// own thread; the destructor closes everything and joins them.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace shoal::testing {

class FaultProxy {
 public:
  // Starts listening at once; ok() is false when that failed.
  explicit FaultProxy(int target_port, std::string target_host = "127.0.0.1");
  ~FaultProxy();
  FaultProxy(const FaultProxy&) = delete;
  FaultProxy& operator=(const FaultProxy&) = delete;

  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }

  // Closes every live connection; new ones are closed on accept until Restore().
  void Cut();
  // Forwards again: lifts Cut() and StallUploadsAfter().
  void Restore();
  // From now on each connection forwards at most `bytes` from the client to the target, then
  // holds the rest (the client blocks once the socket buffers fill).
  void StallUploadsAfter(int64_t bytes);
  // From now on a connection that sends a chunk containing `text` holds it and everything after.
  void HoldRequestsContaining(std::string text);
  // The next connection that sends a chunk containing `text` forwards it, and is closed when the
  // target starts answering, its answer dropped: the target did the work, the client never hears
  // (a server killed mid-answer). Once.
  void DropTheAnswerTo(std::string text);
  // Connections holding client bytes now because of StallUploadsAfter or HoldRequestsContaining.
  int stalled_connections() const { return stalled_.load(); }
  // Connections accepted so far (refused ones included).
  int64_t accepted() const { return accepted_.load(); }

 private:
  struct Connection;
  void AcceptLoop();
  void Serve(std::shared_ptr<Connection> connection);

  const std::string target_host_;
  const int target_port_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> cut_{false};
  std::atomic<int64_t> upload_limit_{-1};  // <0: none
  std::string hold_text_;                  // guarded by mu_; empty: none
  std::atomic<bool> holding_text_{false};  // hold_text_ is not empty
  std::string drop_answer_text_;           // guarded by mu_; empty: none
  std::atomic<int> stalled_{0};
  std::atomic<int64_t> accepted_{0};
  std::thread acceptor_;
  std::mutex mu_;
  std::set<std::shared_ptr<Connection>> live_;  // guarded by mu_
  std::vector<std::thread> workers_;            // guarded by mu_
};

}  // namespace shoal::testing
