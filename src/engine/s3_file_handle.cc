#include "engine/s3_file_handle.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <filesystem>
#include <functional>
#include <vector>

#include <fcntl.h>
#include <unistd.h>

namespace shoal::engine {

namespace {

// The smallest fetch for a read that misses the buffer, and the largest window a sequential scan
// grows to (request latency stops mattering long before).
constexpr size_t kMinReadahead = 64 << 10;
constexpr size_t kMaxReadahead = 16 << 20;

}  // namespace

void ThrowS3Error(const std::string& message) { throw duckdb::IOException(message); }

S3ReadHandle::S3ReadHandle(duckdb::FileSystem& fs, const std::string& path,
                           duckdb::FileOpenFlags flags,
                           std::shared_ptr<const storage::S3Client> client, S3Location location,
                           uint64_t size, std::string etag, duckdb::timestamp_t last_modified,
                           std::shared_ptr<S3TransferStats> stats, RereadCache* reread,
                           S3FetchPool* pool)
    : FileHandle(fs, path, flags),
      size(size),
      etag(std::move(etag)),
      last_modified(last_modified),
      client_(std::move(client)),
      location_(std::move(location)),
      stats_(std::move(stats)),
      // Without an ETag a changed object could not be told apart: no re-reads then.
      reread_(this->etag.empty() ? nullptr : reread),
      reread_key_(RereadCache::Key(path, this->etag, size)),
      pool_(pool),
      readahead_(kMinReadahead) {}

size_t S3ReadHandle::ReadAt(char* out, size_t n, uint64_t offset) {
  if (offset >= size) return 0;
  n = static_cast<size_t>(std::min<uint64_t>(n, size - offset));
  size_t done = 0;
  size_t window = 0;
  bool sequential = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (offset >= buffer_start_ && offset < buffer_start_ + buffer_.size()) {
      done = static_cast<size_t>(std::min<uint64_t>(n, buffer_start_ + buffer_.size() - offset));
      std::memcpy(out, buffer_.data() + (offset - buffer_start_), done);
    }
    sequential = offset == last_end_;
    last_end_ = offset + n;
    if (done == n) return n;
    // Grow the window only on refills of a sequential scan, so buffer hits stay cheap.
    readahead_ = sequential ? std::min(readahead_ * 2, kMaxReadahead) : kMinReadahead;
    window = readahead_;
  }
  const uint64_t at = offset + done;
  const size_t remaining = n - done;
  if (remaining >= window) {
    // Reads as large as the window (Parquet column chunks, JSON and CSV buffers) go straight
    // into the caller's buffer.
    if (at == 0 && reread_ != nullptr) {
      if (reread_->Take(reread_key_, remaining, out)) return remaining;
      FetchParallel(out, 0, remaining);
      reread_->Offer(reread_key_, std::string(out, remaining));
      return remaining;
    }
    return done + FetchParallel(out + done, at, remaining);
  }
  uint64_t start = at;
  if (!sequential && start + window > size) {
    // A random read near the end (a Parquet footer's last 8 bytes): take the window's worth of
    // tail in one request, so the metadata just before it usually comes along.
    start = size > window ? size - window : 0;
  }
  const size_t length = static_cast<size_t>(std::min<uint64_t>(window, size - start));
  std::string fresh(length, '\0');
  fresh.resize(Fetch(fresh.data(), start, length));
  const size_t take = static_cast<size_t>(std::min<uint64_t>(remaining, start + fresh.size() - at));
  std::memcpy(out + done, fresh.data() + (at - start), take);
  std::lock_guard<std::mutex> lock(mu_);
  buffer_ = std::move(fresh);
  buffer_start_ = start;
  return done + take;
}

