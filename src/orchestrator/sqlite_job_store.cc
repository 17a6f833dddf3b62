// The SQLite implementation of JobStore (job_store.h): one connection, every object stored as
// the models JSON codec writes it (so the store never drifts from the model), plus the few
// columns the queries filter and sort on, written from the same object in the same statement.
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

namespace shoal::orchestrator {
namespace {

using internal::kMigrations;
using internal::kSchemaVersion;
using internal::ScopedStatement;
using internal::SqliteError;
using internal::SqliteStatement;

constexpr int64_t kMaxPageSize = 1000;

// UPSERT rather than INSERT OR REPLACE: REPLACE would silently delete another job holding the
// same (namespace, name) instead of failing, and would cascade-delete this job's children.
constexpr std::string_view kUpsertJob = R"sql(
INSERT INTO jobs (id, namespace, name, state, active, version, create_time, modify_time, json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
ON CONFLICT (id) DO UPDATE SET
  namespace = excluded.namespace, name = excluded.name, state = excluded.state,
  active = excluded.active, version = excluded.version, create_time = excluded.create_time,
  modify_time = excluded.modify_time, json = excluded.json)sql";
constexpr std::string_view kUpsertJobVersion = R"sql(
INSERT INTO job_versions (job_id, version, json) VALUES (?1, ?2, ?3)
ON CONFLICT (job_id, version) DO UPDATE SET json = excluded.json)sql";
constexpr std::string_view kUpsertExecution = R"sql(
INSERT INTO executions (id, job_id, node_id, compute_state, active, create_time, json)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
ON CONFLICT (id) DO UPDATE SET
  job_id = excluded.job_id, node_id = excluded.node_id,
  compute_state = excluded.compute_state, active = excluded.active,
  create_time = excluded.create_time, json = excluded.json)sql";
constexpr std::string_view kUpsertNode = R"sql(
INSERT INTO nodes (id, json) VALUES (?1, ?2)
ON CONFLICT (id) DO UPDATE SET json = excluded.json)sql";
constexpr std::string_view kInsertEvent =
    "INSERT INTO events (job_id, seq_num, json) VALUES (?1, ?2, ?3)";
constexpr std::string_view kLastSeqNum =
    "SELECT COALESCE(MAX(seq_num), 0) FROM events WHERE job_id = ?1";
constexpr std::string_view kJobIdByName = "SELECT id FROM jobs WHERE namespace = ?1 AND name = ?2";

// Every SELECT that loads objects returns (json, label): the label names the row in the
// error when its JSON cannot be decoded.
constexpr std::string_view kGetJob = "SELECT json, id FROM jobs WHERE id = ?1";
constexpr std::string_view kFindJobByName =
    "SELECT json, id FROM jobs WHERE namespace = ?1 AND name = ?2";
// A range on the primary key rather than LIKE/GLOB: no wildcard escaping, and it uses the index.
constexpr std::string_view kJobsInIdRange =
    "SELECT json, id FROM jobs WHERE id >= ?1 AND (?2 IS NULL OR id < ?2) ORDER BY id LIMIT ?3";
constexpr std::string_view kGetJobVersion =
    "SELECT json, job_id FROM job_versions WHERE job_id = ?1 AND version = ?2";
constexpr std::string_view kActiveJobs =
    "SELECT json, id FROM jobs WHERE active ORDER BY create_time, id";
constexpr std::string_view kGetExecution = "SELECT json, id FROM executions WHERE id = ?1";
constexpr std::string_view kExecutionsOfJob =
    "SELECT json, id FROM executions WHERE job_id = ?1 ORDER BY create_time, id";
constexpr std::string_view kActiveExecutionsOnNode =
    "SELECT json, id FROM executions WHERE node_id = ?1 AND active ORDER BY create_time, id";
constexpr std::string_view kJobsByState = "SELECT state, count(*) FROM jobs GROUP BY state";
constexpr std::string_view kActiveExecutionCounts =
    "SELECT node_id, compute_state, count(*) FROM executions WHERE active "
    "GROUP BY node_id, compute_state";
// What jobs (not query fragments: those the query records account for) read and uploaded.
constexpr std::string_view kJobTraffic = R"sql(
SELECT e.node_id, date(e.create_time / 1000000000, 'unixepoch') AS day, count(*),
       sum(coalesce(json_extract(e.json, '$.Stats.BytesRead'), 0)),
       sum(CASE WHEN e.compute_state = 'Completed'
                 AND json_extract(e.json, '$.Stats.PublishedTo') = 'orchestrator'
                THEN coalesce(json_extract(e.json, '$.Stats.PublishedBytes'), 0) ELSE 0 END)
