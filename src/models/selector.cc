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

namespace {

std::string Trimmed(std::string_view text) { return std::string(TrimAscii(text)); }

Result<LabelSelector> ParseRequirement(std::string_view text) {
  LabelSelector selector;
  const std::string quoted = "'" + std::string(text) + "'";
  if (!text.empty() && text[0] == '!') {
    selector.key = Trimmed(text.substr(1));
    selector.op = SelectorOperator::kDoesNotExist;
  } else if (size_t open = text.find('('); open != std::string_view::npos) {
    if (text.back() != ')') {
      return Status::InvalidArgument("label selector " + quoted + ": a set ends with ')'");
    }
    std::string_view head = TrimAscii(text.substr(0, open));
    const size_t space = head.find_last_of(" \t");
    if (space == std::string_view::npos) {
      return Status::InvalidArgument("label selector " + quoted + ": write KEY in (A, B)");
    }
    SHOAL_ASSIGN_OR_RETURN(selector.op, ParseSelectorOperator(head.substr(space + 1)));
    if (selector.op != SelectorOperator::kIn && selector.op != SelectorOperator::kNotIn) {
      return Status::InvalidArgument("label selector " + quoted + ": a set needs in or notin");
    }
    selector.key = Trimmed(head.substr(0, space));
    std::string_view values = text.substr(open + 1, text.size() - open - 2);
    while (true) {
      const size_t comma = values.find(',');
      selector.values.push_back(Trimmed(values.substr(0, comma)));
      if (comma == std::string_view::npos) break;
      values.remove_prefix(comma + 1);
    }
  } else {
    static const std::pair<const char*, SelectorOperator> kOperators[] = {
        {"!=", SelectorOperator::kNotEquals},
        {"==", SelectorOperator::kDoubleEquals},
        {"=", SelectorOperator::kEquals},
        {">", SelectorOperator::kGreaterThan},
        {"<", SelectorOperator::kLessThan}};
    selector.op = SelectorOperator::kExists;
    selector.key = Trimmed(text);
    for (const auto& [spelling, op] : kOperators) {
      const size_t at = text.find(spelling);
      if (at == std::string_view::npos) continue;
      selector.key = Trimmed(text.substr(0, at));
      selector.op = op;
      selector.values = {Trimmed(text.substr(at + std::string_view(spelling).size()))};
      break;
    }
  }
  Status valid = selector.Validate();
  if (!valid.ok())
    return Status::InvalidArgument("label selector " + quoted + ": " + valid.message());
  return selector;
}

}  // namespace

Result<std::vector<LabelSelector>> ParseLabelSelectors(std::string_view text) {
  std::vector<LabelSelector> selectors;
  int depth = 0;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] == '(') ++depth;
    if (i < text.size() && text[i] == ')') --depth;
    if (i < text.size() && (text[i] != ',' || depth > 0)) continue;
    std::string_view requirement = TrimAscii(text.substr(start, i - start));
    start = i + 1;
    if (requirement.empty()) {
      if (i == text.size() && selectors.empty() && TrimAscii(text).empty()) break;
      return Status::InvalidArgument("label selector '" + std::string(text) +
                                     "': an empty requirement between commas");
    }
    SHOAL_ASSIGN_OR_RETURN(LabelSelector selector, ParseRequirement(requirement));
    selectors.push_back(std::move(selector));
  }
  return selectors;
}

}  // namespace shoal::models
