#include "engine/s3_file_system.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <functional>
#include <mutex>
#include <utility>

#include "duckdb/common/file_opener.hpp"
#include "duckdb/common/types/timestamp.hpp"
#include <fcntl.h>
#include <unistd.h>

#include "engine/s3_settings.h"

namespace shoal::engine {

namespace {

using duckdb::FileHandle;
using duckdb::FileOpener;
using duckdb::optional_ptr;

// A read that misses the buffer fetches at least kMinReadahead bytes (so tiny reads, such as a
// Parquet footer's, do not each cost a request) and no more when it is not part of a sequential
// scan: random readers (Parquet column chunks) then fetch little they do not use. Each refill of
// a sequential scan doubles the window, up to kMaxReadahead, so request latency stops mattering.
constexpr size_t kMinReadahead = 64 << 10;
constexpr size_t kMaxReadahead = 16 << 20;
// Reads of at least 2 * kParallelGetSize are split into up to kMaxParallelGets concurrent GETs.
constexpr size_t kParallelGetSize = 4 << 20;
constexpr size_t kMaxParallelGets = 4;
// First buffers kept for DuckDB's second read of a file (see s3_reread_cache.h).
constexpr size_t kMinRereadSize = 64 << 10;
constexpr std::chrono::milliseconds kRereadTtl{30000};

[[noreturn]] void ThrowIo(const std::string& message) { throw duckdb::IOException(message); }

duckdb::timestamp_t ToTimestamp(std::tm tm) {
  return duckdb::Timestamp::FromEpochSeconds(static_cast<int64_t>(timegm(&tm)));
}

// "Wed, 21 Oct 2015 07:28:00 GMT" (HEAD's Last-Modified) or "2015-10-21T07:28:00.000Z" (a
// listing's LastModified); the epoch when neither parses.
duckdb::timestamp_t ParseS3Time(const std::string& text) {
  std::tm tm{};
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) != nullptr) return ToTimestamp(tm);
  tm = {};
  if (strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm) != nullptr) return ToTimestamp(tm);
  return duckdb::timestamp_t(0);
}

S3Location ParseOrThrow(const std::string& url) {
  auto location = ParseS3Url(url);
  if (!location.ok()) ThrowIo(location.status().message());
  return std::move(location).value();
}

class S3ReadHandle : public FileHandle {
 public:
  S3ReadHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
               std::shared_ptr<const storage::S3Client> client, S3Location location, uint64_t size,
               std::string etag, duckdb::timestamp_t last_modified,
               std::shared_ptr<S3TransferStats> stats, RereadCache* reread, S3FetchPool* pool)
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
        pool_(pool) {}

  void Close() override {}

  // Reads up to `n` bytes at `offset` into `out`; fewer only where the object ends.
  size_t ReadAt(char* out, size_t n, uint64_t offset) {
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
    const size_t take =
        static_cast<size_t>(std::min<uint64_t>(remaining, start + fresh.size() - at));
    std::memcpy(out + done, fresh.data() + (at - start), take);
    std::lock_guard<std::mutex> lock(mu_);
    buffer_ = std::move(fresh);
    buffer_start_ = start;
    return done + take;
  }

  const uint64_t size;
  const std::string etag;
  const duckdb::timestamp_t last_modified;
  std::atomic<uint64_t> position{0};

 private:
  // Large reads as several ranged GETs at once: one connection's throughput is bounded by its
  // round trips and by one server thread, and DuckDB's readers ask for up to 32 MiB at a time.
  size_t FetchParallel(char* out, uint64_t offset, size_t n) {
    const size_t parts = std::min<size_t>(kMaxParallelGets, n / kParallelGetSize);
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

  // One ranged GET of exactly `n` bytes at `offset` (all inside the object).
  size_t Fetch(char* out, uint64_t offset, size_t n) {
    auto got = client_->GetRange(location_.bucket, location_.key, offset, n, out);
    stats_->get_requests.fetch_add(1, std::memory_order_relaxed);
    if (!got.ok()) ThrowIo(got.status().message());
    stats_->bytes_read.fetch_add(*got, std::memory_order_relaxed);
    if (*got < n) {
      ThrowIo(path + ": got " + std::to_string(*got) + " bytes at offset " +
              std::to_string(offset) + " where " + std::to_string(n) +
              " were expected: the object changed while it was read");
    }
    return *got;
  }

  const std::shared_ptr<const storage::S3Client> client_;
  const S3Location location_;
  const std::shared_ptr<S3TransferStats> stats_;
  RereadCache* const reread_;  // owned by the file system; null: no re-reads
  const std::string reread_key_;
  S3FetchPool* const pool_;  // owned by the file system
  std::mutex mu_;
  std::string buffer_;  // object bytes [buffer_start_, buffer_start_ + size())
  uint64_t buffer_start_ = 0;
  uint64_t last_end_ = UINT64_MAX;  // where the previous read ended
  size_t readahead_ = kMinReadahead;
};

