// S3FetchPool: a few long-lived threads that fetch the parts of large S3 reads in parallel.
//
// Long-lived on purpose: the S3 client keeps one keep-alive connection per thread, so a thread
// made per read would open a new connection (and, over HTTPS, do a new TLS handshake) for every
// part. The threads start on first use, so sessions that never read S3 pay nothing.
//
// Thread-safety: Run() may be called from any number of threads at once; tasks must not call
// Run() themselves (they would wait on the threads they occupy).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace shoal::engine {

class S3FetchPool {
 public:
  explicit S3FetchPool(size_t threads) : size_(threads) {}
  ~S3FetchPool();
  S3FetchPool(const S3FetchPool&) = delete;
  S3FetchPool& operator=(const S3FetchPool&) = delete;

  // Runs tasks[1..] on the pool and tasks[0] on the calling thread, and returns when all are
  // done. Tasks report their own errors (they must not throw).
  void Run(const std::vector<std::function<void()>>& tasks);

 private:
  void Work();

  const size_t size_;
  std::mutex mu_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> queue_;
  std::vector<std::thread> threads_;  // started by the first Run()
  bool stopping_ = false;
};

}  // namespace shoal::engine
