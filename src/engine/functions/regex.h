// Compiling the user's regular expressions for the partition functions, with DuckDB's semantics
// (RE2 syntax, search: the pattern need not match the whole path).
//
// Thread-safety: a compiled RE2 is safe for concurrent matching.
#pragma once

#include <memory>
#include <string>

#include <re2/re2.h>

namespace shoal::engine {

// Compiles `pattern`; throws a DuckDB InvalidInputException naming `function_name`, the argument
// and RE2's complaint when it is not a valid regular expression.
std::unique_ptr<re2::RE2> CompileRegex(const std::string& pattern, const std::string& function_name,
                                       const std::string& argument_name);

// The text of capture group `group` of the first match of `re` in `text`; "" when there is no
// match or the group did not take part (DuckDB's regexp_extract). Sets *matched when non-null.
std::string ExtractGroup(const re2::RE2& re, const std::string& text, int group,
                         bool* matched = nullptr);

}  // namespace shoal::engine