// Collects an object's bytes in a local temporary file and uploads it on Close().
class S3WriteHandle : public FileHandle {
 public:
  S3WriteHandle(duckdb::FileSystem& fs, const std::string& path, duckdb::FileOpenFlags flags,
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
      ThrowIo(path + ": cannot create a local file to stage the upload in " + pattern + ": " +
              std::strerror(errno));
    }
    temp_path_ = pattern;
  }
  ~S3WriteHandle() override { Discard(); }

  void Close() override {
    if (closed_) return;
    closed_ = true;
    auto etag = client_->PutObjectFromFile(location_.bucket, location_.key, temp_path_);
    Discard();
    if (!etag.ok()) ThrowIo(etag.status().message());
    stats_->objects_written.fetch_add(1, std::memory_order_relaxed);
    stats_->bytes_written.fetch_add(size, std::memory_order_relaxed);
  }

  void WriteAt(const char* data, size_t n, uint64_t offset) {
    if (closed_) ThrowIo(path + ": written after it was closed");
    size_t done = 0;
    while (done < n) {
      ssize_t w = ::pwrite(fd_, data + done, n - done, static_cast<off_t>(offset + done));
      if (w < 0) {
        if (errno == EINTR) continue;
        ThrowIo(path + ": cannot stage the upload in " + temp_path_ + ": " + std::strerror(errno));
      }
      done += static_cast<size_t>(w);
    }
    size = std::max<uint64_t>(size, offset + n);
  }

  void TruncateTo(uint64_t new_size) {
    if (::ftruncate(fd_, static_cast<off_t>(new_size)) != 0) {
      ThrowIo(path + ": cannot truncate " + temp_path_ + ": " + std::strerror(errno));
    }
    size = new_size;
  }

  uint64_t size = 0;
  uint64_t position = 0;

 private:
  void Discard() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
    if (!temp_path_.empty()) ::unlink(temp_path_.c_str());
    temp_path_.clear();
  }

  const std::shared_ptr<const storage::S3Client> client_;
  const S3Location location_;
  const std::shared_ptr<S3TransferStats> stats_;
  int fd_ = -1;
  std::string temp_path_;
  bool closed_ = false;
};

S3ReadHandle& AsReader(FileHandle& handle) {
  auto* reader = dynamic_cast<S3ReadHandle*>(&handle);
  if (reader == nullptr) ThrowIo(handle.path + ": is open for writing, not reading");
  return *reader;
}

S3WriteHandle& AsWriter(FileHandle& handle) {
  auto* writer = dynamic_cast<S3WriteHandle*>(&handle);
  if (writer == nullptr) ThrowIo(handle.path + ": is open for reading, not writing");
  return *writer;
}

// "dir/" for a directory URL's key: what lies below it. The bucket root is "".
std::string DirectoryPrefix(const std::string& key) {
  if (key.empty() || key.back() == '/') return key;
  return key + "/";
}

}  // namespace

