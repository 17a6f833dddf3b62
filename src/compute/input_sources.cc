#include "compute/input_sources.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <system_error>

#include <openssl/evp.h>
#include <re2/re2.h>

#include "compute/files.h"
#include "compute/sandbox.h"
#include "compute/stores.h"
#include "models/text.h"

namespace shoal::compute {

namespace fs = std::filesystem;

namespace {

std::string StringParam(const nlohmann::json& params, const char* field) {
  auto it = params.find(field);
  return it != params.end() && it->is_string() ? it->get<std::string>() : "";
}

bool IsInsideAllowed(const fs::path& real, const std::vector<std::string>& allowed) {
  for (const std::string& folder : allowed) {
    std::error_code error;
    const fs::path allowed_real = fs::canonical(folder, error);
    if (!error && PathWithin(real.string(), allowed_real.string())) return true;
  }
  return false;
}

// Which objects of the listing belong to this execution (Params.Partition).
class PartitionFilter {
 public:
  static Result<PartitionFilter> Make(const nlohmann::json& params, const std::string& prefix,
                                      int64_t index, int64_t count) {
    PartitionFilter filter;
    filter.prefix_ = prefix;
    filter.index_ = index;
    filter.count_ = count;
    auto partition = params.find("Partition");
    if (partition == params.end() || !partition->is_object()) return filter;
    filter.type_ = models::ToLowerAscii(StringParam(*partition, "Type"));
    if (filter.type_.empty() || filter.type_ == "none") return filter;
    if (count < 1) {
      return Status::InvalidArgument(
          "Partition: partitioning needs a batch job with Count >= 1; this execution's "
          "partition count is " +
          std::to_string(count));
    }
    if (filter.type_ == "date") {
      return Status::InvalidArgument(
          "Partition: Type 'date' is not supported yet; use object, "
          "regex or substring");
    }
    if (filter.type_ == "regex") {
      filter.regex_ = std::make_shared<RE2>(StringParam(*partition, "Pattern"), RE2::Quiet);
      if (!filter.regex_->ok()) {
        return Status::InvalidArgument("Partition.Pattern: " + filter.regex_->error());
      }
    } else if (filter.type_ == "substring") {
      filter.start_ = partition->value("StartIndex", int64_t{0});
      filter.end_ = partition->value("EndIndex", int64_t{0});
    } else if (filter.type_ != "object") {
      return Status::InvalidArgument("Partition: unknown Type '" + filter.type_ + "'");
    }
    return filter;
  }

  bool Selects(const std::string& key) const {
    if (type_.empty() || type_ == "none" || count_ == 1) return true;
    std::string_view trimmed = key;
    if (trimmed.substr(0, prefix_.size()) == prefix_) trimmed.remove_prefix(prefix_.size());
    if (!trimmed.empty() && trimmed.front() == '/') trimmed.remove_prefix(1);
    return PartitionOf(trimmed) == index_;
  }

 private:
  int64_t PartitionOf(std::string_view key) const {
    if (type_ == "regex") {
      const int groups = regex_->NumberOfCapturingGroups();
      std::vector<re2::StringPiece> match(static_cast<size_t>(groups) + 1);
      if (!regex_->Match(key, 0, key.size(), RE2::UNANCHORED, match.data(),
                         static_cast<int>(match.size()))) {
        return 0;
      }
      std::string joined;
      if (groups == 0) joined = std::string(match[0].data(), match[0].size());
      for (int i = 1; i <= groups; ++i) {
        const auto& group = match[static_cast<size_t>(i)];
        if (group.empty()) continue;
        if (!joined.empty()) joined += '\x1f';
        joined.append(group.data(), group.size());
      }
      return Fnv1a32(joined) % count_;
    }
    if (type_ == "substring") {
      if (end_ > static_cast<int64_t>(key.size()) || start_ < 0 || end_ <= start_) return 0;
      return Fnv1a32(key.substr(static_cast<size_t>(start_), static_cast<size_t>(end_ - start_))) %
             count_;
    }
    return Fnv1a32(key) % count_;
  }

  std::string type_;
  std::string prefix_;
  int64_t index_ = 0;
  int64_t count_ = 1;
  std::shared_ptr<RE2> regex_;
  int64_t start_ = 0;
  int64_t end_ = 0;
};

// Keys of every regular file below `bucket_dir`/`dir_prefix` (a '/'-terminated key or "").
Result<std::vector<std::string>> ListKeys(const std::string& bucket_dir,
                                          const std::string& dir_prefix) {
  std::vector<std::string> keys;
  const fs::path start = fs::path(bucket_dir) / dir_prefix;
  std::error_code error;
  if (!fs::is_directory(start, error)) return keys;
  fs::recursive_directory_iterator it(start, error), end;
  for (; !error && it != end; it.increment(error)) {
    const fs::file_status status = it->symlink_status(error);
    if (error || !fs::is_regular_file(status)) continue;
    const std::string name = it->path().filename().string();
    if (name.size() > 10 && name.compare(name.size() - 10, 10, ".shoal-tmp") == 0) continue;
    keys.push_back(fs::relative(it->path(), bucket_dir).generic_string());
  }
  if (error) return Status::IoError("cannot list the bucket: " + error.message());
  std::sort(keys.begin(), keys.end());
  return keys;
}

Result<std::string> Sha256Base64(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot read " + path);
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> context(EVP_MD_CTX_new(),
                                                                  EVP_MD_CTX_free);
  EVP_DigestInit_ex(context.get(), EVP_sha256(), nullptr);
  std::vector<char> buffer(1 << 16);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    EVP_DigestUpdate(context.get(), buffer.data(), static_cast<size_t>(in.gcount()));
  }
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned length = 0;
  EVP_DigestFinal_ex(context.get(), digest, &length);
  unsigned char encoded[4 * EVP_MAX_MD_SIZE];
  const int size = EVP_EncodeBlock(encoded, digest, static_cast<int>(length));
  return std::string(reinterpret_cast<char*>(encoded), static_cast<size_t>(size));
}

}  // namespace

