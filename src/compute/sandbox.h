// Sandbox: the folders an execution sees and where each one really lives.
//
// Every execution has the virtual folders /inputs, /outputs and /data, plus each InputSource
// Target and each ResultPath Path. A folder owned by the sandbox lives at <root>/fs/<path>; a
// `local` InputSource maps its Target onto the host folder instead (read-only unless ReadWrite).
// The engine reaches them through path mappings, so SQL and generator flags keep the virtual
// paths; the duckdb engine's session is locked to them (engine::SessionOptions::sandboxed) and
// spills to <root>/tmp.
//
// Rules (each broken rule fails the execution with a message naming the field): paths are
// absolute, have no '..', are not '/' itself, are not /.tmp (DuckDB's temp directory as the
// job sees it) or around it, and the task's own paths must not nest in each other. A default folder
// that would nest with a task path (/inputs when a Target is /inputs/us) is left out, the task's
// paths win. Two fields may name the same path (an input Target that is also a ResultPath).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "engine/engine.h"
#include "models/task.h"

namespace shoal::compute {

struct SandboxFolder {
  std::string virtual_path;  // "/inputs"
  std::string real_path;     // "<root>/fs/inputs", or the host path of a `local` input
  bool owned = true;         // false: a host path mapped in (never moved or deleted)
  bool read_only = false;    // a `local` input without ReadWrite
};

// "/a//b/./c/" -> "/a/b/c". Refuses relative paths, '..' and '/' itself; `field` names the
// field in the message ("InputSources[0].Target: path 'x' must be absolute").
Result<std::string> NormalizeSandboxPath(std::string_view path, std::string_view field);

// True when `inner` is `outer` or below it ("/data/x" is within "/data", "/database" is not).
bool PathWithin(std::string_view inner, std::string_view outer);

class Sandbox {
 public:
  // Plans the folders of `task` under `root` (<work_dir>/executions/<id>); touches no disk.
  static Result<Sandbox> Plan(const models::Task& task, const std::string& root);

  // Maps `virtual_path` onto `real_path` (a `local` input). REQUIRES: the path was planned.
  void MapToHost(const std::string& virtual_path, const std::string& real_path, bool read_only);

  // Creates every owned folder.
  Status CreateFolders() const;

  // The folder whose virtual path is `virtual_path` or contains it; nullptr when none does.
  const SandboxFolder* FolderOf(std::string_view virtual_path) const;
  // The real path of a virtual one, or an error naming the folders that exist.
  Result<std::string> ToReal(std::string_view virtual_path) const;

  // One mapping per folder, for engine::SessionOptions.
  std::vector<engine::PathMapping> Mappings() const;
  // "/data, /inputs, /outputs".
  std::string FolderList() const;

  const std::string& root() const { return root_; }
  std::string result_dir() const { return root_ + "/result"; }
  // DuckDB's temp directory (spilling); DuckDB creates it on demand and removes it.
  std::string temp_dir() const { return root_ + "/tmp"; }
  const std::vector<SandboxFolder>& folders() const { return folders_; }

 private:
  std::string root_;
  std::vector<SandboxFolder> folders_;  // sorted by virtual path
};

}  // namespace shoal::compute
