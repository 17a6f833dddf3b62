#include "engine/s3_glob.h"

#include <vector>

namespace shoal::engine {

namespace {

constexpr std::string_view kWildcards = "*?[\\";

std::vector<std::string_view> SplitSegments(std::string_view text) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t slash = text.find('/', start);
    if (slash == std::string_view::npos) {
      out.push_back(text.substr(start));
      return out;
    }
    out.push_back(text.substr(start, slash - start));
    start = slash + 1;
  }
}

enum class ClassMatch { kNo, kYes, kMalformed };

// Matches `c` against the class opening at pattern[open] == '['; on success *next is the index
// after its ']'. A '[' without a closing ']' is malformed and then stands for itself.
ClassMatch MatchClass(std::string_view pattern, size_t open, char c, size_t* next) {
  size_t i = open + 1;
  bool negate = false;
  if (i < pattern.size() && (pattern[i] == '!' || pattern[i] == '^')) {
    negate = true;
    ++i;
  }
  auto literal_at = [&](size_t* at) {
    if (pattern[*at] == '\\' && *at + 1 < pattern.size()) ++*at;
    return static_cast<unsigned char>(pattern[(*at)++]);
  };
  const auto u = static_cast<unsigned char>(c);
  bool matched = false;
  bool first = true;  // a ']' right after '[' (or '[!') is a member, not the end
  while (i < pattern.size() && (first || pattern[i] != ']')) {
    first = false;
    unsigned char low = literal_at(&i);
    unsigned char high = low;
    if (i + 1 < pattern.size() && pattern[i] == '-' && pattern[i + 1] != ']') {
      ++i;
      high = literal_at(&i);
    }
    if (u >= low && u <= high) matched = true;
  }
  if (i >= pattern.size()) return ClassMatch::kMalformed;
  *next = i + 1;
  return matched != negate ? ClassMatch::kYes : ClassMatch::kNo;
}

}  // namespace

bool IsS3Url(std::string_view path) { return path.substr(0, kS3Scheme.size()) == kS3Scheme; }

Result<S3Location> ParseS3Url(std::string_view url) {
  if (!IsS3Url(url)) {
    return Status::InvalidArgument("'" + std::string(url) + "' is not an s3:// URL");
  }
  std::string_view rest = url.substr(kS3Scheme.size());
  size_t slash = rest.find('/');
  S3Location location;
  location.bucket = std::string(rest.substr(0, slash));
  if (slash != std::string_view::npos) location.key = std::string(rest.substr(slash + 1));
  if (location.bucket.empty()) {
    return Status::InvalidArgument("'" + std::string(url) + "' names no bucket (s3://bucket/key)");
  }
  if (location.bucket.find_first_of(kWildcards) != std::string::npos) {
    return Status::InvalidArgument("'" + std::string(url) +
                                   "': the bucket name cannot be a pattern; only keys can");
  }
  return location;
}

std::string MakeS3Url(std::string_view bucket, std::string_view key) {
  std::string url(kS3Scheme);
  url += bucket;
  url += '/';
  url += key;
  return url;
}

bool HasGlobCharacters(std::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\') {
      ++i;  // the escaped character is literal
    } else if (text[i] == '*' || text[i] == '?' || text[i] == '[') {
      return true;
    }
  }
  return false;
}

std::string LiteralPrefix(std::string_view key_pattern) {
  return std::string(key_pattern.substr(0, key_pattern.find_first_of(kWildcards)));
}

bool IsSingleLevelPattern(std::string_view key_pattern) {
  size_t first = key_pattern.find_first_of(kWildcards);
  if (first == std::string_view::npos) return true;
  if (key_pattern.find('/', first) != std::string_view::npos) return false;
  size_t last_slash = key_pattern.rfind('/');
  std::string_view last =
      last_slash == std::string_view::npos ? key_pattern : key_pattern.substr(last_slash + 1);
  return last != "**";
}

bool MatchSegment(std::string_view text, std::string_view pattern) {
  size_t t = 0;
  size_t p = 0;
  size_t star_p = std::string_view::npos;  // pattern index after the last '*' seen
  size_t star_t = 0;                       // text index that '*' currently stops at
  while (t < text.size()) {
    if (p < pattern.size()) {
      char pc = pattern[p];
      if (pc == '*') {
        star_p = ++p;
        star_t = t;
        continue;
      }
      if (pc == '?') {
        ++p;
        ++t;
        continue;
      }
      if (pc == '[') {
        size_t next = 0;
        ClassMatch m = MatchClass(pattern, p, text[t], &next);
        if (m == ClassMatch::kYes) {
          p = next;
          ++t;
          continue;
        }
        if (m == ClassMatch::kMalformed && text[t] == '[') {
          ++p;
          ++t;
          continue;
        }
      } else {
        char literal = pc;
        size_t width = 1;
        if (pc == '\\' && p + 1 < pattern.size()) {
          literal = pattern[p + 1];
          width = 2;
        }
        if (literal == text[t]) {
          p += width;
          ++t;
          continue;
        }
      }
    }
    // Mismatch: let the last '*' swallow one more character, or fail.
    if (star_p == std::string_view::npos) return false;
    p = star_p;
    t = ++star_t;
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool MatchKey(std::string_view key, std::string_view pattern) {
  const auto keys = SplitSegments(key);
  const auto parts = SplitSegments(pattern);
  const size_t nk = keys.size();
  const size_t np = parts.size();
  // matches[i * (np + 1) + j]: keys[i..] match parts[j..]. Filled from the back, so `**` costs
  // O(segments^2) at worst instead of backtracking exponentially.
  std::vector<char> matches((nk + 1) * (np + 1), 0);
  auto at = [&](size_t i, size_t j) -> char& { return matches[i * (np + 1) + j]; };
  at(nk, np) = 1;
  for (size_t j = np; j-- > 0;) {
    for (size_t i = nk + 1; i-- > 0;) {
      if (parts[j] == "**") {
        at(i, j) = at(i, j + 1) || (i < nk && at(i + 1, j));
      } else {
        at(i, j) = i < nk && at(i + 1, j + 1) && MatchSegment(keys[i], parts[j]);
      }
    }
  }
  return at(0, 0) != 0;
}

}  // namespace shoal::engine
