// DatabasePool: DuckDB instances started ahead of time, so that a Session opens without waiting.
//
// Starting an in-memory DuckDB registers its built-in functions and extensions: about 10 ms of
// CPU, more than a small query's own work, and destroying it costs a few more. A pool starts
// up to `spares` instances on its own thread before they are needed. Session::Open with
// SessionOptions::pool takes a ready one (or starts its own when none is ready), and the
// session's end hands the instance back to be destroyed on the pool's thread, off the caller's
// path. An instance serves one session and is never reused: sessions are as isolated as
// without a pool. Only a fresh, default instance is made ahead; every setting, file system and
// function of a session is applied after it is taken, as before.
//
// Thread-safety: safe to share between threads. The destructor stops the thread and destroys
// what the pool still holds; sessions that took from it must be closed first.
#pragma once

#include <cstdint>
#include <memory>

namespace shoal::engine {

class DatabasePool {
 public:
  // `spares` ready instances at most (0: the pool only destroys retired ones).
  explicit DatabasePool(int spares);
  ~DatabasePool();
  DatabasePool(const DatabasePool&) = delete;
  DatabasePool& operator=(const DatabasePool&) = delete;

  struct Counts {
    int64_t ready = 0;    // sessions that got an instance started ahead
    int64_t started = 0;  // sessions that had to start their own (none was ready)
    int64_t spare = 0;    // instances ready now
  };
  Counts counts() const;

  // The engine's side (database_pool_internal.h).
  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace shoal::engine
