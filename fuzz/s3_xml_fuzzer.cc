// Fuzz target: the S3 XML documents Shoal's S3 client reads from a server (storage/s3_xml.h):
// ListObjectsV2 pages, Error bodies, multipart upload answers, DeleteObjects results, and the
// %XX decoding of url-encoded keys. A hostile or broken S3 peer may send anything; the answer
// must be a value or an error Status that says what is wrong.
//
// Input: one byte choosing the document, then the document.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "storage/s3_xml.h"

namespace {

template <typename T>
void CheckRefusalSaysWhy(const shoal::Result<T>& result, std::string_view document) {
  if (result.ok() || !result.status().message().empty()) return;
  std::fprintf(stderr, "empty error message for %.*s\n", static_cast<int>(document.size()),
               document.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string_view xml(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 6) {
    case 0: {
      auto page = shoal::storage::ParseListObjectsV2(xml);
      CheckRefusalSaysWhy(page, xml);
      if (page.ok() && page->is_truncated && page->next_continuation_token.empty()) {
        // The client would ask for the same page again, forever.
        std::fprintf(stderr, "truncated listing accepted without a continuation token\n");
        std::abort();
      }
      break;
    }
    case 1:
      CheckRefusalSaysWhy(shoal::storage::ParseS3Error(xml), xml);
      break;
    case 2:
      CheckRefusalSaysWhy(shoal::storage::ParseInitiateMultipartUpload(xml), xml);
      break;
    case 3:
      CheckRefusalSaysWhy(shoal::storage::ParseCompleteMultipartUpload(xml), xml);
      break;
    case 4:
      CheckRefusalSaysWhy(shoal::storage::ParseDeleteObjectsResult(xml), xml);
      break;
    default: {
      auto decoded = shoal::storage::UrlDecode(xml);
      CheckRefusalSaysWhy(decoded, xml);
      if (decoded.ok() && decoded->size() > xml.size()) {
        std::fprintf(stderr, "decoding made the text longer\n");
        std::abort();
      }
      break;
    }
  }
  return 0;
}
