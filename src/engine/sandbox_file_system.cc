#include "engine/sandbox_file_system.h"

#include <algorithm>
#include <utility>

namespace shoal::engine {

namespace {

bool UnderPrefix(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          path[prefix.size()] == '/');
}

}  // namespace

SandboxFileSystem::SandboxFileSystem(std::vector<PathMapping> mappings)
    : mappings_(std::move(mappings)) {}

bool SandboxFileSystem::CanHandleFile(const std::string& path) {
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

duckdb::unique_ptr<duckdb::FileHandle> SandboxFileSystem::OpenFile(
    const std::string& path, duckdb::FileOpenFlags flags,
    duckdb::optional_ptr<duckdb::FileOpener> opener) {
  return LocalFileSystem::OpenFile(ToReal(path), flags, opener);
}

duckdb::vector<duckdb::OpenFileInfo> SandboxFileSystem::Glob(const std::string& path,
                                                             duckdb::FileOpener* opener) {
  auto files = LocalFileSystem::Glob(ToReal(path), opener);
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
  return LocalFileSystem::FileExists(ToReal(path), o);
}

bool SandboxFileSystem::DirectoryExists(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  return LocalFileSystem::DirectoryExists(ToReal(path), o);
}

void SandboxFileSystem::CreateDirectory(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  LocalFileSystem::CreateDirectory(ToReal(path), o);
}

void SandboxFileSystem::RemoveDirectory(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  LocalFileSystem::RemoveDirectory(ToReal(path), o);
}

void SandboxFileSystem::RemoveFile(const std::string& path,
                                   duckdb::optional_ptr<duckdb::FileOpener> o) {
  LocalFileSystem::RemoveFile(ToReal(path), o);
}

bool SandboxFileSystem::TryRemoveFile(const std::string& path,
                                      duckdb::optional_ptr<duckdb::FileOpener> o) {
  return LocalFileSystem::TryRemoveFile(ToReal(path), o);
}

bool SandboxFileSystem::ListFiles(const std::string& directory,
                                  const std::function<void(const std::string&, bool)>& callback,
                                  duckdb::FileOpener* opener) {
  return LocalFileSystem::ListFiles(ToReal(directory), callback, opener);
}

void SandboxFileSystem::MoveFile(const std::string& source, const std::string& target,
                                 duckdb::optional_ptr<duckdb::FileOpener> o) {
  LocalFileSystem::MoveFile(ToReal(source), ToReal(target), o);
}

}  // namespace shoal::engine
