// SqliteJobStore (sqlite_job_store.h): opening, migrations, transactions, statements, and jobs.
#include "orchestrator/sqlite_job_store.h"

#include <charconv>

namespace shoal::orchestrator {
namespace internal {
namespace {

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

}  // namespace

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

}  // namespace internal

Result<std::unique_ptr<JobStore>> JobStore::Open(const std::string& path) {
  try {
    SHOAL_ASSIGN_OR_RETURN(std::unique_ptr<internal::SqliteJobStore> store,
                           internal::SqliteJobStore::Open(path));
    return std::unique_ptr<JobStore>(std::move(store));
  } catch (const std::exception& e) {
    return Status::Internal("job store " + path + ": unexpected exception: " + e.what());
  } catch (...) {
    return Status::Internal("job store " + path + ": unexpected exception");
  }
}

}  // namespace shoal::orchestrator
