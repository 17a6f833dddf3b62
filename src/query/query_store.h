// QueryStore: the record of every `shoal query`, one JSON document per query in the SQLite file
// data_dir/queries.db (WAL), so queries survive an orchestrator restart as jobs do.
//
// Thread-safety: every method is safe to call concurrently (one mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <sqlite3.h>

#include "common/status.h"
#include "models/query.h"

namespace shoal::query {

class QueryStore {
 public:
  static Result<std::unique_ptr<QueryStore>> Open(const std::string& data_dir);
  ~QueryStore();

  // Inserts or replaces the record of `query.id`.
  Status Put(const models::Query& query);
  Result<models::Query> Get(const std::string& id);
  // Newest first.
  Result<std::vector<models::Query>> List(int64_t limit);
  // The queries created at or after `since_ns` (ns since the Unix epoch) that completed, oldest
  // first.
  Result<std::vector<models::Query>> ListCompletedSince(int64_t since_ns);
  // Every query still Running: after a restart, none of them is.
  Result<std::vector<models::Query>> ListRunning();

 private:
  explicit QueryStore(sqlite3* db) : db_(db) {}
  Result<std::vector<models::Query>> Select(const std::string& sql, const std::string& bind);

  std::mutex mu_;
  sqlite3* db_;
};

}  // namespace shoal::query
