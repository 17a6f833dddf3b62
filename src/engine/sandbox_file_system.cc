#include "engine/sandbox_file_system.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <utility>

#include <sys/stat.h>

#include "engine/s3_glob.h"

namespace shoal::engine {

namespace {

// The real folder of the mapping whose virtual prefix is `prefix` ("" when none): what
// CountingLocalFileSystem leaves uncounted.
std::string UncountedRealDirectory(const std::vector<PathMapping>& mappings,
                                   const std::string& prefix) {
  if (prefix.empty()) return "";
  for (const PathMapping& m : mappings) {
    if (m.virtual_prefix == prefix) return m.real_directory;
  }
  return "";
}

// Linux's limit: a path through more symbolic links than this does not resolve (ELOOP).
constexpr int kMaxLinks = 40;

bool UnderPrefix(const std::string& path, const std::string& prefix) {
  return path == prefix ||
         (path.size() > prefix.size() && path.compare(0, prefix.size(), prefix) == 0 &&
          (path[prefix.size()] == '/' || prefix == "/"));
}

bool IsNetworkUrl(const std::string& path) {
  std::string scheme = path.substr(0, 8);
  for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return scheme.rfind("http://", 0) == 0 || scheme.rfind("https://", 0) == 0;
}

// Pushes the components of `path` onto `stack` so that the first one comes off first.
void PushComponents(std::string_view path, std::vector<std::string>& stack) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start < path.size()) {
    size_t end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) parts.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  stack.insert(stack.end(), parts.rbegin(), parts.rend());
}

// `rest` resolved inside the folder `base` (absolute, its links resolved) as the kernel resolves
// a path: "." and ".." by name, each symbolic link by its target, dangling links included (a
// write creates their target); components that do not exist are taken as they are (the kernel
// would fail on anything below them). nullopt: a link loop, or a link that cannot be read.
std::optional<std::string> FollowLinks(std::string base, std::string_view rest) {
  std::vector<std::string> todo;
  PushComponents(rest, todo);
  std::string resolved = std::move(base);
  int links = 0;
  while (!todo.empty()) {
    std::string part = std::move(todo.back());
    todo.pop_back();
    if (part == ".") continue;
    if (part == "..") {
      const size_t slash = resolved.rfind('/');
      resolved.resize(slash == 0 || slash == std::string::npos ? 1 : slash);
      continue;
    }
    std::string next = resolved == "/" ? "/" + part : resolved + "/" + part;
    struct stat info;
    if (lstat(next.c_str(), &info) != 0 || !S_ISLNK(info.st_mode)) {
      resolved = std::move(next);
      continue;
    }
    std::error_code error;
    const std::string target = std::filesystem::read_symlink(next, error).string();
    if (error || ++links > kMaxLinks) return std::nullopt;
    if (!target.empty() && target[0] == '/') resolved = "/";
    PushComponents(target, todo);
  }
  return resolved;
}

bool IsPathChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '/';
}

}  // namespace

SandboxFileSystem::SandboxFileSystem(std::vector<PathMapping> mappings, std::optional<Lock> lock,
                                     Counting counting)
    : mappings_(std::move(mappings)),
      lock_(std::move(lock)),
      counting_(std::move(counting)),
      local_(counting_.counters, UncountedRealDirectory(mappings_, counting_.uncounted_prefix)) {
  for (const PathMapping& m : mappings_) {
    std::error_code error;
    const std::string absolute = std::filesystem::absolute(m.real_directory, error).string();
    std::optional<std::string> real =
        error ? std::nullopt : FollowLinks("/", absolute.empty() ? m.real_directory : absolute);
    real_.push_back(real ? *real : m.real_directory);
  }
}

bool SandboxFileSystem::CanHandleFile(const std::string& path) {
  // Locked, every path that the S3 file system does not serve is ours, so that none reaches
  // DuckDB's local file system unchecked.
  if (lock_ && !IsS3Url(path)) return true;
  return MappingOf(path) >= 0;
}

int SandboxFileSystem::MappingOf(const std::string& path) const {
  for (size_t i = 0; i < mappings_.size(); ++i) {
    if (UnderPrefix(path, mappings_[i].virtual_prefix)) return static_cast<int>(i);
  }
  return -1;
}

std::string SandboxFileSystem::ToReal(const std::string& path) const {
  const int i = MappingOf(path);
  if (i < 0) return path;
  return mappings_[i].real_directory + path.substr(mappings_[i].virtual_prefix.size());
}

std::string SandboxFileSystem::ToVirtual(const std::string& path) const {
  for (const auto& m : mappings_) {
    if (UnderPrefix(path, m.real_directory)) {
      return m.virtual_prefix + path.substr(m.real_directory.size());
    }
  }
  return path;
}

