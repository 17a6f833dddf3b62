#include "engine/database_pool.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

#include "duckdb.hpp"

#include "engine/database_pool_internal.h"

namespace shoal::engine {

struct DatabasePool::Impl::State {
  std::mutex mu;
  std::condition_variable wake;
  bool stopping = false;
  const size_t spares;
  std::deque<std::unique_ptr<duckdb::DuckDB>> ready;     // guarded by mu
  std::vector<std::unique_ptr<duckdb::DuckDB>> retired;  // guarded by mu
  Counts counts;                                         // guarded by mu

  explicit State(size_t spares) : spares(spares) {}
};

DatabasePool::Impl::Impl(int spares)
    : state_(std::make_unique<State>(static_cast<size_t>(std::max(spares, 0)))),
      thread_(&Impl::Work, this) {}

DatabasePool::Impl::~Impl() {
  {
    std::lock_guard lock(state_->mu);
    state_->stopping = true;
  }
  state_->wake.notify_all();
  thread_.join();
  // What is left is destroyed here, retired instances first (their sessions are closed).
  state_->retired.clear();
  state_->ready.clear();
}

void DatabasePool::Impl::Work() {
  std::unique_lock lock(state_->mu);
  while (true) {
    state_->wake.wait(lock, [&] {
      return state_->stopping || !state_->retired.empty() || state_->ready.size() < state_->spares;
    });
    if (state_->stopping) return;
    // Destroying first frees what the finished sessions held before starting another.
    if (!state_->retired.empty()) {
      std::unique_ptr<duckdb::DuckDB> used = std::move(state_->retired.back());
      state_->retired.pop_back();
      lock.unlock();
      used.reset();
      lock.lock();
      continue;
    }
    lock.unlock();
    std::unique_ptr<duckdb::DuckDB> fresh;
    try {
      fresh = std::make_unique<duckdb::DuckDB>(nullptr);
    } catch (const std::exception&) {
      // Taking then starts one on the spot and reports the error where it belongs.
    }
    lock.lock();
    if (!fresh) {
      // Do not spin on a DuckDB that cannot start: wait for the next take or retire.
      state_->wake.wait(lock);
      continue;
    }
    state_->ready.push_back(std::move(fresh));
  }
}

std::unique_ptr<duckdb::DuckDB> DatabasePool::Impl::Take() {
  {
    std::lock_guard lock(state_->mu);
    if (!state_->ready.empty()) {
      std::unique_ptr<duckdb::DuckDB> database = std::move(state_->ready.front());
      state_->ready.pop_front();
      ++state_->counts.ready;
      state_->wake.notify_all();  // start the next one
      return database;
    }
    ++state_->counts.started;
  }
  return std::make_unique<duckdb::DuckDB>(nullptr);
}

void DatabasePool::Impl::Retire(std::unique_ptr<duckdb::DuckDB> database) {
  if (!database) return;
  {
    std::lock_guard lock(state_->mu);
    if (!state_->stopping) {
      state_->retired.push_back(std::move(database));
      state_->wake.notify_all();
      return;
    }
  }
  database.reset();  // the pool is stopping: destroyed here
}

DatabasePool::Counts DatabasePool::Impl::counts() const {
  std::lock_guard lock(state_->mu);
  Counts counts = state_->counts;
  counts.spare = static_cast<int64_t>(state_->ready.size());
  return counts;
}

DatabasePool::DatabasePool(int spares) : impl_(std::make_unique<Impl>(spares)) {}

DatabasePool::~DatabasePool() = default;

DatabasePool::Counts DatabasePool::counts() const { return impl_->counts(); }

}  // namespace shoal::engine
