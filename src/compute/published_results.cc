#include "compute/published_results.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <system_error>
#include <vector>

#include "compute/files.h"
#include "compute/stores.h"
#include "compute/tar_gz_reader.h"
#include "models/spec_config.h"
#include "models/store_task.h"
#include "models/text.h"
#include "storage/s3_client.h"

namespace shoal::compute {

using models::StringParam;

namespace fs = std::filesystem;

namespace {

constexpr uint64_t kDownloadChunk = 8 << 20;

struct Published {
  std::string bucket;
  std::string key;
  std::string encoding;
  // `plain` with a Files param: exactly these paths are the tree (the key may be shared with
  // other executions' files). Without one, everything under the key.
  std::optional<std::set<std::string>> files;

  bool Wanted(const std::string& path) const { return !files || files->count(path) > 0; }
  // An error naming the first of `files` not in `found`.
  Status CheckAllFound(const std::vector<ResultFile>& found, const std::string& store) const {
    if (!files) return Status::Ok();
    std::set<std::string> missing = *files;
    for (const ResultFile& file : found) missing.erase(file.path);
    if (missing.empty()) return Status::Ok();
    return Status::NotFound("s3://" + bucket + "/" + key + *missing.begin() +
                            " of the published result is missing from store '" + store + "'");
  }
};

Result<Published> ParsePublished(const models::SpecConfig& published) {
  if (published.type != models::kPublisherS3) {
    return Status::InvalidArgument("published result of type '" + published.type +
                                   "' is not in a store");
  }
  Published p{StringParam(published.params, "Bucket"), StringParam(published.params, "Key"),
              models::ToLowerAscii(StringParam(published.params, "Encoding")), std::nullopt};
  if (p.encoding.empty()) p.encoding = "gzip";
  if (p.encoding != "gzip" && p.encoding != "plain") {
    return Status::InvalidArgument("published result has an unknown Encoding '" + p.encoding + "'");
  }
  SHOAL_RETURN_IF_ERROR(ValidateBucket(p.bucket));
  SHOAL_RETURN_IF_ERROR(ValidateKey(p.key, "published Key"));
  if (p.encoding == "gzip" && (p.key.empty() || p.key.back() == '/')) {
    return Status::InvalidArgument("published Key '" + p.key + "' does not name an archive");
  }
  // A plain key is a folder: "out" must not also list "outside/...".
  if (p.encoding == "plain" && !p.key.empty() && p.key.back() != '/') p.key += '/';
  if (p.encoding == "plain") {
    if (auto files = models::PublishedFiles(published)) {
      p.files.emplace();
      for (const models::PublishedFile& file : *files) p.files->insert(file.path);
    }
  }
  return p;
}

// s3://bucket/key, for messages.
std::string S3Url(const Published& p, const std::string& key) {
  return "s3://" + p.bucket + "/" + key;
}

// A temporary file of the publisher (see files.h), left behind by a publish that died midway.
bool IsTemporary(const std::string& path) {
  const std::string name = fs::path(path).filename().string();
  return name.size() > 1 && name.front() == '.' && name.ends_with(".shoal-tmp");
}

Status Cancelled(const std::atomic<bool>* stop) {
  if (stop != nullptr && stop->load()) return Status(ErrorCode::kCancelled, "fetch cancelled");
  return Status::Ok();
}

// Streams one object into `path` in ranged GETs, so a large object never sits in memory whole.
// An object listed as empty is not fetched at all: a ranged GET of nothing is a 416 on S3, and
// some S3 servers (s3rver) answer it with a broken body.
Status DownloadToFile(const storage::S3Client& client, const std::string& bucket,
                      const std::string& key, const std::string& path,
                      const std::atomic<bool>* stop, bool known_empty = false) {
  std::error_code error;
  fs::create_directories(fs::path(path).parent_path(), error);
  if (error) return Status::IoError("cannot create the folder of " + path + ": " + error.message());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status::IoError("cannot create " + path);
  std::vector<char> buffer(known_empty ? 0 : kDownloadChunk);
  for (uint64_t offset = 0; !known_empty; offset += kDownloadChunk) {
    SHOAL_RETURN_IF_ERROR(Cancelled(stop));
    SHOAL_ASSIGN_OR_RETURN(size_t got,
                           client.GetRange(bucket, key, offset, buffer.size(), buffer.data()));
    out.write(buffer.data(), static_cast<std::streamsize>(got));
    if (!out) return Status::IoError("cannot write " + path);
    if (got < buffer.size()) break;
  }
  out.close();
  if (!out) return Status::IoError("cannot write " + path);
  return Status::Ok();
}

std::vector<ResultFile> ToResultFiles(const std::vector<ExtractedFile>& extracted) {
  std::vector<ResultFile> files;
  for (const ExtractedFile& file : extracted) files.push_back({file.path, file.size});
  return files;
}

// Extracts `archive` (a local file); `what` names it in errors.
Result<std::vector<ResultFile>> ExtractArchive(const std::string& archive,
                                               const std::string& target_dir,
                                               const std::string& what) {
  Result<std::vector<ExtractedFile>> extracted = ExtractTarGz(archive, target_dir);
  if (!extracted.ok()) return extracted.status().WithContext("reading " + what);
  return ToResultFiles(*extracted);
}

Result<std::vector<ResultFile>> ReadFromFolderStore(const StoreConfig& store, const Published& p,
                                                    const std::string& target_dir,
                                                    const std::atomic<bool>* stop) {
  SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(store, p.bucket));
  std::error_code error;
  if (p.encoding == "gzip") {
    const std::string archive = bucket_dir + "/" + p.key;
    if (!fs::is_regular_file(archive, error)) {
      return Status::NotFound(S3Url(p, p.key) + " does not exist in store '" + store.name + "'");
    }
    return ExtractArchive(archive, target_dir, S3Url(p, p.key));
  }
  const std::string prefix = bucket_dir + "/" + p.key;
  if (!fs::is_directory(prefix, error)) {
    return Status::NotFound("nothing is published under " + S3Url(p, p.key) + " in store '" +
                            store.name + "'");
  }
  SHOAL_ASSIGN_OR_RETURN(std::vector<FileEntry> entries, ListFilesRecursive(prefix));
  std::vector<ResultFile> files;
  for (const FileEntry& entry : entries) {
    if (IsTemporary(entry.path) || !p.Wanted(entry.path)) continue;
    SHOAL_RETURN_IF_ERROR(Cancelled(stop));
    SHOAL_RETURN_IF_ERROR(
        CopyFileAtomically(prefix + "/" + entry.path, target_dir + "/" + entry.path));
    files.push_back({entry.path, entry.size});
  }
  SHOAL_RETURN_IF_ERROR(p.CheckAllFound(files, store.name));
  if (files.empty()) {
    return Status::NotFound("nothing is published under " + S3Url(p, p.key) + " in store '" +
                            store.name + "'");
  }
  return files;
}

Result<std::vector<ResultFile>> ReadFromS3Store(const StoreConfig& store, const Published& p,
                                                const std::string& target_dir,
                                                const std::atomic<bool>* stop) {
  SHOAL_ASSIGN_OR_RETURN(auto client, storage::S3Client::Create(*store.s3));
  if (p.encoding == "gzip") {
    const std::string archive = target_dir + ".tar.gz";
    Status downloaded = DownloadToFile(*client, p.bucket, p.key, archive, stop);
    Result<std::vector<ResultFile>> files =
        downloaded.ok() ? ExtractArchive(archive, target_dir, S3Url(p, p.key)) : downloaded;
    std::error_code error;
    fs::remove(archive, error);
    return files;
  }
  storage::ListOptions options;
  options.prefix = p.key;
  SHOAL_ASSIGN_OR_RETURN(storage::ListResult listed, client->ListAllObjects(p.bucket, options));
  std::vector<ResultFile> files;
  for (const storage::ObjectInfo& object : listed.objects) {
    std::string relative = object.key.substr(std::min(p.key.size(), object.key.size()));
    if (relative.empty() || relative.back() == '/') continue;  // folder markers
    SHOAL_ASSIGN_OR_RETURN(std::string path, SafeEntryPath(relative));
    if (!p.Wanted(path)) continue;
    SHOAL_RETURN_IF_ERROR(DownloadToFile(*client, p.bucket, object.key, target_dir + "/" + path,
                                         stop,
                                         /*known_empty=*/object.size == 0));
    files.push_back({path, static_cast<int64_t>(object.size)});
  }
  SHOAL_RETURN_IF_ERROR(p.CheckAllFound(files, store.name));
  if (files.empty()) {
    return Status::NotFound("nothing is published under " + S3Url(p, p.key) + " in store '" +
                            store.name + "'");
  }
  std::sort(files.begin(), files.end(),
            [](const ResultFile& a, const ResultFile& b) { return a.path < b.path; });
  return files;
}

}  // namespace

