#include "models/states.h"

#include <array>
#include <utility>

#include "models/text.h"

namespace shoal::models {
namespace {

template <typename T, size_t N>
using NameTable = std::array<std::pair<T, std::string_view>, N>;

constexpr NameTable<JobType, 4> kJobTypes{{
    {JobType::kBatch, "batch"},
    {JobType::kOps, "ops"},
    {JobType::kService, "service"},
    {JobType::kDaemon, "daemon"},
}};

constexpr NameTable<JobStateType, 7> kJobStates{{
    {JobStateType::kUndefined, "Undefined"},
    {JobStateType::kPending, "Pending"},
    {JobStateType::kQueued, "Queued"},
    {JobStateType::kRunning, "Running"},
    {JobStateType::kCompleted, "Completed"},
    {JobStateType::kFailed, "Failed"},
    {JobStateType::kStopped, "Stopped"},
}};

constexpr NameTable<ExecutionDesiredState, 3> kDesiredStates{{
    {ExecutionDesiredState::kPending, "Pending"},
    {ExecutionDesiredState::kRunning, "Running"},
    {ExecutionDesiredState::kStopped, "Stopped"},
}};

constexpr NameTable<ExecutionComputeState, 12> kComputeStates{{
    {ExecutionComputeState::kUndefined, "Undefined"},
    {ExecutionComputeState::kNew, "New"},
    {ExecutionComputeState::kAskForBid, "AskForBid"},
    {ExecutionComputeState::kAskForBidAccepted, "AskForBidAccepted"},
    {ExecutionComputeState::kAskForBidRejected, "AskForBidRejected"},
    {ExecutionComputeState::kBidAccepted, "BidAccepted"},
    {ExecutionComputeState::kBidRejected, "BidRejected"},
    {ExecutionComputeState::kRunning, "Running"},
    {ExecutionComputeState::kPublishing, "Publishing"},
    {ExecutionComputeState::kCompleted, "Completed"},
    {ExecutionComputeState::kFailed, "Failed"},
    {ExecutionComputeState::kCancelled, "Cancelled"},
}};

constexpr NameTable<NodeMembership, 3> kMemberships{{
    {NodeMembership::kPending, "PENDING"},
    {NodeMembership::kApproved, "APPROVED"},
    {NodeMembership::kRejected, "REJECTED"},
}};

constexpr NameTable<NodeConnection, 2> kConnections{{
    {NodeConnection::kConnected, "CONNECTED"},
    {NodeConnection::kDisconnected, "DISCONNECTED"},
}};

constexpr NameTable<EventType, 2> kEventTypes{{
    {EventType::kJobLevel, "JobLevel"},
    {EventType::kExecutionLevel, "ExecutionLevel"},
}};

template <typename T, size_t N>
std::string_view NameOf(const NameTable<T, N>& table, T value) {
  for (const auto& [v, name] : table) {
    if (v == value) return name;
  }
  return "Unknown";
}

template <typename T, size_t N>
Result<T> ParseName(const NameTable<T, N>& table, std::string_view text, std::string_view what) {
  for (const auto& [v, name] : table) {
    if (EqualsIgnoreCase(name, text)) return v;
  }
  std::string valid;
  for (const auto& [v, name] : table) {
    if (!valid.empty()) valid += ", ";
    valid += name;
  }
  return Status::InvalidArgument("unknown " + std::string(what) + " '" + std::string(text) +
                                 "'; valid: " + valid);
}

}  // namespace

std::string_view ToString(JobType type) { return NameOf(kJobTypes, type); }
std::string_view ToString(JobStateType state) { return NameOf(kJobStates, state); }
std::string_view ToString(ExecutionDesiredState state) { return NameOf(kDesiredStates, state); }
std::string_view ToString(ExecutionComputeState state) { return NameOf(kComputeStates, state); }
std::string_view ToString(NodeMembership membership) { return NameOf(kMemberships, membership); }
std::string_view ToString(NodeConnection connection) { return NameOf(kConnections, connection); }
std::string_view ToString(EventType type) { return NameOf(kEventTypes, type); }

Result<JobType> ParseJobType(std::string_view text) {
  return ParseName(kJobTypes, text, "job type");
}
Result<JobStateType> ParseJobStateType(std::string_view text) {
  return ParseName(kJobStates, text, "job state");
}
Result<ExecutionDesiredState> ParseExecutionDesiredState(std::string_view text) {
  return ParseName(kDesiredStates, text, "execution desired state");
}
Result<ExecutionComputeState> ParseExecutionComputeState(std::string_view text) {
  return ParseName(kComputeStates, text, "execution state");
}
Result<NodeMembership> ParseNodeMembership(std::string_view text) {
  return ParseName(kMemberships, text, "node membership");
}
Result<NodeConnection> ParseNodeConnection(std::string_view text) {
  return ParseName(kConnections, text, "node connection state");
}
Result<EventType> ParseEventType(std::string_view text) {
  return ParseName(kEventTypes, text, "event type");
}

bool IsTerminal(JobStateType state) {
  return state == JobStateType::kCompleted || state == JobStateType::kFailed ||
         state == JobStateType::kStopped;
}

bool IsTerminal(ExecutionComputeState state) {
  return state == ExecutionComputeState::kCompleted || IsDiscarded(state);
}

bool IsDiscarded(ExecutionComputeState state) {
  switch (state) {
    case ExecutionComputeState::kAskForBidRejected:
    case ExecutionComputeState::kBidRejected:
    case ExecutionComputeState::kFailed:
    case ExecutionComputeState::kCancelled:
      return true;
    default:
      return false;
  }
}

}  // namespace shoal::models
