#include "orchestrator/scheduler.h"

#include <algorithm>
#include <set>

#include "models/selector.h"

namespace shoal::orchestrator {

namespace {

using models::ExecutionComputeState;
using models::JobStateType;

int64_t LoadOf(const PlanInput& input, const std::string& node_id) {
  auto it = input.node_load->find(node_id);
  return it == input.node_load->end() ? 0 : it->second;
}

bool HasRoom(const PlanInput& input, const models::Node& node) {
  return node.capacity.max_executions <= 0 || LoadOf(input, node.id) < node.capacity.max_executions;
}

std::string Describe(const models::Job& job) {
  std::string text;
  for (const auto& c : job.constraints) text += (text.empty() ? "" : ", ") + c.ToString();
  return text.empty() ? "no constraints" : text;
}

Plan PlanOps(const PlanInput& input, const std::vector<const models::Node*>& matching) {
  Plan plan;
  const auto& executions = *input.executions;
  const auto& job = *input.job;
  if (executions.empty()) {
    if (matching.empty()) {
      plan.new_state = JobStateType::kFailed;
      plan.state_message = "no node matches (" + Describe(job) + "); 0 of " +
                           std::to_string(input.nodes->size()) + " nodes match";
      return plan;
    }
    for (const auto* node : matching) plan.create.push_back({node->id, 0, 1, ""});
    plan.new_state = JobStateType::kRunning;
    plan.state_message = "running on " + std::to_string(matching.size()) + " node(s)";
    return plan;
  }
  bool all_done = true;
  std::string failure;
  for (const auto& e : executions) {
    if (!models::IsTerminal(e.compute_state.state_type)) all_done = false;
    if (models::IsDiscarded(e.compute_state.state_type) && failure.empty()) {
      failure = "execution on " + e.node_id + " failed: " +
                (e.run_output.error_message.empty() ? e.compute_state.message
                                                    : e.run_output.error_message);
    }
  }
  if (all_done) {
    plan.new_state = failure.empty() ? JobStateType::kCompleted : JobStateType::kFailed;
    plan.state_message = failure.empty() ? "all executions completed" : failure;
  }
  return plan;
}

}  // namespace

bool IsLive(const models::Execution& execution) {
  return !models::IsTerminal(execution.compute_state.state_type) &&
         execution.desired_state.state_type != models::ExecutionDesiredState::kStopped;
}

std::vector<const models::Node*> MatchingNodes(const models::Job& job,
                                               const std::vector<models::Node>& nodes) {
  std::vector<const models::Node*> matching;
  for (const auto& node : nodes) {
    if (node.Schedulable() && models::MatchesAll(job.constraints, node.labels) &&
        models::HasPlugins(node, job.task)) {
      matching.push_back(&node);
    }
  }
  return matching;
}

Plan PlanJob(const PlanInput& input) {
  const auto& job = *input.job;
  if (models::IsTerminal(job.state.state_type)) return {};
  auto matching = MatchingNodes(job, *input.nodes);
  if (job.type == models::JobType::kOps) return PlanOps(input, matching);

  Plan plan;
  const auto& executions = *input.executions;
  std::set<std::string> busy_nodes;      // hold a live execution of this job
  std::set<std::string> finished_nodes;  // hold a completed execution of this job
  for (const auto& e : executions) {
    if (IsLive(e)) busy_nodes.insert(e.node_id);
    if (e.compute_state.state_type == ExecutionComputeState::kCompleted) {
      finished_nodes.insert(e.node_id);
    }
  }

  struct Pending {
    int64_t partition;
    int64_t attempt;
    std::string previous;
    std::set<std::string> failed_on;
  };
  std::vector<Pending> pending;
  int64_t completed = 0;
  for (int64_t p = 0; p < job.count; ++p) {
    bool done = false, live = false;
    Pending next{p, 1, "", {}};
    const models::Execution* last_failed = nullptr;
    for (const auto& e : executions) {
      if (e.partition_index != p) continue;
      if (e.compute_state.state_type == ExecutionComputeState::kCompleted) done = true;
      if (IsLive(e)) live = true;
      if (models::IsDiscarded(e.compute_state.state_type)) {
        next.failed_on.insert(e.node_id);
        next.attempt = std::max(next.attempt, e.attempt + 1);
        if (last_failed == nullptr || e.attempt > last_failed->attempt) last_failed = &e;
      }
    }
    if (done) {
      ++completed;
      continue;
    }
    if (live) continue;
    // A failure that would recur on any node (the node says so) is not tried again.
    const bool recurs = last_failed != nullptr && !last_failed->run_output.retryable;
    if (last_failed != nullptr && (recurs || next.attempt > input.policy.max_attempts)) {
      plan.new_state = JobStateType::kFailed;
      std::string why = last_failed->run_output.error_message.empty()
                            ? last_failed->compute_state.message
                            : last_failed->run_output.error_message;
      const int64_t failures = next.attempt - 1;
      plan.state_message =
          recurs ? "partition " + std::to_string(p) +
                       " failed with an error no retry can fix (not retried): " + why
                 : "partition " + std::to_string(p) + " failed " + std::to_string(failures) +
                       (failures == 1 ? " time" : " times") + "; last error: " + why;
      for (const auto& e : executions) {
        if (IsLive(e)) plan.stop.push_back(e.id);
      }
      return plan;
    }
    if (last_failed != nullptr) next.previous = last_failed->id;
    pending.push_back(std::move(next));
  }

  if (completed == job.count) {
    plan.new_state = JobStateType::kCompleted;
    plan.state_message = "all " + std::to_string(job.count) + " partition(s) completed";
    return plan;
  }

  const bool first_placement = executions.empty();
  std::vector<const models::Node*> free;
  for (const auto* node : matching) {
    if (!busy_nodes.count(node->id) && HasRoom(input, *node)) free.push_back(node);
  }
  if (first_placement && static_cast<int64_t>(matching.size()) < job.count) {
    std::string message = "not enough nodes: the job needs " + std::to_string(job.count) +
                          " node(s) matching (" + Describe(job) + "); " +
                          std::to_string(matching.size()) + " of " +
                          std::to_string(input.nodes->size()) + " nodes match";
    if (job.task.timeouts.queue_timeout <= 0) {
      plan.new_state = JobStateType::kFailed;
      plan.state_message = message;
      return plan;
    }
    int64_t waited_s = models::SecondsSinceSubmission(job, input.now);
    if (waited_s >= job.task.timeouts.queue_timeout) {
      plan.new_state = JobStateType::kFailed;
      plan.state_message = message + " after waiting " + std::to_string(waited_s) + " s";
      return plan;
    }
    if (job.state.state_type != JobStateType::kQueued) {
      plan.new_state = JobStateType::kQueued;
      plan.state_message =
          message + "; waiting up to " + std::to_string(job.task.timeouts.queue_timeout) + " s";
    }
    return plan;
  }

  for (const auto& p : pending) {
    if (free.empty()) {
      plan.notes.push_back("partition " + std::to_string(p.partition) +
                           " waits for a free matching node");
      continue;
    }
    auto rank = [&](const models::Node* n) {
      return std::make_tuple(p.failed_on.count(n->id) > 0, finished_nodes.count(n->id) > 0,
                             LoadOf(input, n->id), n->id);
    };
    auto best = std::min_element(free.begin(), free.end(),
                                 [&](auto* a, auto* b) { return rank(a) < rank(b); });
    plan.create.push_back({(*best)->id, p.partition, p.attempt, p.previous});
    free.erase(best);
  }
  if (!plan.create.empty() && job.state.state_type != JobStateType::kRunning) {
    plan.new_state = JobStateType::kRunning;
    plan.state_message = "scheduled";
  }
  return plan;
}

}  // namespace shoal::orchestrator