Result<const StoreConfig*> FindPublishedStore(const models::SpecConfig& published,
                                              const std::vector<StoreConfig>& stores) {
  const std::string location = StringParam(published.params, "StoreLocation");
  if (location.empty()) {
    const std::string name = StringParam(published.params, "Store");
    return FindStore(stores, name.empty() ? StringParam(published.params, "Endpoint") : name);
  }
  for (const StoreConfig& store : stores) {
    if (StoreLocation(store) == location) return &store;
  }
  return Status::NotFound("this node has no store at " + location);
}

Result<std::vector<ResultFile>> ReadPublishedResults(const models::SpecConfig& published,
                                                     const std::vector<StoreConfig>& stores,
                                                     const std::string& target_dir,
                                                     const std::atomic<bool>* stop) {
  SHOAL_ASSIGN_OR_RETURN(Published p, ParsePublished(published));
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store, FindPublishedStore(published, stores));
  std::error_code error;
  fs::create_directories(target_dir, error);
  if (error) return Status::IoError("cannot create " + target_dir + ": " + error.message());
  if (store->is_s3()) return ReadFromS3Store(*store, p, target_dir, stop);
  return ReadFromFolderStore(*store, p, target_dir, stop);
}

Status DeletePublishedResults(const models::SpecConfig& published,
                              const std::vector<std::string>& paths,
                              const std::vector<StoreConfig>& stores) {
  SHOAL_ASSIGN_OR_RETURN(Published p, ParsePublished(published));
  if (p.key.empty()) {
    return Status::InvalidArgument("refusing to remove a whole bucket ('" + p.bucket + "')");
  }
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store, FindPublishedStore(published, stores));
  if (!store->is_s3()) {
    SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(*store, p.bucket));
    std::string target = bucket_dir + "/" + p.key;
    while (target.back() == '/') target.pop_back();
    std::error_code error;
    if (p.encoding == "plain") {
      fs::remove_all(target, error);  // the files and the temporaries beside them
    } else {
      fs::remove(target, error);
      if (!error) fs::remove(TemporaryPathFor(target), error);
    }
    if (error) return Status::IoError("cannot remove " + S3Url(p, p.key) + ": " + error.message());
    return Status::Ok();
  }
  SHOAL_ASSIGN_OR_RETURN(auto client, storage::S3Client::Create(*store->s3));
  std::vector<std::string> keys;
  if (p.encoding == "plain") {
    storage::ListOptions options;
    options.prefix = p.key;
    SHOAL_ASSIGN_OR_RETURN(storage::ListResult listed, client->ListAllObjects(p.bucket, options));
    for (const storage::ObjectInfo& object : listed.objects) keys.push_back(object.key);
    for (const std::string& path : paths) keys.push_back(p.key + path);
    std::sort(keys.begin(), keys.end());
    keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  } else {
    keys.push_back(p.key);
  }
  Status deleted = client->DeleteObjects(p.bucket, keys);
  return deleted.WithContext("removing what was published under " + S3Url(p, p.key));
}

}  // namespace shoal::compute
