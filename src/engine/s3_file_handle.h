// The DuckDB file handles of S3FileSystem (see s3_file_system.h): S3ReadHandle reads an object
// with ranged GETs through a read-ahead buffer; S3WriteHandle stages an object in a local file
// and uploads it on Close(). Only s3_file_system.cc creates them.
//
// Thread-safety: an S3ReadHandle may be read by several DuckDB threads at once (Parquet and JSON
// readers share one handle): its buffer is guarded by a mutex that is never held during a
// request. An S3WriteHandle is used by one thread at a time, as DuckDB's writers do.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "duckdb.hpp"

#include "engine/engine.h"
#include "engine/s3_fetch_pool.h"
#include "engine/s3_glob.h"
#include "engine/s3_reread_cache.h"
#include "storage/s3_client.h"

namespace shoal::engine {

// Reads of at least 2 * kS3ParallelGetSize are split into up to kS3MaxParallelGets concurrent
// ranged GETs.
inline constexpr size_t kS3ParallelGetSize = 4 << 20;
inline constexpr size_t kS3MaxParallelGets = 4;

// Throws the IOException DuckDB expects from a file system, with `message` as is.
[[noreturn]] void ThrowS3Error(const std::string& message);

class S3ReadHandle : public duckdb::FileHandle {
 public:
  // `reread` and `pool` belong to the file system and outlive the handle; either may be null.
  S3ReadHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
               std::shared_ptr<const storage::S3Client> client, S3Location location, uint64_t size,
               std::string etag, duckdb::timestamp_t last_modified,
               std::shared_ptr<S3TransferStats> stats, RereadCache* reread, S3FetchPool* pool);

  void Close() override {}

  // Reads up to `n` bytes at `offset` into `out`; fewer only where the object ends. A read that
  // misses the buffer fetches at least a small window (so tiny reads such as a Parquet footer's
  // do not each cost a request) and no more unless reads are sequential, when each refill
  // doubles the window; reads as large as the window go straight into `out`.
  size_t ReadAt(char* out, size_t n, uint64_t offset);

  const uint64_t size;
  const std::string etag;
  const duckdb::timestamp_t last_modified;
  std::atomic<uint64_t> position{0};  // for DuckDB's sequential Read()

 private:
  // Large reads as several ranged GETs at once: one connection's throughput is bounded by its
  // round trips and by one server thread, and DuckDB's readers ask for up to 32 MiB at a time.
  size_t FetchParallel(char* out, uint64_t offset, size_t n);
  // One ranged GET of exactly `n` bytes at `offset` (all inside the object).
  size_t Fetch(char* out, uint64_t offset, size_t n);

  const std::shared_ptr<const storage::S3Client> client_;
  const S3Location location_;
  const std::shared_ptr<S3TransferStats> stats_;
  RereadCache* const reread_;  // null: no re-reads
  const std::string reread_key_;
  S3FetchPool* const pool_;
  std::mutex mu_;
  std::string buffer_;  // object bytes [buffer_start_, buffer_start_ + size())
  uint64_t buffer_start_ = 0;
  uint64_t last_end_ = UINT64_MAX;  // where the previous read ended
  size_t readahead_;
};

// Collects an object's bytes in a local temporary file and uploads it on Close(): one PUT, or a
// multipart upload above the client's threshold. A handle destroyed without Close() uploads
// then (DuckDB's compressed writers never close the handle they wrap), unless an exception is
// unwinding: a write that failed uploads nothing.
class S3WriteHandle : public duckdb::FileHandle {
 public:
  S3WriteHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
                std::shared_ptr<const storage::S3Client> client, S3Location location,
                std::shared_ptr<S3TransferStats> stats);
  ~S3WriteHandle() override;

  void Close() override;
  void WriteAt(const char* data, size_t n, uint64_t offset);
  void TruncateTo(uint64_t new_size);

  uint64_t size = 0;
  uint64_t position = 0;

 private:
  void Discard();

  const std::shared_ptr<const storage::S3Client> client_;
  const S3Location location_;
  const std::shared_ptr<S3TransferStats> stats_;
  int fd_ = -1;
  std::string temp_path_;
  bool closed_ = false;
};

}  // namespace shoal::engine
