#include "datagen/background_writer.h"

namespace shoal::datagen {

BackgroundWriter::BackgroundWriter(Sink& sink) : sink_(sink), thread_([this] { Loop(); }) {}

BackgroundWriter::~BackgroundWriter() {
  {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return !has_pending_ && !writing_; });
    stopping_ = true;
  }
  changed_.notify_all();
  thread_.join();
}

Status BackgroundWriter::Submit(std::string_view data) {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !has_pending_ && !writing_; });
  if (!status_.ok()) return status_;
  pending_ = data;
  has_pending_ = true;
  lock.unlock();
  changed_.notify_all();
  return Status::Ok();
}

Status BackgroundWriter::Wait() {
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [this] { return !has_pending_ && !writing_; });
  return status_;
}

void BackgroundWriter::Loop() {
  std::unique_lock lock(mutex_);
  while (true) {
    changed_.wait(lock, [this] { return has_pending_ || stopping_; });
    if (!has_pending_) return;  // stopping, nothing left
    const std::string_view data = pending_;
    has_pending_ = false;
    writing_ = true;
    lock.unlock();
    Status written = sink_.Write(data);
    lock.lock();
    writing_ = false;
    if (status_.ok()) status_ = std::move(written);
    changed_.notify_all();
  }
}

}  // namespace shoal::datagen
