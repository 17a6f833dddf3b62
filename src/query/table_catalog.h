// TableCatalog: the logical tables of the warehouse (models/table.h), kept in a SQLite file
// `<orchestrator data dir>/catalog.db` beside the job store, so tables survive an orchestrator
// restart like jobs do. Each table is one row: its name and its definition as the models JSON
// codec writes it.
//
// Names are compared without regard to case (SQL identifiers are), so `Transactions` and
// `transactions` are one table; the catalog keeps the spelling it was created with.
//
// Thread-safety: every method is safe to call concurrently; one mutex serializes them (the
// catalog is small and its calls are rare next to the job store's).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "common/status.h"
#include "models/table.h"

struct sqlite3;

namespace shoal::query {

using models::RegionLocation;
using models::RegionStats;
using models::TableColumn;
using models::TableDefinition;

class TableCatalog {
 public:
  // Opens (creating when needed) `data_dir`/catalog.db in WAL mode. Errors name the file.
  static Result<std::unique_ptr<TableCatalog>> Open(const std::string& data_dir);
  ~TableCatalog();
  TableCatalog(const TableCatalog&) = delete;
  TableCatalog& operator=(const TableCatalog&) = delete;

  // Stores a new table (validated; create and modify times set to now) and returns it as
  // stored. kAlreadyExists when a table of that name (in any case) exists.
  Result<TableDefinition> Create(TableDefinition table);
  // kNotFound naming the table when there is none.
  Status Drop(const std::string& name);
  // Every table, by name.
  Result<std::vector<TableDefinition>> List();
  // kNotFound naming the table when there is none.
  Result<TableDefinition> Get(const std::string& name);
  // Replaces the stored table of `table.name` with `table` (the columns and region stats an
  // inspection found), modify time set to now, and returns it as stored. kNotFound when the
  // table is gone; kFailedPrecondition when it was dropped and created again since `table` was
  // read (the create times differ), so an inspection of the old table never lands on the new.
  Result<TableDefinition> Update(TableDefinition table);

  const std::string& path() const { return path_; }

 private:
  TableCatalog(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  Result<TableDefinition> GetLocked(const std::string& name);

  sqlite3* const db_;
  const std::string path_;
  std::mutex mu_;  // serializes every use of db_
};

}  // namespace shoal::query
