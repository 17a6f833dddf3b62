// SqliteJobStore (sqlite_job_store.h): executions, history events, nodes and store tasks.
#include "orchestrator/sqlite_job_store.h"

namespace shoal::orchestrator::internal {

Status SqliteJobStore::PutExecution(const models::Execution& execution) {
  if (execution.id.empty()) {
    return Status::InvalidArgument("cannot store an execution without an ID");
  }
  return Locked([&]() -> Status {
    const auto state = execution.compute_state.state_type;
    SHOAL_ASSIGN_OR_RETURN(
        ScopedStatement upsert,
        Bound(kUpsertExecution, {execution.id, execution.job_id, execution.node_id,
                                 models::ToString(state), int64_t{!models::IsTerminal(state)},
                                 execution.create_time, Dump(models::ToJson(execution))}));
    Status status = upsert->Run();
    if (!status.ok() && upsert->error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
      return Status::NotFound("job " + execution.job_id + " of execution " + execution.id +
                              " not found");
    }
    return status;
  });
}

Result<int64_t> SqliteJobStore::AppendEvent(const models::Event& event) {
  return Locked([&]() -> Result<int64_t> {
    int64_t seq_num = 0;
    // A transaction, although mu_ already serializes this process: it also keeps another
    // process from taking the same number between the read and the insert.
    SHOAL_RETURN_IF_ERROR(InTransaction([&]() -> Status {
      {
        SHOAL_ASSIGN_OR_RETURN(ScopedStatement last, Bound(kLastSeqNum, {event.job_id}));
        SHOAL_ASSIGN_OR_RETURN(bool row, last->Step());
        seq_num = (row ? last->ColumnInt(0) : 0) + 1;
      }
      models::Event stored = event;
      stored.seq_num = seq_num;
      SHOAL_ASSIGN_OR_RETURN(
          ScopedStatement insert,
          Bound(kInsertEvent, {event.job_id, seq_num, Dump(models::ToJson(stored))}));
      Status status = insert->Run();
      if (!status.ok() && insert->error_code() == SQLITE_CONSTRAINT_FOREIGNKEY) {
        return Status::NotFound("job " + event.job_id + " not found");
      }
      return status;
    }));
    return seq_num;
  });
}

Result<std::vector<models::Event>> SqliteJobStore::ListEvents(const std::string& job_id,
                                                              int64_t since_seq, int64_t limit) {
  if (limit <= 0) return Status::InvalidArgument("limit must be positive");
  return Locked([&] { return Query<models::Event>(kEventsOfJob, {job_id, since_seq, limit}); });
}

Status SqliteJobStore::PutNode(const models::Node& node) {
  if (node.id.empty()) return Status::InvalidArgument("cannot store a node without an ID");
  return Locked([&]() -> Status {
    SHOAL_ASSIGN_OR_RETURN(ScopedStatement upsert,
                           Bound(kUpsertNode, {node.id, Dump(models::ToJson(node))}));
    return upsert->Run();
  });
}

Status SqliteJobStore::PutStoreTask(const models::StoreTask& task) {
  if (task.id.empty()) return Status::InvalidArgument("cannot store a store task without an ID");
  return Locked([&]() -> Status {
    SHOAL_ASSIGN_OR_RETURN(ScopedStatement insert,
                           Bound(kInsertStoreTask, {task.id, task.job_id, task.create_time,
                                                    Dump(models::ToJson(task))}));
    Status status = insert->Run();
    // OR IGNORE takes care of the primary key, so the constraint that fails is the job's foreign
    // key (reported here without SQLite's extended code).
    if (!status.ok() && (insert->error_code() & 0xff) == SQLITE_CONSTRAINT) {
      return Status::NotFound("job " + task.job_id + " not found");
    }
    return status;
  });
}

}  // namespace shoal::orchestrator::internal
