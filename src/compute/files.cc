#include "compute/files.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <system_error>

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

Status IoError(const std::string& what, const std::error_code& error) {
  return Status::IoError(what + ": " + error.message());
}

}  // namespace

std::string TemporaryPathFor(const std::string& path) {
  const fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".shoal-tmp")).string();
}

Result<std::vector<FileEntry>> ListFilesRecursive(const std::string& dir) {
  std::vector<FileEntry> files;
  std::error_code error;
  fs::recursive_directory_iterator it(dir, error), end;
  if (error) return IoError("cannot list " + dir, error);
  for (; it != end; it.increment(error)) {
    if (error) return IoError("cannot list " + dir, error);
    const fs::file_status status = it->symlink_status(error);
    if (error || !fs::is_regular_file(status)) continue;
    const auto size = it->file_size(error);
    if (error) continue;  // vanished meanwhile
    files.push_back({fs::relative(it->path(), dir).generic_string(), static_cast<int64_t>(size)});
  }
  if (error) return IoError("cannot list " + dir, error);
  std::sort(files.begin(), files.end(),
            [](const FileEntry& a, const FileEntry& b) { return a.path < b.path; });
  return files;
}

Status CopyInto(const std::string& from, const std::string& to, const std::atomic<bool>* stop) {
  std::error_code error;
  fs::create_directories(to, error);
  if (error) return IoError("cannot create " + to, error);
  const fs::file_status status = fs::symlink_status(from, error);
  if (error) return IoError("cannot read " + from, error);
  if (fs::is_regular_file(status)) {
    return CopyFileAtomically(from, (fs::path(to) / fs::path(from).filename()).string());
  }
  if (!fs::is_directory(status)) return Status::Ok();  // links and devices are never copied
  fs::recursive_directory_iterator it(from, error), end;
  if (error) return IoError("cannot list " + from, error);
  for (; it != end; it.increment(error)) {
    if (error) return IoError("cannot list " + from, error);
    if (stop != nullptr && stop->load()) return Status(ErrorCode::kCancelled, "copy stopped");
    const fs::file_status entry = it->symlink_status(error);
    if (error) return IoError("cannot read " + it->path().string(), error);
    const fs::path target = fs::path(to) / fs::relative(it->path(), from);
    if (fs::is_directory(entry)) {
      fs::create_directories(target, error);
      if (error) return IoError("cannot create " + target.string(), error);
    } else if (fs::is_regular_file(entry)) {
      SHOAL_RETURN_IF_ERROR(CopyFileAtomically(it->path().string(), target.string()));
    }
  }
  if (error) return IoError("cannot list " + from, error);
  return Status::Ok();
}

Status CopyFileAtomically(const std::string& from, const std::string& to) {
  std::error_code error;
  fs::create_directories(fs::path(to).parent_path(), error);
  if (error) return IoError("cannot create the folder of " + to, error);
  const std::string temporary = TemporaryPathFor(to);
  fs::copy_file(from, temporary, fs::copy_options::overwrite_existing, error);
  if (error) {
    fs::remove(temporary, error);
    return IoError("cannot copy " + from + " to " + to, error);
  }
  fs::rename(temporary, to, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    return IoError("cannot rename into " + to, error);
  }
  return Status::Ok();
}

Status WriteFileAtomically(const std::string& path, const std::string& content) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error) return IoError("cannot create the folder of " + path, error);
  const std::string temporary = TemporaryPathFor(path);
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out << content;
    out.close();
    if (!out) {
      fs::remove(temporary, error);
      return Status::IoError("cannot write " + path);
    }
  }
  fs::rename(temporary, path, error);
  if (error) {
    std::error_code ignored;
    fs::remove(temporary, ignored);
    return IoError("cannot rename into " + path, error);
  }
  return Status::Ok();
}

Result<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::stringstream bytes;
  bytes << in.rdbuf();
  if (in.bad()) return Status::IoError("cannot read " + path);
  return bytes.str();
}

std::string ReadHead(const std::string& path, size_t limit) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "";
  std::string text(limit, '\0');
  in.read(text.data(), static_cast<std::streamsize>(limit));
  text.resize(static_cast<size_t>(in.gcount()));
  return text;
}

}  // namespace shoal::compute
