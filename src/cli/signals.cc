#include "cli/signals.h"

#include <signal.h>

namespace shoal::cli {

namespace {

sigset_t StopSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  return set;
}

}  // namespace

void BlockStopSignals() {
  sigset_t set = StopSignals();
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
}

bool StopSignalWithin(std::chrono::milliseconds timeout) {
  sigset_t set = StopSignals();
  const auto ms = timeout.count();
  timespec wait{static_cast<time_t>(ms / 1000), static_cast<long>((ms % 1000) * 1000000)};
  return sigtimedwait(&set, nullptr, &wait) > 0;
}

int WaitForStopSignal() {
  sigset_t set = StopSignals();
  int signal = 0;
  sigwait(&set, &signal);
  return signal;
}

}  // namespace shoal::cli
