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

// Runs the CLI; returns the process exit code.
int Main(int argc, char** argv);

}  // namespace shoal::cli
