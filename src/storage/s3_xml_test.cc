// The XML reader and the S3 documents: well-formed answers parse, malformed ones give a clear
// Status, and no input (truncated, mutated, random, deeply nested) crashes the reader.
#include "storage/s3_xml.h"

#include <random>

#include <gtest/gtest.h>

#include "storage/xml_reader.h"

namespace shoal::storage {
namespace {

// As s3rver 3.7.1 answers a truncated ListObjectsV2.
constexpr char kListPage[] =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://doc.s3.amazonaws.com/2006-03-01/"><Name>demo</Name><Prefix>d/</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys><Delimiter>/</Delimiter><IsTruncated>true</IsTruncated><Contents><Key>d/a &amp; b.txt</Key><LastModified>2026-11-25T09:44:09.000Z</LastModified><ETag>&quot;5d41402abc4b2a76b9719d911017c592&quot;</ETag><Size>5</Size><StorageClass>STANDARD</StorageClass></Contents><Contents><Key>d/&#xe9;t&#233;</Key><Size>12345678901</Size></Contents><CommonPrefixes><Prefix>d/sub/</Prefix></CommonPrefixes><NextContinuationToken>tok+/=</NextContinuationToken></ListBucketResult>)";

TEST(S3XmlTest, ParsesAListPage) {
  auto page = ParseListObjectsV2(kListPage);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "d/a & b.txt");
  EXPECT_EQ(page->objects[0].size, 5u);
  EXPECT_EQ(page->objects[0].etag, "\"5d41402abc4b2a76b9719d911017c592\"");
  EXPECT_EQ(page->objects[0].last_modified, "2026-11-25T09:44:09.000Z");
  EXPECT_EQ(page->objects[1].key, "d/\xC3\xA9t\xC3\xA9");
  EXPECT_EQ(page->objects[1].size, 12345678901u);
  EXPECT_EQ(page->common_prefixes, std::vector<std::string>{"d/sub/"});
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "tok+/=");
}

TEST(S3XmlTest, UrlEncodedListingsAreDecoded) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><EncodingType>url</EncodingType><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a%20b%2Bc%0A</Key><Size>1</Size></Contents>"
      "<CommonPrefixes><Prefix>p%2F</Prefix></CommonPrefixes></ListBucketResult>");
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  EXPECT_EQ(page->objects[0].key, "a b+c\n");
  EXPECT_EQ(page->common_prefixes[0], "p/");
  EXPECT_FALSE(ParseListObjectsV2("<ListBucketResult><EncodingType>url</EncodingType>"
                                  "<Contents><Key>bad%zz</Key></Contents></ListBucketResult>")
                   .ok());
}

TEST(S3XmlTest, AnEmptyListing) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount><IsTruncated>false</IsTruncated>"
      "</ListBucketResult>");
  ASSERT_TRUE(page.ok());
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->is_truncated);
}

TEST(S3XmlTest, WrongShapesAreClearErrors) {
  struct Case {
    const char* xml;
    const char* expected;
  } cases[] = {
      {"<Error><Code>NoSuchBucket</Code></Error>", "root element is <Error>"},
      {"<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>",
       "truncated listing without a NextContinuationToken"},
      {"<ListBucketResult><IsTruncated>maybe</IsTruncated></ListBucketResult>",
       "IsTruncated is 'maybe'"},
      {"<ListBucketResult><Contents><Size>1</Size></Contents></ListBucketResult>",
       "<Contents> without <Key>"},
      {"<ListBucketResult><Contents><Key>k</Key><Size>-1</Size></Contents></ListBucketResult>",
       "Size '-1' of key 'k'"},
      {"<ListBucketResult><Contents><Key>k</Key><Size>99999999999999999999999</Size></Contents>"
       "</ListBucketResult>",
       "Size"},
      {"", "expected the root element"},
      {"<ListBucketResult>", "unterminated element"},
      {"<ListBucketResult></Other>", "</Other> closes <ListBucketResult>"},
      {"<ListBucketResult>&bogus;</ListBucketResult>", "unknown entity &bogus;"},
      {"<ListBucketResult>&#0;</ListBucketResult>", "invalid code point"},
      {"<ListBucketResult>&#xD800;</ListBucketResult>", "invalid code point"},
      {"<ListBucketResult>&#x110000;</ListBucketResult>", "out of range"},
      {"<!DOCTYPE x [<!ENTITY a \"b\">]><ListBucketResult/>", "internal subsets"},
      {"<ListBucketResult/><Another/>", "after the root element"},
      {"<ListBucketResult a=b/>", "quoted attribute value"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.xml);
    auto page = ParseListObjectsV2(c.xml);
    ASSERT_FALSE(page.ok());
    EXPECT_EQ(page.status().code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(page.status().message().find("ListObjectsV2 result"), std::string::npos)
        << page.status().message();
    EXPECT_NE(page.status().message().find(c.expected), std::string::npos)
        << page.status().message();
  }
}

TEST(S3XmlTest, ErrorBodies) {
  auto error = ParseS3Error(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>NoSuchBucket</Code><Message>The "
      "specified bucket does not exist</Message><BucketName>nosuch</BucketName></Error>");
  ASSERT_TRUE(error.ok());
  EXPECT_EQ(error->code, "NoSuchBucket");
  EXPECT_EQ(error->message, "The specified bucket does not exist");
  EXPECT_FALSE(ParseS3Error("<Error><Message>no code</Message></Error>").ok());
  EXPECT_FALSE(ParseS3Error("<html>Bad Gateway</html>").ok());
  EXPECT_FALSE(ParseS3Error("Bad Gateway").ok());
}

TEST(S3XmlTest, MultipartDocuments) {
  auto id = ParseInitiateMultipartUpload(
      "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key><UploadId>abc-123</UploadId>"
      "</InitiateMultipartUploadResult>");
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, "abc-123");
  EXPECT_FALSE(ParseInitiateMultipartUpload("<InitiateMultipartUploadResult/>").ok());

  auto etag = ParseCompleteMultipartUpload(
      "<CompleteMultipartUploadResult><ETag>&quot;x-2&quot;</ETag></"
      "CompleteMultipartUploadResult>");
  ASSERT_TRUE(etag.ok());
  EXPECT_EQ(*etag, "\"x-2\"");
  // S3 may answer 200 with an error inside.
  auto failed = ParseCompleteMultipartUpload(
      "<Error><Code>InternalError</Code><Message>try again</Message></Error>");
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().message(), "InternalError: try again");

  EXPECT_EQ(CompleteMultipartUploadXml({{1, "\"a\""}, {2, "\"b\""}}),
            "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>&quot;a&quot;</ETag>"
            "</Part><Part><PartNumber>2</PartNumber><ETag>&quot;b&quot;</ETag></Part>"
            "</CompleteMultipartUpload>");
}

