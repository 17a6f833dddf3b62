// RunControl: stops one execution, on request (Cancel) or when its timeout passes.
//
// A watchdog thread waits for the deadline or a cancel. Once stopped, it interrupts the attached
// engine session every 50 ms until the execution finishes: DuckDB forgets an interrupt when the
// next statement starts, so one interrupt between two statements would be lost. Engines that
// are not DuckDB sessions (the generator, input staging) poll stop_flag() instead.
//
// Thread-safety: every method may be called from any thread. The attached session must stay
// alive until DetachSession() returns.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "common/status.h"
#include "engine/engine.h"

namespace shoal::compute {

class RunControl {
 public:
  // `timeout_seconds` <= 0: no timeout.
  explicit RunControl(int64_t timeout_seconds);
  // Stops the watchdog.
  ~RunControl();
  RunControl(const RunControl&) = delete;
  RunControl& operator=(const RunControl&) = delete;

  void Cancel();
  bool stopped() const { return stop_.load(); }
  const std::atomic<bool>& stop_flag() const { return stop_; }
  // kDeadlineExceeded "execution timed out after 5 s", kCancelled "execution was cancelled", or
  // OK while not stopped.
  Status StopStatus() const;

  void AttachSession(engine::Session* session);
  void DetachSession();
  // What the attached session has read so far and its statement's progress (for heartbeats);
  // nullopt when no session is attached.
  std::optional<engine::SessionStats> AttachedSessionStats() const;

 private:
  void Watch();

  const int64_t timeout_seconds_;
  const std::chrono::steady_clock::time_point deadline_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  bool finished_ = false;               // guarded by mutex_
  bool cancelled_ = false;              // guarded by mutex_
  bool timed_out_ = false;              // guarded by mutex_
  engine::Session* session_ = nullptr;  // guarded by mutex_
  std::thread watchdog_;
};

}  // namespace shoal::compute
