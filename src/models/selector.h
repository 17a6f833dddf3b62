// LabelSelector: one `{Key, Operator, Values}` requirement on a node's labels (job
// Constraints) or a job's labels (`job list --labels`), with Kubernetes label-selector
// semantics as Bacalhau uses them. A job's constraints are ANDed.
//
// Operators: `=`/`==`/`in` (label present with one of Values), `!=`/`notin` (label absent or
// not one of Values), `exists`, `!` (label absent), `gt`/`lt` (label present, an integer, and
// greater/less than the single integer in Values).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::models {

enum class SelectorOperator {
  kEquals,        // =
  kDoubleEquals,  // ==
  kNotEquals,     // !=
  kIn,            // in
  kNotIn,         // notin
  kExists,        // exists
  kDoesNotExist,  // !
  kGreaterThan,   // gt
  kLessThan,      // lt
};

// The spelling used in specs and JSON: "=", "==", "!=", "in", "notin", "exists", "!", "gt", "lt".
std::string_view ToString(SelectorOperator op);
// Accepts the spellings above (words case-insensitively); otherwise an error listing them.
Result<SelectorOperator> ParseSelectorOperator(std::string_view text);

struct LabelSelector {
  std::string key;
  SelectorOperator op = SelectorOperator::kEquals;
  std::vector<std::string> values;

  bool operator==(const LabelSelector&) const = default;

  // The value-count rules: in/notin need at least one value, exists/! none, the others exactly
  // one; gt/lt need an integer. The key must be non-empty without spaces or control characters.
  Status Validate() const;

  // True when `labels` satisfy this requirement. REQUIRES: Validate().ok().
  bool Matches(const std::map<std::string, std::string>& labels) const;

  // "region == us", "zone in (a, b)", "gpu exists": for messages such as "0 of 6 nodes match".
  std::string ToString() const;
};

// Parses a Kubernetes-style selector string, as `job list --labels` takes it: requirements
// separated by commas, each `key=value`, `key==value`, `key!=value`, `key in (a, b)`,
// `key notin (a, b)`, `key>5`, `key<5`, `key` (exists) or `!key` (absent). Errors quote the
// requirement. Empty text is no selector.
Result<std::vector<LabelSelector>> ParseLabelSelectors(std::string_view text);

// True when every selector matches (an empty list matches everything).
bool MatchesAll(const std::vector<LabelSelector>& selectors,
                const std::map<std::string, std::string>& labels);

}  // namespace shoal::models
