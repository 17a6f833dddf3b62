#include "engine/functions/regex.h"

#include <vector>

#include "duckdb.hpp"

namespace shoal::engine {

std::unique_ptr<re2::RE2> CompileRegex(const std::string& pattern, const std::string& function_name,
                                       const std::string& argument_name) {
  re2::RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_unique<re2::RE2>(pattern, options);
  if (!re->ok()) {
    throw duckdb::InvalidInputException("%s: %s '%s' is not a valid regular expression: %s",
                                        function_name, argument_name, pattern, re->error());
  }
  return re;
}

std::string ExtractGroup(const re2::RE2& re, const std::string& text, int group, bool* matched) {
  std::vector<re2::StringPiece> groups(static_cast<size_t>(group) + 1);
  bool found = re.Match(text, 0, text.size(), re2::RE2::UNANCHORED, groups.data(),
                        static_cast<int>(groups.size()));
  if (matched != nullptr) *matched = found;
  if (!found || groups[group].data() == nullptr) return "";
  return std::string(groups[group].data(), groups[group].size());
}

}  // namespace shoal::engine