size_t S3ReadHandle::FetchParallel(char* out, uint64_t offset, size_t n) {
  const size_t parts = std::min<size_t>(kS3MaxParallelGets, n / kS3ParallelGetSize);
  if (parts < 2 || pool_ == nullptr) return Fetch(out, offset, n);
  const size_t part = (n + parts - 1) / parts;
  std::vector<std::exception_ptr> errors(parts);
  std::vector<std::function<void()>> tasks;
  for (size_t i = 0; i < parts; ++i) {
    tasks.emplace_back([&, i] {
      try {
        const size_t begin = i * part;
        Fetch(out + begin, offset + begin, std::min(part, n - begin));
      } catch (...) {
        errors[i] = std::current_exception();
      }
    });
  }
  pool_->Run(tasks);
  for (auto& error : errors) {
    if (error) std::rethrow_exception(error);
  }
  return n;
}

size_t S3ReadHandle::Fetch(char* out, uint64_t offset, size_t n) {
  auto got = client_->GetRange(location_.bucket, location_.key, offset, n, out);
  stats_->get_requests.fetch_add(1, std::memory_order_relaxed);
  if (!got.ok()) ThrowS3Error(got.status().message());
  stats_->bytes_read.fetch_add(*got, std::memory_order_relaxed);
  if (*got < n) {
    ThrowS3Error(path + ": got " + std::to_string(*got) + " bytes at offset " +
                 std::to_string(offset) + " where " + std::to_string(n) +
                 " were expected: the object changed while it was read");
  }
  return *got;
}

S3WriteHandle::S3WriteHandle(duckdb::FileSystem& fs, const std::string& path,
                             duckdb::FileOpenFlags flags,
                             std::shared_ptr<const storage::S3Client> client, S3Location location,
                             std::shared_ptr<S3TransferStats> stats)
    : FileHandle(fs, path, flags),
      client_(std::move(client)),
      location_(std::move(location)),
      stats_(std::move(stats)) {
  std::string pattern =
      (std::filesystem::temp_directory_path() / "shoal-s3-upload-XXXXXX").string();
  fd_ = ::mkstemp(pattern.data());
  if (fd_ < 0) {
    ThrowS3Error(path + ": cannot create a local file to stage the upload in " + pattern + ": " +
                 std::strerror(errno));
  }
  temp_path_ = pattern;
}

S3WriteHandle::~S3WriteHandle() {
  // DuckDB's compressed writers (COPY ... TO 's3://.../x.csv.gz') finish the stream and then
  // destroy the handle they wrap without closing it: upload here then, as httpfs does, unless an
  // exception is unwinding (the write failed). A destructor cannot throw, so a failed upload is
  // reported on stderr.
  if (!closed_ && fd_ >= 0 && !duckdb::Exception::UncaughtException()) {
    try {
      Close();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "shoal: %s\n", duckdb::ErrorData(e).Message().c_str());
    }
  }
  Discard();
}

void S3WriteHandle::Close() {
  if (closed_) return;
  closed_ = true;
  auto etag = client_->PutObjectFromFile(location_.bucket, location_.key, temp_path_);
  Discard();
  if (!etag.ok()) ThrowS3Error(etag.status().message());
  stats_->objects_written.fetch_add(1, std::memory_order_relaxed);
  stats_->bytes_written.fetch_add(size, std::memory_order_relaxed);
}

void S3WriteHandle::WriteAt(const char* data, size_t n, uint64_t offset) {
  if (closed_) ThrowS3Error(path + ": written after it was closed");
  size_t done = 0;
  while (done < n) {
    ssize_t w = ::pwrite(fd_, data + done, n - done, static_cast<off_t>(offset + done));
    if (w < 0) {
      if (errno == EINTR) continue;
      ThrowS3Error(path + ": cannot stage the upload in " + temp_path_ + ": " +
                   std::strerror(errno));
    }
    done += static_cast<size_t>(w);
  }
  size = std::max<uint64_t>(size, offset + n);
}

void S3WriteHandle::TruncateTo(uint64_t new_size) {
  if (::ftruncate(fd_, static_cast<off_t>(new_size)) != 0) {
    ThrowS3Error(path + ": cannot truncate " + temp_path_ + ": " + std::strerror(errno));
  }
  size = new_size;
}

void S3WriteHandle::Discard() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
  temp_path_.clear();
}

}  // namespace shoal::engine
