// Job specs: Bacalhau-format YAML job files (job spec v2) turned into a validated models::Job.
//
// The pipeline is Bacalhau's: templating on the client over the whole file (template.h), then
// YAML parsing, then decoding and validation. Errors are InvalidArgument and name the field,
// its path and its line, e.g. "line 12: Tasks[0].Engine.Parms: unknown field; did you mean
// Params?"; every problem of a file is reported at once. Malformed YAML gives yaml-cpp's
// message with its line and column. Warnings (ignored or dropped fields) come back with the
// job. With a SQL checker, a duckdb task's SQL is parsed too, its error reported at its line. The
// accepted format is documented in docs/jobspec.md.
//
// Thread-safety: pure functions (LoadJobSpecFile reads the file system).
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "jobspec/template.h"
#include "models/job.h"

namespace shoal::jobspec {

// What a SQL check found: its message, and the byte of the SQL it points at (if known).
struct SqlProblem {
  std::string message;
  std::optional<size_t> offset;
};

struct SpecOptions {
  // False for `--no-template`: the file is parsed as written.
  bool templating = true;
  // From BuildTemplateVars (-V and -E).
  TemplateVars vars;
  // Checks a duckdb task's SQL (the CLI passes DuckDB's parser, engine/sql_syntax.h; jobspec
  // does not link DuckDB). A problem is reported at the line of the job file it sits on. Null:
  // the SQL is not checked here.
  std::function<std::optional<SqlProblem>(const std::string& sql)> check_sql;
};

struct ParsedJob {
  models::Job job;                    // normalised and valid (models::ValidateJob passes)
  std::vector<std::string> warnings;  // "line 3: ID: ignored: ..."
};

// Renders (unless options.templating is false), parses and validates one job file's text.
Result<ParsedJob> ParseJobSpec(std::string_view text, const SpecOptions& options);

// Parses YAML (or JSON, a subset of YAML) that is already rendered; `check_sql` as in
// SpecOptions.
Result<ParsedJob> ParseJobYaml(
    std::string_view yaml,
    const std::function<std::optional<SqlProblem>(const std::string& sql)>& check_sql = nullptr);

// Reads `path` ("-" reads stdin) and parses it; messages start with the file name
// ("jobs/q.yaml: line 4: ..."). An unreadable file is an InvalidArgument error naming it.
Result<ParsedJob> LoadJobSpecFile(const std::string& path, const SpecOptions& options);

}  // namespace shoal::jobspec
