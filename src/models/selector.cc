#include "models/selector.h"

#include <algorithm>
#include <array>
#include <utility>

#include "models/text.h"

namespace shoal::models {
namespace {

constexpr std::array<std::pair<SelectorOperator, std::string_view>, 9> kOperators{{
    {SelectorOperator::kEquals, "="},
    {SelectorOperator::kDoubleEquals, "=="},
    {SelectorOperator::kNotEquals, "!="},
    {SelectorOperator::kIn, "in"},
    {SelectorOperator::kNotIn, "notin"},
    {SelectorOperator::kExists, "exists"},
    {SelectorOperator::kDoesNotExist, "!"},
    {SelectorOperator::kGreaterThan, "gt"},
    {SelectorOperator::kLessThan, "lt"},
}};

bool Contains(const std::vector<std::string>& values, const std::string& value) {
  return std::find(values.begin(), values.end(), value) != values.end();
}

}  // namespace

std::string_view ToString(SelectorOperator op) {
  for (const auto& [value, name] : kOperators) {
    if (value == op) return name;
  }
  return "?";
}

Result<SelectorOperator> ParseSelectorOperator(std::string_view text) {
  for (const auto& [value, name] : kOperators) {
    if (EqualsIgnoreCase(name, text)) return value;
  }
  return Status::InvalidArgument("unknown operator '" + std::string(text) +
                                 "'; valid: =, ==, !=, in, notin, exists, !, gt, lt");
}

Status LabelSelector::Validate() const {
  if (key.empty()) return Status::InvalidArgument("Key: must not be empty");
  for (char c : key) {
    if (static_cast<unsigned char>(c) <= ' ') {
      return Status::InvalidArgument("Key '" + key + "': must not contain spaces");
    }
  }
  const std::string op_name(models::ToString(op));
  switch (op) {
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      if (values.empty()) {
        return Status::InvalidArgument("operator '" + op_name + "' on key '" + key +
                                       "' needs at least one value in Values");
      }
      return Status::Ok();
    case SelectorOperator::kExists:
    case SelectorOperator::kDoesNotExist:
      if (!values.empty()) {
        return Status::InvalidArgument("operator '" + op_name + "' on key '" + key +
                                       "' takes no Values, got " + std::to_string(values.size()));
      }
      return Status::Ok();
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan:
      if (values.size() != 1) break;
      if (!ParseInt64(values[0])) {
        return Status::InvalidArgument("operator '" + op_name + "' on key '" + key +
                                       "' needs an integer value, got '" + values[0] + "'");
      }
      return Status::Ok();
    default:
      if (values.size() != 1) break;
      return Status::Ok();
  }
  return Status::InvalidArgument("operator '" + op_name + "' on key '" + key +
                                 "' needs exactly one value in Values, got " +
                                 std::to_string(values.size()));
}

bool LabelSelector::Matches(const std::map<std::string, std::string>& labels) const {
  auto it = labels.find(key);
  const bool present = it != labels.end();
  switch (op) {
    case SelectorOperator::kEquals:
    case SelectorOperator::kDoubleEquals:
    case SelectorOperator::kIn:
      return present && Contains(values, it->second);
    case SelectorOperator::kNotEquals:
    case SelectorOperator::kNotIn:
      // Kubernetes semantics: a node without the label satisfies "!=" and "notin".
      return !present || !Contains(values, it->second);
    case SelectorOperator::kExists:
      return present;
    case SelectorOperator::kDoesNotExist:
      return !present;
    case SelectorOperator::kGreaterThan:
    case SelectorOperator::kLessThan: {
      if (!present || values.size() != 1) return false;
      std::optional<int64_t> label = ParseInt64(it->second);
      std::optional<int64_t> bound = ParseInt64(values[0]);
      if (!label || !bound) return false;
      return op == SelectorOperator::kGreaterThan ? *label > *bound : *label < *bound;
    }
  }
  return false;
}

std::string LabelSelector::ToString() const {
  const std::string op_name(models::ToString(op));
  switch (op) {
    case SelectorOperator::kExists:
      return key + " exists";
    case SelectorOperator::kDoesNotExist:
      return "!" + key;
    case SelectorOperator::kIn:
    case SelectorOperator::kNotIn:
      return key + " " + op_name + " (" + JoinComma(values) + ")";
    default:
      return key + " " + op_name + " " + (values.empty() ? "" : values[0]);
  }
}

bool MatchesAll(const std::vector<LabelSelector>& selectors,
                const std::map<std::string, std::string>& labels) {
  return std::all_of(selectors.begin(), selectors.end(),
                     [&](const LabelSelector& s) { return s.Matches(labels); });
}

}  // namespace shoal::models
