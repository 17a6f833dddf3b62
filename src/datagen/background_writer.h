// BackgroundWriter: passes buffers to a Sink on a second thread, so the generator formats the
// next buffer while the kernel copies the last one into the page cache. On a 2-core machine this
// keeps file output close to the disk's own speed.
//
// At most one write is in flight: Submit first waits for the previous one, so a caller that
// alternates between two buffers never touches a buffer that is still being written.
//
// Thread-safety: Submit and Wait are called by one thread (the owner); the sink's Write runs on
// the background thread, never at the same time as the owner's own calls into the sink, as long
// as the owner calls Wait before using the sink itself.
#pragma once

#include <condition_variable>
#include <mutex>
#include <string_view>
#include <thread>

#include "common/status.h"
#include "datagen/sink.h"

namespace shoal::datagen {

class BackgroundWriter {
 public:
  explicit BackgroundWriter(Sink& sink);
  // Waits for the write in flight, then stops the thread.
  ~BackgroundWriter();
  BackgroundWriter(const BackgroundWriter&) = delete;
  BackgroundWriter& operator=(const BackgroundWriter&) = delete;

  // Waits for the previous write, then starts writing `data` in the background. `data` must stay
  // valid and unchanged until the next Submit or Wait returns. Returns the first write error.
  Status Submit(std::string_view data);
  // Waits until nothing is being written; returns the first write error, if any.
  Status Wait();

 private:
  void Loop();

  Sink& sink_;
  std::mutex mutex_;
  std::condition_variable changed_;
  std::string_view pending_;  // guarded by mutex_
  bool has_pending_ = false;  // guarded by mutex_
  bool writing_ = false;      // guarded by mutex_
  bool stopping_ = false;     // guarded by mutex_
  Status status_;             // guarded by mutex_
  std::thread thread_;        // last: started once the state above exists
};

}  // namespace shoal::datagen
