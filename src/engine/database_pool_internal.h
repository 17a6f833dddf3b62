// The engine's side of DatabasePool (database_pool.h): taking a started DuckDB and handing a
// used one back. Included only inside engine/ (it names DuckDB's types).
//
// Thread-safety: as DatabasePool.
#pragma once

#include <memory>
#include <thread>

#include "engine/database_pool.h"

namespace duckdb {
class DuckDB;
}  // namespace duckdb

namespace shoal::engine {

struct DatabasePool::Impl {
  explicit Impl(int spares);
  ~Impl();

  // A never-used in-memory DuckDB with the default configuration: a ready one, or one started
  // now when none is. Throws what DuckDB throws when it cannot start.
  std::unique_ptr<duckdb::DuckDB> Take();
  // Destroys `database` on the pool's thread (its connections must be closed).
  void Retire(std::unique_ptr<duckdb::DuckDB> database);
  Counts counts() const;

 private:
  struct State;
  void Work();

  std::unique_ptr<State> state_;
  std::thread thread_;  // after state_: started last, joined in ~Impl
};

}  // namespace shoal::engine
