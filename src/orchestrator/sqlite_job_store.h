// SqliteJobStore: the SQLite implementation of JobStore (job_store.h), internal to the
// orchestrator: only sqlite_job_store*.cc include this header. One connection, every object
// stored as the models JSON codec writes it (so the store never drifts from the model), plus the
// few columns the queries filter and sort on, written from the same object in the same statement.
// sqlite_job_store.cc opens, migrates and runs transactions, and keeps jobs;
// sqlite_job_store_records.cc keeps executions, events, nodes and store tasks.
//
// Thread-safety: every method takes the store's recursive mutex; transactions nest.
#pragma once

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <exception>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "common/status.h"
#include "models/json_codec.h"
#include "models/states.h"
#include "orchestrator/job_store.h"
#include "orchestrator/sqlite_schema.h"
#include "orchestrator/sqlite_statement.h"

namespace shoal::orchestrator::internal {

inline constexpr int64_t kMaxPageSize = 1000;

// UPSERT rather than INSERT OR REPLACE: REPLACE would silently delete another job holding the
// same (namespace, name) instead of failing, and would cascade-delete this job's children.
inline constexpr std::string_view kUpsertJob = R"sql(
INSERT INTO jobs (id, namespace, name, state, active, version, create_time, modify_time, json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (id) DO UPDATE SET
  namespace = excluded.namespace, name = excluded.name, state = excluded.state,
  active = excluded.active, version = excluded.version, create_time = excluded.create_time,
  modify_time = excluded.modify_time, json = excluded.json)sql";
inline constexpr std::string_view kUpsertJobVersion = R"sql(
INSERT INTO job_versions (job_id, version, json) VALUES (?1, ?2, ?3)
ON CONFLICT (job_id, version) DO UPDATE SET json = excluded.json)sql";
inline constexpr std::string_view kUpsertExecution = R"sql(
INSERT INTO executions (id, job_id, node_id, compute_state, active, create_time, json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (id) DO UPDATE SET
  job_id = excluded.job_id, node_id = excluded.node_id,
  compute_state = excluded.compute_state, active = excluded.active,
  create_time = excluded.create_time, json = excluded.json)sql";
inline constexpr std::string_view kUpsertNode = R"sql(
INSERT INTO nodes (id, json) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET json = excluded.json)sql";
inline constexpr std::string_view kInsertEvent =
    "INSERT INTO events (job_id, seq_num, json) VALUES (?1, ?2, ?3)";
inline constexpr std::string_view kLastSeqNum =
    "SELECT COALESCE(MAX(seq_num), 0) FROM events WHERE job_id = ?1";
inline constexpr std::string_view kJobIdByName =
    "SELECT id FROM jobs WHERE namespace = ?1 AND name = ?2";

// Every SELECT that loads objects returns (json, label): the label names the row in the
// error when its JSON cannot be decoded.
inline constexpr std::string_view kGetJob = "SELECT json, id FROM jobs WHERE id = ?1";
inline constexpr std::string_view kFindJobByName =
    "SELECT json, id FROM jobs WHERE namespace = ?1 AND name = ?2";
// A range on the primary key rather than LIKE/GLOB: no wildcard escaping, and it uses the index.
inline constexpr std::string_view kJobsInIdRange =
    "SELECT json, id FROM jobs WHERE id >= ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id LIMIT ?3";
inline constexpr std::string_view kGetJobVersion =
    "SELECT json, job_id FROM job_versions WHERE job_id = ?1 AND version = ?2";
inline constexpr std::string_view kActiveJobs =
    "SELECT json, id FROM jobs WHERE active ORDER BY create_time, id";
inline constexpr std::string_view kGetExecution = "SELECT json, id FROM executions WHERE id = ?1";
inline constexpr std::string_view kExecutionsOfJob =
    "SELECT json, id FROM executions WHERE job_id = ?1 ORDER BY create_time, id";
inline constexpr std::string_view kActiveExecutionsOnNode =
    "SELECT json, id FROM executions WHERE node_id = ?1 AND active ORDER BY create_time, id";
inline constexpr std::string_view kJobsByState = "SELECT state, count(*) FROM jobs GROUP BY state";
inline constexpr std::string_view kActiveExecutionCounts =
    "SELECT node_id, compute_state, count(*) FROM executions WHERE active "
    "GROUP BY node_id, compute_state";
