// Small ASCII text helpers shared by the model's parsers and the job-spec decoder: case folding,
// trimming, integer parsing and the "did you mean" suggestion used in error messages.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace shoal::models {

std::string ToLowerAscii(std::string_view text);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
bool StartsWith(std::string_view text, std::string_view prefix);
std::string_view TrimAscii(std::string_view text);

// A whole decimal integer with optional sign ("42", "-7"); nullopt for anything else,
// including empty text, spaces, fractions and out-of-range values.
std::optional<int64_t> ParseInt64(std::string_view text);

// The candidate closest to `word` (case-insensitive edit distance), if it is close enough to be
// a plausible typo: distance <= 2, and <= 1 for words shorter than 6 characters.
std::optional<std::string> ClosestMatch(std::string_view word,
                                        const std::vector<std::string>& candidates);

// The offset of the first byte of `text` that is not part of well-formed UTF-8 (no overlong
// forms, surrogates or code points above U+10FFFF, as JSON requires), or npos when it all is.
size_t InvalidUtf8Offset(std::string_view text);

// `text` as a SQL string literal: in single quotes, each single quote doubled.
std::string SqlStringLiteral(std::string_view text);
// `[` each item as SQL string literals `]`: a list DuckDB's readers take as their files.
std::string SqlStringList(const std::vector<std::string>& items);
// `name` as a SQL identifier: in double quotes, each double quote doubled.
std::string SqlIdentifier(std::string_view name);

// "a, b, c".
std::string JoinComma(const std::vector<std::string>& items);
// Replaces every `from` in `text` with `to`, left to right (an empty `from` changes nothing).
void ReplaceAll(std::string& text, std::string_view from, std::string_view to);

}  // namespace shoal::models
