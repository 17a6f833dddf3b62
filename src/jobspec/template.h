// Client-side templating of job files, the subset of Go text/template (with
// missingkey=error) that Bacalhau job files use, applied to the whole file (comments included)
// before YAML parsing.
//
// Supported actions:
//   {{.Name}}  {{ .Name }}      the value of variable Name (values are pasted verbatim)
//   {{/* comment */}}           nothing
//   {{"text"}}  {{`text`}}      a literal (the way to write "{{" itself: {{"{{"}})
//   {{- ...}}  {{... -}}        trim whitespace before / after the action, as in Go
// Anything else inside {{ }} (if, range, pipelines, functions) is an error naming its line.
// Single braces such as the publisher placeholder {jobID} are plain text and stay untouched.
// Every missing variable is reported at once, with the lines that use it.
//
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace shoal::jobspec {

// Variable name -> value.
using TemplateVars = std::map<std::string, std::string>;

// Builds the variables of a run: environment variables whose names match any of the `-E`
// regular expressions (RE2 syntax, unanchored like Go's MatchString; "*" means all), then every
// `-V NAME=VALUE` (split at the first '='; a later -V for the same name wins), so explicit -V
// values win over imported ones. A -V without '=', with an empty or non-identifier NAME, or an
// invalid regex is an InvalidArgument error naming the flag value.
Result<TemplateVars> BuildTemplateVars(const std::vector<std::string>& dash_v,
                                       const std::vector<std::string>& dash_e_regexes,
                                       const std::map<std::string, std::string>& environment);

// Renders `text`. Errors: "missing template variables: Region (lines 3, 17), Events (line 9);
// set them with -V NAME=VALUE or import environment variables with -E REGEX", or
// "line 4: unsupported template action '{{ if .X }}'; ...", or "line 4: unclosed action ...".
Result<std::string> RenderTemplate(std::string_view text, const TemplateVars& vars);

}  // namespace shoal::jobspec
