// The SigV4 signer against AWS's published test vectors (testdata/sigv4, see its README) and the
// worked examples of the S3 API reference.
#include "storage/sigv4.h"

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

namespace shoal::storage {
namespace {

namespace fs = std::filesystem;

constexpr char kSuiteSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string StripTrailingNewlines(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

struct SuiteRequest {
  SigV4Request request;
  std::string body;
};

// Parses the suite's .req format: "METHOD PATH[?QUERY] HTTP/1.1", "Name:value" lines, then an
// optional blank line and body. Paths and queries in the suite are unencoded.
SuiteRequest ParseReq(const std::string& text) {
  SuiteRequest out;
  size_t line_end = text.find('\n');
  std::string request_line = text.substr(0, line_end);
  size_t first_space = request_line.find(' ');
  size_t last_space = request_line.rfind(' ');
  out.request.method = request_line.substr(0, first_space);
  std::string target = request_line.substr(first_space + 1, last_space - first_space - 1);
  std::string path = target.substr(0, target.find('?'));
  out.request.canonical_uri = UriEncodePath(path);
  if (size_t q = target.find('?'); q != std::string::npos) {
    std::stringstream query(target.substr(q + 1));
    std::string pair;
    while (std::getline(query, pair, '&')) {
      size_t eq = pair.find('=');
      out.request.query.emplace_back(pair.substr(0, eq),
                                     eq == std::string::npos ? "" : pair.substr(eq + 1));
    }
  }
  size_t pos = line_end == std::string::npos ? text.size() : line_end + 1;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(pos, end - pos);
    pos = end + 1;
    if (line.empty()) {
      out.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    size_t colon = line.find(':');
    out.request.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  out.request.payload_hash = Sha256Hex(out.body);
  return out;
}

std::vector<std::string> SuiteCases() {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(SHOAL_SIGV4_TESTDATA)) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SigV4SuiteTest, EveryCaseMatchesCanonicalRequestStringToSignAndAuthorization) {
  std::vector<std::string> cases = SuiteCases();
  ASSERT_GE(cases.size(), 10u) << "test vectors missing from " << SHOAL_SIGV4_TESTDATA;
  SigV4Credentials credentials{"AKIDEXAMPLE", kSuiteSecret, ""};
  int compared = 0;
  for (const std::string& name : cases) {
    SCOPED_TRACE(name);
    fs::path dir = fs::path(SHOAL_SIGV4_TESTDATA) / name;
    SuiteRequest req = ParseReq(ReadFile(dir / (name + ".req")));
    SigV4Signature sig = Sign(req.request, credentials, "us-east-1", "service", "20150830T123600Z");
    if (fs::exists(dir / (name + ".creq"))) {
      EXPECT_EQ(sig.canonical_request, StripTrailingNewlines(ReadFile(dir / (name + ".creq"))));
      ++compared;
    }
    if (fs::exists(dir / (name + ".sts"))) {
      EXPECT_EQ(sig.string_to_sign, StripTrailingNewlines(ReadFile(dir / (name + ".sts"))));
      ++compared;
    }
    ASSERT_TRUE(fs::exists(dir / (name + ".authz")));
    EXPECT_EQ(sig.authorization, StripTrailingNewlines(ReadFile(dir / (name + ".authz"))));
    ++compared;
  }
  EXPECT_GE(compared, 30);
}

// Amazon S3 API Reference, "Signature Calculations for the Authorization Header: Transferring
// Payload in a Single Chunk", example "GET Object" (the first ten bytes of test.txt).
TEST(SigV4S3ExampleTest, GetObjectWithRange) {
  SigV4Request request;
  request.method = "GET";
  request.canonical_uri = UriEncodePath("test.txt");
  request.headers = {{"Host", "examplebucket.s3.amazonaws.com"},
                     {"Range", "bytes=0-9"},
                     {"x-amz-content-sha256", std::string(kEmptyPayloadSha256)},
                     {"x-amz-date", "20130524T000000Z"}};
  request.payload_hash = std::string(kEmptyPayloadSha256);
  SigV4Credentials credentials{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                               ""};
  SigV4Signature sig = Sign(request, credentials, "us-east-1", "s3", "20130524T000000Z");
  EXPECT_EQ(sig.signed_headers, "host;range;x-amz-content-sha256;x-amz-date");
  EXPECT_EQ(sig.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Test, UriEncodeKeepsUnreservedAndEncodesEverythingElse) {
  EXPECT_EQ(UriEncode("AZaz09-._~", false), "AZaz09-._~");
  EXPECT_EQ(UriEncode("a b+c=d&e/f", false), "a%20b%2Bc%3Dd%26e%2Ff");
  EXPECT_EQ(UriEncode("a/b", true), "a/b");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");
  EXPECT_EQ(UriEncode(std::string("\0x", 2), false), "%00x");
}

TEST(SigV4Test, UriEncodePathEncodesEachSegmentAndNeverNormalizes) {
  EXPECT_EQ(UriEncodePath(""), "/");
  EXPECT_EQ(UriEncodePath("bucket/dir/a b.json"), "/bucket/dir/a%20b.json");
  EXPECT_EQ(UriEncodePath("/bucket/a//b/../c/./d"), "/bucket/a//b/../c/./d");
  EXPECT_EQ(UriEncodePath("k/%41?#"), "/k/%2541%3F%23");
}

TEST(SigV4Test, CanonicalQuerySortsByEncodedNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a b/"}, {"list-type", "2"}, {"delimiter", "/"}}),
            "delimiter=%2F&list-type=2&prefix=a%20b%2F");
  EXPECT_EQ(CanonicalQueryString({{"uploads", ""}}), "uploads=");
  EXPECT_EQ(CanonicalQueryString({{"a", "2"}, {"a", "1"}, {"B", "x"}}), "B=x&a=1&a=2");
}

TEST(SigV4Test, AmzDateIsUtc) {
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(1440938160)), "20150830T123600Z");
  EXPECT_EQ(AmzDate(std::chrono::system_clock::from_time_t(0)), "19700101T000000Z");
}

TEST(SigV4Test, Sha256OfEmptyString) { EXPECT_EQ(Sha256Hex(""), kEmptyPayloadSha256); }

}  // namespace
}  // namespace shoal::storage