FROM executions e JOIN jobs j ON j.id = e.job_id
WHERE e.create_time >= ?1 AND json_extract(j.json, '$.Labels."shoal-query"') IS NULL
GROUP BY e.node_id, day ORDER BY day, e.node_id)sql";
constexpr std::string_view kEventsOfJob =
    "SELECT json, job_id || ' event ' || seq_num FROM events WHERE job_id = ?1 AND seq_num > ?2 "
    "ORDER BY seq_num LIMIT ?3";
constexpr std::string_view kGetNode = "SELECT json, id FROM nodes WHERE id = ?1";
constexpr std::string_view kAllNodes = "SELECT json, id FROM nodes ORDER BY id";
constexpr std::string_view kDeleteNode = "DELETE FROM nodes WHERE id = ?1 RETURNING id";
constexpr std::string_view kInsertStoreTask =
    "INSERT OR IGNORE INTO store_tasks (id, job_id, create_time, json) VALUES (?1, ?2, ?3, ?4)";
constexpr std::string_view kDeleteStoreTask = "DELETE FROM store_tasks WHERE id = ?1";
constexpr std::string_view kAllStoreTasks =
    "SELECT json, id FROM store_tasks ORDER BY create_time, id";

const Status& StatusOf(const Status& status) { return status; }
template <typename T>
const Status& StatusOf(const Result<T>& result) {
  return result.status();
}

Status AlreadyExists(std::string message) {
  return {ErrorCode::kAlreadyExists, std::move(message)};
}

