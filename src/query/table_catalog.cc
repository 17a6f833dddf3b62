#include "query/table_catalog.h"

#include <filesystem>
#include <iterator>
#include <utility>

#include <nlohmann/json.hpp>
#include <sqlite3.h>

#include "orchestrator/orchestrator.h"
#include "orchestrator/sqlite_statement.h"

namespace shoal::query {

namespace {

using orchestrator::internal::SqliteError;
using orchestrator::internal::SqliteStatement;

// migrations[i] upgrades the file from schema version i to i + 1 (PRAGMA user_version). Append;
// never edit an entry that has shipped. `json` holds the whole definition (models codec);
// `name` is a copy for the key, compared without case as SQL identifiers are.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE tables (
  name TEXT PRIMARY KEY NOT NULL COLLATE NOCASE,
  create_time INTEGER NOT NULL,
  json TEXT NOT NULL
);
)sql",
};
constexpr int64_t kSchemaVersion = std::size(kMigrations);

constexpr std::string_view kGet = "SELECT json FROM tables WHERE name = ?1";
constexpr std::string_view kList = "SELECT json FROM tables ORDER BY name";
constexpr std::string_view kInsert =
    "INSERT INTO tables (name, create_time, json) VALUES (?1, ?2, ?3)";
constexpr std::string_view kUpdate = "UPDATE tables SET json = ?2 WHERE name = ?1";
constexpr std::string_view kDelete = "DELETE FROM tables WHERE name = ?1";

// Invalid UTF-8 is replaced rather than thrown on (validation refuses it before this anyway).
std::string Dump(const TableDefinition& table) {
  return models::ToJson(table).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Status NoSuchTable(const std::string& name) {
  return Status::NotFound("table '" + name + "' does not exist");
}

// A stored row that does not decode means a damaged file or a codec bug, not bad user input.
Result<TableDefinition> Decode(std::string_view text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded()) return Status::Internal("a stored table is not valid JSON");
  Result<TableDefinition> table = models::TableDefinitionFromJson(json);
  if (!table.ok()) {
    return Status::Internal("a stored table cannot be decoded: " + table.status().message());
  }
  return table;
}

}  // namespace

Result<std::unique_ptr<TableCatalog>> TableCatalog::Open(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  if (ec) return Status::IoError("cannot create data dir '" + data_dir + "': " + ec.message());
  const std::string path = (std::filesystem::path(data_dir) / "catalog.db").string();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(
      path.c_str(), &db,
      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE,
      nullptr);
  // The catalog owns the handle from here on, even when opening failed (it must be closed).
  std::unique_ptr<TableCatalog> catalog(new TableCatalog(db, path));
  if (rc != SQLITE_OK) return SqliteError(db, rc, "cannot open table catalog " + path);
  SHOAL_RETURN_IF_ERROR(
      orchestrator::internal::ConfigureStore(db).WithContext("table catalog " + path));
  SHOAL_RETURN_IF_ERROR(orchestrator::internal::MigrateStore(db, kMigrations, kSchemaVersion)
                            .WithContext("table catalog " + path));
  return catalog;
}

TableCatalog::~TableCatalog() { sqlite3_close_v2(db_); }

Result<TableDefinition> TableCatalog::GetLocked(const std::string& name) {
  SHOAL_ASSIGN_OR_RETURN(auto get, SqliteStatement::Prepare(db_, kGet));
  get->BindText(1, name);
  SHOAL_ASSIGN_OR_RETURN(bool row, get->Step());
  if (!row) return NoSuchTable(name);
  return Decode(get->ColumnText(0));
}

Result<TableDefinition> TableCatalog::Create(TableDefinition table) {
  SHOAL_RETURN_IF_ERROR(models::ValidateTableDefinition(table));
  std::lock_guard<std::mutex> lock(mu_);
  Result<TableDefinition> existing = GetLocked(table.name);
  if (existing.ok()) {
    return Status(ErrorCode::kAlreadyExists, "table '" + existing->name + "' already exists");
  }
  if (existing.status().code() != ErrorCode::kNotFound) return existing.status();
  table.create_time = table.modify_time = orchestrator::NowNanos();
  SHOAL_ASSIGN_OR_RETURN(auto insert, SqliteStatement::Prepare(db_, kInsert));
  insert->BindText(1, table.name);
  insert->BindInt(2, table.create_time);
  insert->BindText(3, Dump(table));
  Status inserted = insert->Run();
  if ((insert->error_code() & 0xff) == SQLITE_CONSTRAINT) {  // another process raced us
    return Status(ErrorCode::kAlreadyExists, "table '" + table.name + "' already exists");
  }
  SHOAL_RETURN_IF_ERROR(inserted.WithContext("table catalog " + path_));
  return table;
}

Status TableCatalog::Drop(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto remove, SqliteStatement::Prepare(db_, kDelete));
  remove->BindText(1, name);
  SHOAL_RETURN_IF_ERROR(remove->Run().WithContext("table catalog " + path_));
  if (sqlite3_changes(db_) == 0) return NoSuchTable(name);
  return Status::Ok();
}

Result<std::vector<TableDefinition>> TableCatalog::List() {
  std::lock_guard<std::mutex> lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(auto list, SqliteStatement::Prepare(db_, kList));
  std::vector<TableDefinition> tables;
  while (true) {
    SHOAL_ASSIGN_OR_RETURN(bool row, list->Step());
    if (!row) break;
    SHOAL_ASSIGN_OR_RETURN(TableDefinition table, Decode(list->ColumnText(0)));
    tables.push_back(std::move(table));
  }
  return tables;
}

Result<TableDefinition> TableCatalog::Get(const std::string& name) {
  std::lock_guard<std::mutex> lock(mu_);
  return GetLocked(name);
}

Result<TableDefinition> TableCatalog::Update(TableDefinition table) {
  SHOAL_RETURN_IF_ERROR(models::ValidateTableDefinition(table));
  std::lock_guard<std::mutex> lock(mu_);
  SHOAL_ASSIGN_OR_RETURN(TableDefinition stored, GetLocked(table.name));
  if (stored.create_time != table.create_time) {
    return Status::FailedPrecondition("table '" + stored.name +
                                      "' was dropped and created again meanwhile");
  }
  table.name = stored.name;  // the spelling it was created with
  table.modify_time = orchestrator::NowNanos();
  SHOAL_ASSIGN_OR_RETURN(auto update, SqliteStatement::Prepare(db_, kUpdate));
  update->BindText(1, table.name);
  update->BindText(2, Dump(table));
  SHOAL_RETURN_IF_ERROR(update->Run().WithContext("table catalog " + path_));
  return table;
}

}  // namespace shoal::query