// What jobs (not query fragments: those the query records account for) read and uploaded.
inline constexpr std::string_view kJobTraffic = R"sql(
SELECT e.node_id, date(e.create_time / 1000000000, 'unixepoch') AS day, count(*),
       sum(coalesce(json_extract(e.json, '$.Stats.BytesRead'), 0)),
       sum(CASE WHEN e.compute_state = 'Completed'
                 AND json_extract(e.json, '$.Stats.PublishedTo') = 'orchestrator'
                THEN coalesce(json_extract(e.json, '$.Stats.PublishedBytes'), 0) ELSE 0 END)
FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.create_time >= ?1 AND json_extract(j.json, '$.Labels."shoal-query"') IS NULL
GROUP BY e.node_id, day ORDER BY day, e.node_id)sql";
inline constexpr std::string_view kEventsOfJob =
    "SELECT json, job_id || ' event ' || seq_num FROM events WHERE job_id = ?1 AND seq_num > ?2 "
    "ORDER BY seq_num LIMIT ?3";
inline constexpr std::string_view kGetNode = "SELECT json, id FROM nodes WHERE id = ?1";
inline constexpr std::string_view kAllNodes = "SELECT json, id FROM nodes ORDER BY id";
inline constexpr std::string_view kDeleteNode = "DELETE FROM nodes WHERE id = ?1 RETURNING id";
inline constexpr std::string_view kInsertStoreTask =
    "INSERT OR IGNORE INTO store_tasks (id, job_id, create_time, json) VALUES (?1, ?2, ?3, ?4)";
inline constexpr std::string_view kDeleteStoreTask = "DELETE FROM store_tasks WHERE id = ?1";
inline constexpr std::string_view kAllStoreTasks =
    "SELECT json, id FROM store_tasks ORDER BY create_time, id";

inline const Status& StatusOf(const Status& status) { return status; }
template <typename T>
inline const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

inline Status AlreadyExists(std::string message) {
  return {ErrorCode::kAlreadyExists, std::move(message)};
}

// Invalid UTF-8 in a user's string is replaced (U+FFFD) rather than thrown on.
inline std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <typename T>
using Decoder = Result<T> (*)(const nlohmann::json&);

// A stored row that does not decode means a damaged file or a codec bug, not bad user input.
template <typename T>
inline Result<T> Decode(std::string_view text, Decoder<T> decode, std::string_view kind,
                        std::string_view label) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) {
    return Status::Internal("stored " + std::string(kind) + " " + std::string(label) +
                            " is not valid JSON");
  }
  Result<T> value = decode(json);
  if (!value.ok()) {
    return Status::Internal("stored " + std::string(kind) + " " + std::string(label) +
                            " cannot be decoded: " + value.status().message());
  }
  return value;
}

class SqliteJobStore final : public JobStore {
 public:
  static Result<std::unique_ptr<SqliteJobStore>> Open(const std::string& path);

  ~SqliteJobStore() override {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    statements_.clear();  // finalized before the close, which would otherwise be deferred
    sqlite3_close_v2(db_);
  }
  SqliteJobStore(const SqliteJobStore&) = delete;
  SqliteJobStore& operator=(const SqliteJobStore&) = delete;

  Status Transaction(const std::function<Status(JobStore&)>& body) override {
    return Locked([&] { return InTransaction([&] { return body(*this); }); });
  }

  Status PutJob(const models::Job& job) override;
  Result<models::Job> GetJob(const std::string& id) override {
    return Locked([&] { return GetOne<models::Job>(kGetJob, {id}, "job " + id); });
  }
  Result<std::optional<models::Job>> FindJobByName(const std::string& namespace_,
                                                   const std::string& name) override;
  Result<std::vector<models::Job>> FindJobsByIdPrefix(const std::string& prefix,
                                                      int64_t limit) override;
  Result<models::Job> GetJobVersion(const std::string& id, int64_t version) override {
    return Locked([&] {
      return GetOne<models::Job>(kGetJobVersion, {id, version},
                                 "job " + id + " version " + std::to_string(version));
    });
  }
  Result<JobPage> ListJobs(const JobListOptions& options) override;
  Result<std::vector<models::Job>> ListActiveJobs() override {
    return Locked([&] { return Query<models::Job>(kActiveJobs, {}); });
  }

