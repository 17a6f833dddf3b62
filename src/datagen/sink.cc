#include "datagen/sink.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

namespace shoal::datagen {
namespace {

Status ErrnoStatus(std::string_view what, const std::string& path, int error) {
  return Status::IoError(fmt::format("{} {}: {}", what, path, std::strerror(error)));
}

}  // namespace

Status MemorySink::Open(const std::string& name) {
  if (!open_name_.empty()) return Status::Internal("MemorySink: a file is already open");
  open_name_ = name;
  open_data_.clear();
  return Status::Ok();
}

Status MemorySink::Write(std::string_view bytes) {
  open_data_.append(bytes);
  return Status::Ok();
}

Status MemorySink::Close() {
  files_[open_name_] = std::move(open_data_);
  open_name_.clear();
  open_data_.clear();
  return Status::Ok();
}

Result<std::unique_ptr<FileSink>> FileSink::Create(const std::string& directory,
                                                   FileSinkOptions options) {
  std::error_code error;
  if (std::filesystem::exists(directory, error) &&
      !std::filesystem::is_directory(directory, error)) {
    return Status::InvalidArgument(fmt::format("{} exists and is not a directory", directory));
  }
  std::filesystem::create_directories(directory, error);
  if (error) {
    return Status::IoError(
        fmt::format("cannot create output directory {}: {}", directory, error.message()));
  }
  return std::unique_ptr<FileSink>(new FileSink(directory, options));
}

FileSink::~FileSink() { Abandon(); }

void FileSink::Abandon() {
  if (fd_ < 0) return;
  ::close(fd_);
  fd_ = -1;
  ::unlink(partial_path_.c_str());
}

Status FileSink::Open(const std::string& name) {
  if (fd_ >= 0) return Status::Internal("FileSink: a file is already open");
  final_path_ = directory_ + "/" + name;
  partial_path_ = directory_ + "/." + name + ".partial";
  fd_ = ::open(partial_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return ErrnoStatus("cannot create", partial_path_, errno);
  return Status::Ok();
}

Status FileSink::Write(std::string_view bytes) {
  if (fd_ < 0) return Status::Internal("FileSink: no file is open");
  while (!bytes.empty()) {
    const ssize_t written = ::write(fd_, bytes.data(), bytes.size());
    if (written < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      Abandon();
      return ErrnoStatus("cannot write", final_path_, error);
    }
    bytes.remove_prefix(static_cast<size_t>(written));
  }
  return Status::Ok();
}

Status FileSink::Close() {
  if (fd_ < 0) return Status::Internal("FileSink: no file is open");
  if (options_.sync_on_close && ::fdatasync(fd_) != 0) {
    const int error = errno;
    Abandon();
    return ErrnoStatus("cannot sync", final_path_, error);
  }
  const int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(partial_path_.c_str());
    return ErrnoStatus("cannot close", final_path_, error);
  }
  if (::rename(partial_path_.c_str(), final_path_.c_str()) != 0) {
    const int error = errno;
    ::unlink(partial_path_.c_str());
    return ErrnoStatus("cannot rename into", final_path_, error);
  }
  return Status::Ok();
}

}  // namespace shoal::datagen
