// s3:// URLs and glob patterns over S3 object keys, as DuckDB's httpfs reads them.
//
// A URL is "s3://bucket/key". A glob pattern is matched against keys segment by segment ('/'
// separated): `*` (any run of characters), `?` (one character) and `[...]` (a set or range, `!`
// or `^` negates it) never cross a '/', `**` as a whole segment matches any number of segments,
// none included, and `\` makes the next character literal. The listing that feeds the match
// asks S3 only for keys under the pattern's longest literal prefix.
//
// No DuckDB and no network here: pure functions, so they are unit-tested on their own.
//
// Thread-safety: stateless functions.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"

namespace shoal::engine {

inline constexpr std::string_view kS3Scheme = "s3://";

struct S3Location {
  std::string bucket;
  std::string key;  // may be empty ("s3://bucket" or "s3://bucket/")
};

// True when `path` starts with "s3://".
bool IsS3Url(std::string_view path);

// Splits "s3://bucket/key". Fails, naming the URL, when the scheme is not s3://, the bucket is
// empty or the bucket holds a glob character (a pattern cannot range over buckets).
Result<S3Location> ParseS3Url(std::string_view url);

// "s3://bucket/key".
std::string MakeS3Url(std::string_view bucket, std::string_view key);

// True when `text` holds an unescaped `*`, `?` or `[`.
bool HasGlobCharacters(std::string_view text);

// The part of `key_pattern` before its first wildcard or escape: every matching key starts with
// it, so it is the prefix to list.
std::string LiteralPrefix(std::string_view key_pattern);

// True when the pattern's wildcards all sit in its last segment (no '/' after the first
// wildcard, and no `**`): then one listing level, with '/' as the delimiter, holds every match.
bool IsSingleLevelPattern(std::string_view key_pattern);

// True when `text` (one segment, no '/') matches `pattern` (one segment).
bool MatchSegment(std::string_view text, std::string_view pattern);

// True when the whole `key` matches `pattern`, with `**` spanning segments.
bool MatchKey(std::string_view key, std::string_view pattern);

}  // namespace shoal::engine
