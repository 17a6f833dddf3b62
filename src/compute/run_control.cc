#include "compute/run_control.h"

#include <algorithm>

namespace shoal::compute {

namespace {

constexpr std::chrono::milliseconds kInterruptRepeat{50};
// Longer timeouts are treated as this one, so the deadline cannot overflow the clock.
constexpr int64_t kMaxTimeoutSeconds = int64_t{100} * 365 * 24 * 3600;

}  // namespace

RunControl::RunControl(int64_t timeout_seconds)
    : timeout_seconds_(timeout_seconds),
      deadline_(std::chrono::steady_clock::now() +
                std::chrono::seconds(std::min(timeout_seconds, kMaxTimeoutSeconds))),
      watchdog_([this] { Watch(); }) {}

RunControl::~RunControl() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    finished_ = true;
    session_ = nullptr;
  }
  wake_.notify_all();
  watchdog_.join();
}

void RunControl::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!timed_out_) cancelled_ = true;
    stop_ = true;
  }
  wake_.notify_all();
}

Status RunControl::StopStatus() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (timed_out_) {
    return Status(ErrorCode::kDeadlineExceeded,
                  "execution timed out after " + std::to_string(timeout_seconds_) + " s");
  }
  if (cancelled_) return Status(ErrorCode::kCancelled, "execution was cancelled");
  return Status::Ok();
}

void RunControl::AttachSession(engine::Session* session) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    session_ = session;
  }
  wake_.notify_all();
}

void RunControl::DetachSession() {
  std::lock_guard<std::mutex> lock(mutex_);
  session_ = nullptr;
}

std::optional<engine::SessionStats> RunControl::AttachedSessionStats() const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (session_ == nullptr) return std::nullopt;
  return session_->Stats();
}

void RunControl::Watch() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!finished_) {
    if (stop_) {
      if (session_ != nullptr) session_->Interrupt();
      wake_.wait_for(lock, kInterruptRepeat);
    } else if (timeout_seconds_ > 0) {
      if (wake_.wait_until(lock, deadline_) == std::cv_status::timeout && !stop_) {
        timed_out_ = true;
        stop_ = true;
      }
    } else {
      wake_.wait(lock);
    }
  }
}

}  // namespace shoal::compute
