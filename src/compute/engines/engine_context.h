// EngineContext: what an engine (compute/engines/job_engine.h) gets to run one execution, and
// the contract between the engines and ExecutionRunner.
//
// An engine writes what it prints to `out` (the execution's stdout) and notes to `err`; it
// returns OK when the task succeeded, or the Status whose message explains the failure (the
// runner writes that message to stderr and into RunOutput). It polls or registers with
// `control`, so a cancel or timeout stops it. Engines write only inside the sandbox's folders
// and result_dir. It fills what it can measure of `stats`.
//
// Thread-safety: one context per execution, used by the thread running it.
#pragma once

#include <ostream>

#include "compute/execution_env.h"
#include "compute/node_config.h"
#include "compute/run_control.h"
#include "compute/sandbox.h"
#include "engine/partition.h"
#include "models/execution.h"
#include "models/job.h"

namespace shoal::compute {

struct EngineContext {
  const models::Job& job;
  const models::Execution& execution;
  // The partition it computes (ExecutionPartition: the index, and Count, 0 for ops jobs).
  engine::Partition partition;
  const NodeConfig& config;
  const Sandbox& sandbox;
  const Environment& env;
  std::ostream& out;
  std::ostream& err;
  RunControl& control;
  // What the engine measured of its run (rows and bytes read, result rows); the runner adds
  // the rest.
  models::ExecutionStats& stats;
};

}  // namespace shoal::compute