  Status PutExecution(const models::Execution& execution) override;
  Result<models::Execution> GetExecution(const std::string& id) override {
    return Locked(
        [&] { return GetOne<models::Execution>(kGetExecution, {id}, "execution " + id); });
  }
  Result<std::vector<models::Execution>> ListExecutions(const std::string& job_id) override {
    return Locked([&] { return Query<models::Execution>(kExecutionsOfJob, {job_id}); });
  }
  Result<std::vector<models::Execution>> ListActiveExecutionsOnNode(
      const std::string& node_id) override {
    return Locked([&] { return Query<models::Execution>(kActiveExecutionsOnNode, {node_id}); });
  }

  Result<int64_t> AppendEvent(const models::Event& event) override;
  Result<std::vector<models::Event>> ListEvents(const std::string& job_id, int64_t since_seq,
                                                int64_t limit) override;

  Status PutNode(const models::Node& node) override;
  Result<models::Node> GetNode(const std::string& id) override {
    return Locked([&] { return GetOne<models::Node>(kGetNode, {id}, "node " + id); });
  }
  Result<std::vector<models::Node>> ListNodes() override {
    return Locked([&] { return Query<models::Node>(kAllNodes, {}); });
  }

  Result<std::map<std::string, int64_t>> CountJobsByState() override {
    return Locked([&]() -> Result<std::map<std::string, int64_t>> {
      SHOAL_ASSIGN_OR_RETURN(ScopedStatement query, Bound(kJobsByState, {}));
      std::map<std::string, int64_t> counts;
      while (true) {
        SHOAL_ASSIGN_OR_RETURN(bool row, query->Step());
        if (!row) return counts;
        counts[std::string(query->ColumnText(0))] = query->ColumnInt(1);
      }
    });
  }
  Result<std::vector<JobTraffic>> SumJobTraffic(int64_t since_ns) override {
    return Locked([&]() -> Result<std::vector<JobTraffic>> {
      SHOAL_ASSIGN_OR_RETURN(ScopedStatement query, Bound(kJobTraffic, {since_ns}));
      std::vector<JobTraffic> sums;
      while (true) {
        SHOAL_ASSIGN_OR_RETURN(bool row, query->Step());
        if (!row) return sums;
        sums.push_back({std::string(query->ColumnText(0)), std::string(query->ColumnText(1)),
                        query->ColumnInt(2), query->ColumnInt(3), query->ColumnInt(4)});
      }
    });
  }
  Result<std::vector<ActiveExecutionCount>> CountActiveExecutions() override {
    return Locked([&]() -> Result<std::vector<ActiveExecutionCount>> {
      SHOAL_ASSIGN_OR_RETURN(ScopedStatement query, Bound(kActiveExecutionCounts, {}));
      std::vector<ActiveExecutionCount> counts;
      while (true) {
        SHOAL_ASSIGN_OR_RETURN(bool row, query->Step());
        if (!row) return counts;
        counts.push_back({std::string(query->ColumnText(0)), std::string(query->ColumnText(1)),
                          query->ColumnInt(2)});
      }
    });
  }

  Status DeleteNode(const std::string& id) override {
    return Locked([&]() -> Status {
      SHOAL_ASSIGN_OR_RETURN(ScopedStatement remove, Bound(kDeleteNode, {id}));
      SHOAL_ASSIGN_OR_RETURN(bool deleted, remove->Step());
      if (!deleted) return Status::NotFound("node " + id + " not found");
      return remove->Run();
    });
  }

  Status PutStoreTask(const models::StoreTask& task) override;
  Status DeleteStoreTask(const std::string& id) override {
    return Locked([&]() -> Status {
      SHOAL_ASSIGN_OR_RETURN(ScopedStatement remove, Bound(kDeleteStoreTask, {id}));
      return remove->Run();
    });
  }
  Result<std::vector<models::StoreTask>> ListStoreTasks() override {
    return Locked([&] { return Query<models::StoreTask>(kAllStoreTasks, {}); });
  }

 private:
  // A bound query parameter: text, integer or NULL.
  using Param = std::variant<std::string_view, int64_t, std::nullopt_t>;

  SqliteJobStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}

  Status Configure();
  Status Migrate();

  // Runs `f` holding the mutex and turns any exception into kInternal, so none escapes. Errors
  // of the file and its lock name the file, for the operator who has to fix them.
  template <typename F>
  auto Locked(F&& f) -> decltype(f()) {
    std::lock_guard<std::recursive_mutex> lock(mu_);
    // Calls nest (a Transaction body's calls); only the outermost adds the file name.
    struct Nesting {
      int& calls;
      explicit Nesting(int& c) : calls(++c) {}
      ~Nesting() { --calls; }
    } nesting(calls_);
    try {
      auto result = f();
      const Status& status = StatusOf(result);
      if (calls_ == 1 &&
          (status.code() == ErrorCode::kIoError || status.code() == ErrorCode::kUnavailable)) {
        return status.WithContext("job store " + path_);
      }
      return result;
    } catch (const std::exception& e) {
      return Status::Internal("job store " + path_ + ": unexpected exception: " + e.what());
    } catch (...) {
      return Status::Internal("job store " + path_ + ": unexpected exception");
    }
  }

  // Runs `body` atomically: the outermost level is BEGIN IMMEDIATE ... COMMIT (the write lock
  // is taken up front, so a busy database fails at BEGIN, not halfway through); a nested level
  // is a SAVEPOINT, so an inner failure undoes only the inner part and the outer body decides.
  // REQUIRES: mu_ held.
  Status InTransaction(const std::function<Status()>& body);
  // Undoes the innermost level after a failure; the status is the caller's to return.
  void RollBack(bool outermost, const std::string& savepoint);
  // An error when SQLite has already rolled back the enclosing transaction on its own (it does
  // for a full disk or an I/O error), so later writes would silently run in autocommit mode.
  Status CheckTransactionAlive();
  Status Exec(const std::string& sql);

  // A cached prepared statement, reset when the returned scope ends.
  Result<ScopedStatement> Statement(std::string_view sql);
  Result<ScopedStatement> Bound(std::string_view sql, const std::vector<Param>& params);
  template <typename T>
  Result<std::vector<T>> Query(std::string_view sql, const std::vector<Param>& params);
  template <typename T>
  Result<T> GetOne(std::string_view sql, const std::vector<Param>& params, const std::string& what);

  Status PutJobLocked(const models::Job& job);

  sqlite3* const db_;
  const std::string path_;

  // Serializes every call. Recursive because a Transaction body calls back into this object
  // on the same thread; another thread blocks until the whole transaction has ended.
  std::recursive_mutex mu_;
  int depth_ = 0;  // nesting level of InTransaction; guarded by mu_
  int calls_ = 0;  // nesting level of Locked; guarded by mu_
  std::map<std::string, std::unique_ptr<SqliteStatement>, std::less<>> statements_;  // mu_
};

// What each stored object decodes with, and what messages call it.
template <typename T>
struct RowTraits;
template <>
struct RowTraits<models::Job> {
  static constexpr Decoder<models::Job> kDecode = &models::JobFromJson;
  static constexpr std::string_view kKind = "job";
};
template <>
struct RowTraits<models::Execution> {
  static constexpr Decoder<models::Execution> kDecode = &models::ExecutionFromJson;
  static constexpr std::string_view kKind = "execution";
};
template <>
struct RowTraits<models::Event> {
  static constexpr Decoder<models::Event> kDecode = &models::EventFromJson;
  static constexpr std::string_view kKind = "event";
};
template <>
struct RowTraits<models::Node> {
  static constexpr Decoder<models::Node> kDecode = &models::NodeFromJson;
  static constexpr std::string_view kKind = "node";
};
template <>
struct RowTraits<models::StoreTask> {
  static constexpr Decoder<models::StoreTask> kDecode = &models::StoreTaskFromJson;
  static constexpr std::string_view kKind = "store task";
};

template <typename T>
Result<std::vector<T>> SqliteJobStore::Query(std::string_view sql,
                                             const std::vector<Param>& params) {
  SHOAL_ASSIGN_OR_RETURN(ScopedStatement statement, Bound(sql, params));
  std::vector<T> items;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    SHOAL_ASSIGN_OR_RETURN(T item, Decode<T>(statement->ColumnText(0), RowTraits<T>::kDecode,
                                             RowTraits<T>::kKind, statement->ColumnText(1)));
    items.push_back(std::move(item));
  }
  return items;
}

template <typename T>
Result<T> SqliteJobStore::GetOne(std::string_view sql, const std::vector<Param>& params,
                                 const std::string& what) {
  SHOAL_ASSIGN_OR_RETURN(std::vector<T> items, Query<T>(sql, params));
  if (items.empty()) return Status::NotFound(what + " not found");
  return std::move(items.front());
}

}  // namespace shoal::orchestrator::internal
