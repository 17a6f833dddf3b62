// What an `s3` InputSource asks for and which objects it selects, shared by staging from folder
// stores (input_sources.cc) and from S3 stores (s3_input_staging.cc), so that both pick the same
// objects and lay them out the same way.
//
// Key is an object, a `prefix/`, or ends in `*` (the listing prefix is then Key without it). A Key
// that ends in neither may name one object; when the store has none by that name, it is read as
// `Key/` (a folder). Selected are the listed keys that start with the listing prefix, are not
// directory markers (keys ending in '/'), match Filter (RE2, unanchored, on the full key) and
// fall in this execution's Partition share (Bacalhau's FNV-1a over the key relative to the
// prefix). Each lands at its path relative to the prefix's directory, the part of the prefix up to
// its last '/': Key `transactions/*` puts `transactions/compute-us-1/data/x.jsonl` at
// `compute-us-1/data/x.jsonl`.
//
// Thread-safety: Make() and ReadAsFolder() build a selection; its const methods may then be
// called from any number of threads.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace re2 {
class RE2;
}

namespace shoal::compute {

struct StagedObjects {
  int64_t objects = 0;
  int64_t bytes = 0;
};

// The Params of an `s3` InputSource that are not about selecting keys. Region is not here: a
// named store's own configuration decides where it is and how requests are signed.
struct S3InputParams {
  std::string bucket;
  std::string key;
  std::string endpoint;
  std::string version_id;
  std::string checksum_sha256;  // base64, as S3 states it
};

class PartitionFilter;

class S3KeySelection {
 public:
  // Reads the Params (Key checked with ValidateKey, Filter and Partition compiled). Errors name
  // the field, e.g. "Partition.Pattern: missing )".
  static Result<S3KeySelection> Make(const nlohmann::json& params, int64_t partition_index,
                                     int64_t partition_count);

  S3KeySelection(S3KeySelection&&) noexcept;
  S3KeySelection& operator=(S3KeySelection&&) noexcept;
  ~S3KeySelection();

  const S3InputParams& params() const { return params_; }

  // True when Key may name a single object (not empty, no trailing '/' or '*'). The caller looks
  // for that object and, when there is none, calls ReadAsFolder().
  bool MayNameObject() const;
  void ReadAsFolder();

  // The listing prefix: Key, without its trailing '*', with the '/' ReadAsFolder() added.
  const std::string& prefix() const { return prefix_; }
  // The directory of the prefix ("" or ending in '/'): target paths are relative to it.
  std::string Base() const;

  // The keys of `listed` this execution stages, in the same order.
  std::vector<std::string> Select(std::vector<std::string> listed) const;

  // Where `key` (a selected key) lands, relative to the target folder.
  std::string RelativePath(std::string_view key) const;

  // kNotFound: "no object matches Key 'K' in bucket 'B' of store 'S'".
  Status NothingMatches(std::string_view store_name) const;

 private:
  S3KeySelection();

  S3InputParams params_;
  std::string prefix_;
  std::unique_ptr<re2::RE2> filter_;
  std::unique_ptr<PartitionFilter> partition_;
};

// The base64 SHA-256 of a file, as S3's ChecksumSHA256 states it.
Result<std::string> Sha256Base64(const std::string& path);

// kInvalidArgument "ChecksumSHA256: object 'K' has X, not Y" unless `expected` is empty or is the
// checksum of `path` (the staged copy of `key`).
Status CheckSha256(const std::string& path, std::string_view key, const std::string& expected);

// Bacalhau's S3 partition hash: FNV-1a, 32 bits.
uint32_t Fnv1a32(std::string_view text);

}  // namespace shoal::compute
