// SandboxFileSystem: a DuckDB file system that maps an execution's absolute paths (/inputs,
// /outputs, /data, InputSource targets, ResultPaths, s3://BUCKET of a folder store, DuckDB's
// temp directory) onto real folders of that execution.
//
// Registered as a sub-system of one Session's database, it handles every path under a mapped
// prefix; unlocked, other paths go to DuckDB's local file system untouched. Paths DuckDB sees
// (glob results, filename columns) stay virtual, so a job's SQL and its partition hashes are the
// same as in Bacalhau's containers. Prefixes must not nest (Session::Open refuses that).
//
// Locked (a sandboxed Session), it is the second wall behind DuckDB's allowed_directories: it
// claims every path that is not an s3:// URL of the S3 file system, and refuses (with a DuckDB
// PermissionException) every one outside the mappings. DuckDB's own check compares text and can
// be fooled: it collapses "//", so an allowed "s3://my-bucket" also admits "s3:/my-bucket/x",
// which the local file system would take as a relative path in the node's working directory;
// and it cannot see symbolic links, so "/inputs/link" (or "/inputs/link/../x") reaches wherever
// the link points. Locked, every path is therefore resolved as the kernel would (each symbolic
// link followed, dangling ones too, since a write creates their target) and refused unless it
// lands inside a mapped folder; a write must land in a writable one. Links that stay inside the
// mapped folders work. (The check runs when a file is opened; a job cannot create links, so only
// a host process changing a `local` input while the job runs could race it.)
// Writes into read-only mappings are refused locked or not.
//
// Errors thrown by DuckDB's local file system name real paths; HideRealPaths maps them back.
//
// It opens files through a LocalFileSystem of its own rather than by inheriting one, so that
// the local file system's calls to itself (a glob checking the files it found) use real paths
// without coming back here; handles belong to that file system, which serves their reads and
// writes.
//
// Thread-safety: immutable after construction; DuckDB calls it from many threads.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "duckdb.hpp"
#include "duckdb/common/local_file_system.hpp"

#include "engine/engine.h"
#include "engine/read_counters.h"

namespace shoal::engine {

class SandboxFileSystem : public duckdb::FileSystem {
 public:
  struct Lock {
    // What the session reaches, for messages: "/data, /inputs, /outputs, s3://my-bucket".
    std::string reach;
  };

  // What the sandbox counts for per-execution statistics: bytes read and files opened for
  // reading, except below `uncounted_prefix` (a virtual prefix: the spill folder).
  struct Counting {
    std::shared_ptr<ReadCounters> counters;
    std::string uncounted_prefix;
  };

  // REQUIRES: every virtual prefix is absolute, has no trailing '/', and none nests in another.
  explicit SandboxFileSystem(std::vector<PathMapping> mappings,
                             std::optional<Lock> lock = std::nullopt, Counting counting = {});

  bool CanHandleFile(const std::string& path) override;
  std::string GetName() const override { return "ShoalSandboxFileSystem"; }

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(
      const std::string& path, duckdb::FileOpenFlags flags,
      duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path,
                                            duckdb::FileOpener* opener) override;
  // Locked, a path outside the sandbox neither exists nor is a pipe.
  bool FileExists(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener> o) override;
  bool DirectoryExists(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> o) override;
  bool IsPipe(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener> o) override;
  void CreateDirectory(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> o) override;
  void RemoveDirectory(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> o) override;
  void RemoveFile(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener> o) override;
  bool TryRemoveFile(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener> o) override;
  bool ListFiles(const std::string& directory,
                 const std::function<void(const std::string&, bool)>& callback,
                 duckdb::FileOpener* opener) override;
  void MoveFile(const std::string& source, const std::string& target,
                duckdb::optional_ptr<duckdb::FileOpener> o) override;

  // Real path of a virtual one (unchanged when no prefix matches).
  std::string ToReal(const std::string& path) const;
  // Virtual path of a real one (unchanged when no mapped folder contains it).
  std::string ToVirtual(const std::string& path) const;
  // `text` (an error message) with each mapped real folder, as given and with its symbolic
  // links resolved, replaced by its virtual prefix wherever it starts a path; except the folders
  // `known` (the statement's SQL) names itself: a message about a real path the job wrote must
  // say that path, not the mapped one.
  std::string HideRealPaths(const std::string& text, const std::string& known = "") const;

 protected:
  // DuckDB lists directories through this one when a file system supports it, as the local one
  // does.
  bool ListFilesExtended(const std::string& directory,
                         const std::function<void(duckdb::OpenFileInfo& info)>& callback,
                         duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  bool SupportsListFilesExtended() const override { return true; }

 private:
  enum class Access { kRead, kWrite };
  // The real path to use for `path`; throws a PermissionException when the lock or a
  // read-only mapping refuses `access`.
  std::string Resolve(const std::string& path, Access access) const;
  // Locked: true when `path` is outside every mapping.
  bool Outside(const std::string& path) const;
  // The mapping `path` is under, or -1.
  int MappingOf(const std::string& path) const;
  // The mapping that `rest` (below mappings_[index]'s folder), its symbolic links followed,
  // lands in (the innermost one); -1 when none, kUnresolved for a link loop.
  static constexpr int kUnresolved = -2;
  int Landing(size_t index, std::string_view rest) const;
  // Locked: throws a PermissionException when `path` (under mappings_[index]), its symbolic
  // links followed, lands outside every mapped folder, or for kWrite in a read-only one.
  void Confine(const std::string& path, size_t index, Access access) const;
  // Locked: false when `path` is outside the mappings or leads out of them through a link.
  bool Reachable(const std::string& path) const;

  std::vector<PathMapping> mappings_;
  // real_[i]: mappings_[i].real_directory with its symbolic links resolved.
  std::vector<std::string> real_;
  std::optional<Lock> lock_;
  Counting counting_;
  // Every real path goes through it; it counts the bytes read (counting_).
  mutable CountingLocalFileSystem local_;
};

}  // namespace shoal::engine
