#include "engine/s3_file_system.h"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <utility>

#include "duckdb/common/file_opener.hpp"
#include "duckdb/common/types/timestamp.hpp"

#include "engine/s3_file_handle.h"
#include "engine/s3_settings.h"

namespace shoal::engine {

namespace {

using duckdb::FileHandle;
using duckdb::FileOpener;
using duckdb::optional_ptr;

// First buffers kept for DuckDB's second read of a file (see s3_reread_cache.h).
constexpr size_t kMinRereadSize = 64 << 10;
constexpr std::chrono::milliseconds kRereadTtl{30000};

// Chunk size when MoveFile copies an object through memory.
constexpr size_t kCopyChunk = 16 << 20;

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
  if (!location.ok()) ThrowS3Error(location.status().message());
  return std::move(location).value();
}

S3ReadHandle& AsReader(FileHandle& handle) {
  auto* reader = dynamic_cast<S3ReadHandle*>(&handle);
  if (reader == nullptr) ThrowS3Error(handle.path + ": is open for writing, not reading");
  return *reader;
}

S3WriteHandle& AsWriter(FileHandle& handle) {
  auto* writer = dynamic_cast<S3WriteHandle*>(&handle);
  if (writer == nullptr) ThrowS3Error(handle.path + ": is open for reading, not writing");
  return *writer;
}

// "dir/" for a directory URL's key: what lies below it. The bucket root is "".
std::string DirectoryPrefix(const std::string& key) {
  if (key.empty() || key.back() == '/') return key;
  return key + "/";
}

}  // namespace

S3FileSystem::S3FileSystem(Options options)
    : options_(std::move(options)), pool_(kS3MaxParallelGets - 1) {
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
  std::string alias;
  auto config = ResolveS3Config(settings, options_.environment, options_.endpoint_aliases, &alias);
  if (!config.ok()) ThrowS3Error(url + ": " + config.status().message());
  if (options_.sandboxed && alias.empty()) {
    const std::string endpoint =
        config->endpoint.empty() ? "AWS (no s3_endpoint)" : "'" + config->endpoint + "'";
    throw duckdb::PermissionException(
        "Cannot access \"%s\": endpoint %s is not one of this node's S3 stores; this execution "
        "reaches only %s",
        url, endpoint, options_.reach);
  }
  const auto& credentials = config->credentials;
  if (!config->anonymous && credentials.access_key_id.empty() &&
      credentials.secret_access_key.empty()) {
    ThrowS3Error(url +
                 ": S3 credentials are missing: SET s3_access_key_id and s3_secret_access_key, or "
                 "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment");
  }
  if (options_.multipart_threshold > 0) config->multipart_threshold = options_.multipart_threshold;
  if (options_.multipart_part_size > 0) config->multipart_part_size = options_.multipart_part_size;
  auto client = storage::S3Client::Create(std::move(config).value());
  if (!client.ok()) ThrowS3Error(url + ": " + client.status().message());
  return std::shared_ptr<const storage::S3Client>(std::move(client).value());
}

void S3FileSystem::CheckWritable(const std::string& url) const {
  if (!options_.sandboxed) return;
  throw duckdb::PermissionException(
      "Cannot write \"%s\": s3:// is read-only in this execution; write under its outputs "
      "(its publisher publishes them)",
      url);
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
    if (!page.ok()) ThrowS3Error(page.status().message());
    for (auto& object : page->objects) result.objects.push_back(std::move(object));
    for (auto& common : page->common_prefixes) result.common_prefixes.push_back(std::move(common));
    if (!page->is_truncated) return result;
    if (page->next_continuation_token.empty() || page->next_continuation_token == token) {
      ThrowS3Error("LIST " + MakeS3Url(bucket, prefix) +
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
    ThrowS3Error(path + ": names a bucket or a folder, not an object");
  }
  if (flags.OpenForWriting()) {
    CheckWritable(path);
    if (flags.OpenForReading())
      ThrowS3Error(path + ": S3 objects cannot be read and written at once");
    if (flags.OpenForAppending()) ThrowS3Error(path + ": S3 objects cannot be appended to");
    return duckdb::make_uniq<S3WriteHandle>(*this, path, flags, ClientFor(path, opener),
                                            std::move(location), options_.stats);
  }
  auto client = ClientFor(path, opener);
  if (options_.read_counters) options_.read_counters->NoteFileOpened(path);
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
    const ErrorCode code = head.status().code();
    if (code == ErrorCode::kNotFound && flags.ReturnNullIfNotExists()) return nullptr;
    if (code == ErrorCode::kNotFound || code == ErrorCode::kPermissionDenied ||
        code == ErrorCode::kUnauthenticated || code == ErrorCode::kInvalidArgument) {
      // A HEAD answer has no body, so it cannot tell a missing key from a missing bucket, or a
      // wrong key id from a wrong secret; a one-byte GET carries S3's error code and message.
      auto probe = client->GetRange(location.bucket, location.key, 0, 1);
      if (!probe.ok()) ThrowS3Error(probe.status().message());
    }
    ThrowS3Error(head.status().message());
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
    ThrowS3Error(handle.path + ": cannot read " + std::to_string(wanted) + " bytes at offset " +
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
  ThrowS3Error(head.status().message());
}

bool S3FileSystem::DirectoryExists(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  auto client = ClientFor(path, opener);
  storage::ListOptions options;
  options.prefix = DirectoryPrefix(location.key);
  options.max_keys = 1;
  auto page = client->ListObjectsV2(location.bucket, options);
  options_.stats->list_requests.fetch_add(1, std::memory_order_relaxed);
  if (!page.ok()) ThrowS3Error(page.status().message());
  return !page->objects.empty() || !page->common_prefixes.empty();
}

void S3FileSystem::CreateDirectory(const std::string& path, optional_ptr<FileOpener>) {
  ParseOrThrow(path);
  CheckWritable(path);
}

void S3FileSystem::RemoveDirectory(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  CheckWritable(path);
  auto client = ClientFor(path, opener);
  std::vector<std::string> keys;
  for (auto& object : List(*client, location.bucket, DirectoryPrefix(location.key), "").objects) {
    keys.push_back(std::move(object.key));
  }
  Status status = client->DeleteObjects(location.bucket, keys);
  if (!status.ok()) ThrowS3Error(status.message());
}

void S3FileSystem::RemoveFile(const std::string& path, optional_ptr<FileOpener> opener) {
  S3Location location = ParseOrThrow(path);
  CheckWritable(path);
  Status status = ClientFor(path, opener)->DeleteObject(location.bucket, location.key);
  if (!status.ok()) ThrowS3Error(status.message());
}

bool S3FileSystem::TryRemoveFile(const std::string& path, optional_ptr<FileOpener> opener) {
  CheckWritable(path);
  if (!FileExists(path, opener)) return false;
  RemoveFile(path, opener);
  return true;
}

void S3FileSystem::MoveFile(const std::string& source, const std::string& target,
                            optional_ptr<FileOpener> opener) {
  if (!IsS3Url(target)) ThrowS3Error("cannot move " + source + " to " + target + " (not s3://)");
  CheckWritable(source);
  {
    auto in = OpenFile(source, duckdb::FileFlags::FILE_FLAGS_READ, opener);
    auto out = OpenFile(target, duckdb::FileFlags::FILE_FLAGS_WRITE, opener);
    std::string chunk(kCopyChunk, '\0');
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
