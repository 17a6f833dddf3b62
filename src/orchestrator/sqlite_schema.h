// The job store's on-disk schema, as the list of migrations that build it: the SQLite file
// format of the orchestrator's state. Only sqlite_job_store.h includes it.
//
// Thread-safety: constants.
#pragma once

#include <cstdint>
#include <iterator>

namespace shoal::orchestrator::internal {

// migrations[i] upgrades a database from schema version i to i + 1 (PRAGMA user_version; a new
// file is version 0). Append to this list; never edit an entry that has shipped.
//
// `json` holds the whole object; the other columns are copies of its fields for indexes.
// `active` is !IsTerminal(state), computed by the models code rather than restated in SQL.
// Foreign keys: versions, executions and events belong to a stored job, so writing one for an
// unknown job fails with kNotFound instead of leaving an orphan.
inline constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE jobs (
  id TEXT PRIMARY KEY NOT NULL,
  namespace TEXT NOT NULL,
  name TEXT,  -- NULL for an unnamed job, so that unnamed jobs never collide
  state TEXT NOT NULL,
  active INTEGER NOT NULL,
  version INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  modify_time INTEGER NOT NULL,
  json TEXT NOT NULL,
  UNIQUE (namespace, name)
);
CREATE INDEX jobs_by_create_time ON jobs (create_time, id);
CREATE INDEX jobs_by_namespace_create_time ON jobs (namespace, create_time, id);
CREATE INDEX jobs_active ON jobs (create_time, id) WHERE active;

CREATE TABLE job_versions (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  version INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (job_id, version)
) WITHOUT ROWID;

CREATE TABLE executions (
  id TEXT PRIMARY KEY NOT NULL,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  node_id TEXT NOT NULL,
  compute_state TEXT NOT NULL,
  active INTEGER NOT NULL,
  create_time INTEGER NOT NULL,
  json TEXT NOT NULL
);
CREATE INDEX executions_by_job ON executions (job_id, create_time, id);
-- Only the scheduler's question "what is still running on this node?" asks by node.
CREATE INDEX executions_active_by_node ON executions (node_id, create_time, id) WHERE active;

CREATE TABLE events (
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  seq_num INTEGER NOT NULL,
  json TEXT NOT NULL,
  PRIMARY KEY (job_id, seq_num)
) WITHOUT ROWID;

CREATE TABLE nodes (
  id TEXT PRIMARY KEY NOT NULL,
  json TEXT NOT NULL
);
)sql",
    // Store tasks (models/store_task.h): commits and cleanups waiting for a node of the store's
    // region. A row lives until a node reports the task done; a job's tasks go with the job.
    R"sql(
CREATE TABLE store_tasks (
  id TEXT PRIMARY KEY NOT NULL,
  job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
  create_time INTEGER NOT NULL,
  json TEXT NOT NULL
);
)sql",
    // /metrics counts jobs by state at every scrape: over this index, not the rows' JSON.
    R"sql(
CREATE INDEX jobs_by_state ON jobs (state);
)sql",
    // The console lists jobs of one state newest first: the state's rows in order, no sort. It
    // serves the count by state too.
    R"sql(
CREATE INDEX jobs_by_state_create_time ON jobs (state, create_time, id);
DROP INDEX jobs_by_state;
)sql",
};
inline constexpr int64_t kSchemaVersion = std::size(kMigrations);

}  // namespace shoal::orchestrator::internal
