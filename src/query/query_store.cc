#include "query/query_store.h"

#include <filesystem>
#include <iterator>

#include "orchestrator/sqlite_statement.h"

namespace shoal::query {

using orchestrator::internal::ConfigureStore;
using orchestrator::internal::MigrateStore;
using orchestrator::internal::SqliteError;
using orchestrator::internal::SqliteStatement;

namespace {

// migrations[i] upgrades the file from schema version i to i + 1. Append; never edit an entry
// that has shipped. `record` holds the whole query (models codec); the other columns are copies
// for keys and filters.
constexpr const char* kMigrations[] = {
    "CREATE TABLE queries (id TEXT PRIMARY KEY NOT NULL, create_time INTEGER NOT NULL, "
    "state TEXT NOT NULL, record TEXT NOT NULL)",
    // The residency report reads the queries of its days.
    "CREATE INDEX queries_by_create_time ON queries (create_time)",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

}  // namespace

Result<std::unique_ptr<QueryStore>> QueryStore::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create data dir '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "queries.db").string();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  // The store owns the handle from here on, even when opening failed (it must be closed).
  std::unique_ptr<QueryStore> store(new QueryStore(db));
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open query store " + path);
  SHOAL_RETURN_IF_ERROR(ConfigureStore(db).WithContext("query store " + path));
  SHOAL_RETURN_IF_ERROR(
      MigrateStore(db, kMigrations, kSchemaVersion).WithContext("query store " + path));
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

Result<std::vector<models::Query>> QueryStore::ListCompletedSince(int64_t since_ns) {
  return Select("SELECT record FROM queries WHERE create_time >= " + std::to_string(since_ns) +
                    " AND state = ?1 ORDER BY create_time",
                "Completed");
}

Result<std::vector<models::Query>> QueryStore::ListRunning() {
  return Select("SELECT record FROM queries WHERE state = ?1", "Running");
}

}  // namespace shoal::query
