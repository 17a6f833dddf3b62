#include "compute/inputs/s3_input_selection.h"

#include <fstream>

#include <openssl/evp.h>
#include <re2/re2.h>

#include "compute/stores.h"
#include "models/spec_config.h"
#include "models/text.h"

namespace shoal::compute {

using models::StringParam;

namespace {}  // namespace

// Which objects of the listing belong to this execution (Params.Partition).
class PartitionFilter {
 public:
  static Result<PartitionFilter> Make(const nlohmann::json& params, int64_t index, int64_t count) {
    PartitionFilter filter;
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

  // `relative`: the key without the listing prefix (and a '/' after it).
  bool Selects(std::string_view relative) const {
    if (type_.empty() || type_ == "none" || count_ == 1) return true;
    return PartitionOf(relative) == index_;
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
  int64_t index_ = 0;
  int64_t count_ = 1;
  std::shared_ptr<RE2> regex_;
  int64_t start_ = 0;
  int64_t end_ = 0;
};

S3KeySelection::S3KeySelection() = default;
S3KeySelection::S3KeySelection(S3KeySelection&&) noexcept = default;
S3KeySelection& S3KeySelection::operator=(S3KeySelection&&) noexcept = default;
S3KeySelection::~S3KeySelection() = default;

Result<S3KeySelection> S3KeySelection::Make(const nlohmann::json& params, int64_t partition_index,
                                            int64_t partition_count) {
  S3KeySelection selection;
  S3InputParams& p = selection.params_;
  p.bucket = StringParam(params, "Bucket");
  p.key = StringParam(params, "Key");
  p.endpoint = StringParam(params, "Endpoint");
  p.version_id = StringParam(params, "VersionID");
  p.checksum_sha256 = StringParam(params, "ChecksumSHA256");
  SHOAL_RETURN_IF_ERROR(ValidateKey(p.key, "Key"));
  selection.prefix_ = p.key;
  if (!p.key.empty() && p.key.back() == '*') selection.prefix_.pop_back();
  if (const std::string pattern = StringParam(params, "Filter"); !pattern.empty()) {
    selection.filter_ = std::make_unique<RE2>(pattern, RE2::Quiet);
    if (!selection.filter_->ok()) {
      return Status::InvalidArgument("Filter: " + selection.filter_->error());
    }
  }
  SHOAL_ASSIGN_OR_RETURN(PartitionFilter partition,
                         PartitionFilter::Make(params, partition_index, partition_count));
  selection.partition_ = std::make_unique<PartitionFilter>(std::move(partition));
  return selection;
}

bool S3KeySelection::MayNameObject() const {
  return !params_.key.empty() && params_.key.back() != '/' && params_.key.back() != '*';
}

void S3KeySelection::ReadAsFolder() {
  if (MayNameObject()) prefix_ = params_.key + "/";
}

std::string S3KeySelection::Base() const { return prefix_.substr(0, prefix_.rfind('/') + 1); }

std::vector<std::string> S3KeySelection::Select(std::vector<std::string> listed) const {
  std::vector<std::string> selected;
  for (std::string& key : listed) {
    if (!models::StartsWith(key, prefix_)) continue;
    if (!key.empty() && key.back() == '/') continue;  // a directory marker, not data
    if (filter_ != nullptr && !RE2::PartialMatch(key, *filter_)) continue;
    std::string_view relative(key);
    relative.remove_prefix(prefix_.size());
    if (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
    if (!partition_->Selects(relative)) continue;
    selected.push_back(std::move(key));
  }
  return selected;
}

std::string S3KeySelection::RelativePath(std::string_view key) const {
  const std::string base = Base();
  return std::string(models::StartsWith(key, base) ? key.substr(base.size()) : key);
}

Status S3KeySelection::NothingMatches(std::string_view store_name) const {
  return Status::NotFound("no object matches Key '" + params_.key + "' in bucket '" +
                          params_.bucket + "' of store '" + std::string(store_name) + "'");
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

Status CheckSha256(const std::string& path, std::string_view key, const std::string& expected) {
  if (expected.empty()) return Status::Ok();
  SHOAL_ASSIGN_OR_RETURN(const std::string actual, Sha256Base64(path));
  if (actual == expected) return Status::Ok();
  return Status::InvalidArgument("ChecksumSHA256: object '" + std::string(key) + "' has " + actual +
                                 ", not " + expected);
}

uint32_t Fnv1a32(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

}  // namespace shoal::compute
