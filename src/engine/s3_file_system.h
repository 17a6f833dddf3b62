// S3FileSystem: DuckDB's file system for s3:// URLs, over Shoal's own S3 client (DuckDB's httpfs
// is not built into our DuckDB). Registered in each Session's database with RegisterSubSystem, it
// serves read_json_auto / read_csv / read_parquet, glob() and the partition_by_* functions, and
// COPY ... TO 's3://...'.
//
// - Configuration is read when a file is opened or a pattern globbed: the session's httpfs-style
//   settings (s3_endpoint, s3_region, s3_access_key_id, ...; see s3_settings.h) through DuckDB's
//   FileOpener, over the environment map the Session was given. One session may thus reach
//   several stores, and SET takes effect for the next statement.
// - Reads are ranged GETs. Reads smaller than the read-ahead window fill a per-handle buffer that
//   grows while reads are sequential; larger reads go straight into DuckDB's buffer, as parallel
//   GETs from a small pool of long-lived threads when large. Nothing is downloaded on open, so
//   Parquet fetches only the footer and the column chunks a query needs. The size comes from the
//   listing (glob) or from a HEAD. The first buffer of a file is kept for one re-read
//   (s3_reread_cache.h): DuckDB samples files for their schema, then scans them from the start.
// - Globs list the pattern's literal prefix with ListObjectsV2 and match keys per segment, `**`
//   across segments (s3_glob.h); results are full s3:// URLs, sorted.
// - Writes go to a local temporary file and are uploaded when the handle is closed: one PUT, or a
//   multipart upload above the multipart threshold.
// - Paths under `excluded_prefixes` (s3://bucket prefixes that the Session's sandbox maps onto
//   folders) are not ours: CanHandleFile refuses them whatever the registration order, so the
//   sandbox mapping wins for its buckets and every other bucket comes here.
// - Sandboxed (a locked Session), it reaches only the stores of `endpoint_aliases`: an endpoint
//   that names none (from the settings or the environment, AWS included) is refused with a
//   PermissionException naming what the session reaches; and it writes nothing (no object is
//   put, moved or deleted): an execution writes its own outputs, publishers write to stores.
//
// Failures are thrown as DuckDB IOExceptions (DuckDB's contract for file systems) whose message
// names the s3:// URL and S3's reason; the client already keeps secrets out of them, and the
// messages made here never include one.
//
// Thread-safety: DuckDB calls the file system from many threads at once. Its options are
// immutable after construction; the counters are atomic; the re-read cache and the fetch pool
// lock internally. The handles (s3_file_handle.h) say what they allow.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "duckdb.hpp"

#include "engine/engine.h"
#include "engine/read_counters.h"
#include "engine/s3_fetch_pool.h"
#include "engine/s3_glob.h"
#include "engine/s3_reread_cache.h"
#include "storage/s3_client.h"

namespace shoal::engine {

class S3FileSystem : public duckdb::FileSystem {
 public:
  struct Options {
    // Fallbacks for settings that are not set (see S3Access::environment in engine.h).
    std::map<std::string, std::string> environment;
    // Endpoint aliases (see S3Access::endpoint_aliases in engine.h).
    std::map<std::string, storage::S3Config> endpoint_aliases;
    // Only the aliases' stores, and read-only (see above).
    bool sandboxed = false;
    // Sandboxed: what the session reaches, for messages ("/inputs, ... and the S3 stores x").
    std::string reach;
    // s3://bucket[/prefix] paths served by another file system (the sandbox's folder stores).
    std::vector<std::string> excluded_prefixes;
    // Where traffic is counted; never null after construction.
    std::shared_ptr<S3TransferStats> stats;
    // Objects opened for reading are noted here too (per-execution statistics); may be null.
    std::shared_ptr<ReadCounters> read_counters;
    // Uploads above this size go multipart; 0 keeps the client's default (64 MiB).
    size_t multipart_threshold = 0;
    // Part size of multipart uploads; 0 keeps the client's default (8 MiB).
    size_t multipart_part_size = 0;
    // Memory for first buffers read again by the same query (schema detection, then the scan;
    // see s3_reread_cache.h); 0 disables it. DuckDB's JSON detection reads up to 32 MiB of each
    // of up to 32 files, so the default covers a dozen large files or many small ones.
    size_t reread_cache_bytes = 512u << 20;
  };

