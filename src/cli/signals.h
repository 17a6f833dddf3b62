// Waiting for Ctrl-C (SIGINT) or SIGTERM in long-running commands (serve, devstack).
//
// Thread-safety: call BlockStopSignals() on the main thread before starting any thread, so every
// thread inherits the blocked mask and the signal is delivered only to WaitForStopSignal().
#pragma once

namespace shoal::cli {

void BlockStopSignals();
// Returns the signal number received.
int WaitForStopSignal();

}  // namespace shoal::cli
