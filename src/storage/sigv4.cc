#include "storage/sigv4.h"

#include <algorithm>
#include <cctype>
#include <ctime>
#include <map>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace shoal::storage {
namespace {

constexpr char kHexUpper[] = "0123456789ABCDEF";
constexpr char kHexLower[] = "0123456789abcdef";

bool IsUnreserved(unsigned char c) {
  // ASCII only, whatever the locale: UTF-8 bytes of a key are always percent-encoded.
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

std::string HexLower(const unsigned char* data, size_t size) {
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out.push_back(kHexLower[data[i] >> 4]);
    out.push_back(kHexLower[data[i] & 0xF]);
  }
  return out;
}

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

// SigV4's Trimall: no leading or trailing whitespace, inner runs become one space.
std::string TrimAll(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Lowercased name -> values in the order sent.
std::map<std::string, std::vector<std::string>> GroupHeaders(const NameValueList& headers) {
  std::map<std::string, std::vector<std::string>> grouped;
  for (const auto& [name, value] : headers) grouped[ToLower(TrimAll(name))].push_back(value);
  return grouped;
}

}  // namespace

std::string UriEncode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size() * 3);
  for (char ch : text) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0xF]);
    }
  }
  return out;
}

std::string UriEncodePath(std::string_view path) {
  std::string out = "/";
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  out += UriEncode(path, /*keep_slash=*/true);
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return HexLower(digest, sizeof(digest));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest, &length);
  return std::string(reinterpret_cast<const char*>(digest), length);
}

std::string AmzDate(std::chrono::system_clock::time_point time) {
  std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[32];
  std::strftime(buffer, sizeof(buffer), "%Y%m%dT%H%M%SZ", &utc);
  return buffer;
}

std::string CanonicalQueryString(const NameValueList& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [name, value] : query) {
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += name;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const NameValueList& headers) {
  std::string out;
  for (const auto& [name, values] : GroupHeaders(headers)) {
    out += name;
    out.push_back(':');
    for (size_t i = 0; i < values.size(); ++i) {
      if (i > 0) out.push_back(',');
      out += TrimAll(values[i]);
    }
    out.push_back('\n');
  }
  return out;
}

std::string SignedHeaders(const NameValueList& headers) {
  std::string out;
  for (const auto& entry : GroupHeaders(headers)) {
    if (!out.empty()) out.push_back(';');
    out += entry.first;
  }
  return out;
}

std::string CanonicalRequest(const SigV4Request& request) {
  std::string out = request.method;
  out.push_back('\n');
  out += request.canonical_uri.empty() ? "/" : request.canonical_uri;
  out.push_back('\n');
  out += CanonicalQueryString(request.query);
  out.push_back('\n');
  out += CanonicalHeaders(request.headers);
  out.push_back('\n');
  out += SignedHeaders(request.headers);
  out.push_back('\n');
  out += request.payload_hash;
  return out;
}

std::string CredentialScope(std::string_view amz_date, std::string_view region,
                            std::string_view service) {
  std::string scope(amz_date.substr(0, 8));
  scope += '/';
  scope += region;
  scope += '/';
  scope += service;
  scope += "/aws4_request";
  return scope;
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out = "AWS4-HMAC-SHA256\n";
  out += amz_date;
  out.push_back('\n');
  out += credential_scope;
  out.push_back('\n');
  out += Sha256Hex(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string key = "AWS4";
  key += secret_access_key;
  std::string k_date = HmacSha256(key, date);
  std::string k_region = HmacSha256(k_date, region);
  std::string k_service = HmacSha256(k_region, service);
  return HmacSha256(k_service, "aws4_request");
}

SigV4Signature Sign(const SigV4Request& request, const SigV4Credentials& credentials,
                    std::string_view region, std::string_view service, std::string_view amz_date) {
  SigV4Signature result;
  result.canonical_request = CanonicalRequest(request);
  std::string scope = CredentialScope(amz_date, region, service);
  result.string_to_sign = StringToSign(amz_date, scope, result.canonical_request);
  std::string key =
      SigningKey(credentials.secret_access_key, amz_date.substr(0, 8), region, service);
  std::string mac = HmacSha256(key, result.string_to_sign);
  result.signature = HexLower(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  result.signed_headers = SignedHeaders(request.headers);
  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" + scope +
                         ", SignedHeaders=" + result.signed_headers +
                         ", Signature=" + result.signature;
  return result;
}

}  // namespace shoal::storage
