#include "storage/s3_xml.h"

#include <charconv>

#include "storage/xml_reader.h"

namespace shoal::storage {
namespace {

Status Malformed(std::string_view document, std::string_view what) {
  return Status::InvalidArgument("malformed S3 " + std::string(document) + ": " +
                                 std::string(what));
}

Result<XmlElement> ParseRoot(std::string_view xml, std::string_view document,
                             std::string_view root_name) {
  auto root = ParseXml(xml);
  if (!root.ok()) return root.status().WithContext("malformed S3 " + std::string(document));
  if (root->name != root_name) {
    return Malformed(document, "root element is <" + root->name + ">, expected <" +
                                   std::string(root_name) + ">");
  }
  return root;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

Result<std::string> UrlDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size() || HexValue(text[i + 1]) < 0 || HexValue(text[i + 2]) < 0) {
      return Status::InvalidArgument("bad %-escape in '" + std::string(text) + "'");
    }
    out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2])));
    i += 2;
  }
  return out;
}

Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml) {
  constexpr std::string_view kDoc = "ListObjectsV2 result";
  SHOAL_ASSIGN_OR_RETURN(XmlElement root, ParseRoot(xml, kDoc, "ListBucketResult"));
  bool url_encoded = root.ChildText("EncodingType") == "url";
  auto decode = [&](const std::string& text) -> Result<std::string> {
    if (!url_encoded) return text;
    return UrlDecode(text);
  };
  ListObjectsPage page;
  std::string truncated = root.ChildText("IsTruncated");
  if (truncated != "true" && truncated != "false" && !truncated.empty()) {
    return Malformed(kDoc, "IsTruncated is '" + truncated + "'");
  }
  page.is_truncated = truncated == "true";
  page.next_continuation_token = root.ChildText("NextContinuationToken");
  if (page.is_truncated && page.next_continuation_token.empty()) {
    return Malformed(kDoc, "truncated listing without a NextContinuationToken");
  }
  for (const XmlElement* contents : root.Children("Contents")) {
    const XmlElement* key = contents->Child("Key");
    if (key == nullptr) return Malformed(kDoc, "<Contents> without <Key>");
    ObjectInfo info;
    SHOAL_ASSIGN_OR_RETURN(info.key, decode(key->text));
    std::string size = contents->ChildText("Size");
    if (!size.empty()) {
      auto [end, ec] = std::from_chars(size.data(), size.data() + size.size(), info.size);
      if (ec != std::errc() || end != size.data() + size.size()) {
        return Malformed(kDoc, "Size '" + size + "' of key '" + info.key + "'");
      }
    }
    info.etag = contents->ChildText("ETag");
    info.last_modified = contents->ChildText("LastModified");
    page.objects.push_back(std::move(info));
  }
  for (const XmlElement* prefix : root.Children("CommonPrefixes")) {
    const XmlElement* p = prefix->Child("Prefix");
    if (p == nullptr) return Malformed(kDoc, "<CommonPrefixes> without <Prefix>");
    SHOAL_ASSIGN_OR_RETURN(std::string decoded, decode(p->text));
    page.common_prefixes.push_back(std::move(decoded));
  }
  return page;
}

Result<S3ErrorInfo> ParseS3Error(std::string_view xml) {
  SHOAL_ASSIGN_OR_RETURN(XmlElement root, ParseRoot(xml, "error body", "Error"));
  S3ErrorInfo info{root.ChildText("Code"), root.ChildText("Message")};
  if (info.code.empty()) return Malformed("error body", "<Error> without <Code>");
  return info;
}

Result<std::string> ParseInitiateMultipartUpload(std::string_view xml) {
  constexpr std::string_view kDoc = "InitiateMultipartUpload result";
  SHOAL_ASSIGN_OR_RETURN(XmlElement root, ParseRoot(xml, kDoc, "InitiateMultipartUploadResult"));
  std::string upload_id = root.ChildText("UploadId");
  if (upload_id.empty()) return Malformed(kDoc, "no UploadId");
  return upload_id;
}

Result<std::string> ParseCompleteMultipartUpload(std::string_view xml) {
  constexpr std::string_view kDoc = "CompleteMultipartUpload result";
  auto root = ParseXml(xml);
  if (!root.ok()) return root.status().WithContext("malformed S3 " + std::string(kDoc));
  if (root->name == "Error") {
    return Status::IoError(root->ChildText("Code") + ": " + root->ChildText("Message"));
  }
  if (root->name != "CompleteMultipartUploadResult") {
    return Malformed(kDoc, "root element is <" + root->name + ">");
  }
  return root->ChildText("ETag");
}

std::string CompleteMultipartUploadXml(const std::vector<CompletedPart>& parts) {
  std::string out = "<CompleteMultipartUpload>";
  for (const CompletedPart& part : parts) {
    out += "<Part><PartNumber>" + std::to_string(part.part_number) + "</PartNumber><ETag>" +
           XmlEscape(part.etag) + "</ETag></Part>";
  }
  out += "</CompleteMultipartUpload>";
  return out;
}

std::string DeleteObjectsXml(const std::vector<std::string>& keys, bool quiet) {
  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Delete>";
  if (quiet) out += "<Quiet>true</Quiet>";
  for (const std::string& key : keys) out += "<Object><Key>" + XmlEscape(key) + "</Key></Object>";
  out += "</Delete>";
  return out;
}

Result<DeleteObjectsResult> ParseDeleteObjectsResult(std::string_view xml) {
  constexpr std::string_view kDoc = "DeleteObjects result";
  SHOAL_ASSIGN_OR_RETURN(XmlElement root, ParseRoot(xml, kDoc, "DeleteResult"));
  DeleteObjectsResult result;
  for (const XmlElement* deleted : root.Children("Deleted")) {
    result.deleted.push_back(deleted->ChildText("Key"));
  }
  for (const XmlElement* error : root.Children("Error")) {
    result.errors.push_back(
        {error->ChildText("Key"), error->ChildText("Code"), error->ChildText("Message")});
  }
  return result;
}

}  // namespace shoal::storage
