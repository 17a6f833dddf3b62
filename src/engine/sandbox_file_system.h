// SandboxFileSystem: a DuckDB file system that maps an execution's absolute paths (/inputs,
// /outputs, /data, InputSource targets, ResultPaths) onto real folders of that execution.
//
// Registered as a sub-system of one Session's database, it handles every path under a mapped
// prefix; other paths go to DuckDB's local file system untouched. Paths DuckDB sees (glob results,
// filename columns, error messages) stay virtual, so a job's SQL and its partition hashes are the
// same as in Bacalhau's containers. Prefixes must not nest (Session::Open refuses that).
//
// Thread-safety: immutable after construction; DuckDB calls it from many threads.
#pragma once

#include <string>
#include <vector>

#include "duckdb.hpp"
#include "duckdb/common/local_file_system.hpp"

#include "engine/engine.h"

namespace shoal::engine {

class SandboxFileSystem : public duckdb::LocalFileSystem {
 public:
  // REQUIRES: every virtual prefix is absolute, has no trailing '/', and none nests in another.
  explicit SandboxFileSystem(std::vector<PathMapping> mappings);

  bool CanHandleFile(const std::string& path) override;
  std::string GetName() const override { return "ShoalSandboxFileSystem"; }

  duckdb::unique_ptr<duckdb::FileHandle> OpenFile(
      const std::string& path, duckdb::FileOpenFlags flags,
      duckdb::optional_ptr<duckdb::FileOpener> opener) override;
  duckdb::vector<duckdb::OpenFileInfo> Glob(const std::string& path,
                                            duckdb::FileOpener* opener) override;
  bool FileExists(const std::string& path, duckdb::optional_ptr<duckdb::FileOpener> o) override;
  bool DirectoryExists(const std::string& path,
                       duckdb::optional_ptr<duckdb::FileOpener> o) override;
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

 private:
  std::vector<PathMapping> mappings_;
};

}  // namespace shoal::engine