  explicit S3FileSystem(Options options);
  ~S3FileSystem() override;

  bool CanHandleFile(const std::string& path) override;
  std::string GetName() const override { return "ShoalS3FileSystem"; }

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(
      const std::string& path, duckdb::FileOpenFlags flags,
      duckdb::optional_ptr<duckdb::FileOpener> opener) override;

  void Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
            duckdb::idx_t location) override;
  int64_t Read(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  void Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes,
             duckdb::idx_t location) override;
  int64_t Write(duckdb::FileHandle& handle, void* buffer, int64_t nr_bytes) override;
  int64_t GetFileSize(duckdb::FileHandle& handle) override;
  duckdb::timestamp_t GetLastModifiedTime(duckdb::FileHandle& handle) override;
  std::string GetVersionTag(duckdb::FileHandle& handle) override;
  duckdb::FileType GetFileType(duckdb::FileHandle& handle) override;
  void Truncate(duckdb::FileHandle& handle, int64_t new_size) override;
  void FileSync(duckdb::FileHandle& handle) override;
  void Seek(duckdb::FileHandle& handle, duckdb::idx_t location) override;
  void Reset(duckdb::FileHandle& handle) override;
  duckdb::idx_t SeekPosition(duckdb::FileHandle& handle) override;
  bool CanSeek() override { return true; }
  bool OnDiskFile(duckdb::FileHandle&) override { return false; }

  bool FileExists(const std::string& path,
                  duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool IsPipe(const std::string&, duckdb::optional_ptr<duckdb::FileOpener>) override {
    return false;
  }
  // S3 has no directories: a "directory" exists when some key lies below it, creating one is a
  // no-op and removing one deletes every key below it.
  bool DirectoryExists(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void CreateDirectory(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void RemoveDirectory(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  void RemoveFile(const std::string& path,
                  duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool TryRemoveFile(const std::string& path,
                     duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  // Copies through a local file, then deletes the source (S3 has no rename).
  void MoveFile(const std::string& source, const std::string& target,
                duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool ListFiles(const std::string& directory,
                 const std::function<void(const std::string&, bool)>& callback,
                 duckdb::FileOpener* opener) override;
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path,
                                            duckdb::FileOpener* opener) override;
  std::string PathSeparator(const std::string&) override { return "/"; }

  const S3TransferStats& stats() const { return *options_.stats; }

 protected:
  duckdb::unique_ptr<duckdb::FileHandle> OpenFileExtended(
      const duckdb::OpenFileInfo& file, duckdb::FileOpenFlags flags,
      duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool SupportsOpenFileExtended() const override { return true; }

 private:
  // A client for the session's current settings; throws an IOException naming `url` when the
  // settings cannot work (e.g. no credentials).
  std::shared_ptr<const storage::S3Client> ClientFor(
      const std::string& url, duckdb::optional_ptr<duckdb::FileOpener> opener) const;
  // Sandboxed: throws a PermissionException naming `url`, which would be written.
  void CheckWritable(const std::string& url) const;
  // Every object below `prefix` (with `delimiter`, one level: then common prefixes too).
  storage::ListResult List(const storage::S3Client& client, const std::string& bucket,
                           const std::string& prefix, const std::string& delimiter) const;

  Options options_;
  bool default_use_ssl_ = true;  // what s3_use_ssl starts out as (the environment's choice)
  std::unique_ptr<RereadCache> reread_;
  S3FetchPool pool_;  // the parts of large reads
};

}  // namespace shoal::engine
