#include "engine/s3_fetch_pool.h"

#include <latch>

namespace shoal::engine {

S3FetchPool::~S3FetchPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  ready_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void S3FetchPool::Work() {
  while (true) {
    std::function<void()> task;
    {
      std::unique_lock<std::mutex> lock(mu_);
      ready_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (queue_.empty()) return;  // stopping, and nothing left to do
      task = std::move(queue_.front());
      queue_.pop_front();
    }
    task();
  }
}

void S3FetchPool::Run(const std::vector<std::function<void()>>& tasks) {
  if (tasks.empty()) return;
  std::latch done(static_cast<std::ptrdiff_t>(tasks.size() - 1));
  {
    std::lock_guard<std::mutex> lock(mu_);
    while (threads_.size() < size_) threads_.emplace_back([this] { Work(); });
    for (size_t i = 1; i < tasks.size(); ++i) {
      queue_.emplace_back([&tasks, &done, i] {
        tasks[i]();
        done.count_down();
      });
    }
  }
  ready_.notify_all();
  tasks[0]();
  done.wait();
}

}  // namespace shoal::engine
