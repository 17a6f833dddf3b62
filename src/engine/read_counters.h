// What a Session's file systems read, for per-execution statistics: the bytes read from files
// (the sandbox's folders, folder stores) and the distinct files opened for reading (there and in
// S3 stores, whose bytes S3TransferStats counts). DuckDB's own TOTAL_BYTES_READ is no use here:
// in 1.4.4 it counts a Parquet file's metadata only (22 KB of a 183 MB file read whole).
//
// CountingLocalFileSystem is the local file system a SandboxFileSystem opens real paths with: it
// counts every byte read through the handles it opened, except under `uncounted_directory`
// (DuckDB's spill files, which are not data the query scanned).
//
// Thread-safety: DuckDB's threads update the counters concurrently; reads may race updates.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "duckdb.hpp"
#include "duckdb/common/local_file_system.hpp"

namespace shoal::engine {

class ReadCounters {
 public:
  void AddBytes(uint64_t bytes) { bytes_.fetch_add(bytes, std::memory_order_relaxed); }
  void NoteFileOpened(const std::string& path) {
    std::lock_guard lock(mu_);
    files_.insert(path);
  }
  uint64_t bytes() const { return bytes_.load(std::memory_order_relaxed); }
  int64_t files() const {
    std::lock_guard lock(mu_);
    return static_cast<int64_t>(files_.size());
  }

 private:
  std::atomic<uint64_t> bytes_{0};
  mutable std::mutex mu_;
  std::set<std::string> files_;  // guarded by mu_
};

class CountingLocalFileSystem : public duckdb::LocalFileSystem {
 public:
  // Null `counters`: counts nothing.
  CountingLocalFileSystem(std::shared_ptr<ReadCounters> counters, std::string uncounted_directory)
      : counters_(std::move(counters)), uncounted_(std::move(uncounted_directory)) {}

  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
            duckdb::idx_t location) override {
    duckdb::LocalFileSystem::Read(handle, buffer, nr_bytes, location);
    Count(handle, nr_bytes);
  }
  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override {
    const int64_t read = duckdb::LocalFileSystem::Read(handle, buffer, nr_bytes);
    Count(handle, read);
    return read;
  }
  std::string GetName() const override { return "ShoalCountingLocalFileSystem"; }

 private:
  void Count(const duckdb::FileHandle& handle, int64_t bytes) {
    if (!counters_ || bytes <= 0) return;
    if (!uncounted_.empty() && handle.path.rfind(uncounted_ + "/", 0) == 0) return;
    counters_->AddBytes(static_cast<uint64_t>(bytes));
  }

  std::shared_ptr<ReadCounters> counters_;
  std::string uncounted_;
};

}  // namespace shoal::engine
