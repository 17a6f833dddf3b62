#include "compute/sandbox.h"

#include <algorithm>
#include <filesystem>
#include <map>
#include <system_error>

#include "engine/session_lock.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

constexpr std::string_view kDefaultFolders[] = {"/inputs", "/outputs", "/data"};

}  // namespace

Result<std::string> NormalizeSandboxPath(std::string_view path, std::string_view field) {
  const std::string quoted = "'" + std::string(path) + "'";
  const std::string at = std::string(field) + ": ";
  if (path.empty() || path[0] != '/') {
    return Status::InvalidArgument(at + "path " + quoted + " must be absolute (start with '/')");
  }
  std::string normalized;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(start, end - start);
    if (part == "..") {
      return Status::InvalidArgument(at + "path " + quoted + " must not contain '..'");
    }
    if (!part.empty() && part != ".") {
      normalized += '/';
      normalized += part;
    }
    start = end + 1;
  }
  if (normalized.empty()) {
    return Status::InvalidArgument(at + "path " + quoted +
                                   " is the sandbox's root; use a folder such as /inputs");
  }
  return normalized;
}

bool PathWithin(std::string_view inner, std::string_view outer) {
  return inner == outer || (inner.size() > outer.size() && inner.substr(0, outer.size()) == outer &&
                            inner[outer.size()] == '/');
}

Result<Sandbox> Sandbox::Plan(const models::Task& task, const std::string& root) {
  // Virtual path -> the first field that named it (for messages).
  std::map<std::string, std::string> named;
  auto add = [&](const std::string& path, const std::string& field) -> Status {
    SHOAL_ASSIGN_OR_RETURN(std::string normalized, NormalizeSandboxPath(path, field));
    const std::string temp = engine::kSandboxTempDirectory;
    if (PathWithin(normalized, temp) || PathWithin(temp, normalized)) {
      return Status::InvalidArgument(field + ": '" + normalized + "' is taken: " + temp +
                                     " is where the execution's DuckDB spills to disk");
    }
    for (const auto& [other, other_field] : named) {
      if (other == normalized) continue;  // the same folder named twice is fine
      if (PathWithin(normalized, other) || PathWithin(other, normalized)) {
        const bool inside = PathWithin(normalized, other);
        return Status::InvalidArgument(
            field + ": '" + normalized + "' " + (inside ? "is inside" : "contains") + " '" + other +
            "' (" + other_field + "); sandbox paths must not nest in each other");
      }
    }
    named.emplace(normalized, field);
    return Status::Ok();
  };
  for (size_t i = 0; i < task.input_sources.size(); ++i) {
    SHOAL_RETURN_IF_ERROR(
        add(task.input_sources[i].target, "InputSources[" + std::to_string(i) + "].Target"));
  }
  for (size_t i = 0; i < task.result_paths.size(); ++i) {
    SHOAL_RETURN_IF_ERROR(
        add(task.result_paths[i].path, "ResultPaths[" + std::to_string(i) + "].Path"));
  }
  for (std::string_view folder : kDefaultFolders) {
    bool clashes = std::any_of(named.begin(), named.end(), [&](const auto& entry) {
      return PathWithin(entry.first, folder) || PathWithin(folder, entry.first);
    });
    if (!clashes) named.emplace(std::string(folder), "default");
  }
  Sandbox sandbox;
  sandbox.root_ = root;
  for (const auto& [path, field] : named) {
    sandbox.folders_.push_back({path, root + "/fs" + path, true, false});
  }
  return sandbox;
}

void Sandbox::MapToHost(const std::string& virtual_path, const std::string& real_path,
                        bool read_only) {
  for (SandboxFolder& folder : folders_) {
    if (folder.virtual_path == virtual_path) {
      folder.real_path = real_path;
      folder.owned = false;
      folder.read_only = read_only;
    }
  }
}

Status Sandbox::CreateFolders() const {
  for (const SandboxFolder& folder : folders_) {
    if (!folder.owned) continue;
    std::error_code error;
    fs::create_directories(folder.real_path, error);
    if (error) {
      return Status::IoError("cannot create the sandbox folder for " + folder.virtual_path + ": " +
                             error.message());
    }
  }
  return Status::Ok();
}

const SandboxFolder* Sandbox::FolderOf(std::string_view virtual_path) const {
  for (const SandboxFolder& folder : folders_) {
    if (PathWithin(virtual_path, folder.virtual_path)) return &folder;
  }
  return nullptr;
}

Result<std::string> Sandbox::ToReal(std::string_view virtual_path) const {
  const SandboxFolder* folder = FolderOf(virtual_path);
  if (folder == nullptr) {
    return Status::InvalidArgument("'" + std::string(virtual_path) +
                                   "' is outside the sandbox; its folders are " + FolderList());
  }
  return folder->real_path + std::string(virtual_path.substr(folder->virtual_path.size()));
}

std::vector<engine::PathMapping> Sandbox::Mappings() const {
  std::vector<engine::PathMapping> mappings;
  for (const SandboxFolder& folder : folders_) {
    mappings.push_back({folder.virtual_path, folder.real_path, folder.read_only});
  }
  return mappings;
}

std::string Sandbox::FolderList() const {
  std::string list;
  for (const SandboxFolder& folder : folders_) {
    if (!list.empty()) list += ", ";
    list += folder.virtual_path;
  }
  return list;
}

}  // namespace shoal::compute
