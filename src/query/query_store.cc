#include "query/query_store.h"

#include <filesystem>

#include "orchestrator/sqlite_statement.h"

namespace shoal::query {

using orchestrator::internal::SqliteError;
using orchestrator::internal::SqliteStatement;

namespace {

Status Exec(sqlite3* db, const std::string& sql) {
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  sqlite3_free(error);
  return rc == SQLITE_OK ? Status::Ok() : SqliteError(db, rc, "executing '" + sql + "'");
}

}  // namespace

Result<std::unique_ptr<QueryStore>> QueryStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create data dir '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "queries.db").string();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  std::unique_ptr<QueryStore> store(new QueryStore(db));
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open query store " + path);
  sqlite3_busy_timeout(db, 5000);
  SHOAL_RETURN_IF_ERROR(Exec(db, "PRAGMA journal_mode = WAL"));
  SHOAL_RETURN_IF_ERROR(Exec(db, "PRAGMA synchronous = NORMAL"));
  SHOAL_RETURN_IF_ERROR(Exec(db,
                             "CREATE TABLE IF NOT EXISTS queries (id TEXT PRIMARY KEY, "
                             "create_time INTEGER NOT NULL, state TEXT NOT NULL, record TEXT NOT "
                             "NULL)"));
  return store;
}

QueryStore::~QueryStore() { sqlite3_close_v2(db_); }

Status QueryStore::Put(const models::Query& query) {
  std::lock_guard<std::mutex> lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(
      auto statement,
      SqliteStatement::Prepare(db_, "INSERT OR REPLACE INTO queries VALUES (?1, ?2, ?3, ?4)"));
  statement->BindText(1, query.id);
  statement->BindInt(2, query.create_time);
  statement->BindText(3, models::ToString(query.state));
  statement->BindText(4, models::ToJson(query).dump());
  return statement->Run();
}

Result<std::vector<models::Query>> QueryStore::Select(const std::string& sql,
                                                      const std::string& bind) {
  std::lock_guard<std::mutex> lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto statement, SqliteStatement::Prepare(db_, sql));
  if (!bind.empty()) statement->BindText(1, bind);
  std::vector<models::Query> queries;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(bool row, statement->Step());
    if (!row) break;
    auto json = nlohmann::json::parse(statement->ColumnText(0), nullptr, false);
    SHOAL_ASSIGN_OR_RETURN(auto query, models::QueryFromJson(json));
    queries.push_back(std::move(query));
  }
  return queries;
}

Result<models::Query> QueryStore::Get(const std::string& id) {
  SHOAL_ASSIGN_OR_RETURN(auto found, Select("SELECT record FROM queries WHERE id = ?1", id));
  if (found.empty()) return Status::NotFound("no query '" + id + "'");
  return found[0];
}

Result<std::vector<models::Query>> QueryStore::List(int64_t limit) {
  return Select("SELECT record FROM queries ORDER BY create_time DESC LIMIT " +
                    std::to_string(std::max<int64_t>(1, limit)),
                "");
}

Result<std::vector<models::Query>> QueryStore::ListRunning() {
  return Select("SELECT record FROM queries WHERE state = ?1", "Running");
}

}  // namespace shoal::query
