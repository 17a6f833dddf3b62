// The enumerations of the cluster model: job types, job and execution states, node membership
// and connection, history event levels.
//
// Every enum has ToString (the spelling used in JSON, on the CLI and in Bacalhau's API) and a
// Parse function that accepts that spelling case-insensitively and otherwise returns an
// InvalidArgument Status listing the valid values. The execution states keep Bacalhau's full
// list so that Bacalhau-shaped JSON parses; Shoal itself moves executions through
// New -> Running -> Publishing -> Completed | Failed | Cancelled.
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace shoal::models {

enum class JobType { kBatch, kOps, kService, kDaemon };

enum class JobStateType { kUndefined, kPending, kQueued, kRunning, kCompleted, kFailed, kStopped };

// What the orchestrator wants an execution to be doing. Only the scheduler writes it.
enum class ExecutionDesiredState { kPending, kRunning, kStopped };

// What the compute node reports an execution is doing (observed state).
enum class ExecutionComputeState {
  kUndefined,
  kNew,
  kAskForBid,
  kAskForBidAccepted,
  kAskForBidRejected,
  kBidAccepted,
  kBidRejected,
  kRunning,
  kPublishing,
  kCompleted,
  kFailed,
  kCancelled,
};

enum class NodeMembership { kPending, kApproved, kRejected };

enum class NodeConnection { kConnected, kDisconnected };

enum class EventType { kJobLevel, kExecutionLevel };

// A state value with the human-readable reason it was entered, as Bacalhau's State[T].
template <typename T>
struct State {
  T state_type{};
  std::string message;

  bool operator==(const State&) const = default;
};

std::string_view ToString(JobType type);                 // "batch", "ops", ...
std::string_view ToString(JobStateType state);           // "Pending", "Completed", ...
std::string_view ToString(ExecutionDesiredState state);  // "Pending", "Running", "Stopped"
std::string_view ToString(ExecutionComputeState state);  // "New", "BidAccepted", ...
std::string_view ToString(NodeMembership membership);    // "PENDING", "APPROVED", "REJECTED"
std::string_view ToString(NodeConnection connection);    // "CONNECTED", "DISCONNECTED"
std::string_view ToString(EventType type);               // "JobLevel", "ExecutionLevel"

Result<JobType> ParseJobType(std::string_view text);
Result<JobStateType> ParseJobStateType(std::string_view text);
Result<ExecutionDesiredState> ParseExecutionDesiredState(std::string_view text);
Result<ExecutionComputeState> ParseExecutionComputeState(std::string_view text);
Result<NodeMembership> ParseNodeMembership(std::string_view text);
Result<NodeConnection> ParseNodeConnection(std::string_view text);
Result<EventType> ParseEventType(std::string_view text);

// Completed, Failed and Stopped: the job will not change state again (until a new version).
bool IsTerminal(JobStateType state);
// BidRejected, AskForBidRejected, Completed, Failed, Cancelled.
bool IsTerminal(ExecutionComputeState state);
// Terminal without a usable result: AskForBidRejected, BidRejected, Failed, Cancelled. A
// discarded execution frees its partition for a retry.
bool IsDiscarded(ExecutionComputeState state);

}  // namespace shoal::models
