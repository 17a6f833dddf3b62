#include "jobspec/template.h"

#include <algorithm>
#include <optional>
#include <utility>

#include <re2/re2.h>
#include <unistd.h>

#include "models/text.h"

namespace shoal::jobspec {
namespace {

constexpr size_t kNpos = std::string_view::npos;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

bool IsIdentifier(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    bool digit = c >= '0' && c <= '9';
    if (!alpha && !(digit && i > 0)) return false;
  }
  return true;
}

int CountLines(std::string_view s) {
  return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

// Index of the "}}" closing an action whose body starts at `pos`, skipping quoted strings
// (which may contain "}}"); kNpos when there is none.
size_t FindActionEnd(std::string_view text, size_t pos) {
  while (pos + 1 < text.size()) {
    char c = text[pos];
    if (c == '"' || c == '\'') {
      for (++pos; pos < text.size() && text[pos] != c && text[pos] != '\n'; ++pos) {
        if (text[pos] == '\\') ++pos;
      }
      ++pos;
      continue;
    }
    if (c == '`') {
      pos = text.find('`', pos + 1);
      if (pos == kNpos) return kNpos;
      ++pos;
      continue;
    }
    if (c == '}' && text[pos + 1] == '}') return pos;
    ++pos;
  }
  return kNpos;
}

// The value of a Go string literal "..." (common escapes) or `raw`; nullopt if `s` is not one.
std::optional<std::string> Unquote(std::string_view s) {
  if (s.size() < 2 || s.front() != s.back()) return std::nullopt;
  if (s.front() == '`') return std::string(s.substr(1, s.size() - 2));
  if (s.front() != '"') return std::nullopt;
  std::string out;
  for (size_t i = 1; i + 1 < s.size(); ++i) {
    char c = s[i];
    if (c == '"') return std::nullopt;  // an unescaped quote inside: not one literal
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i + 1 >= s.size()) return std::nullopt;
    switch (s[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      default:
        return std::nullopt;
    }
  }
  return out;
}

std::string Snippet(std::string_view action) {
  constexpr size_t kMax = 60;
  std::string out(action.substr(0, kMax));
  std::replace(out.begin(), out.end(), '\n', ' ');
  return action.size() > kMax ? out + "..." : out;
}

Status LineError(int line, const std::string& message) {
  return Status::InvalidArgument("line " + std::to_string(line) + ": " + message);
}

// Missing variables in order of first use, with every line that uses them.
class MissingVars {
 public:
  void Add(const std::string& name, int line) {
    auto it =
        std::find_if(vars_.begin(), vars_.end(), [&](const auto& v) { return v.first == name; });
    if (it == vars_.end()) it = vars_.insert(vars_.end(), {name, {}});
    if (it->second.empty() || it->second.back() != line) it->second.push_back(line);
  }
  bool empty() const { return vars_.empty(); }
  Status ToStatus() const {
    std::string list;
    for (const auto& [name, lines] : vars_) {
      if (!list.empty()) list += ", ";
      list += name + (lines.size() == 1 ? " (line " : " (lines ");
      for (size_t i = 0; i < lines.size(); ++i) {
        list += (i ? ", " : "") + std::to_string(lines[i]);
      }
      list += ")";
    }
    return Status::InvalidArgument(
        std::string(vars_.size() == 1 ? "missing template variable: "
                                      : "missing template variables: ") +
        list + "; set them with -V NAME=VALUE or import environment variables with -E REGEX");
  }

 private:
  std::vector<std::pair<std::string, std::vector<int>>> vars_;
};

}  // namespace

namespace {

// Bacalhau reads `-V a=1,b=2` as two variables (and `-V a=1,2` as one). An entry is split at
// its commas when every piece is NAME=VALUE, so a value holding a comma (`-V Cols=a,b`) stays
// whole.
std::vector<std::string> SplitAssignments(const std::vector<std::string>& dash_v) {
  std::vector<std::string> assignments;
  for (const std::string& entry : dash_v) {
    std::vector<std::string> pieces;
    size_t start = 0;
    while (true) {
      const size_t comma = entry.find(',', start);
      pieces.push_back(entry.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    const bool all_assignments =
        pieces.size() > 1 && std::all_of(pieces.begin(), pieces.end(), [](const std::string& p) {
          const size_t eq = p.find('=');
          return eq != std::string::npos && eq > 0 && IsIdentifier(p.substr(0, eq));
        });
    if (all_assignments) {
      assignments.insert(assignments.end(), pieces.begin(), pieces.end());
    } else {
      assignments.push_back(entry);
    }
  }
  return assignments;
}

}  // namespace

Result<TemplateVars> BuildTemplateVars(const std::vector<std::string>& dash_v,
                                       const std::vector<std::string>& dash_e_regexes,
                                       const std::map<std::string, std::string>& environment) {
  TemplateVars vars;
  for (const std::string& pattern : dash_e_regexes) {
    // Bacalhau treats a lone "*" as "every variable"; otherwise it is a regex.
    RE2 re(pattern == "*" ? ".*" : pattern, RE2::Quiet);
    if (!re.ok()) {
      return Status::InvalidArgument("-E '" + pattern +
                                     "': invalid regular expression: " + re.error());
    }
    for (const auto& [name, value] : environment) {
      if (RE2::PartialMatch(name, re)) vars[name] = value;
    }
  }
  for (const std::string& assignment : SplitAssignments(dash_v)) {
    size_t eq = assignment.find('=');
    if (eq == std::string::npos || eq == 0) {
      return Status::InvalidArgument("-V '" + assignment + "': expected NAME=VALUE");
    }
    std::string name = assignment.substr(0, eq);
    if (!IsIdentifier(name)) {
      return Status::InvalidArgument("-V '" + assignment +
                                     "': NAME may contain only letters, digits and '_' (it is "
                                     "used as {{." +
                                     name + "}})");
    }
    vars[name] = assignment.substr(eq + 1);
  }
  return vars;
}

Result<std::string> RenderTemplate(std::string_view text, const TemplateVars& vars) {
  std::string out;
  MissingVars missing;
  int line = 1;  // line of text[pos]
  size_t pos = 0;
  // Skips whitespace after a right trim marker, keeping `line` right.
  auto skip_space = [&] {
    while (pos < text.size() && IsSpace(text[pos])) {
      if (text[pos] == '\n') ++line;
      ++pos;
    }
  };
  while (true) {
    size_t open = text.find("{{", pos);
    std::string_view chunk = text.substr(pos, open == kNpos ? kNpos : open - pos);
    const size_t chunk_start = out.size();
    out += chunk;
    line += CountLines(chunk);
    if (open == kNpos) break;
    const int action_line = line;
    size_t body = open + 2;
    // "{{- " trims the whitespace ending the text just before, as in Go.
    if (body + 1 < text.size() && text[body] == '-' && IsSpace(text[body + 1])) {
      body += 2;
      while (out.size() > chunk_start && IsSpace(out.back())) out.pop_back();
    }
    size_t close;  // index of the closing "}}"
    bool trim_right = false;
    if (text.substr(body, 2) == "/*") {
      size_t end = text.find("*/", body + 2);
      if (end == kNpos) return LineError(action_line, "unclosed comment: '/*' without '*/'");
      size_t after = end + 2;
      if (after < text.size() && IsSpace(text[after]) && text.substr(after + 1, 3) == "-}}") {
        trim_right = true;
        close = after + 2;
      } else if (text.substr(after, 2) == "}}") {
        close = after;
      } else {
        return LineError(action_line, "a comment must end with '*/}}'");
      }
    } else {
      close = FindActionEnd(text, body);
      if (close == kNpos) {
        return LineError(action_line, "unclosed action: '{{' without a matching '}}'");
      }
      std::string_view inner = text.substr(body, close - body);
      if (inner.size() >= 2 && inner.back() == '-' && IsSpace(inner[inner.size() - 2])) {
        trim_right = true;
        inner.remove_suffix(1);
      }
      inner = models::TrimAscii(inner);
      if (inner.size() > 1 && inner[0] == '.' && IsIdentifier(inner.substr(1))) {
        std::string name(inner.substr(1));
        auto it = vars.find(name);
        if (it != vars.end()) {
          out += it->second;
        } else {
          missing.Add(name, action_line);
        }
      } else if (std::optional<std::string> literal = Unquote(inner)) {
        out += *literal;
      } else {
        return LineError(action_line,
                         "unsupported template action '" +
                             Snippet(text.substr(open, close + 2 - open)) +
                             "'; job files may use only {{.Name}}, {{/* comments */}} and "
                             "literals such as {{\"{{\"}}");
      }
    }
    line += CountLines(text.substr(open, close + 2 - open));
    pos = close + 2;
    if (trim_right) skip_space();
  }
  if (!missing.empty()) return missing.ToStatus();
  return out;
}

}  // namespace shoal::jobspec
