// ASCII case folding for names that compare without case (SQL identifiers, URL schemes, HTTP
// header names, S3 endpoint aliases). Bytes outside A-Z pass through, so UTF-8 is left intact.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace shoal {

inline std::string AsciiLower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

}  // namespace shoal
