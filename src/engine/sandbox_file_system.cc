#include "engine/sandbox_file_system.h"

#include <algorithm>
#include <utility>

#include "engine/s3_glob.h"

namespace shoal::engine {

namespace {

bool UnderPrefix(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          path[prefix.size()] == '/');
}

}  // namespace

SandboxFileSystem::SandboxFileSystem(std::vector<PathMapping> mappings, std::optional<Lock> lock)
    : mappings_(std::move(mappings)), lock_(std::move(lock)) {}

bool SandboxFileSystem::CanHandleFile(const std::string& path) {
  // Locked, every path that the S3 file system does not serve is ours, so that none reaches
  // DuckDB's local file system unchecked.
  if (lock_ && !IsS3Url(path)) return true;
  return std::any_of(mappings_.begin(), mappings_.end(),
                     [&](const PathMapping& m) { return UnderPrefix(path, m.virtual_prefix); });
}

std::string SandboxFileSystem::ToReal(const std::string& path) const {
  for (const auto& m : mappings_) {
    if (UnderPrefix(path, m.virtual_prefix)) {
      return m.real_directory + path.substr(m.virtual_prefix.size());
    }
  }
  return path;
}

std::string SandboxFileSystem::ToVirtual(const std::string& path) const {
  for (const auto& m : mappings_) {
    if (UnderPrefix(path, m.real_directory)) {
      return m.virtual_prefix + path.substr(m.real_directory.size());
    }
  }
  return path;
}

bool SandboxFileSystem::Outside(const std::string& path) const {
  if (!lock_) return false;
  for (const auto& m : mappings_) {
    if (UnderPrefix(path, m.virtual_prefix)) return false;
  }
  for (const auto& folder : lock_->pass_through) {
    if (UnderPrefix(path, folder)) return false;
  }
  return true;
}

std::string SandboxFileSystem::Resolve(const std::string& path, Access access) const {
  for (const auto& m : mappings_) {
    if (!UnderPrefix(path, m.virtual_prefix)) continue;
    if (access == Access::kWrite && m.read_only) {
      throw duckdb::PermissionException("Cannot write \"%s\": %s is read-only in this execution",
                                        path, m.virtual_prefix);
    }
    return m.real_directory + path.substr(m.virtual_prefix.size());
  }
  if (Outside(path)) {
    throw duckdb::PermissionException(
        "Cannot access \"%s\": it is outside this execution's sandbox, which reaches only %s", path,
        lock_->reach);
  }
  return path;
}

duckdb::unique_ptr<duckdb::FileHandle> SandboxFileSystem::OpenFile(
    const std::string& path, duckdb::FileOpenFlags flags,
    duckdb::optional_ptr<duckdb::FileOpener> opener) {
  const Access access = flags.OpenForWriting() ? Access::kWrite : Access::kRead;
  return local_.OpenFile(Resolve(path, access), flags, opener);
}

duckdb::vector<duckdb::OpenFileInfo> SandboxFileSystem::Glob(const std::string& path,
                                                             duckdb::FileOpener* opener) {
  auto files = local_.Glob(Resolve(path, Access::kRead), opener);
  // Map back through the mapping the pattern went through: two prefixes may share a folder.
  for (const auto& m : mappings_) {
    if (!UnderPrefix(path, m.virtual_prefix)) continue;
    for (auto& file : files) {
      if (UnderPrefix(file.path, m.real_directory)) {
        file.path = m.virtual_prefix + file.path.substr(m.real_directory.size());
      }
    }
    break;
  }
  return files;
}

bool SandboxFileSystem::FileExists(const std::string& path,
                                   duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (Outside(path)) return false;
  return local_.FileExists(ToReal(path), o);
}

bool SandboxFileSystem::DirectoryExists(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (Outside(path)) return false;
  return local_.DirectoryExists(ToReal(path), o);
}

bool SandboxFileSystem::IsPipe(const std::string& path,
                               duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (Outside(path)) return false;
  return local_.IsPipe(ToReal(path), o);
}

void SandboxFileSystem::CreateDirectory(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  local_.CreateDirectory(Resolve(path, Access::kWrite), o);
}

void SandboxFileSystem::RemoveDirectory(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  local_.RemoveDirectory(Resolve(path, Access::kWrite), o);
}

void SandboxFileSystem::RemoveFile(const std::string& path,
                                   duckdb::optional_ptr<duckdb::FileOpener> o) {
  local_.RemoveFile(Resolve(path, Access::kWrite), o);
}

bool SandboxFileSystem::TryRemoveFile(const std::string& path,
                                      duckdb::optional_ptr<duckdb::FileOpener> o) {
  return local_.TryRemoveFile(Resolve(path, Access::kWrite), o);
}

bool SandboxFileSystem::ListFiles(const std::string& directory,
                                  const std::function<void(const std::string&, bool)>& callback,
                                  duckdb::FileOpener* opener) {
  return local_.ListFiles(Resolve(directory, Access::kRead), callback, opener);
}

bool SandboxFileSystem::ListFilesExtended(
    const std::string& directory, const std::function<void(duckdb::OpenFileInfo& info)>& callback,
    duckdb::optional_ptr<duckdb::FileOpener> opener) {
  return local_.ListFiles(Resolve(directory, Access::kRead), callback, opener);
}

void SandboxFileSystem::MoveFile(const std::string& source, const std::string& target,
                                 duckdb::optional_ptr<duckdb::FileOpener> o) {
  local_.MoveFile(Resolve(source, Access::kWrite), Resolve(target, Access::kWrite), o);
}

}  // namespace shoal::engine