// Invalid UTF-8 in a user's string is replaced (U+FFFD) rather than thrown on.
std::string Dump(const nlohmann::json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

template <typename T>
using Decoder = Result<T> (*)(const nlohmann::json&);

// A stored row that does not decode means a damaged file or a codec bug, not bad user input.
template <typename T>
Result<T> Decode(std::string_view text, Decoder<T> decode, std::string_view kind,
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

// The smallest string greater than every string that starts with `prefix` (byte order, as
// SQLite's BINARY collation), or nullopt when there is none (empty or all 0xff).
std::optional<std::string> PrefixUpperBound(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xff) prefix.pop_back();
  if (prefix.empty()) return std::nullopt;
  prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

// The page cursor is the (create_time, id) of the last job returned, hex-encoded so clients
// treat it as opaque and can pass it in a URL unescaped. Unlike an offset, it neither skips nor
// repeats jobs when new ones are submitted between pages.
std::string EncodePageToken(int64_t create_time, std::string_view id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string plain = std::to_string(create_time) + ":" + std::string(id);
  std::string token;
  token.reserve(plain.size() * 2);
  for (unsigned char c : plain) {
    token += kHex[c >> 4];
    token += kHex[c & 0xf];
  }
  return token;
}

Result<std::pair<int64_t, std::string>> DecodePageToken(std::string_view token) {
  const Status invalid = Status::InvalidArgument("invalid next_token '" + std::string(token) +
                                                 "': pass the token of the previous page");
  if (token.size() % 2 != 0) return invalid;
  std::string plain;
  for (size_t i = 0; i < token.size(); i += 2) {
    unsigned value = 0;
    auto [end, ec] = std::from_chars(token.data() + i, token.data() + i + 2, value, 16);
    if (ec != std::errc() || end != token.data() + i + 2) return invalid;
    plain += static_cast<char>(value);
  }
  size_t colon = plain.find(':');
  if (colon == std::string::npos || colon + 1 == plain.size()) return invalid;
  int64_t create_time = 0;
  auto [end, ec] = std::from_chars(plain.data(), plain.data() + colon, create_time);
  if (ec != std::errc() || end != plain.data() + colon) return invalid;
  return std::make_pair(create_time, plain.substr(colon + 1));
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

Result<std::unique_ptr<SqliteJobStore>> SqliteJobStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  // NOMUTEX: SQLite's own per-connection mutex would only repeat what mu_ already does.
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  // The store owns the handle from here on, even when opening failed (it must still be closed).
  std::unique_ptr<SqliteJobStore> store(new SqliteJobStore(db, path));
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open job store " + path);
  std::lock_guard<std::recursive_mutex> lock(store->mu_);
  SHOAL_RETURN_IF_ERROR(store->Configure().WithContext("job store " + path));
  SHOAL_RETURN_IF_ERROR(store->Migrate().WithContext("job store " + path));
  return store;
}

Status SqliteJobStore::Configure() {
  SHOAL_RETURN_IF_ERROR(internal::ConfigureStore(db_));  // WAL, synchronous=NORMAL (see there)
  return Exec("PRAGMA foreign_keys = ON");
}

Status SqliteJobStore::Migrate() {
  return internal::MigrateStore(db_, kMigrations, kSchemaVersion);
}

Status SqliteJobStore::InTransaction(const std::function<Status()>& body) {
  const bool outermost = depth_ == 0;
  const std::string savepoint = "level" + std::to_string(depth_);
  if (outermost) {
    SHOAL_RETURN_IF_ERROR(Exec("BEGIN IMMEDIATE"));
  } else {
    SHOAL_RETURN_IF_ERROR(CheckTransactionAlive());
    SHOAL_RETURN_IF_ERROR(Exec("SAVEPOINT " + savepoint));
  }
  ++depth_;
  Status status;
  try {
    status = body();
  } catch (const std::exception& e) {
    status = Status::Internal(std::string("transaction body threw: ") + e.what());
  } catch (...) {
    status = Status::Internal("transaction body threw");
  }
  --depth_;
  if (status.ok()) {
    status = CheckTransactionAlive();
    if (status.ok()) status = Exec(outermost ? "COMMIT" : "RELEASE " + savepoint);
    if (status.ok()) return status;
  }
  RollBack(outermost, savepoint);
  return status;
}

void SqliteJobStore::RollBack(bool outermost, const std::string& savepoint) {
  if (sqlite3_get_autocommit(db_) != 0) return;  // SQLite already rolled everything back
  // Failures here leave nothing better to do than report the body's error; the savepoint or
  // transaction is gone either way once the connection closes.
  if (outermost) {
    (void)Exec("ROLLBACK");
  } else {
    (void)Exec("ROLLBACK TO " + savepoint);
    (void)Exec("RELEASE " + savepoint);
  }
}

Status SqliteJobStore::CheckTransactionAlive() {
  if (depth_ > 0 && sqlite3_get_autocommit(db_) != 0) {
    return Status::IoError("the transaction was rolled back by SQLite after an earlier error");
  }
  return Status::Ok();
}

Status SqliteJobStore::Exec(const std::string& sql) { return internal::ExecSql(db_, sql); }

Result<ScopedStatement> SqliteJobStore::Statement(std::string_view sql) {
  SHOAL_RETURN_IF_ERROR(CheckTransactionAlive());
  auto it = statements_.find(sql);
  if (it == statements_.end()) {
    SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteStatement> prepared,
                           SqliteStatement::Prepare(db_, sql));
    it = statements_.emplace(std::string(sql), std::move(prepared)).first;
  }
  return ScopedStatement(it->second.get());
}

Result<ScopedStatement> SqliteJobStore::Bound(std::string_view sql,
                                              const std::vector<Param>& params) {
  SHOAL_ASSIGN_OR_RETURN(ScopedStatement statement, Statement(sql));
  for (size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (const auto* text = std::get_if<std::string_view>(&params[i])) {
      statement->BindText(index, *text);
    } else if (const auto* number = std::get_if<int64_t>(&params[i])) {
      statement->BindInt(index, *number);
    } else {
      statement->BindNull(index);
    }
  }
  return statement;
}

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

Status SqliteJobStore::PutJob(const models::Job& job) {
  if (job.id.empty()) return Status::InvalidArgument("cannot store a job without an ID");
  return Locked([&] { return InTransaction([&] { return PutJobLocked(job); }); });
}

Status SqliteJobStore::PutJobLocked(const models::Job& job) {
  const std::string json = Dump(models::ToJson(job));
  bool name_taken = false;
  {
    SHOAL_ASSIGN_OR_RETURN(
        ScopedStatement upsert,
        Bound(kUpsertJob,
              {job.id, job.namespace_,
               job.name.empty() ? Param(std::nullopt) : Param(std::string_view(job.name)),
               models::ToString(job.state.state_type),
               int64_t{!models::IsTerminal(job.state.state_type)}, job.version, job.create_time,
               job.modify_time, json}));
    Status status = upsert->Run();
    // The primary key is handled by ON CONFLICT, so the only UNIQUE left is the name.
    if (!status.ok() && upsert->error_code() != SQLITE_CONSTRAINT_UNIQUE) return status;
    name_taken = !status.ok();
  }
  if (name_taken) {
    std::string owner = "another job";
    SHOAL_ASSIGN_OR_RETURN(ScopedStatement lookup, Bound(kJobIdByName, {job.namespace_, job.name}));
    SHOAL_ASSIGN_OR_RETURN(bool row, lookup->Step());
    if (row) owner = "job " + std::string(lookup->ColumnText(0));
    return AlreadyExists("a job named '" + job.name + "' already exists in namespace '" +
                         job.namespace_ + "' (" + owner + ")");
  }
  SHOAL_ASSIGN_OR_RETURN(ScopedStatement version,
                         Bound(kUpsertJobVersion, {job.id, job.version, json}));
  return version->Run();
}

Result<std::optional<models::Job>> SqliteJobStore::FindJobByName(const std::string& namespace_,
                                                                 const std::string& name) {
  return Locked([&]() -> Result<std::optional<models::Job>> {
    SHOAL_ASSIGN_OR_RETURN(std::vector<models::Job> jobs,
                           Query<models::Job>(kFindJobByName, {namespace_, name}));
    if (jobs.empty()) return std::optional<models::Job>();
    return std::optional<models::Job>(std::move(jobs.front()));
  });
}

Result<std::vector<models::Job>> SqliteJobStore::FindJobsByIdPrefix(const std::string& prefix,
                                                                    int64_t limit) {
  if (limit <= 0) return Status::InvalidArgument("limit must be positive");
  return Locked([&] {
    std::optional<std::string> upper = PrefixUpperBound(prefix);
    return Query<models::Job>(
        kJobsInIdRange,
        {prefix, upper ? Param(std::string_view(*upper)) : Param(std::nullopt), limit});
  });
}

Result<JobPage> SqliteJobStore::ListJobs(const JobListOptions& options) {
  const int64_t limit = std::clamp<int64_t>(options.limit, 1, kMaxPageSize);
  std::optional<std::pair<int64_t, std::string>> cursor;
  if (!options.next_token.empty()) {
    SHOAL_ASSIGN_OR_RETURN(cursor, DecodePageToken(options.next_token));
  }
  // Rows after `cursor`, newest first, at most `rows`. One fixed text per filter set rather than
  // "(?1 = '' OR namespace = ?1)", which would keep SQLite from using the indexes.
  auto query = [&](int64_t rows) -> Result<std::vector<models::Job>> {
    std::string sql = "SELECT json, id FROM jobs WHERE 1";
    std::vector<Param> params;
    if (!options.namespace_.empty()) {
      params.emplace_back(options.namespace_);
      sql += " AND namespace = ?" + std::to_string(params.size());
    }
    if (!options.state.empty()) {
      params.emplace_back(options.state);
      sql += " AND state = ?" + std::to_string(params.size());
    }
    if (!options.name_contains.empty()) {
      params.emplace_back(options.name_contains);
      sql += " AND instr(name, ?" + std::to_string(params.size()) + ") > 0";
    }
    // Newest first by create time, or ascending IDs; reversed, the other way.
    const bool by_id = options.order == JobListOptions::Order::kId;
    const bool descending = by_id == options.reverse;
    if (cursor) {
      const char* after = descending ? " < " : " > ";
      params.emplace_back(cursor->second);
      if (by_id) {
        sql += " AND id" + std::string(after) + "?" + std::to_string(params.size());
      } else {
        params.emplace_back(cursor->first);
        sql += " AND (create_time, id)" + std::string(after) + "(?" +
               std::to_string(params.size()) + ", ?" + std::to_string(params.size() - 1) + ")";
      }
    }
    params.emplace_back(rows);
    const char* direction = descending ? " DESC" : " ASC";
    sql += by_id ? std::string(" ORDER BY id") + direction
                 : std::string(" ORDER BY create_time") + direction + ", id" + direction;
    sql += " LIMIT ?" + std::to_string(params.size());
    return Query<models::Job>(sql, params);
  };

  return Locked([&]() -> Result<JobPage> {
    // One job more than the page tells whether another page follows. With label selectors the
    // rows are read in chunks until that many match or none are left.
    std::vector<models::Job> jobs;
    while (static_cast<int64_t>(jobs.size()) <= limit) {
      const int64_t rows = options.labels.empty() ? limit + 1 : kMaxPageSize;
      SHOAL_ASSIGN_OR_RETURN(std::vector<models::Job> chunk, query(rows));
      for (models::Job& job : chunk) {
        cursor = std::make_pair(job.create_time, job.id);
        if (!models::MatchesAll(options.labels, job.labels)) continue;
        jobs.push_back(std::move(job));
        if (static_cast<int64_t>(jobs.size()) > limit) break;
      }
      if (static_cast<int64_t>(chunk.size()) < rows || options.labels.empty()) break;
    }
    JobPage page;
    if (static_cast<int64_t>(jobs.size()) > limit) {
      jobs.resize(limit);
      page.next_token = EncodePageToken(jobs.back().create_time, jobs.back().id);
    }
    page.items = std::move(jobs);
    return page;
  });
}

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

}  // namespace

Result<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  try {
    SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<SqliteJobStore> store, SqliteJobStore::Open(path));
    return std::unique_ptr<JobStore>(std::move(store));
  } catch (const std::exception& e) {
    return Status::Internal("job store " + path + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::Internal("job store " + path + ": unexpected exception");
  }
}

}  // namespace shoal::orchestrator
