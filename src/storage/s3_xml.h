// The S3 XML documents the client reads and writes: ListObjectsV2 results, Error bodies,
// InitiateMultipartUpload and CompleteMultipartUpload results, DeleteObjects requests and
// results. Parsing goes through xml_reader; a document of the wrong shape is an
// kInvalidArgument Status that says which document and what is wrong, never a crash.
//
// Thread-safety: stateless functions; the structs are plain values.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::storage {

struct ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;           // as S3 sends it, quotes included
  std::string last_modified;  // ISO 8601, as S3 sends it
};

struct ListObjectsPage {
  std::vector<ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  bool is_truncated = false;
  std::string next_continuation_token;  // set when is_truncated
};

// Parses a ListBucketResult (ListObjectsV2). Keys are URL-decoded when the result says
// <EncodingType>url</EncodingType>.
Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml);

struct S3ErrorInfo {
  std::string code;     // "NoSuchBucket"
  std::string message;  // "The specified bucket does not exist"
};

// Parses an <Error> body. Other fields (RequestId, HostId, the canonical request S3 echoes on
// SignatureDoesNotMatch, ...) are dropped on purpose: only code and message reach messages.
Result<S3ErrorInfo> ParseS3Error(std::string_view xml);

// The UploadId of an InitiateMultipartUploadResult.
Result<std::string> ParseInitiateMultipartUpload(std::string_view xml);

// The ETag of a CompleteMultipartUploadResult. S3 may answer 200 with an <Error> body here;
// that comes back as an error Status carrying the S3 code and message.
Result<std::string> ParseCompleteMultipartUpload(std::string_view xml);

struct CompletedPart {
  int part_number = 0;
  std::string etag;
};
std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts);

struct DeleteObjectError {
  std::string key;
  std::string code;
  std::string message;
};
struct DeleteObjectsResult {
  std::vector<std::string> deleted;
  std::vector<DeleteObjectError> errors;
};
// The <Delete> request body for `keys` (at most 1000), quiet or not.
std::string DeleteObjectsXml(const std::vector<std::string>& keys, bool quiet);
Result<DeleteObjectsResult> ParseDeleteObjectsResult(std::string_view xml);

// Decodes %XX escapes (as in keys of an encoding-type=url listing); '+' stays '+'.
Result<std::string> UrlDecode(std::string_view text);

}  // namespace shoal::storage
