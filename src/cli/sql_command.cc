// `shoal sql`: runs SQL on the embedded engine with Shoal's functions, printing each result.
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "cli/command.h"
#include "common/environment.h"
#include "engine/engine.h"
#include "format/output_format.h"

namespace shoal::cli {

namespace {

struct SqlFlags {
  std::string command;
  std::string file;
  std::string format = "table";
  std::string partition;
  int threads = 0;
  std::string memory_limit;
};

Result<std::string> ReadSql(const SqlFlags& flags) {
  if (!flags.command.empty() && !flags.file.empty()) {
    return Status::InvalidArgument("give the SQL with -c or -f, not both");
  }
  if (!flags.command.empty()) return flags.command;
  std::stringstream text;
  if (!flags.file.empty()) {
    std::ifstream in(flags.file);
    if (!in) return Status::InvalidArgument("cannot read SQL file '" + flags.file + "'");
    text << in.rdbuf();
  } else {
    text << std::cin.rdbuf();
  }
  return text.str();
}

int RunSql(const SqlFlags& flags) {
  auto fail = [](int code, const Status& status) {
    std::cerr << "shoal sql: " << status.message() << "\n";
    return code;
  };
  auto output_format = format::ParseOutputFormat(flags.format);
  if (!output_format.ok()) return fail(2, output_format.status().WithContext("--format"));
  auto partition = flags.partition.empty() ? engine::PartitionFromEnvironment()
                                           : engine::ParsePartitionFlag(flags.partition);
  if (!partition.ok()) return fail(2, partition.status());
  auto sql = ReadSql(flags);
  if (!sql.ok()) return fail(2, sql.status());

  engine::SessionOptions options;
  options.partition = *partition;
  options.threads = flags.threads;
  options.memory_limit = flags.memory_limit;
  // s3:// falls back to DUCKDB_S3_ENDPOINT, AWS_ACCESS_KEY_ID, ... as DuckDB's httpfs does: the
  // user's own environment is theirs to use here (unlike a node's, which holds the node's).
  options.s3.environment = CurrentEnvironment();
  auto session = engine::Session::Open(options);
  if (!session.ok()) return fail(2, session.status());

  auto printer = format::MakePrinter(*output_format, std::cout);
  std::vector<engine::StatementOutcome> outcomes;
  Status status = (*session)->ExecuteScript(*sql, *printer, &outcomes);
  for (auto& outcome : outcomes) {
    if (outcome.empty_file_list) {
      std::cerr << "shoal sql: note: statement " << outcome.index << " read an empty partition ("
                << options.partition.index << "/" << options.partition.count
                << " selected no files) and produced no rows\n";
    }
  }
  if (!status.ok()) return fail(1, status);
  return 0;
}

}  // namespace

void AddSqlCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<SqlFlags>();
  CLI::App* sql = app.add_subcommand(
      "sql", "Run SQL on the embedded DuckDB with Shoal's functions (from -c, -f or stdin)");
  sql->add_option("-c,--command", flags->command, "SQL to run (several statements allowed)");
  sql->add_option("-f,--file", flags->file, "file of SQL to run");
  sql->add_option("--format", flags->format, "output format: table, csv, json or jsonl")
      ->capture_default_str();
  sql->add_option("--partition", flags->partition,
                  "partition INDEX/COUNT for partition_by_* (default: BACALHAU_PARTITION_INDEX "
                  "and BACALHAU_PARTITION_COUNT, else 0/1)");
  sql->add_option("--threads", flags->threads, "DuckDB threads (default: one per core)");
  sql->add_option("--memory-limit", flags->memory_limit, "DuckDB memory limit, e.g. 2GB");
  sql->callback([flags, &exit_code] { exit_code = RunSql(*flags); });
}

}  // namespace shoal::cli
