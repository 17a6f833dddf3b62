// Registration of `shoal` subcommands on the CLI11 app.
//
// Each Add*Command attaches a subcommand whose callback runs it and stores the process exit code
// in `exit_code` (0 success, 1 a failed operation, 2 bad usage or input). Errors go to stderr as
// "shoal <command>: <message>".
//
// Thread-safety: called once from main.
#pragma once

#include <CLI/CLI.hpp>

namespace shoal::cli {

void AddSqlCommand(CLI::App& app, int& exit_code);
void AddGenerateCommand(CLI::App& app, int& exit_code);
// The verbs that talk to the orchestrator (SHOAL_API_HOST/SHOAL_API_PORT, default localhost:1234).
void AddJobCommand(CLI::App& app, int& exit_code);
void AddNodeCommand(CLI::App& app, int& exit_code);
// `shoal node token ...`, under the `node` subcommand: edits the node-tokens file, offline.
void AddNodeTokenCommand(CLI::App& node, int& exit_code);
void AddAgentCommand(CLI::App& app, int& exit_code);
void AddTableCommand(CLI::App& app, int& exit_code);
// `shoal table compact`, added to the `table` command by AddTableCommand.
void AddTableCompactCommand(CLI::App& table, int& exit_code);
void AddQueryCommand(CLI::App& app, int& exit_code);
// Long-running servers: an orchestrator or a compute node, and the all-in-one devstack.
void AddServeCommand(CLI::App& app, int& exit_code);
void AddDevstackCommand(CLI::App& app, int& exit_code);

// Runs the CLI; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace shoal::cli
