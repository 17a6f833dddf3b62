#include <iostream>

#include "cli/command.h"

namespace shoal::cli {

int Main(int argc, char** argv) {
  CLI::App app{"Shoal: a distributed data warehouse that runs SQL where the data lives"};
  app.name("shoal");
  app.require_subcommand(1);
  app.set_version_flag("--version", "shoal 0.1.0 (DuckDB 1.4.4)");
  int exit_code = 0;
  AddSqlCommand(app, exit_code);
  AddGenerateCommand(app, exit_code);
  AddJobCommand(app, exit_code);
  AddNodeCommand(app, exit_code);
  AddAgentCommand(app, exit_code);
  AddServeCommand(app, exit_code);
  AddDevstackCommand(app, exit_code);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return 2;  // bad usage, whatever CLI11's own code
  }
  return exit_code;
}

}  // namespace shoal::cli
