// The Orchestrator's administrative verbs (see orchestrator.h): a job's versions, re-running a
// job as a new version, and forgetting a node that has gone.
#include "orchestrator/orchestrator.h"

namespace shoal::orchestrator {

Result<std::vector<models::Job>> Orchestrator::JobVersions(const std::string& job_id) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(models::Job job, store_->GetJob(job_id));
  std::vector<models::Job> versions;
  for (int64_t version = 1; version < job.version; ++version) {
    SHOAL_ASSIGN_OR_RETURN(models::Job earlier, store_->GetJobVersion(job_id, version));
    versions.push_back(std::move(earlier));
  }
  versions.push_back(std::move(job));
  return versions;
}

Result<models::Job> Orchestrator::JobVersion(const std::string& job_id, int64_t version) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(models::Job job, store_->GetJob(job_id));
  if (version == job.version) return job;
  if (version < 1 || version > job.version) {
    return Status::NotFound("job " + job_id + " has no version " + std::to_string(version) +
                            " (its versions are 1 to " + std::to_string(job.version) + ")");
  }
  return store_->GetJobVersion(job_id, version);
}

Result<SubmitResult> Orchestrator::RerunJob(const std::string& job_id) {
  models::Job job;
  {
    std::lock_guard lock(mu_);
    SHOAL_ASSIGN_OR_RETURN(job, store_->GetJob(job_id));
  }
  // The stored job is found again by its name (every job has one) and becomes a new version.
  return SubmitJob(std::move(job), /*force=*/true, /*dry_run=*/false);
}

Status Orchestrator::DeleteNode(const std::string& node_id) {
  std::lock_guard lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(models::Node node, store_->GetNode(node_id));
  if (node.connection == models::NodeConnection::kConnected) {
    return Status::FailedPrecondition(
        "node " + node_id +
        " is connected: stop it first (a connected node registers again at its next heartbeat; "
        "reject it to keep it from taking work)");
  }
  SHOAL_RETURN_IF_ERROR(store_->DeleteNode(node_id));
  live_stats_.erase(node_id);
  NotifyChangedLocked();
  return Status::Ok();
}

}  // namespace shoal::orchestrator
