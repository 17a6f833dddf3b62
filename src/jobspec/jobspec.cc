#include "jobspec/jobspec.h"

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>
#include <yaml-cpp/yaml.h>

#include "jobspec/spec_decoder.h"
#include "jobspec/yaml_reader.h"
#include "models/text.h"

namespace shoal::jobspec {
namespace {

Status MalformedYaml(const YAML::Exception& e) {
  std::string where;
  if (e.mark.line >= 0) {
    where = "line " + std::to_string(e.mark.line + 1) + ", column " +
            std::to_string(e.mark.column + 1) + ": ";
  }
  return Status::InvalidArgument(where + "malformed YAML: " + e.msg);
}

// Ignores every parse event: a parse that only counts documents.
class IgnoreEvents : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7 (Debian 12's) reports empty documents forever on some malformed input ("\n,\n"),
// so YAML::LoadAll never returns and its memory grows until the machine runs out (fixed upstream
// in 0.8). A first pass counts the documents, up to a bound no job file comes near.
// Throws YAML::Exception on malformed YAML.
void CheckDocumentCount(const std::string& yaml) {
  constexpr int kMaxDocuments = 1000;
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  IgnoreEvents ignore;
  for (int documents = 1; parser.HandleNextDocument(ignore); ++documents) {
    if (documents > kMaxDocuments) {
      throw YAML::ParserException(YAML::Mark::null_mark(),
                                  "more than " + std::to_string(kMaxDocuments) +
                                      " documents (is a ',' or ']' out of place?)");
    }
  }
}

Result<YAML::Node> LoadSingleDocument(const std::string& yaml) {
  if (models::TrimAscii(yaml).empty()) {
    return Status::InvalidArgument("the job spec is empty");
  }
  std::vector<YAML::Node> documents;
  try {
    CheckDocumentCount(yaml);
    documents = YAML::LoadAll(yaml);
  } catch (const YAML::Exception& e) {
    return MalformedYaml(e);
  }
  std::vector<YAML::Node> jobs;
  for (const YAML::Node& doc : documents) {
    if (doc.IsDefined() && !doc.IsNull()) jobs.push_back(doc);
  }
  if (jobs.empty()) return Status::InvalidArgument("the job spec is empty (only comments)");
  if (jobs.size() > 1) {
    return Status::InvalidArgument("line " + std::to_string(LineOf(jobs[1])) + ": the file holds " +
                                   std::to_string(jobs.size()) +
                                   " YAML documents; put one job per file");
  }
  if (!jobs[0].IsMap()) {
    return Status::InvalidArgument("line " + std::to_string(LineOf(jobs[0])) +
                                   ": expected the job as a map of fields (Name, Type, Tasks, "
                                   "...), got " +
                                   Describe(jobs[0]));
  }
  return jobs[0];
}

}  // namespace

namespace {

// "line L, column C: <problem> (byte 0xNN)<advice>" for the byte at `offset` of `yaml`.
Status ByteError(std::string_view yaml, size_t offset, const std::string& problem,
                 const std::string& advice) {
  const std::string_view before = yaml.substr(0, offset);
  const size_t line = 1 + std::count(before.begin(), before.end(), '\n');
  const size_t line_start = before.rfind('\n');
  const size_t column = offset - (line_start == std::string_view::npos ? 0 : line_start + 1) + 1;
  char hex[8];
  std::snprintf(hex, sizeof(hex), "0x%02X", static_cast<unsigned char>(yaml[offset]));
  return Status::InvalidArgument("line " + std::to_string(line) + ", column " +
                                 std::to_string(column) + ": " + problem + " (byte " + hex + ")" +
                                 advice);
}

}  // namespace

namespace {

// The value of `name` in map `node`, keys compared without case as the decoder does; an
// undefined node when there is none.
YAML::Node FieldOf(const YAML::Node& node, const char* name) {
  if (!node.IsMap()) return YAML::Node(YAML::NodeType::Undefined);
  for (auto it = node.begin(); it != node.end(); ++it) {
    if (it->first.IsScalar() && models::EqualsIgnoreCase(it->first.Scalar(), name)) {
      return it->second;
    }
  }
  return YAML::Node(YAML::NodeType::Undefined);
}

// Where the SQL of a duckdb task sits in the file: Params.SQL, or the last of a docker alias's
// Parameters ([-c, SQL] or [SQL]). `path` gets its field path.
YAML::Node SqlNode(const YAML::Node& root, std::string* path) {
  const YAML::Node tasks = FieldOf(root, "Tasks");
  if (!tasks.IsSequence() || tasks.size() == 0) return YAML::Node(YAML::NodeType::Undefined);
  const YAML::Node params = FieldOf(FieldOf(tasks[0], "Engine"), "Params");
  *path = "Tasks[0].Engine.Params.SQL";
  const YAML::Node sql = FieldOf(params, "SQL");
  if (sql.IsDefined()) return sql;
  const YAML::Node parameters = FieldOf(params, "Parameters");
  if (!parameters.IsSequence() || parameters.size() == 0) {
    return YAML::Node(YAML::NodeType::Undefined);
  }
  *path = "Tasks[0].Engine.Params.Parameters[" + std::to_string(parameters.size() - 1) + "]";
  return parameters[parameters.size() - 1];
}

// The line of the file that byte `offset` of the SQL scalar `node` is on: a block scalar (`|`,
// `>`) starts on the line after its indicator; a plain or quoted one on its own line.
int SqlLine(std::string_view yaml, const YAML::Node& node, std::string_view sql,
            std::optional<size_t> offset) {
  const YAML::Mark mark = node.Mark();
  if (mark.line < 0) return 0;
  int line = mark.line + 1;
  if (mark.pos >= 0 && static_cast<size_t>(mark.pos) < yaml.size() &&
      (yaml[mark.pos] == '|' || yaml[mark.pos] == '>')) {
    ++line;
  }
  if (offset) {
    const std::string_view before = sql.substr(0, std::min(*offset, sql.size()));
    line += static_cast<int>(std::count(before.begin(), before.end(), '\n'));
  }
  return line;
}

}  // namespace

Result<ParsedJob> ParseJobYaml(
    std::string_view yaml,
    const std::function<std::optional<SqlProblem>(const std::string& sql)>& check_sql) {
  // Job specs travel as JSON, which is UTF-8: a file saved in another encoding (Latin-1 "café")
  // is refused here, where the line can be named, rather than failing to encode later.
  if (size_t bad = models::InvalidUtf8Offset(yaml); bad != std::string_view::npos) {
    return ByteError(yaml, bad, "the job spec is not UTF-8", "; save the file as UTF-8");
  }
  // YAML allows no control characters but tab, line feed and carriage return; yaml-cpp reads a
  // NUL byte into text that is no longer UTF-8 (found by fuzz/jobspec_fuzzer).
  for (size_t i = 0; i < yaml.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(yaml[i]);
    if ((c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F) {
      return ByteError(yaml, i, "the job spec holds a control character, which YAML does not allow",
                       "");
    }
  }
  SHOAL_ASSIGN_OR_RETURN(YAML::Node root, LoadSingleDocument(std::string(yaml)));
  ParsedJob parsed;
  Problems problems;
  try {
    DecodeJob(problems, root, &parsed.job);
  } catch (const YAML::Exception& e) {
    // The decoder checks node kinds before reading them; this guards user input regardless.
    return MalformedYaml(e);
  }
  SHOAL_RETURN_IF_ERROR(problems.ToStatus());
  const models::SpecConfig& engine = parsed.job.task.engine;
  auto sql = engine.params.find("SQL");
  if (check_sql && engine.type == models::kEngineDuckdb && sql != engine.params.end() &&
      sql->is_string()) {
    if (std::optional<SqlProblem> problem = check_sql(sql->get<std::string>())) {
      std::string path;
      const YAML::Node node = SqlNode(root, &path);
      problems.Error(SqlLine(yaml, node, sql->get<std::string>(), problem->offset), path,
                     "the SQL cannot run: " + problem->message);
      return problems.ToStatus();
    }
  }
  // The decoder applies every rule with a line number; this is the same check the orchestrator
  // runs on JSON submissions, kept as a safety net.
  Status valid = models::ValidateJob(parsed.job);
  if (!valid.ok()) return Status::InvalidArgument(valid.message());
  parsed.warnings = problems.Warnings();
  return parsed;
}

Result<ParsedJob> ParseJobSpec(std::string_view text, const SpecOptions& options) {
  if (!options.templating) return ParseJobYaml(text, options.check_sql);
  SHOAL_ASSIGN_OR_RETURN(std::string rendered, RenderTemplate(text, options.vars));
  return ParseJobYaml(rendered, options.check_sql);
}

Result<ParsedJob> LoadJobSpecFile(const std::string& path, const SpecOptions& options) {
  std::string text;
  if (path == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) return Status::InvalidArgument(path + ": cannot read the job file");
    std::ostringstream buffer;
    buffer << in.rdbuf();
    text = buffer.str();
  }
  Result<ParsedJob> parsed = ParseJobSpec(text, options);
  if (!parsed.ok()) return parsed.status().WithContext(path == "-" ? "stdin" : path);
  return parsed;
}

}  // namespace shoal::jobspec