std::string SandboxFileSystem::HideRealPaths(const std::string& text,
                                             const std::string& known) const {
  // Longest first, so that a folder inside another one's real folder keeps its own name.
  std::vector<std::pair<std::string, std::string>> names;
  for (size_t i = 0; i < mappings_.size(); ++i) {
    for (const std::string& real : {mappings_[i].real_directory, real_[i]}) {
      if (known.find(real) != std::string::npos) continue;
      if (names.empty() || names.back().first != real) {
        names.emplace_back(real, mappings_[i].virtual_prefix);
      }
    }
  }
  std::stable_sort(names.begin(), names.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  // One pass, so that a virtual name written out is never rewritten again.
  std::string out;
  size_t i = 0;
  while (i < text.size()) {
    bool replaced = false;
    if (i == 0 || !IsPathChar(text[i - 1])) {
      for (const auto& [real, virtual_prefix] : names) {
        const size_t end = i + real.size();
        if (real.empty() || text.compare(i, real.size(), real) != 0) continue;
        if (end < text.size() && IsPathChar(text[end]) && text[end] != '/') continue;
        out += virtual_prefix;
        i = end;
        replaced = true;
        break;
      }
    }
    if (!replaced) out += text[i++];
  }
  return out;
}

bool SandboxFileSystem::Outside(const std::string& path) const {
  return lock_ && MappingOf(path) < 0;
}

int SandboxFileSystem::Landing(size_t index, std::string_view rest) const {
  const std::optional<std::string> landed = FollowLinks(real_[index], rest);
  if (!landed) return kUnresolved;
  // The innermost folder decides (a writable /outputs inside a read-only host folder); the
  // mapping the path came through wins a tie.
  int inner = UnderPrefix(*landed, real_[index]) ? static_cast<int>(index) : -1;
  for (size_t i = 0; i < mappings_.size(); ++i) {
    if (UnderPrefix(*landed, real_[i]) && (inner < 0 || real_[i].size() > real_[inner].size())) {
      inner = static_cast<int>(i);
    }
  }
  return inner;
}

void SandboxFileSystem::Confine(const std::string& path, size_t index, Access access) const {
  const size_t prefix = mappings_[index].virtual_prefix.size();
  const std::string_view rest = std::string_view(path).substr(prefix);
  const int landing = Landing(index, rest);
  if (landing == kUnresolved) {
    throw duckdb::PermissionException(
        "Cannot access \"%s\": too many levels of symbolic links, or a link that cannot be read",
        path);
  }
  if (landing < 0) {
    // Name the first part of the path that leads out: the link the job can see and remove.
    std::string culprit = path;
    for (size_t end = rest.find('/', 1); end != std::string_view::npos;
         end = rest.find('/', end + 1)) {
      if (Landing(index, rest.substr(0, end)) < 0) {
        culprit = path.substr(0, prefix + end);
        break;
      }
    }
    struct stat info;
    const std::string real = ToReal(culprit);
    const bool link = lstat(real.c_str(), &info) == 0 && S_ISLNK(info.st_mode);
    throw duckdb::PermissionException(
        "Cannot access \"%s\": %s \"%s\" leads outside this execution's sandbox, which "
        "reaches only %s",
        path, link ? "the symbolic link" : "through symbolic links,", culprit, lock_->reach);
  }
  const PathMapping& target = mappings_[landing];
  if (access == Access::kWrite && target.read_only) {
    throw duckdb::PermissionException(
        "Cannot write \"%s\": it leads through a symbolic link into %s, which is read-only in "
        "this execution",
        path, target.virtual_prefix);
  }
}

bool SandboxFileSystem::Reachable(const std::string& path) const {
  if (!lock_) return true;
  const int i = MappingOf(path);
  if (i < 0) return false;
  return Landing(i, std::string_view(path).substr(mappings_[i].virtual_prefix.size())) >= 0;
}

std::string SandboxFileSystem::Resolve(const std::string& path, Access access) const {
  const int i = MappingOf(path);
  if (i >= 0) {
    const PathMapping& m = mappings_[i];
    if (access == Access::kWrite && m.read_only) {
      throw duckdb::PermissionException("Cannot write \"%s\": %s is read-only in this execution",
                                        path, m.virtual_prefix);
    }
    if (lock_) Confine(path, i, access);
    return m.real_directory + path.substr(m.virtual_prefix.size());
  }
  if (Outside(path)) {
    if (IsNetworkUrl(path)) {
      throw duckdb::PermissionException(
          "Cannot access \"%s\": an execution does not reach the network (http:// and https:// "
          "are refused); it reaches only %s",
          path, lock_->reach);
    }
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
  auto handle = local_.OpenFile(Resolve(path, access), flags, opener);
  if (counting_.counters && access == Access::kRead && handle &&
      !(!counting_.uncounted_prefix.empty() && UnderPrefix(path, counting_.uncounted_prefix))) {
    counting_.counters->NoteFileOpened(path);
  }
  return handle;
}

duckdb::vector<duckdb::OpenFileInfo> SandboxFileSystem::Glob(const std::string& path,
                                                             duckdb::FileOpener* opener) {
  // Resolve confines the pattern's folders: a pattern below a link out is refused unlisted.
  auto files = local_.Glob(Resolve(path, Access::kRead), opener);
  // Map back through the mapping the pattern went through: two prefixes may share a folder.
  const int i = MappingOf(path);
  if (i < 0) return files;
  const PathMapping& m = mappings_[i];
  for (auto& file : files) {
    if (UnderPrefix(file.path, m.real_directory)) {
      file.path = m.virtual_prefix + file.path.substr(m.real_directory.size());
      // What the pattern matched may itself be a link out (a file, or a folder it went through).
      if (lock_) Confine(file.path, i, Access::kRead);
    }
  }
  return files;
}

bool SandboxFileSystem::FileExists(const std::string& path,
                                   duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (!Reachable(path)) return false;
  return local_.FileExists(ToReal(path), o);
}

bool SandboxFileSystem::DirectoryExists(const std::string& path,
                                        duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (!Reachable(path)) return false;
  return local_.DirectoryExists(ToReal(path), o);
}

bool SandboxFileSystem::IsPipe(const std::string& path,
                               duckdb::optional_ptr<duckdb::FileOpener> o) {
  if (!Reachable(path)) return false;
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
