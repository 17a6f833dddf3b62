// Waiting for Ctrl-C (SIGINT) or SIGTERM in long-running commands (serve, devstack) and in
// commands that wait for the orchestrator (`shoal query` cancels its query on Ctrl-C).
//
// Thread-safety: call BlockStopSignals() on the main thread before starting any thread, so every
// thread inherits the blocked mask and the signal is delivered only to WaitForStopSignal().
#pragma once

#include <chrono>

namespace shoal::cli {

void BlockStopSignals();
// Waits up to `timeout` for one of the blocked stop signals; true when one came.
bool StopSignalWithin(std::chrono::milliseconds timeout);
// Returns the signal number received.
int WaitForStopSignal();

}  // namespace shoal::cli