S3FileSystem::S3FileSystem(Options options)
    : options_(std::move(options)), pool_(kMaxParallelGets - 1) {
  if (!options_.stats) options_.stats = std::make_shared<S3TransferStats>();
  default_use_ssl_ = S3SettingDefaultsFromEnvironment(options_.environment).use_ssl;
  if (options_.reread_cache_bytes > 0) {
    reread_ =
        std::make_unique<RereadCache>(options_.reread_cache_bytes, kMinRereadSize, kRereadTtl);
  }
}

S3FileSystem::~S3FileSystem() = default;

bool S3FileSystem::CanHandleFile(const std::string& path) {
  if (!IsS3Url(path)) return false;
  for (const std::string& prefix : options_.excluded_prefixes) {
    if (path.compare(0, prefix.size(), prefix) == 0 &&
        (path.size() == prefix.size() || path[prefix.size()] == '/')) {
      return false;
    }
  }
  return true;
}

std::shared_ptr<const storage::S3Client> S3FileSystem::ClientFor(
    const std::string& url, optional_ptr<FileOpener> opener) const {
  S3Settings settings;
  auto text = [&](const char* name) -> std::optional<std::string> {
    duckdb::Value value;
    if (!opener || !FileOpener::TryGetCurrentSetting(opener, name, value) || value.IsNull()) {
      return std::nullopt;
    }
    std::string s = value.ToString();
    if (s.empty()) return std::nullopt;
    return s;
  };
  settings.endpoint = text("s3_endpoint");
  settings.region = text("s3_region");
  settings.access_key_id = text("s3_access_key_id");
  settings.secret_access_key = text("s3_secret_access_key");
  settings.session_token = text("s3_session_token");
  settings.url_style = text("s3_url_style");
  duckdb::Value use_ssl;
  if (opener) {
    auto found = FileOpener::TryGetCurrentSetting(opener, "s3_use_ssl", use_ssl);
    if (found && !use_ssl.IsNull()) {
      // The setting starts out as the environment's choice; only a value someone SET may
      // override the scheme of an s3_endpoint.
      const bool value = use_ssl.GetValue<bool>();
      if (found.GetScope() == duckdb::SettingScope::LOCAL || value != default_use_ssl_) {
        settings.use_ssl = value;
      }
    }
  }
  auto config = ResolveS3Config(settings, options_.environment);
  if (!config.ok()) ThrowIo(url + ": " + config.status().message());
  const auto& credentials = config->credentials;
  if (!config->anonymous && credentials.access_key_id.empty() &&
      credentials.secret_access_key.empty()) {
    ThrowIo(url +
            ": S3 credentials are missing: SET s3_access_key_id and s3_secret_access_key, or "
            "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  if (options_.multipart_threshold > 0) config->multipart_threshold = options_.multipart_threshold;
  if (options_.multipart_part_size > 0) config->multipart_part_size = options_.multipart_part_size;
  auto client = storage::S3Client::Create(std::move(config).value());
  if (!client.ok()) ThrowIo(url + ": " + client.status().message());
  return std::shared_ptr<const storage::S3Client>(std::move(client).value());
}

storage::ListResult S3FileSystem::List(const storage::S3Client& client, const std::string& bucket,
                                       const std::string& prefix,
                                       const std::string& delimiter) const {
  storage::ListResult result;
  storage::ListOptions options;
  options.prefix = prefix;
  options.delimiter = delimiter;
  std::string token;
  while (true) {
    auto page = client.ListObjectsV2(bucket, options, token);
    options_.stats->list_requests.fetch_add(1, std::memory_order_relaxed);
    if (!page.ok()) ThrowIo(page.status().message());
    for (auto& object : page->objects) result.objects.push_back(std::move(object));
    for (auto& common : page->common_prefixes) result.common_prefixes.push_back(std::move(common));
    if (!page->is_truncated) return result;
    if (page->next_continuation_token.empty() || page->next_continuation_token == token) {
      ThrowIo("LIST " + MakeS3Url(bucket, prefix) +
              ": the listing is truncated but the server gave no new continuation token");
    }
    token = page->next_continuation_token;
  }
}

duckdb::unique_ptr<FileHandle> S3FileSystem::OpenFile(const std::string& path,
                                                      duckdb::FileOpenFlags flags,
                                                      optional_ptr<FileOpener> opener) {
  return OpenFileExtended(duckdb::OpenFileInfo(path), flags, opener);
}

duckdb::unique_ptr<FileHandle> S3FileSystem::OpenFileExtended(const duckdb::OpenFileInfo& file,
                                                              duckdb::FileOpenFlags flags,
                                                              optional_ptr<FileOpener> opener) {
  const std::string& path = file.path;
  S3Location location = ParseOrThrow(path);
  if (location.key.empty() || location.key.back() == '/') {
    ThrowIo(path + ": names a bucket or a folder, not an object");
  }
  if (flags.OpenForWriting()) {
    if (flags.OpenForReading()) ThrowIo(path + ": S3 objects cannot be read and written at once");
    if (flags.OpenForAppending()) ThrowIo(path + ": S3 objects cannot be appended to");
    return duckdb::make_uniq<S3WriteHandle>(*this, path, flags, ClientFor(path, opener),
                                            std::move(location), options_.stats);
  }
  auto client = ClientFor(path, opener);
  // A glob's listing already said how large the object is: no HEAD needed then.
  if (file.extended_info) {
    const auto& info = file.extended_info->options;
    auto size = info.find("file_size");
    if (size != info.end() && !size->second.IsNull()) {
      std::string etag;
      duckdb::timestamp_t modified(0);
      if (auto e = info.find("etag"); e != info.end() && !e->second.IsNull()) {
        etag = e->second.ToString();
      }
      if (auto m = info.find("last_modified"); m != info.end() && !m->second.IsNull()) {
        modified = m->second.GetValue<duckdb::timestamp_t>();
      }
      return duckdb::make_uniq<S3ReadHandle>(*this, path, flags, std::move(client),
                                             std::move(location), size->second.GetValue<uint64_t>(),
                                             std::move(etag), modified, options_.stats,
                                             reread_.get(), &pool_);
    }
  }
  auto head = client->HeadObject(location.bucket, location.key);
  options_.stats->head_requests.fetch_add(1, std::memory_order_relaxed);
  if (!head.ok()) {
    if (head.status().code() == ErrorCode::kNotFound) {
      if (flags.ReturnNullIfNotExists()) return nullptr;
      // A HEAD answer has no body, so it cannot tell a missing key from a missing bucket; a
      // one-byte GET carries S3's error code and message.
      auto probe = client->GetRange(location.bucket, location.key, 0, 1);
      if (!probe.ok()) ThrowIo(probe.status().message());
    }
    ThrowIo(head.status().message());
  }
  return duckdb::make_uniq<S3ReadHandle>(*this, path, flags, std::move(client), std::move(location),
                                         head->size, head->etag, ParseS3Time(head->last_modified),
                                         options_.stats, reread_.get(), &pool_);
}

void S3FileSystem::Read(FileHandle& handle, void* buffer, int64_t nr_bytes,
                        duckdb::idx_t location) {
  auto& reader = AsReader(handle);
  const auto wanted = static_cast<size_t>(std::max<int64_t>(nr_bytes, 0));
  size_t got = reader.ReadAt(static_cast<char*>(buffer), wanted, location);
  if (got < wanted) {
    ThrowIo(handle.path + ": cannot read " + std::to_string(wanted) + " bytes at offset " +
            std::to_string(location) + ": the object holds " + std::to_string(reader.size) +
            " bytes");
  }
}

int64_t S3FileSystem::Read(FileHandle& handle, void* buffer, int64_t nr_bytes) {
  auto& reader = AsReader(handle);
  const uint64_t at = reader.position.load();
  size_t got = reader.ReadAt(static_cast<char*>(buffer),
                             static_cast<size_t>(std::max<int64_t>(nr_bytes, 0)), at);
  reader.position.store(at + got);
  return static_cast<int64_t>(got);
}

void S3FileSystem::Write(FileHandle& handle, void* buffer, int64_t nr_bytes,
                         duckdb::idx_t location) {
  AsWriter(handle).WriteAt(static_cast<const char*>(buffer),
                           static_cast<size_t>(std::max<int64_t>(nr_bytes, 0)), location);
}

int64_t S3FileSystem::Write(FileHandle& handle, void* buffer, int64_t nr_bytes) {
  auto& writer = AsWriter(handle);
  const auto n = static_cast<size_t>(std::max<int64_t>(nr_bytes, 0));
  writer.WriteAt(static_cast<const char*>(buffer), n, writer.position);
  writer.position += n;
  return static_cast<int64_t>(n);
}

int64_t S3FileSystem::GetFileSize(FileHandle& handle) {
  if (auto* reader = dynamic_cast<S3ReadHandle*>(&handle)) {
    return static_cast<int64_t>(reader->size);
  }
  return static_cast<int64_t>(AsWriter(handle).size);
}

duckdb::timestamp_t S3FileSystem::GetLastModifiedTime(FileHandle& handle) {
  if (auto* reader = dynamic_cast<S3ReadHandle*>(&handle)) return reader->last_modified;
  return duckdb::Timestamp::GetCurrentTimestamp();
}

std::string S3FileSystem::GetVersionTag(FileHandle& handle) {
  if (auto* reader = dynamic_cast<S3ReadHandle*>(&handle)) return reader->etag;
  return "";
}

duckdb::FileType S3FileSystem::GetFileType(FileHandle&) {
  return duckdb::FileType::FILE_TYPE_REGULAR;
}

void S3FileSystem::Truncate(FileHandle& handle, int64_t new_size) {
  AsWriter(handle).TruncateTo(static_cast<uint64_t>(std::max<int64_t>(new_size, 0)));
}

// The bytes are uploaded on Close(): an S3 object cannot be synced part by part.
void S3FileSystem::FileSync(FileHandle&) {}

void S3FileSystem::Seek(FileHandle& handle, duckdb::idx_t location) {
  if (auto* reader = dynamic_cast<S3ReadHandle*>(&handle)) {
    reader->position.store(location);
    return;
  }
  AsWriter(handle).position = location;
}

void S3FileSystem::Reset(FileHandle& handle) { Seek(handle, 0); }

duckdb::idx_t S3FileSystem::SeekPosition(FileHandle& handle) {
  if (auto* reader = dynamic_cast<S3ReadHandle*>(&handle)) return reader->position.load();
  return AsWriter(handle).position;
}

bool S3FileSystem::FileExists(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  if (location.key.empty() || location.key.back() == '/') return false;
  auto head = ClientFor(path, opener)->HeadObject(location.bucket, location.key);
  options_.stats->head_requests.fetch_add(1, std::memory_order_relaxed);
  if (head.ok()) return true;
  if (head.status().code() == ErrorCode::kNotFound) return false;
  ThrowIo(head.status().message());
}

bool S3FileSystem::DirectoryExists(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  auto client = ClientFor(path, opener);
  storage::ListOptions options;
  options.prefix = DirectoryPrefix(location.key);
  options.max_keys = 1;
  auto page = client->ListObjectsV2(location.bucket, options);
  options_.stats->list_requests.fetch_add(1, std::memory_order_relaxed);
  if (!page.ok()) ThrowIo(page.status().message());
  return !page->objects.empty() || !page->common_prefixes.empty();
}

void S3FileSystem::CreateDirectory(const std::string& path, optional_ptr<FileOpener>) {
  ParseOrThrow(path);
}

void S3FileSystem::RemoveDirectory(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  auto client = ClientFor(path, opener);
  std::vector<std::string> keys;
  for (auto& object : List(*client, location.bucket, DirectoryPrefix(location.key), "").objects) {
    keys.push_back(std::move(object.key));
  }
  Status status = client->DeleteObjects(location.bucket, keys);
  if (!status.ok()) ThrowIo(status.message());
}

void S3FileSystem::RemoveFile(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  Status status = ClientFor(path, opener)->DeleteObject(location.bucket, location.key);
  if (!status.ok()) ThrowIo(status.message());
}

bool S3FileSystem::TryRemoveFile(const std::string& path, optional_ptr<FileOpener> opener) {
  if (!FileExists(path, opener)) return false;
  RemoveFile(path, opener);
  return true;
}

void S3FileSystem::MoveFile(const std::string& source, const std::string& target,
                            optional_ptr<FileOpener> opener) {
  if (!IsS3Url(target)) ThrowIo("cannot move " + source + " to " + target + " (not s3://)");
  {
    auto in = OpenFile(source, duckdb::FileFlags::FILE_FLAGS_READ, opener);
    auto out = OpenFile(target, duckdb::FileFlags::FILE_FLAGS_WRITE, opener);
    std::string chunk(kMaxReadahead, '\0');
    while (true) {
      int64_t n = Read(*in, chunk.data(), static_cast<int64_t>(chunk.size()));
      if (n <= 0) break;
      Write(*out, chunk.data(), n);
    }
    out->Close();
  }
  RemoveFile(source, opener);
}

bool S3FileSystem::ListFiles(const std::string& directory,
                             const std::function<void(const std::string&, bool)>& callback,
                             FileOpener* opener) {
  S3Location location = ParseOrThrow(directory);
  const std::string prefix = DirectoryPrefix(location.key);
  auto listing = List(*ClientFor(directory, opener), location.bucket, prefix, "/");
  bool any = false;
  for (const auto& object : listing.objects) {
    if (object.key.size() <= prefix.size()) continue;  // the folder marker itself
    any = true;
    callback(object.key.substr(prefix.size()), false);
  }
  for (const auto& common : listing.common_prefixes) {
    std::string name = common.substr(prefix.size());
    if (!name.empty() && name.back() == '/') name.pop_back();
    any = true;
    callback(name, true);
  }
  return any;
}

duckdb::vector<duckdb::OpenFileInfo> S3FileSystem::Glob(const std::string& path,
                                                        FileOpener* opener) {
  S3Location location = ParseOrThrow(path);
  duckdb::vector<duckdb::OpenFileInfo> files;
  // A plain URL is returned as is, like httpfs does: opening it then says what is wrong with it
  // (no such key, no such bucket, no access) rather than "no files found".
  if (!HasGlobCharacters(location.key)) {
    files.emplace_back(path);
    return files;
  }
  auto client = ClientFor(path, opener);
  const std::string delimiter = IsSingleLevelPattern(location.key) ? "/" : "";
  auto listing = List(*client, location.bucket, LiteralPrefix(location.key), delimiter);
  for (const auto& object : listing.objects) {
    if (object.key.empty() || object.key.back() == '/') continue;  // folder markers
    if (!MatchKey(object.key, location.key)) continue;
    duckdb::OpenFileInfo info(MakeS3Url(location.bucket, object.key));
    info.extended_info = duckdb::make_shared_ptr<duckdb::ExtendedOpenFileInfo>();
    info.extended_info->options["file_size"] = duckdb::Value::UBIGINT(object.size);
    info.extended_info->options["etag"] = duckdb::Value(object.etag);
    info.extended_info->options["last_modified"] =
        duckdb::Value::TIMESTAMP(ParseS3Time(object.last_modified));
    files.push_back(std::move(info));
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace shoal::engine
