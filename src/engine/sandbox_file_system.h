// SandboxFileSystem: a DuckDB file system that maps an execution's absolute paths (/inputs,
// /outputs, /data, InputSource targets, ResultPaths, s3://BUCKET of a folder store) onto real
// folders of that execution.
//
// Registered as a sub-system of one Session's database, it handles every path under a mapped
// prefix; unlocked, other paths go to DuckDB's local file system untouched. Paths DuckDB sees
// (glob results, filename columns, error messages) stay virtual, so a job's SQL and its
// partition hashes are the same as in Bacalhau's containers. Prefixes must not nest
// (Session::Open refuses that).
//
// Locked (a sandboxed Session), it is the second wall behind DuckDB's allowed_directories: it
// claims every path that is not an s3:// URL of the S3 file system, and refuses (with a DuckDB
// PermissionException) every one outside the mappings and the pass-through folders (DuckDB's
// temp_directory). DuckDB's own check compares text and can be fooled: it collapses "//", so
// an allowed "s3://my-bucket" also admits "s3:/my-bucket/x", which the local file system would
// take as a relative path in the node's working directory. Writes into read-only mappings are
// refused locked or not.
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
#include <vector>

#include "duckdb.hpp"
#include "duckdb/common/local_file_system.hpp"

#include "engine/engine.h"

namespace shoal::engine {

class SandboxFileSystem : public duckdb::FileSystem {
 public:
  struct Lock {
    // Real folders reached as they are: DuckDB's temp_directory.
    std::vector<std::string> pass_through;
    // What the session reaches, for messages: "/data, /inputs, /outputs, s3://my-bucket".
    std::string reach;
  };

  // REQUIRES: every virtual prefix is absolute, has no trailing '/', and none nests in another.
  explicit SandboxFileSystem(std::vector<PathMapping> mappings,
                             std::optional<Lock> lock = std::nullopt);

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
  // Locked: true when `path` is outside every mapping and pass-through folder.
  bool Outside(const std::string& path) const;

  std::vector<PathMapping> mappings_;
  std::optional<Lock> lock_;
  mutable duckdb::LocalFileSystem local_;  // stateless; every real path goes through it
};

}  // namespace shoal::engine
