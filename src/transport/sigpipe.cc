#include "transport/sigpipe.h"

#include <mutex>

#include <signal.h>

namespace shoal::transport {

void IgnoreSigpipe() {
  static std::once_flag once;
  std::call_once(once, [] { ::signal(SIGPIPE, SIG_IGN); });
}

}  // namespace shoal::transport
