#include "metrics/testing/exposition_parser.h"

#include <cmath>
#include <cstdlib>
#include <set>

namespace shoal::metrics::testing {
namespace {

bool IsMetricName(const std::string& name) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
    if (!letter && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

bool IsLabelName(const std::string& name) {
  return IsMetricName(name) && name.find(':') == std::string::npos && name.rfind("__", 0) != 0;
}

bool EndsWith(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// A value as the format writes it: a Go ParseFloat number, NaN or +-Inf.
bool ParseValue(const std::string& text, double* value) {
  if (text == "NaN") return *value = std::nan(""), true;
  if (text == "+Inf" || text == "Inf") return *value = INFINITY, true;
  if (text == "-Inf") return *value = -INFINITY, true;
  if (text.empty()) return false;
  char* end = nullptr;
  *value = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size() && std::isfinite(*value);
}

// The family a sample name belongs to, given the TYPEd families: a histogram's series carry a
// suffix.
std::string FamilyOf(const std::string& name, const std::map<std::string, ParsedFamily>& families) {
  for (const char* suffix : {"_bucket", "_sum", "_count"}) {
    if (!EndsWith(name, suffix)) continue;
    const std::string base = name.substr(0, name.size() - std::string(suffix).size());
    auto it = families.find(base);
    if (it != families.end() && (it->second.type == "histogram" || it->second.type == "summary")) {
      return base;
    }
  }
  return name;
}

struct Parser {
  ParsedExposition out;
  std::set<std::string> helped;
  std::set<std::string> finished;  // families whose group has ended
  std::string current;             // the family of the group being read
  std::set<std::string> series;    // name + canonical labels, to catch duplicates
  std::set<std::string> sampled;   // names that have samples (a family's or, untyped, their own)
  int line_number = 0;

  Status Error(const std::string& why) const {
    return Status::InvalidArgument("line " + std::to_string(line_number) + ": " + why);
  }

  // Moves to `family`'s group; an error when it was already left.
  Status Enter(const std::string& family) {
    if (family == current) return Status::Ok();
    if (finished.count(family)) {
      return Error("lines of " + family + " are not together (its group ended before)");
    }
    if (!current.empty()) finished.insert(current);
    current = family;
    return Status::Ok();
  }

  Status Comment(const std::string& line) {
    // "# HELP name text" / "# TYPE name type"; any other comment is ignored.
    const bool help = line.rfind("# HELP ", 0) == 0;
    const bool type = line.rfind("# TYPE ", 0) == 0;
    if (!help && !type) return Status::Ok();
    const std::string rest = line.substr(7);
    const size_t space = rest.find(' ');
    const std::string name = rest.substr(0, space);
    const std::string text = space == std::string::npos ? "" : rest.substr(space + 1);
    if (!IsMetricName(name)) return Error("bad metric name '" + name + "'");
    SHOAL_RETURN_IF_ERROR(Enter(name));
    if (help) {
      if (!helped.insert(name).second) return Error("second HELP for " + name);
      for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '\\' &&
            (i + 1 == text.size() || (text[i + 1] != '\\' && text[i + 1] != 'n'))) {
          return Error("HELP of " + name + " has a bad escape");
        }
        if (text[i] == '\\') ++i;
      }
      out.families[name].help = text;
      return Status::Ok();
    }
    static const std::set<std::string> kTypes = {"counter", "gauge", "histogram", "summary",
                                                 "untyped"};
    if (!kTypes.count(text)) return Error("unknown TYPE '" + text + "' for " + name);
    if (!out.families[name].type.empty()) return Error("second TYPE for " + name);
    if (sampled.count(name)) return Error("TYPE of " + name + " after its samples");
    out.families[name].type = text;
    if (text == "counter" && !EndsWith(name, "_total")) {
      return Error("counter " + name + " does not end in _total");
    }
    return Status::Ok();
  }

  Status Sample(const std::string& line) {
    ParsedSample sample;
    size_t i = 0;
    while (i < line.size() && line[i] != '{' && line[i] != ' ') ++i;
    sample.name = line.substr(0, i);
    if (!IsMetricName(sample.name)) return Error("bad metric name '" + sample.name + "'");
    std::string canonical = sample.name + "{";
    if (i < line.size() && line[i] == '{') {
      ++i;
      while (i < line.size() && line[i] != '}') {
        size_t eq = line.find('=', i);
        if (eq == std::string::npos) return Error("label without '='");
        const std::string label = line.substr(i, eq - i);
        if (!IsLabelName(label)) return Error("bad label name '" + label + "'");
        if (eq + 1 >= line.size() || line[eq + 1] != '"') return Error("label value not quoted");
        std::string value;
        size_t j = eq + 2;
        for (; j < line.size() && line[j] != '"'; ++j) {
          if (line[j] == '\\') {
            if (j + 1 >= line.size()) return Error("label value ends in '\\'");
            const char next = line[++j];
            if (next == 'n') {
              value += '\n';
            } else if (next == '\\' || next == '"') {
              value += next;
            } else {
              return Error("bad escape in a label value");
            }
          } else {
            value += line[j];
          }
        }
        if (j >= line.size()) return Error("label value not closed");
        if (!sample.labels.emplace(label, value).second) return Error("label " + label + " twice");
        i = j + 1;
        if (i < line.size() && line[i] == ',') ++i;
      }
      if (i >= line.size()) return Error("labels not closed");
      ++i;
    }
    for (const auto& [k, v] : sample.labels) canonical += k + "=" + v + ",";
    if (i >= line.size() || line[i] != ' ') return Error("no value");
    std::string rest = line.substr(i + 1);
    const size_t space = rest.find(' ');
    std::string value_text = rest.substr(0, space);
    if (space != std::string::npos) {
      const std::string timestamp = rest.substr(space + 1);
      if (timestamp.empty() || timestamp.find_first_not_of("-0123456789") != std::string::npos) {
        return Error("bad timestamp '" + timestamp + "'");
      }
    }
    if (!ParseValue(value_text, &sample.value)) return Error("bad value '" + value_text + "'");
    const std::string family = FamilyOf(sample.name, out.families);
    sampled.insert(family);
    sampled.insert(sample.name);
    auto it = out.families.find(family);
    if (it == out.families.end() || it->second.type.empty()) {
      return Error(sample.name + " has no TYPE before it");
    }
    if (it->second.type == "histogram" && family == sample.name) {
      return Error("histogram sample " + sample.name + " without _bucket/_sum/_count");
    }
    SHOAL_RETURN_IF_ERROR(Enter(family));
    if (!series.insert(canonical).second) return Error("series " + canonical + "} twice");
    out.samples.push_back(std::move(sample));
    return Status::Ok();
  }

  // Each histogram series: buckets by increasing le, non-decreasing, +Inf == _count, a _sum.
  Status CheckHistograms() const {
    for (const auto& [family, info] : out.families) {
      if (info.type != "histogram") continue;
      std::map<std::map<std::string, std::string>, std::vector<std::pair<double, double>>> buckets;
      std::map<std::map<std::string, std::string>, double> counts;
      std::set<std::map<std::string, std::string>> sums;
      for (const auto& s : out.samples) {
        auto labels = s.labels;
        if (s.name == family + "_bucket") {
          auto le = labels.find("le");
          double bound = 0;
          if (le == labels.end() || !ParseValue(le->second, &bound) || std::isnan(bound)) {
            return Status::InvalidArgument(family + "_bucket without a numeric le");
          }
          labels.erase("le");
          buckets[labels].emplace_back(bound, s.value);
        } else if (s.name == family + "_count") {
          counts[labels] = s.value;
        } else if (s.name == family + "_sum") {
          sums.insert(labels);
        }
      }
      for (const auto& [labels, series] : buckets) {
        for (size_t i = 1; i < series.size(); ++i) {
          if (!(series[i].first > series[i - 1].first)) {
            return Status::InvalidArgument(family + ": le bounds do not increase");
          }
          if (series[i].second < series[i - 1].second) {
            return Status::InvalidArgument(family + ": bucket counts decrease");
          }
        }
        if (series.empty() || !std::isinf(series.back().first)) {
          return Status::InvalidArgument(family + ": buckets do not end with le=\"+Inf\"");
        }
        auto count = counts.find(labels);
        if (count == counts.end() || count->second != series.back().second) {
          return Status::InvalidArgument(family + ": the +Inf bucket is not _count");
        }
        if (!sums.count(labels)) return Status::InvalidArgument(family + ": no _sum");
      }
      for (const auto& [labels, count] : counts) {
        if (!buckets.count(labels))
          return Status::InvalidArgument(family + ": _count without buckets");
      }
    }
    return Status::Ok();
  }
};

bool Matches(const ParsedSample& sample, const std::string& name,
             const std::map<std::string, std::string>& match) {
  if (sample.name != name) return false;
  for (const auto& [k, v] : match) {
    auto it = sample.labels.find(k);
    if (it == sample.labels.end() || it->second != v) return false;
  }
  return true;
}

}  // namespace

double ParsedExposition::Sum(const std::string& name,
                             const std::map<std::string, std::string>& match) const {
  double sum = 0;
  for (const auto& s : samples) {
    if (Matches(s, name, match)) sum += s.value;
  }
  return sum;
}

int ParsedExposition::Count(const std::string& name,
                            const std::map<std::string, std::string>& match) const {
  int n = 0;
  for (const auto& s : samples) n += Matches(s, name, match) ? 1 : 0;
  return n;
}

Result<ParsedExposition> ParseExposition(const std::string& text) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("the exposition does not end with a newline");
  }
  Parser parser;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = text.find('\n', start);
    const std::string line = text.substr(start, end - start);
    start = end + 1;
    ++parser.line_number;
    if (line.empty()) continue;
    if (line[0] == '#') {
      SHOAL_RETURN_IF_ERROR(parser.Comment(line));
    } else {
      SHOAL_RETURN_IF_ERROR(parser.Sample(line));
    }
  }
  SHOAL_RETURN_IF_ERROR(parser.CheckHistograms());
  return std::move(parser.out);
}

}  // namespace shoal::metrics::testing