TEST(S3XmlTest, DeleteObjectsDocuments) {
  EXPECT_EQ(DeleteObjectsXml({"a<b", "c"}, true),
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete><Quiet>true</Quiet><Object><Key>"
            "a&lt;b</Key></Object><Object><Key>c</Key></Object></Delete>");
  auto result = ParseDeleteObjectsResult(
      "<DeleteResult><Deleted><Key>a</Key></Deleted><Error><Key>b</Key><Code>AccessDenied</Code>"
      "<Message>Access Denied</Message></Error></DeleteResult>");
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->deleted, std::vector<std::string>{"a"});
  ASSERT_EQ(result->errors.size(), 1u);
  EXPECT_EQ(result->errors[0].key, "b");
  EXPECT_EQ(result->errors[0].code, "AccessDenied");
}

TEST(XmlReaderTest, ReadsTheConstructsServersSend) {
  auto root = ParseXml(
      "\xEF\xBB\xBF<?xml version='1.0'?><!-- c --><!DOCTYPE r><p:r xmlns:p='u' a=\"1\">"
      "<a>x<!-- y -->z</a><b><![CDATA[<raw> & ]]></b><c/><?pi?></p:r>\n<!-- tail -->");
  ASSERT_TRUE(root.ok()) << root.status().ToString();
  EXPECT_EQ(root->name, "r");
  EXPECT_EQ(root->ChildText("a"), "xz");
  EXPECT_EQ(root->ChildText("b"), "<raw> & ");
  ASSERT_NE(root->Child("c"), nullptr);
  EXPECT_EQ(root->Child("missing"), nullptr);
  EXPECT_EQ(root->ChildText("missing"), "");
  EXPECT_EQ(XmlEscape("<a&'\">"), "&lt;a&amp;&apos;&quot;&gt;");
}

TEST(XmlReaderTest, DeepNestingIsRefusedNotACrash) {
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += "<a>";
  auto root = ParseXml(deep);
  ASSERT_FALSE(root.ok());
  EXPECT_NE(root.status().message().find("nested too deeply"), std::string::npos);
}

// Every prefix, and many random mutations, of a real answer: any Status is fine, a crash is not.
TEST(XmlReaderTest, TruncatedAndMutatedInputNeverCrashes) {
  const std::string page = kListPage;
  for (size_t n = 0; n < page.size(); ++n) {
    (void)ParseListObjectsV2(page.substr(0, n));
  }
  std::mt19937 engine(12345);
  const char alphabet[] = "<>/&;#x!-[]?=\"' aZ09\xC3\xFF";
  for (int round = 0; round < 20000; ++round) {
    std::string mutated = page;
    int edits = 1 + static_cast<int>(engine() % 8);
    for (int e = 0; e < edits; ++e) {
      size_t at = engine() % mutated.size();
      switch (engine() % 3) {
        case 0:
          mutated[at] = alphabet[engine() % (sizeof(alphabet) - 1)];
          break;
        case 1:
          mutated.erase(at, 1 + engine() % 16);
          break;
        default:
          mutated.insert(at, 1, alphabet[engine() % (sizeof(alphabet) - 1)]);
      }
      if (mutated.empty()) mutated = "<";
    }
    (void)ParseListObjectsV2(mutated);
    (void)ParseS3Error(mutated);
    (void)ParseDeleteObjectsResult(mutated);
  }
  for (int round = 0; round < 2000; ++round) {
    std::string random(engine() % 200, '\0');
    for (char& c : random) c = alphabet[engine() % (sizeof(alphabet) - 1)];
    (void)ParseXml(random);
  }
}

}  // namespace
}  // namespace shoal::storage
