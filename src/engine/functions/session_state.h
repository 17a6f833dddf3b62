// SessionState: what Shoal's DuckDB functions know about the Session they run in.
//
// One SessionState per Session, shared (through DuckDB's function_info) by every function
// registered in that Session's database. It carries the execution's partition, and counts the
// partition selections that came out empty so the Session can tell an empty partition from an
// empty or NULL file list that is a user's mistake.
//
// Thread-safety: `partition` is immutable after construction; the counter is atomic because
// DuckDB may bind and run functions on several threads.
#pragma once

#include <atomic>
#include <cstdint>

#include "engine/partition.h"

namespace shoal::engine {

struct SessionState {
  explicit SessionState(Partition p) : partition(p) {}
  const Partition partition;
  std::atomic<int64_t> empty_selections{0};
};

}  // namespace shoal::engine