uint32_t Fnv1a32(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

Result<LocalInput> ResolveLocalInput(const models::SpecConfig& source,
                                     const std::vector<std::string>& allowed_local_paths) {
  const std::string source_path = StringParam(source.params, "SourcePath");
  const std::string create_as = StringParam(source.params, "CreateAs");
  const std::string quoted = "SourcePath '" + source_path + "'";
  if (source_path.empty() || source_path.front() != '/') {
    return Status::InvalidArgument(quoted + " must be an absolute path");
  }
  std::error_code error;
  // Resolve what exists (symlinks, '..') before judging where the path leads.
  const fs::path resolved = fs::weakly_canonical(fs::path(source_path), error);
  if (error) return Status::InvalidArgument(quoted + " cannot be resolved: " + error.message());
  if (!IsInsideAllowed(resolved, allowed_local_paths)) {
    return Status::PermissionDenied(
        quoted + " is not inside a folder this node allows for local inputs" +
        (allowed_local_paths.empty()
             ? std::string(" (it allows none)")
             : " (allowed: " + models::JoinComma(allowed_local_paths) + ")"));
  }
  if (!fs::exists(resolved, error)) {
    if (create_as == "dir") {
      fs::create_directories(resolved, error);
    } else if (create_as == "file") {
      fs::create_directories(resolved.parent_path(), error);
      if (!error) std::ofstream(resolved.string(), std::ios::app);
    } else {
      return Status::NotFound(quoted +
                              " does not exist on this node (CreateAs: dir or file creates it)");
    }
    if (error) return Status::IoError("cannot create " + quoted + ": " + error.message());
  }
  const fs::path real = fs::canonical(resolved, error);
  if (error || !IsInsideAllowed(real, allowed_local_paths)) {
    return Status::PermissionDenied(quoted + " is not inside a folder this node allows");
  }
  auto read_write = source.params.find("ReadWrite");
  const bool writable =
      read_write != source.params.end() && read_write->is_boolean() && read_write->get<bool>();
  return LocalInput{real.string(), !writable};
}

Result<StagedObjects> StageS3Input(const models::SpecConfig& source,
                                   const std::vector<StoreConfig>& stores,
                                   const std::string& target_dir, int64_t partition_index,
                                   int64_t partition_count, const std::atomic<bool>* stop) {
  const nlohmann::json& params = source.params;
  const std::string bucket = StringParam(params, "Bucket");
  const std::string key = StringParam(params, "Key");
  if (!StringParam(params, "VersionID").empty()) {
    return Status::InvalidArgument("VersionID: folder-backed stores keep no object versions");
  }
  SHOAL_RETURN_IF_ERROR(ValidateKey(key, "Key"));
  SHOAL_ASSIGN_OR_RETURN(const StoreConfig* store,
                         FindStore(stores, StringParam(params, "Endpoint")));
  SHOAL_ASSIGN_OR_RETURN(const std::string bucket_dir, BucketDirectory(*store, bucket));
  std::unique_ptr<RE2> filter;
  if (const std::string pattern = StringParam(params, "Filter"); !pattern.empty()) {
    filter = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!filter->ok()) return Status::InvalidArgument("Filter: " + filter->error());
  }

  // The listing prefix, and the directory the copied paths are relative to.
  std::string prefix = key;
  std::vector<std::string> keys;
  std::error_code error;
  if (!key.empty() && key.back() == '*') {
    prefix.pop_back();
  } else if (!key.empty() && key.back() != '/') {
    const fs::path object = fs::path(bucket_dir) / key;
    if (fs::is_regular_file(fs::symlink_status(object, error))) {
      keys.push_back(key);
    } else if (fs::is_directory(object, error)) {
      prefix += '/';
    } else {
      return Status::NotFound("no object matches Key '" + key + "' in bucket '" + bucket +
                              "' of store '" + store->name + "'");
    }
  }
  const std::string base = prefix.substr(0, prefix.rfind('/') + 1);
  if (keys.empty()) {
    SHOAL_ASSIGN_OR_RETURN(std::vector<std::string> listed, ListKeys(bucket_dir, base));
    for (std::string& listed_key : listed) {
      if (models::StartsWith(listed_key, prefix)) keys.push_back(std::move(listed_key));
    }
  }
  SHOAL_ASSIGN_OR_RETURN(PartitionFilter partition,
                         PartitionFilter::Make(params, prefix, partition_index, partition_count));
  const std::string checksum = StringParam(params, "ChecksumSHA256");

  StagedObjects staged;
  for (const std::string& object_key : keys) {
    if (stop != nullptr && stop->load()) return Status(ErrorCode::kCancelled, "staging stopped");
    if (filter != nullptr && !RE2::PartialMatch(object_key, *filter)) continue;
    if (!partition.Selects(object_key)) continue;
    const std::string from = bucket_dir + "/" + object_key;
    if (!checksum.empty()) {
      SHOAL_ASSIGN_OR_RETURN(const std::string actual, Sha256Base64(from));
      if (actual != checksum) {
        return Status::InvalidArgument("ChecksumSHA256: object '" + object_key + "' has " + actual +
                                       ", not " + checksum);
      }
    }
    const std::string relative = object_key.substr(base.size());
    SHOAL_RETURN_IF_ERROR(CopyFileAtomically(from, target_dir + "/" + relative));
    staged.objects += 1;
    staged.bytes += static_cast<int64_t>(fs::file_size(from, error));
  }
  return staged;
}

}  // namespace shoal::compute
